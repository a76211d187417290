"""Calendar arithmetic of the contract's grant-duration rule."""

from datetime import date, timedelta


def anniversary(start: date, years: int) -> date:
    """The `years`-th anniversary of `start`; 29 February falls on 1 March."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year
        return date(start.year + years, 3, 1)


def lasts_at_most(start: date, end: date, years: int) -> bool:
    """A grant lasts N years when it ends the day before the N-th anniversary."""
    return end <= anniversary(start, years) - timedelta(days=1)


def lasts_at_least(start: date, end: date, years: int) -> bool:
    return end >= anniversary(start, years) - timedelta(days=1)
