"""The long form every indicator and breakdown row takes, and its builders.

Indicator rows: id, year, value_i (counts and sums), value_f (ratios and
means), numerator, denominator, ratio (which of the two), events (facts that
contributed: a year with events > 0 is a data year).
"""

import polars as pl

# Counts, sums and the parts of ratios: sums of money need more than 64 bits
# (projections.facts.KRW).
WHOLE = pl.Int128
ROW = {
    "id": pl.String,
    "year": pl.Int32,
    "value_i": WHOLE,
    "value_f": pl.Float64,
    "numerator": WHOLE,
    "denominator": WHOLE,
    "ratio": pl.Boolean,
    "events": pl.Int64,
}
BREAKDOWN = {
    "id": pl.String,
    "by": pl.String,
    "key": pl.String,
    "year": pl.Int32,
    "value_i": WHOLE,
    "value_f": pl.Float64,
    "numerator": WHOLE,
    "denominator": WHOLE,
    "ratio": pl.Boolean,
}


def fraction() -> pl.Expr:
    return (
        pl.when(pl.col("denominator") > 0)
        .then(pl.col("numerator") / pl.col("denominator"))
        .otherwise(None)
        .cast(pl.Float64)
    )


def ratio_columns() -> dict[str, pl.Expr]:
    """The value columns of a ratio row (a row's value is one of value_i/value_f)."""
    return {
        "value_i": pl.lit(None, WHOLE),
        "value_f": fraction(),
        "numerator": pl.col("numerator"),
        "denominator": pl.col("denominator"),
        "ratio": pl.lit(True),
    }


def counts(
    indicator: str,
    years: pl.DataFrame,
    frame: pl.DataFrame,
    value: pl.Expr | None = None,
    cumulative: bool = False,
) -> pl.DataFrame:
    """A count or sum per year; 0 where nothing happened. `frame` has `year`."""
    value = pl.len() if value is None else value
    agg = frame.group_by("year").agg(value_i=value.cast(WHOLE), events=pl.len())
    out = (
        years.join(agg.with_columns(pl.col("year").cast(pl.Int32)), on="year", how="left")
        .with_columns(pl.col("value_i", "events").fill_null(0))
        .sort("year")
    )
    if cumulative:
        out = out.with_columns(pl.col("value_i").cum_sum())
    return out.select(
        id=pl.lit(indicator),
        year="year",
        value_i="value_i",
        value_f=pl.lit(None, pl.Float64),
        numerator=pl.lit(None, WHOLE),
        denominator=pl.lit(None, WHOLE),
        ratio=pl.lit(False),
        events="events",
    ).cast(ROW)  # type: ignore[arg-type]


def ratio(
    indicator: str, years: pl.DataFrame, frame: pl.DataFrame, null_denominator: bool = False
) -> pl.DataFrame:
    """A ratio per year from `frame` (year, numerator, denominator, events).

    Years without a row get numerator 0 and denominator 0 — or null with
    `null_denominator` (the denominator is a report that may be missing).
    """
    out = years.join(
        frame.with_columns(pl.col("year").cast(pl.Int32)), on="year", how="left"
    ).with_columns(pl.col("numerator", "events").fill_null(0))
    if not null_denominator:
        out = out.with_columns(pl.col("denominator").fill_null(0))
    return (
        out.sort("year")
        .select(id=pl.lit(indicator), year="year", **ratio_columns(), events="events")
        .cast(ROW)  # type: ignore[arg-type]
    )


def breakdown_ratio(indicator: str, by: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Breakdown rows from `frame` (key, year, numerator, denominator); a key
    with a denominator but nothing counted (a full join's null) counts 0."""
    return (
        frame.with_columns(pl.col("numerator").fill_null(0))
        .select(
            id=pl.lit(indicator),
            by=pl.lit(by),
            key=pl.col("key").cast(pl.String),
            year="year",
            **ratio_columns(),
        )
        .cast(BREAKDOWN)  # type: ignore[arg-type]
    )


def breakdown_count(indicator: str, by: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Breakdown rows from `frame` (key, year, value)."""
    return frame.select(
        id=pl.lit(indicator),
        by=pl.lit(by),
        key=pl.col("key").cast(pl.String),
        year="year",
        value_i=pl.col("value").cast(WHOLE),
        value_f=pl.lit(None, pl.Float64),
        numerator=pl.lit(None, WHOLE),
        denominator=pl.lit(None, WHOLE),
        ratio=pl.lit(False),
    ).cast(BREAKDOWN)  # type: ignore[arg-type]


def empty_rows() -> pl.DataFrame:
    return pl.DataFrame(schema=ROW)


def empty_breakdowns() -> pl.DataFrame:
    return pl.DataFrame(schema=BREAKDOWN)
