"""The policy parameters as words for the report's prose, in Korean or English.

The catalogues' texts name parameters as {placeholders} (e.g. "within the last
{early_career_years}") so that the methodology states the parameters the
figures were computed with — the data's `parameters` — not the shipped
defaults. A key the data leaves out (hand-written data, an empty ledger's
`{}`) keeps its shipped default, so every placeholder always has a value.
"""

from __future__ import annotations

from typing import Any

from projections.parameters import load_parameters, zero_means_none
from reports import filters

WORDS_EN = "zero one two three four five six seven eight nine".split()


def merged(parameters: dict[str, Any] | None) -> dict[str, Any]:
    """The defaults with the data's parameters over them (nested tables key by key)."""
    result = load_parameters().as_json()  # the shipped file: one source of the defaults
    for key, value in (parameters or {}).items():
        if value is None:
            continue
        if key == "targets" and isinstance(value, dict):
            for target_id, spec in value.items():
                spec = spec if isinstance(spec, dict) else {"value": spec}
                given = {k: v for k, v in spec.items() if v is not None}
                result["targets"][target_id] = {**result["targets"].get(target_id, {}), **given}
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = {**result[key], **value}
        else:
            result[key] = value
    return result


def own_rules(parameters: dict[str, Any] | None) -> dict[str, int | None]:
    """The targets judged by a rule of their own, not by the trend: indicator
    id → its first year (every year from it must reach the target), or None
    for a zero target (none at all), in the order projections/targets.py
    tries them."""
    rules: dict[str, int | None] = {}
    for indicator_id, target in merged(parameters)["targets"].items():
        if target.get("from_year") is not None:
            rules[indicator_id] = int(target["from_year"])
        elif zero_means_none(indicator_id, target.get("value")):
            rules[indicator_id] = None
    return rules


def number(n: float, lang: str) -> str:
    """A number in running text: en words for whole numbers up to nine ('seven'), else digits."""
    if lang == "en" and float(n).is_integer() and 0 <= n < len(WORDS_EN):
        return WORDS_EN[int(n)]
    return filters.format_count(n, lang)


def years(n: int, lang: str) -> str:
    """A span of years: en 'seven years', 'one year', '20 years'; ko '7년'."""
    if lang == "ko":
        return f"{filters.format_count(n, lang)}년"
    return f"{number(n, lang)} year{'' if n == 1 else 's'}"


def percent(fraction: float) -> str:
    """A share as a percent without needless decimals: 0.1 -> '10%', 0.125 -> '12.5%'."""
    return f"{filters.format_number(filters.exactly(fraction) * 100, 2).rstrip('0').rstrip('.')}%"


def year_list(found: list[int], lang: str) -> str:
    """Years in a title: '2030'; en '2030 and 2035'; ko '2030·2035'."""
    texts = [str(y) for y in sorted(set(found))]
    if lang == "ko" or len(texts) < 2:
        return "·".join(texts)
    return f"{', '.join(texts[:-1])} and {texts[-1]}"


def phrases(parameters: dict[str, Any] | None, lang: str) -> dict[str, str]:
    """The value of every catalogue placeholder, as text in `lang`."""
    filters.check_lang(lang)
    p = merged(parameters)
    targets, schemes = p["targets"], p["bonus_scheme_first_year"]
    integrated = targets["institutes.integrated_evaluation_share"]
    stage = targets["evaluation.stage_after_abolition"]["value"]
    target_years = [t["target_year"] for t in targets.values() if t.get("target_year")]
    return {
        "early_career_years": years(p["early_career_years"], lang),
        "stage_evaluation_abolished_on": filters.format_date(
            str(p["stage_evaluation_abolished_on"]), lang
        ),
        "integrated_evaluation_from": str(p["integrated_evaluation_from"]),
        "young_ladder_from": str(p["young_ladder_from"]),
        "excellent_researcher_from": str(schemes["excellent_researcher"]),
        "all_staff_integrated_from": str(schemes["all_staff_integrated"]),
        "forecast_window_years": years(p["forecast_window_years"], lang),
        "at_risk_tolerance": percent(p["at_risk_tolerance"]),
        "target_years": year_list(target_years, lang),
        "stage_target": number(stage, lang),
        "personnel_cost_target": percent(targets["institutes.personnel_cost_coverage"]["value"]),
        "integrated_share_target": percent(integrated["value"]),
        "integrated_share_from": str(integrated["from_year"]),
    }
