"""The report's extra keys: distributions, per-institute rows and the summary."""

from typing import Any

import polars as pl

from projections.facts import Facts
from projections.model import Model
from projections.rows import WHOLE

GRADES = ("S", "A", "B", "C", "D")


def distributions(m: Model) -> list[dict[str, Any]]:
    grades = (
        m.evaluations.filter(m.in_range())
        .group_by("year", key="grade")
        .agg(value=pl.len())
        .select(id=pl.lit("institutes.grade"), year="year", key="key", value="value")
    )
    budgets = m.institute_budgets.filter(m.in_range())
    split = (
        budgets.group_by("year")
        .agg(
            basic=pl.col("basic_program_krw").sum(),
            strategic=pl.col("strategic_program_krw").sum(),
            other=(
                pl.col("institutional_contribution_krw")
                - pl.col("basic_program_krw")
                - pl.col("strategic_program_krw")
            ).sum(),
        )
        .unpivot(index="year", variable_name="key", value_name="value")
        .select(id=pl.lit("institutes.program_split"), year="year", key="key", value="value")
    )
    frame = pl.concat([grades.cast({"value": WHOLE}), split.cast({"value": WHOLE})])
    return frame.sort(["id", "year", "key"]).to_dicts()


def institute_rows(m: Model) -> list[dict[str, Any]]:
    names = (
        m.eff["InstituteRegistered"]
        .sort("position")
        .group_by("subject_id", maintain_order=True)
        .last()
        .select(institute_id="subject_id", name_ko="name_ko", name_en="name_en")
    )

    def share(numerator: str, *denominator: str) -> pl.Expr:
        total = pl.sum_horizontal(*denominator)
        return pl.when(total > 0).then(pl.col(numerator) / total).otherwise(None)

    budgets = m.institute_budgets.select(
        institute_id="subject_id",
        year="year",
        personnel_cost_coverage=share("personnel_cost_from_contribution_krw", "personnel_cost_krw"),
        pbs_dependency=share(
            "project_revenue_krw", "institutional_contribution_krw", "project_revenue_krw"
        ),
        basic_program_share=share("basic_program_krw", "institutional_contribution_krw"),
    )
    graded = m.evaluations.select(
        institute_id="subject_id", year="year", grade="grade", system="system"
    )
    results = (
        m.eff["RepresentativeResultSubmitted"]
        .group_by(institute_id="subject_id", year=pl.col("evaluation_year").cast(pl.Int32))
        .agg(representative_results=pl.len())
    )
    hires = (
        m.eff["SpecialHiringCompleted"]
        .group_by(institute_id="subject_id", year=pl.col("year").cast(pl.Int32))
        .agg(special_hires=pl.col("hires").sum())
    )
    keys = ["institute_id", "year"]
    frame = budgets
    for other in (graded, results, hires):
        frame = frame.join(other, on=keys, how="full", coalesce=True)
    frame = (
        frame.join(names, on="institute_id", how="left")
        .filter(m.in_range())
        .with_columns(pl.col("representative_results", "special_hires").fill_null(0))
        .select(
            "institute_id",
            "name_ko",
            "name_en",
            "year",
            "personnel_cost_coverage",
            "pbs_dependency",
            "basic_program_share",
            "grade",
            "system",
            "representative_results",
            "special_hires",
        )
        .sort(keys)
    )
    return frame.to_dicts()


def summary(facts: Facts, m: Model) -> dict[str, Any]:
    frames = [f.select("event_id", "source") for f in facts.frames.values() if f.height]
    every = pl.concat(frames) if frames else pl.DataFrame(schema={"event_id": str, "source": str})
    return {
        "events": every.height,
        "retracted": facts.frame("EventRetracted").height,
        "rejections": facts.rejections,
        "sources": sorted(every["source"].unique().to_list()),
        "synthetic": bool(every["event_id"].str.starts_with("DEMO-").any()),
        "first_year": m.years[0] if m.years else None,
        "last_year": m.years[-1] if m.years else None,
    }
