"""Institute (출연연) indicators, over the latest report per institute and year."""

import polars as pl

from projections.model import Model
from projections.rows import counts, ratio

BUDGET_RATIOS = {
    # id: (numerator, denominator)
    "institutes.personnel_cost_coverage": (
        pl.col("personnel_cost_from_contribution_krw"),
        pl.col("personnel_cost_krw"),
    ),
    "institutes.pbs_dependency": (
        pl.col("project_revenue_krw"),
        pl.col("institutional_contribution_krw") + pl.col("project_revenue_krw"),
    ),
    "institutes.basic_program_share": (
        pl.col("basic_program_krw"),
        pl.col("institutional_contribution_krw"),
    ),
}
BONUS = {
    "institutes.bonus_excellent_researcher": "excellent_researcher",
    "institutes.bonus_all_staff": "all_staff_integrated",
}


def budget_ratios(m: Model) -> list[pl.DataFrame]:
    out = []
    for indicator, (numerator, denominator) in BUDGET_RATIOS.items():
        frame = m.institute_budgets.group_by("year").agg(
            numerator=numerator.sum(), denominator=denominator.sum(), events=pl.len()
        )
        out.append(ratio(indicator, m.year_frame, frame, null_denominator=True))
    return out


def integrated_share(m: Model) -> pl.DataFrame:
    frame = m.evaluations.group_by("year").agg(
        numerator=(pl.col("system") == "integrated").sum(),
        denominator=pl.len(),
        events=pl.len(),
    )
    return ratio("institutes.integrated_evaluation_share", m.year_frame, frame)


def indicators(m: Model) -> list[pl.DataFrame]:
    results = m.eff["RepresentativeResultSubmitted"].with_columns(year=pl.col("evaluation_year"))
    bonuses = m.eff["PerformanceBonusPaid"].with_columns(year=pl.col("fiscal_year"))
    hires = m.eff["SpecialHiringCompleted"]
    return [
        *budget_ratios(m),
        integrated_share(m),
        counts("institutes.representative_results", m.year_frame, results),
        *(
            counts(
                indicator,
                m.year_frame,
                bonuses.filter(pl.col("scheme") == scheme),
                pl.col("subject_id").n_unique(),
            )
            for indicator, scheme in BONUS.items()
        ),
        counts("institutes.special_hires", m.year_frame, hires, pl.col("hires").sum()),
    ]
