"""Every formatting filter, parametrized over both languages and the edge cases."""

import pytest

from reports import filters
from reports.indicators import format_difference, format_value


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (None, 0, "—"),
        (0, 0, "0"),
        (1234567, 0, "1,234,567"),
        (12345.678, 1, "12,345.7"),
        (-0.01, 1, "0.0"),
        (-0.04, 0, "0"),
        (-1234.5, 1, "-1,234.5"),
        (0.5, 0, "1"),
        (31.25, 1, "31.3"),
    ],
)
def test_format_number(value, digits, expected):
    assert filters.format_number(value, digits) == expected


@pytest.mark.parametrize(
    ("value", "lang", "unit", "expected"),
    [
        (10000, "ko", "명", "10,000명"),
        (10000, "en", "people", "10,000"),
        (9397.2, "ko", "명", "9,397명"),
        (44.6, "en", "", "44.6"),
        (3.0, "ko", "개", "3개"),
        (None, "ko", "명", "—"),
        (0, "ko", "", "0"),
    ],
)
def test_format_count(value, lang, unit, expected):
    assert filters.format_count(value, lang, unit) == expected


@pytest.mark.parametrize(
    ("fraction", "lang", "expected"),
    [
        (0.3125, "ko", "31.3%"),
        (0.3125, "en", "31.3%"),
        (1.0, "en", "100.0%"),
        (0.0, "ko", "0.0%"),
        (2 / 3, "en", "66.7%"),
        (23 / 80, "ko", "28.8%"),  # 28.749999999999996 as a float times 100
        (41 / 80, "en", "51.3%"),
        (None, "en", "—"),
    ],
)
def test_format_percent(fraction, lang, expected):
    assert filters.format_percent(fraction, lang) == expected


@pytest.mark.parametrize(
    ("fraction", "lang", "expected"),
    [
        (0.1875, "ko", "18.8%p"),
        (0.1875, "en", "18.8 pp"),
        (-0.005, "en", "-0.5 pp"),
        (23 / 80, "ko", "28.8%p"),
        (None, "ko", "—"),
    ],
)
def test_format_points(fraction, lang, expected):
    assert filters.format_points(fraction, lang) == expected


@pytest.mark.parametrize(
    ("krw", "lang", "expected"),
    [
        (35_300_000_000_000, "ko", "35.3조원"),
        (1_000_000_000_000, "ko", "1.0조원"),
        (123_400_000_000, "ko", "1,234억원"),
        (550_000_000, "ko", "5.5억원"),
        (500_000_000, "ko", "5억원"),
        (0, "ko", "0억원"),
        (999_960_000_000, "ko", "1.0조원"),  # 10,000억원 once rounded
        (999_940_000_000, "ko", "9,999억원"),
        (35_300_000_000_000, "en", "KRW 35,300 bn"),
        (4_000_000_000, "en", "KRW 4.0 bn"),
        (120_000_000_000, "en", "KRW 120 bn"),
        (550_000_000, "en", "KRW 0.55 bn"),
        (99_950_000_000, "en", "KRW 100 bn"),
        (99_940_000_000, "en", "KRW 99.9 bn"),
        (995_000_000, "en", "KRW 1.0 bn"),
        (0, "en", "KRW 0 bn"),
        (None, "en", "—"),
    ],
)
def test_format_money(krw, lang, expected):
    assert filters.format_money(krw, lang) == expected


@pytest.mark.parametrize(
    ("largest", "lang", "expected"),
    [
        (5_000_000_000_000, "ko", (10**12, "조원")),
        (480_000_000_000, "ko", (10**8, "억원")),
        (5_000_000_000_000, "en", (10**9, "KRW bn")),
    ],
)
def test_money_scale(largest, lang, expected):
    assert filters.money_scale(largest, lang) == expected


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [(78.24, "ko", "78.2일"), (56, "en", "56.0 days"), (None, "en", "—")],
)
def test_format_days(value, lang, expected):
    assert filters.format_days(value, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("2026-11-24T10:00:00+00:00", "ko", "2026년 11월 24일 10:00 UTC"),
        ("2026-11-24T10:00:00+00:00", "en", "24 November 2026, 10:00 UTC"),
        ("2026-11-24T19:05:00+09:00", "en", "24 November 2026, 10:05 UTC"),
        ("2026-01-01T00:30:00Z", "ko", "2026년 1월 1일 00:30 UTC"),
        ("2026-03-02T08:00:00", "en", "2 March 2026, 08:00 UTC"),
        (None, "ko", "—"),
        ("", "en", "—"),
    ],
)
def test_format_datetime(text, lang, expected):
    assert filters.format_datetime(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("2026-01-01", "ko", "2026년 1월 1일"),
        ("2026-01-01", "en", "1 January 2026"),
        ("2030-12-31T00:00:00Z", "en", "31 December 2030"),
        (None, "en", "—"),
    ],
)
def test_format_date(text, lang, expected):
    assert filters.format_date(text, lang) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: filters.format_percent(0.1, "fr"),
        lambda: filters.format_money(1, "de"),
        lambda: filters.format_datetime("2026-01-01T00:00:00Z", "jp"),
    ],
)
def test_unknown_language_is_refused(call):
    with pytest.raises(ValueError, match="unknown report language"):
        call()


@pytest.mark.parametrize(
    ("indicator_id", "value", "lang", "unit", "expected"),
    [
        ("coverage.full_time", 0.3125, "ko", "", "31.3%"),
        ("ruf.block_funding_krw", 480_000_000_000, "ko", "", "4,800억원"),
        ("ruf.block_funding_krw", 480_000_000_000, "en", "", "KRW 480 bn"),
        ("evaluation.selection_days_mean", 78.2, "en", "days", "78.2 days"),
        ("young.researchers_supported", 9405, "ko", "명", "9,405명"),
        ("unknown.thing_krw", 10**12, "ko", "", "1.0조원"),
        ("unknown.count", 7, "en", "", "7"),
    ],
)
def test_format_value_by_kind(indicator_id, value, lang, unit, expected):
    assert format_value(indicator_id, value, lang, unit) == expected


@pytest.mark.parametrize(
    ("indicator_id", "value", "lang", "expected"),
    [
        ("coverage.full_time", 0.075, "ko", "7.5%p"),
        ("coverage.full_time", 0.075, "en", "7.5 pp"),
        ("young.researchers_supported", 595, "en", "595"),
    ],
)
def test_format_difference(indicator_id, value, lang, expected):
    assert format_difference(indicator_id, value, lang) == expected
