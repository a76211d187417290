"""Breakdowns: coverage by institution and by field, RUF by institution,
institute indicators by institute, selection rate by program.

Coverage by field: the census has no field, so the denominator by field is
the registered researchers with a state in Y meeting the same condition
(all / full_time / early career) in that field — coverage among known
researchers. Rows exist only where something was counted or reported.
"""

import polars as pl

from projections.basic import COVERAGE
from projections.institutes import BUDGET_RATIOS
from projections.model import Model
from projections.rows import breakdown_count, breakdown_ratio, empty_breakdowns


def coverage(m: Model) -> list[pl.DataFrame]:
    pis = m.pi_years.filter(pl.col("has_state"))
    out = []
    for indicator, (condition, census_count) in COVERAGE.items():
        by_institution = (
            pis.filter(condition)
            .group_by(key="institution_id", year="year")
            .agg(numerator=pl.len())
            .join(
                m.census.group_by(key="subject_id", year="year").agg(
                    denominator=census_count.sum()
                ),
                on=["key", "year"],
                how="full",
                coalesce=True,
            )
        )
        field_pis = pis.filter(condition).group_by(key="field", year="year").agg(numerator=pl.len())
        by_field = (
            m.researcher_years.filter(condition)
            .group_by(key="field", year="year")
            .agg(denominator=pl.len())
            .join(field_pis, on=["key", "year"], how="full", coalesce=True)
        )
        out.append(breakdown_ratio(indicator, "institution", by_institution))
        out.append(breakdown_ratio(indicator, "field", by_field))
    return out


def ruf(m: Model) -> pl.DataFrame:
    frame = (
        m.eff["BlockFundingAllocated"]
        .group_by(key="subject_id", year="fiscal_year")
        .agg(value=pl.col("amount_krw").sum())
    )
    return breakdown_count("ruf.block_funding_krw", "institution", frame)


def institutes(m: Model) -> list[pl.DataFrame]:
    out = []
    for indicator, (numerator, denominator) in BUDGET_RATIOS.items():
        frame = m.institute_budgets.select(
            key="subject_id", year="year", numerator=numerator, denominator=denominator
        )
        out.append(breakdown_ratio(indicator, "institute", frame))
    evaluated = m.evaluations.select(
        key="subject_id",
        year="year",
        numerator=(pl.col("system") == "integrated").cast(pl.Int64),
        denominator=pl.lit(1, pl.Int64),
    )
    out.append(breakdown_ratio("institutes.integrated_evaluation_share", "institute", evaluated))
    results = (
        m.eff["RepresentativeResultSubmitted"]
        .group_by(key="subject_id", year="evaluation_year")
        .agg(value=pl.len())
    )
    out.append(breakdown_count("institutes.representative_results", "institute", results))
    hires = (
        m.eff["SpecialHiringCompleted"]
        .group_by(key="subject_id", year="year")
        .agg(value=pl.col("hires").sum())
    )
    out.append(breakdown_count("institutes.special_hires", "institute", hires))
    return out


def selection(m: Model) -> pl.DataFrame:
    frame = (
        m.eff["SelectionEvaluationCompleted"]
        .group_by(key="program", year=pl.col("decided_on").dt.year())
        .agg(numerator=(pl.col("outcome") == "selected").sum(), denominator=pl.len())
    )
    return breakdown_ratio("evaluation.selection_rate", "program", frame)


def breakdowns(m: Model) -> pl.DataFrame:
    frames = [empty_breakdowns(), *coverage(m), ruf(m), *institutes(m), selection(m)]
    return pl.concat(frames).filter(m.in_range()).sort(["id", "year", "by", "key"], nulls_last=True)
