"""Lineage: the accepted events one indicator value for one year depends on.

Each id maps to a function giving (event_id, role) rows for year Y, built
from the same model frames as the value; roles are `numerator`,
`denominator` (for ratios and means; an event in both is listed as
numerator) or `value` (counts and sums). Cumulative indicators list every
event up to Y.
"""

from collections.abc import Callable
from typing import Any

import polars as pl

from projections import quality
from projections.basic import COVERAGE
from projections.errors import ProjectionError
from projections.institutes import BONUS
from projections.model import Model, year_of
from projections.result import as_json_rows, indicator_frame

Roles = pl.DataFrame  # columns: event_id, role


def ids(frame: pl.DataFrame, column: str, role: str) -> Roles:
    return frame.select(event_id=pl.col(column), role=pl.lit(role))


def grant_events(m: Model, grants: pl.DataFrame, role: str) -> Roles:
    """Award events of `grants` (grant_id) and what moved their end: the
    termination that cuts it, and the amendment whenever the end would differ
    without it (an extension that a termination then cuts short still made
    the grant reach the termination's date)."""
    chosen = m.grants.join(grants.select("grant_id").unique(), on="grant_id", how="semi")
    end_without_amendment = pl.min_horizontal("end_on", "terminated_on")
    amendment_moves_it = pl.col("amend_event_id").is_not_null() & (
        end_without_amendment != pl.col("end_eff")
    )
    return pl.concat(
        [
            ids(chosen, "award_event_id", role),
            ids(chosen.filter("terminates"), "term_event_id", role),
            ids(chosen.filter(amendment_moves_it), "amend_event_id", role),
        ]
    )


def coverage(indicator: str) -> Callable[[Model, int], Roles]:
    condition = COVERAGE[indicator][0]

    def lineage(m: Model, year: int) -> Roles:
        pis = m.pi_years.filter((pl.col("year") == year) & pl.col("has_state")).filter(condition)
        grants = m.grant_years.filter(pl.col("year") == year).join(
            pis, on="researcher_id", how="semi"
        )
        return pl.concat(
            [
                grant_events(m, grants, "numerator"),
                ids(pis, "reg_event_id", "numerator"),
                ids(pis, "state_event_id", "numerator"),
                ids(pis, "departed_event_id", "numerator"),
                ids(m.census.filter(pl.col("year") == year), "event_id", "denominator"),
            ]
        )

    return lineage


def simple(
    frame: Callable[[Model], pl.DataFrame], keep: Callable[[int], pl.Expr], role: str = "value"
) -> Callable[[Model, int], Roles]:
    return lambda m, year: ids(frame(m).filter(keep(year)), "event_id", role)


def split(
    frame: Callable[[Model], pl.DataFrame], keep: Callable[[int], pl.Expr], numerator: pl.Expr
) -> Callable[[Model, int], Roles]:
    def lineage(m: Model, year: int) -> Roles:
        rows = frame(m).filter(keep(year))
        role = pl.when(numerator).then(pl.lit("numerator")).otherwise(pl.lit("denominator"))
        return rows.select("event_id", role=role)

    return lineage


def active(program: str) -> Callable[[Model, int], Roles]:
    def lineage(m: Model, year: int) -> Roles:
        grants = m.grant_years.filter((pl.col("year") == year) & (pl.col("program") == program))
        return grant_events(m, grants, "value")

    return lineage


def young(m: Model, year: int) -> Roles:
    start = year_of("start_on")
    grants = m.grants.filter(
        (pl.col("program") == "young_ladder") & start.is_between(m.params.young_ladder_from, year)
    )
    return ids(grants, "award_event_id", "value")


def finding(indicator: str) -> Callable[[Model, int], Roles]:
    def lineage(m: Model, year: int) -> Roles:
        rows = quality.detail(m)[indicator].filter(pl.col("year") == year)
        return ids(rows, "event_id", "value")

    return lineage


def census_missing(m: Model, year: int) -> Roles:
    """The grants active in Y (award, and what set their end) and the
    researcher's registration and state in Y, which names the institution."""
    rows = quality.census_missing(m).filter(pl.col("year") == year)
    return pl.concat(
        [
            grant_events(m, rows, "value"),
            ids(rows, "reg_event_id", "value"),
            ids(rows, "state_event_id", "value"),
            ids(rows, "departed_event_id", "value"),
        ]
    )


def grants_unknown(m: Model, year: int) -> Roles:
    """The grants active in Y without a registered researcher: their awards and
    what set their end (which makes them active in Y)."""
    rows = quality.detail(m)["dq.grants_unknown_researcher"].filter(pl.col("year") == year)
    return grant_events(m, rows.select(grant_id="unit"), "value")


def stage(m: Model, year: int) -> Roles:
    held = m.eff["StageEvaluationHeld"].filter(
        (year_of("held_on") == year)
        & (pl.col("held_on") >= pl.lit(m.params.stage_evaluation_abolished_on))
    )
    return ids(held, "event_id", "value")


def _year(column: str, date: bool = False) -> Callable[[int], pl.Expr]:
    expr = year_of(column) if date else pl.col(column)
    return lambda y: expr == y


def _upto(column: str, date: bool = False) -> Callable[[int], pl.Expr]:
    expr = year_of(column) if date else pl.col(column)
    return lambda y: expr <= y


def _eff(event_type: str) -> Callable[[Model], pl.DataFrame]:
    return lambda m: m.eff[event_type]


SELECTED = pl.col("outcome") == "selected"
LINEAGE: dict[str, Callable[[Model, int], Roles]] = {
    **{indicator: coverage(indicator) for indicator in COVERAGE},
    "budget.basic_research_share": split(lambda m: m.budgets, _year("year"), pl.lit(True)),
    "young.researchers_supported": young,
    "longterm.basic_small_active": active("basic_small"),
    "longterm.deep_active": active("long_term_deep"),
    "evaluation.stage_after_abolition": stage,
    "evaluation.selection_rate": split(
        _eff("SelectionEvaluationCompleted"), _year("decided_on", True), SELECTED
    ),
    "evaluation.selection_days_mean": split(
        _eff("SelectionEvaluationCompleted"), _year("decided_on", True), pl.lit(True)
    ),
    "evaluation.ai_assisted_share": split(
        _eff("SelectionEvaluationCompleted"), _year("decided_on", True), pl.col("ai_assisted")
    ),
    "ruf.block_funding_krw": simple(_eff("BlockFundingAllocated"), _year("fiscal_year")),
    "ruf.universities_funded": simple(_eff("BlockFundingAllocated"), _year("fiscal_year")),
    "ai_centers.designated": simple(_eff("AICenterDesignated"), _upto("designated_on", True)),
    "ai_centers.researchers_trained": simple(_eff("AIResearchersTrained"), _upto("year")),
    **{
        indicator: split(lambda m: m.institute_budgets, _year("year"), pl.lit(True))
        for indicator in (
            "institutes.personnel_cost_coverage",
            "institutes.pbs_dependency",
            "institutes.basic_program_share",
        )
    },
    "institutes.integrated_evaluation_share": split(
        lambda m: m.evaluations, _year("year"), pl.col("system") == "integrated"
    ),
    "institutes.representative_results": simple(
        _eff("RepresentativeResultSubmitted"), _year("evaluation_year")
    ),
    **{
        indicator: simple(
            _eff("PerformanceBonusPaid"),
            lambda y, scheme=scheme: (pl.col("fiscal_year") == y) & (pl.col("scheme") == scheme),
        )
        for indicator, scheme in BONUS.items()
    },
    "institutes.special_hires": simple(_eff("SpecialHiringCompleted"), _year("year")),
    "compliance.bonus_before_scheme": finding("compliance.bonus_before_scheme"),
    "compliance.non_integrated_evaluations": finding("compliance.non_integrated_evaluations"),
    "dq.census_missing": census_missing,
    "dq.grants_unknown_researcher": grants_unknown,
}


def event_index(m: Model) -> pl.DataFrame:
    frames = [
        frame.select("event_id", "subject_id", "position", event_type=pl.lit(event_type))
        for event_type, frame in m.eff.items()
    ]
    return pl.concat(frames)


def lineage(m: Model, indicator: str, year: int) -> dict[str, Any]:
    if indicator not in LINEAGE:
        known = ", ".join(sorted(LINEAGE))
        raise ProjectionError(f"unknown indicator {indicator!r}; known: {known}")
    if year not in m.years:
        span = f"{m.years[0]}..{m.years[-1]}" if m.years else "none (no events)"
        raise ProjectionError(f"--year {year} is outside the indicator years: {span}")
    roles = (
        LINEAGE[indicator](m, year)
        .drop_nulls("event_id")
        .with_columns(rank=(pl.col("role") != "numerator").cast(pl.Int8))
        .sort("rank")
        .unique("event_id", keep="first")
        .drop("rank")
    )
    events = (
        event_index(m)
        .join(roles, on="event_id", how="inner")
        .select("event_id", "event_type", "subject_id", "position", "role")
        .sort("position")
    )
    rows = indicator_frame(m, quality.detail(m)).filter(
        (pl.col("id") == indicator) & (pl.col("year") == year)
    )
    value = as_json_rows(rows, ["id", "year"])[0]
    return {**value, "events": events.to_dicts()}
