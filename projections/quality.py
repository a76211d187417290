"""Compliance exceptions and data-quality findings: the counts and the events.

`detail(m)` gives, per finding id, the rows behind it (year, event_id, and
`unit` — what is counted); the indicator is the distinct units per year.
"""

import polars as pl

from projections.model import Model
from projections.rows import counts

FINDINGS = (
    "compliance.bonus_before_scheme",
    "compliance.non_integrated_evaluations",
    "dq.census_missing",
    "dq.grants_unknown_researcher",
)
DETAIL = {"year": pl.Int32, "unit": pl.String, "event_id": pl.String}


def detail(m: Model) -> dict[str, pl.DataFrame]:
    evaluations = m.evaluations.filter(
        (pl.col("year") >= m.params.integrated_evaluation_from) & (pl.col("system") != "integrated")
    ).select("year", unit="event_id", event_id="event_id")
    first_year = pl.col("scheme").replace_strict(
        m.params.schemes, default=None, return_dtype=pl.Int64
    )
    bonuses = (
        m.eff["PerformanceBonusPaid"]
        .filter(pl.col("fiscal_year") < first_year)
        .select(year="fiscal_year", unit="event_id", event_id="event_id")
    )
    unknown = m.grant_years.join(m.registrations, on="researcher_id", how="anti").select(
        "year", unit="grant_id", event_id="award_event_id"
    )
    missing = census_missing(m).select("year", unit="institution_id", event_id="award_event_id")
    frames = {
        "compliance.non_integrated_evaluations": evaluations,
        "compliance.bonus_before_scheme": bonuses,
        "dq.grants_unknown_researcher": unknown,
        "dq.census_missing": missing,
    }
    return {key: frame.cast(DETAIL) for key, frame in frames.items()}  # type: ignore[arg-type]


def census_missing(m: Model) -> pl.DataFrame:
    """Active grants (per year) whose researcher's institution that year sent
    no census: the grant-year and researcher-year columns (lineage lists the
    events of both, as the finding needs them all)."""
    census_keys = m.census.select(institution_id="subject_id", year="year")
    return m.grant_years.join(m.researcher_years, on=["researcher_id", "year"], how="inner").join(
        census_keys, on=["institution_id", "year"], how="anti"
    )


def indicators(m: Model, details: dict[str, pl.DataFrame]) -> list[pl.DataFrame]:
    return [counts(key, m.year_frame, details[key], pl.col("unit").n_unique()) for key in FINDINGS]


def findings(details: dict[str, pl.DataFrame]) -> list[dict]:
    out = []
    for key in FINDINGS:
        per_year = (
            details[key]
            .group_by("year")
            .agg(
                count=pl.col("unit").n_unique(),
                event_ids=pl.col("event_id").unique().sort().head(5),
            )
            .filter(pl.col("count") > 0)
            .sort("year")
        )
        out.extend({"id": key, **row} for row in per_year.iter_rows(named=True))
    return out
