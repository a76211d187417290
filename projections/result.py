"""Facts + parameters → the result dictionary (spec keys and report extras)."""

from typing import Any

import polars as pl

from projections import basic, breakdowns, extras, institutes, quality
from projections.facts import Facts
from projections.model import Model
from projections.parameters import Parameters
from projections.rows import empty_rows
from projections.targets import targets

SPEC_KEYS = ("as_of", "parameters", "indicators", "targets", "breakdowns")


def indicator_frame(m: Model, details: dict[str, pl.DataFrame]) -> pl.DataFrame:
    frames = [
        empty_rows(),
        *basic.indicators(m),
        *institutes.indicators(m),
        *quality.indicators(m, details),
    ]
    return pl.concat(frames).sort(["id", "year"])


def as_json_rows(frame: pl.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
    rows = []
    for row in frame.iter_rows(named=True):
        out = {k: row[k] for k in keys}
        if row["ratio"]:
            out["value"] = row["value_f"]
            out["numerator"] = row["numerator"]
            out["denominator"] = row["denominator"]
        else:
            out["value"] = row["value_i"]
        rows.append(out)
    return rows


def build_result(facts: Facts, params: Parameters) -> dict[str, Any]:
    m = Model(facts, params)
    details = quality.detail(m)
    indicators = indicator_frame(m, details)
    return {
        "as_of": {"position": facts.position, "recorded_at": facts.recorded_at},
        "parameters": params.as_json(),
        "indicators": as_json_rows(indicators, ["id", "year"]),
        "targets": targets(indicators, params),
        "breakdowns": as_json_rows(breakdowns.breakdowns(m), ["id", "by", "key", "year"]),
        "findings": quality.findings(details),
        "distributions": extras.distributions(m),
        "institutes": extras.institute_rows(m),
        "summary": extras.summary(facts, m),
    }
