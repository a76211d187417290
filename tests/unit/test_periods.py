from datetime import date

import pytest

from domain.periods import anniversary, lasts_at_least, lasts_at_most


def test_anniversary_of_29_february_is_1_march_in_a_common_year():
    assert anniversary(date(2028, 2, 29), 1) == date(2029, 3, 1)
    assert anniversary(date(2028, 2, 29), 4) == date(2032, 2, 29)


@pytest.mark.parametrize(
    ("end", "expected"),
    [(date(2031, 2, 28), True), (date(2031, 3, 1), False), (date(2026, 3, 1), True)],
)
def test_five_years_ends_the_day_before_the_fifth_anniversary(end, expected):
    assert lasts_at_most(date(2026, 3, 1), end, 5) is expected


def test_at_least_ten_years():
    assert lasts_at_least(date(2026, 3, 1), date(2036, 2, 29), 10)
    assert not lasts_at_least(date(2026, 3, 1), date(2036, 2, 28), 10)


def test_leap_day_start():
    # start 2028-02-29: fifth anniversary 2033-03-01, so 5 years ends 2033-02-28
    assert lasts_at_most(date(2028, 2, 29), date(2033, 2, 28), 5)
    assert not lasts_at_most(date(2028, 2, 29), date(2033, 3, 1), 5)
