"""Policy parameters: the shipped TOML file, optionally overridden by another.

A user file only needs the keys it changes; everything else keeps the shipped
default. `Parameters.as_json()` is what the output's `parameters` shows.
"""

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from projections.errors import ProjectionError


class ParameterError(ProjectionError):
    """The parameters file is unreadable or has a wrong value; says which."""


# Indicators that count what should not happen: a target of 0 means "none at
# all", met only while the latest value is 0 (indicators.md). For any other
# indicator a target of 0 is met by any value, as the usual rule says.
COUNTS_OF_WHAT_SHOULD_NOT_HAPPEN = ("evaluation.stage_after_abolition", "compliance.", "dq.")


def zero_means_none(indicator_id: str, target_value: float | None) -> bool:
    return target_value == 0 and indicator_id.startswith(COUNTS_OF_WHAT_SHOULD_NOT_HAPPEN)


@dataclass(frozen=True)
class Target:
    value: float
    target_year: int
    source: str = ""
    from_year: int | None = None
    source_ko: str = ""  # the source in Korean, for the Korean report (optional)


@dataclass(frozen=True)
class Parameters:
    early_career_years: int
    stage_evaluation_abolished_on: date
    integrated_evaluation_from: int
    young_ladder_from: int
    schemes: dict[str, int]
    forecast_window_years: int
    at_risk_tolerance: float
    targets: dict[str, Target] = field(default_factory=dict)
    file: str = "projections/parameters.toml"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "early_career_years": self.early_career_years,
            "stage_evaluation_abolished_on": self.stage_evaluation_abolished_on.isoformat(),
            "integrated_evaluation_from": self.integrated_evaluation_from,
            "young_ladder_from": self.young_ladder_from,
            "bonus_scheme_first_year": dict(sorted(self.schemes.items())),
            "forecast_window_years": self.forecast_window_years,
            "at_risk_tolerance": self.at_risk_tolerance,
            "targets": {
                key: {
                    "value": t.value,
                    "target_year": t.target_year,
                    **({"from_year": t.from_year} if t.from_year is not None else {}),
                    "source": t.source,
                    **({"source_ko": t.source_ko} if t.source_ko else {}),
                }
                for key, t in sorted(self.targets.items())
            },
        }


DEFAULT_FILE = Path(__file__).with_name("parameters.toml")  # as contract/policy.py finds its own


def default_text() -> str:
    return DEFAULT_FILE.read_text("utf-8")


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


TARGET_FIGURES = ("value", "target_year", "from_year")  # what a target's source vouches for


def with_true_sources(
    merged: dict[str, Any], given: dict[str, Any], path: str, shipped: dict[str, Any]
) -> dict[str, Any]:
    """A target the user's file changes says where it now comes from.

    With a `source` of its own, it keeps no shipped `source_ko` (the Korean
    report shows the user's source, not the shipped one's translation).
    Without one, a changed value or year (or first year) no longer claims the shipped source,
    which gave the shipped value: the source names the user's file and what
    the shipped default was, in both languages."""
    for key, target in given.get("targets", {}).items():
        if not isinstance(target, dict):
            continue
        mine = merged["targets"][key]
        if "source" in target:
            if "source_ko" not in target:
                mine.pop("source_ko", None)
            continue
        default = shipped.get("targets", {}).get(key)
        if default is None:  # no shipped target to compare with
            mine.setdefault("source", path)
            continue
        if all(target[k] == default.get(k) for k in TARGET_FIGURES if k in target):
            continue
        was = f"{default.get('value')} by {default.get('target_year')}"
        mine["source"] = f"{path} (the shipped default, {was}, is from: {default.get('source')})"
        if "source_ko" not in target:
            mine["source_ko"] = (
                f"{path} (기본값 {default.get('value')}, {default.get('target_year')}년의 출처: "
                f"{default.get('source_ko') or default.get('source')})"
            )
    return merged


def load_parameters(path: str | None = None) -> Parameters:
    raw = tomllib.loads(default_text())
    name = "projections/parameters.toml"
    if path:
        try:
            given = tomllib.loads(Path(path).read_text("utf-8"))
        except OSError as error:
            raise ParameterError(f"cannot read parameters file {path}: {error.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ParameterError(f"parameters file {path} is not valid TOML: {error}") from None
        if unknown := unknown_keys(given, raw):
            section = home_of(unknown[0], raw)
            hint = (
                f"it belongs under [{section}]"
                if section
                else "a typo? the keys are those of projections/parameters.toml; "
                "schemes may be added"
            )
            raise ParameterError(f"parameters file {path}: unknown key {unknown[0]} ({hint})")
        if table := not_a_table(given, raw):
            raise ParameterError(
                f"parameters file {path}: {table} must be a table, as in "
                "projections/parameters.toml"
            )
        raw = with_true_sources(merge(raw, given), given, path, raw)
        name = path
    try:
        return build(raw, name)
    except (KeyError, TypeError, ValueError) as error:
        raise ParameterError(f"parameters file {name}: bad or missing value ({error})") from None


def home_of(key: str, known: dict[str, Any]) -> str | None:
    """The section of the shipped file that has `key`, given at the top level."""
    sections = [name for name, table in known.items() if isinstance(table, dict) and key in table]
    return sections[0] if "." not in key and sections else None


def not_a_table(given: dict[str, Any], known: dict[str, Any], prefix: str = "") -> str | None:
    """The first key given a plain value where the shipped file has a table."""
    for key, value in given.items():
        shipped = known.get(key)
        if isinstance(shipped, dict):
            if not isinstance(value, dict):
                return f"{prefix}{key}"
            if (inner := not_a_table(value, shipped, f"{prefix}{key}.")) is not None:
                return inner
    return None


def unknown_keys(given: dict[str, Any], known: dict[str, Any], prefix: str = "") -> list[str]:
    """Keys of a user's file the shipped one does not have: a misspelt key
    would otherwise be ignored and the default silently used."""
    found = []
    for key, value in given.items():
        path = f"{prefix}{key}"
        if key not in known:
            found.append(path)
        elif isinstance(value, dict) and isinstance(known[key], dict) and path != "schemes":
            found += unknown_keys(value, known[key], f"{path}.")
    return found


def _int(value: Any, key: str, least: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be an integer")
    if least is not None and value < least:
        raise ValueError(f"{key} must be {least} or more")
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    return value


def tolerance(value: Any) -> float:
    share = _number(value, "at_risk_tolerance")
    if not 0 <= share <= 1:
        raise ValueError("at_risk_tolerance must be a share between 0 and 1")
    return share


def build(raw: dict[str, Any], name: str) -> Parameters:
    definitions, status = raw["definitions"], raw["status"]
    abolished = definitions["stage_evaluation_abolished_on"]
    if isinstance(abolished, str):
        abolished = date.fromisoformat(abolished)
    if not isinstance(abolished, date):
        raise ValueError("stage_evaluation_abolished_on must be a date")
    targets = {
        key: Target(
            value=_number(t["value"], f"targets.{key}.value"),
            target_year=_int(t.get("target_year", 2030), f"targets.{key}.target_year"),
            source=str(t.get("source", "")),
            from_year=t.get("from_year"),
            source_ko=str(t.get("source_ko", "")),
        )
        for key, t in raw.get("targets", {}).items()
    }
    window = _int(status["forecast_window_years"], "status.forecast_window_years")
    if window < 2:
        raise ValueError("status.forecast_window_years must be 2 or more")
    return Parameters(
        early_career_years=_int(definitions["early_career_years"], "early_career_years", 1),
        stage_evaluation_abolished_on=abolished,
        integrated_evaluation_from=_int(
            definitions["integrated_evaluation_from"], "integrated_evaluation_from"
        ),
        young_ladder_from=_int(definitions["young_ladder_from"], "young_ladder_from"),
        schemes={k: _int(v, f"schemes.{k}") for k, v in raw["schemes"].items()},
        forecast_window_years=window,
        at_risk_tolerance=tolerance(status["at_risk_tolerance"]),
        targets=targets,
        file=name,
    )
