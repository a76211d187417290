"""Basic-research indicators (indicators.md, 기초연구 생태계)."""

import polars as pl

from projections.model import Model, year_of
from projections.rows import counts, ratio

COVERAGE = {
    # id: (PI condition, census denominator)
    "coverage.all_faculty": (pl.lit(True), pl.col("full_time") + pl.col("non_full_time")),
    "coverage.full_time": (pl.col("kind") == "full_time", pl.col("full_time")),
    "coverage.early_career": (pl.col("early"), pl.col("early_career_full_time")),
}


def coverage(m: Model) -> list[pl.DataFrame]:
    pis = m.pi_years.filter(pl.col("has_state"))
    out = []
    for indicator, (condition, census_count) in COVERAGE.items():
        numerator = pis.filter(condition).group_by("year").agg(numerator=pl.len())
        denominator = m.census.group_by("year").agg(
            denominator=census_count.sum(), reports=pl.len()
        )
        frame = (
            numerator.join(denominator, on="year", how="full", coalesce=True)
            .with_columns(pl.col("numerator", "reports").fill_null(0))
            .with_columns(events=pl.col("numerator") + pl.col("reports"))
        )
        out.append(ratio(indicator, m.year_frame, frame, null_denominator=True))
    return out


def budget_share(m: Model) -> pl.DataFrame:
    frame = m.budgets.select(
        "year",
        numerator="basic_research_krw",
        denominator="total_government_rnd_krw",
        events=pl.lit(1),
    )
    return ratio("budget.basic_research_share", m.year_frame, frame, null_denominator=True)


def young_supported(m: Model) -> pl.DataFrame:
    """Distinct researchers with a young_ladder grant starting in from..Y (cumulative):
    each researcher counts once, in the year of their first such grant."""
    first = (
        m.grants.filter(
            (pl.col("program") == "young_ladder")
            & (year_of("start_on") >= m.params.young_ladder_from)
        )
        .group_by("researcher_id")
        .agg(year=year_of("start_on").min())
    )
    return counts("young.researchers_supported", m.year_frame, first, cumulative=True)


def longterm(m: Model) -> list[pl.DataFrame]:
    return [
        counts(indicator, m.year_frame, m.grant_years.filter(pl.col("program") == program))
        for indicator, program in (
            ("longterm.basic_small_active", "basic_small"),
            ("longterm.deep_active", "long_term_deep"),
        )
    ]


def stage_after_abolition(m: Model) -> pl.DataFrame:
    """Counts held_on ≥ the abolition day; every stage evaluation held in Y is data for Y
    (a year with only earlier evaluations is a data year with value 0)."""
    held = m.eff["StageEvaluationHeld"].with_columns(year=year_of("held_on"))
    after = pl.col("held_on") >= pl.lit(m.params.stage_evaluation_abolished_on)
    return counts("evaluation.stage_after_abolition", m.year_frame, held, after.sum())


def selections(m: Model) -> list[pl.DataFrame]:
    decided = m.eff["SelectionEvaluationCompleted"].with_columns(
        year=year_of("decided_on"),
        days=(pl.col("decided_on") - pl.col("submitted_on")).dt.total_days(),
    )
    per_year = decided.group_by("year").agg(
        selected=(pl.col("outcome") == "selected").sum(),
        ai=pl.col("ai_assisted").sum(),
        days=pl.col("days").sum(),
        decided=pl.len(),
    )

    def of(numerator: str) -> pl.DataFrame:
        return per_year.select("year", numerator=numerator, denominator="decided", events="decided")

    return [
        ratio("evaluation.selection_rate", m.year_frame, of("selected")),
        ratio("evaluation.selection_days_mean", m.year_frame, of("days")),
        ratio("evaluation.ai_assisted_share", m.year_frame, of("ai")),
    ]


def ruf(m: Model) -> list[pl.DataFrame]:
    allocated = m.eff["BlockFundingAllocated"].with_columns(year=pl.col("fiscal_year"))
    return [
        counts("ruf.block_funding_krw", m.year_frame, allocated, pl.col("amount_krw").sum()),
        counts("ruf.universities_funded", m.year_frame, allocated, pl.col("subject_id").n_unique()),
    ]


def ai_centers(m: Model) -> list[pl.DataFrame]:
    designated = m.eff["AICenterDesignated"].with_columns(year=year_of("designated_on"))
    trained = m.eff["AIResearchersTrained"]
    return [
        counts("ai_centers.designated", m.year_frame, designated, cumulative=True),
        counts(
            "ai_centers.researchers_trained",
            m.year_frame,
            trained,
            pl.col("count").sum(),
            cumulative=True,
        ),
    ]


def indicators(m: Model) -> list[pl.DataFrame]:
    return [
        *coverage(m),
        budget_share(m),
        young_supported(m),
        *longterm(m),
        stage_after_abolition(m),
        *selections(m),
        *ruf(m),
        *ai_centers(m),
    ]
