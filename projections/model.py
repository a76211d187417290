"""Derived frames shared by the indicators and lineage: years, grants and the
years they are active, researcher states per year, PIs, latest reports.

Built once per run from the effective facts (retracted events removed), with
Polars expression chains only.
"""

from functools import cached_property

import polars as pl

from projections.facts import YEAR_FIELDS, Facts, latest
from projections.parameters import Parameters

HORIZON = 2030
FIRST_DAY = pl.date(1, 1, 1)


def year_of(column: str) -> pl.Expr:
    return pl.col(column).dt.year().cast(pl.Int32)


class Model:
    def __init__(self, facts: Facts, params: Parameters) -> None:
        self.facts = facts
        self.params = params
        self.eff = facts.effective()

    # -- years -------------------------------------------------------------
    @cached_property
    def years(self) -> list[int]:
        lows, highs = [], []
        for frame in self.eff.values():
            for name in YEAR_FIELDS:
                if name not in frame.columns or frame.height == 0:
                    continue
                column = pl.col(name)
                if frame.schema[name] == pl.Date:
                    column = column.dt.year()
                low, high = frame.select(column.min().alias("lo"), column.max().alias("hi")).row(0)
                if low is not None:
                    lows.append(int(low))
                    highs.append(int(high))
        if not lows:
            return []
        return list(range(min(lows), max(HORIZON, max(highs)) + 1))

    @cached_property
    def year_frame(self) -> pl.DataFrame:
        return pl.DataFrame({"year": self.years}, schema={"year": pl.Int32})

    def in_range(self, column: str = "year") -> pl.Expr:
        first, last = (self.years[0], self.years[-1]) if self.years else (0, -1)
        return pl.col(column).is_between(first, last)

    # -- grants ------------------------------------------------------------
    @cached_property
    def grants(self) -> pl.DataFrame:
        """One row per awarded grant with its effective end and the events that set it."""
        award = (
            self.eff["GrantAwarded"]
            .sort("position")
            .group_by("subject_id", maintain_order=True)
            .last()
            .select(
                grant_id="subject_id",
                award_event_id="event_id",
                award_position="position",
                researcher_id="researcher_id",
                institution_id="institution_id",
                program="program",
                field="field",
                start_on="start_on",
                end_on="end_on",
            )
        )
        awarded_at = award.select(subject_id="grant_id", award_position="award_position")

        def after_award(frame: pl.DataFrame) -> pl.DataFrame:
            """Facts about the current award (a retracted award's amendments stay with it)."""
            return frame.join(awarded_at, on="subject_id").filter(
                pl.col("position") > pl.col("award_position")
            )

        amended = (
            after_award(self.eff["GrantAmended"])
            .filter(pl.col("end_on").is_not_null())
            .sort("position")
            .group_by("subject_id", maintain_order=True)
            .last()
            .select(
                grant_id="subject_id",
                amended_end="end_on",
                amend_event_id="event_id",
                amend_position="position",
            )
        )
        terminated = (
            after_award(self.eff["GrantTerminated"])
            .sort(["effective_on", "position"])
            .group_by("subject_id", maintain_order=True)
            .first()
            .select(
                grant_id="subject_id",
                terminated_on="effective_on",
                term_event_id="event_id",
                term_position="position",
            )
        )
        current_end = pl.coalesce("amended_end", "end_on")
        return (
            award.join(amended, on="grant_id", how="left")
            .join(terminated, on="grant_id", how="left")
            .with_columns(
                terminates=pl.col("terminated_on").is_not_null()
                & (pl.col("terminated_on") < current_end)
            )
            .with_columns(
                end_eff=pl.when("terminates").then("terminated_on").otherwise(current_end)
            )
        )

    @cached_property
    def grant_years(self) -> pl.DataFrame:
        """(grant, year) for every year in range the grant is active in."""
        return (
            self.grants.select(
                "grant_id",
                "researcher_id",
                "program",
                "award_event_id",
                year=pl.int_ranges(year_of("start_on"), year_of("end_eff") + 1, dtype=pl.Int32),
            )
            .explode("year")
            .filter(pl.col("year").is_not_null() & self.in_range())
        )

    # -- researchers ---------------------------------------------------------
    @cached_property
    def registrations(self) -> pl.DataFrame:
        return (
            self.eff["ResearcherRegistered"]
            .sort("position")
            .group_by("subject_id", maintain_order=True)
            .last()
            .select(
                researcher_id="subject_id",
                institution_id="institution_id",
                kind="kind",
                first_appointed_on="first_appointed_on",
                field="field",
                reg_event_id="event_id",
                reg_position="position",
            )
        )

    @cached_property
    def researcher_years(self) -> pl.DataFrame:
        """The researcher state in each year of the range (indicators.md)."""
        if not self.years:
            return pl.DataFrame(
                schema={
                    "researcher_id": pl.String,
                    "year": pl.Int32,
                    "institution_id": pl.String,
                    "kind": pl.String,
                    "field": pl.String,
                    "early": pl.Boolean,
                    "state_event_id": pl.String,
                    "reg_event_id": pl.String,
                    "departed_event_id": pl.String,
                }
            )
        registered = self.registrations.select("researcher_id")
        changes = self.eff["ResearcherPositionChanged"].join(
            registered, left_on="subject_id", right_on="researcher_id", how="semi"
        )
        states = (
            pl.concat(
                [
                    self.registrations.select(
                        "researcher_id",
                        eff=FIRST_DAY,
                        pos="reg_position",
                        state_event_id="reg_event_id",
                        institution_id="institution_id",
                        kind="kind",
                    ),
                    changes.select(
                        researcher_id="subject_id",
                        eff="effective_on",
                        pos="position",
                        state_event_id="event_id",
                        institution_id="institution_id",
                        kind="kind",
                    ),
                ]
            )
            .sort(["researcher_id", "eff", "pos"])
            .group_by(["researcher_id", "eff"], maintain_order=True)
            .last()
            .sort("eff")
        )
        departed = (  # the earliest departure counts (and is its lineage)
            self.eff["ResearcherDeparted"]
            .sort("effective_on", "position")
            .group_by("subject_id")
            .agg(
                departed_on=pl.col("effective_on").first(), dep_event_id=pl.col("event_id").first()
            )
            .rename({"subject_id": "researcher_id"})
        )
        ey = self.params.early_career_years
        grid = (
            self.registrations.join(departed, on="researcher_id", how="left")
            .join(self.year_frame, how="cross")
            .filter(
                pl.col("departed_on").is_null()
                | (pl.col("departed_on") > pl.date(pl.col("year"), 1, 1))
            )
            .with_columns(
                day=pl.min_horizontal(
                    pl.date(pl.col("year"), 12, 31),
                    pl.col("departed_on") - pl.duration(days=1),
                )
            )
            .sort("day")
        )
        grid = grid.drop("institution_id", "kind")
        return (
            grid.join_asof(
                states,
                left_on="day",
                right_on="eff",
                by="researcher_id",
                strategy="backward",
                check_sortedness=False,
            )
            .with_columns(
                early=(pl.col("kind") == "full_time")
                & (pl.col("first_appointed_on") > pl.date(pl.col("year") - ey, 12, 31)),
                # Leaving in Y decides the state of Y (the last day in post's).
                departed_event_id=pl.when(
                    pl.col("departed_on") <= pl.date(pl.col("year"), 12, 31)
                ).then("dep_event_id"),
            )
            .select(
                "researcher_id",
                "year",
                "institution_id",
                "kind",
                "field",
                "early",
                "state_event_id",
                "reg_event_id",
                "departed_event_id",
            )
        )

    @cached_property
    def pi_years(self) -> pl.DataFrame:
        """(researcher, year) of PI(Y) with their state in Y (nulls: no state)."""
        return (
            self.grant_years.select("researcher_id", "year")
            .unique()
            .join(self.researcher_years, on=["researcher_id", "year"], how="left")
            .with_columns(has_state=pl.col("kind").is_not_null())
        )

    # -- latest reports ------------------------------------------------------
    @cached_property
    def census(self) -> pl.DataFrame:
        return latest(self.eff["FacultyCensusReported"], ["subject_id", "year"]).with_columns(
            pl.col("year").cast(pl.Int32)
        )

    @cached_property
    def budgets(self) -> pl.DataFrame:
        return latest(self.eff["RnDBudgetEnacted"], ["fiscal_year"]).with_columns(
            year=pl.col("fiscal_year").cast(pl.Int32)
        )

    @cached_property
    def institute_budgets(self) -> pl.DataFrame:
        return latest(
            self.eff["InstituteBudgetReported"], ["subject_id", "fiscal_year"]
        ).with_columns(year=pl.col("fiscal_year").cast(pl.Int32))

    @cached_property
    def evaluations(self) -> pl.DataFrame:
        return latest(
            self.eff["InstituteEvaluated"], ["subject_id", "evaluation_year"]
        ).with_columns(year=pl.col("evaluation_year").cast(pl.Int32))
