"""Number, money, percent and date formatting for the report: pure functions.

Every function takes the value and the report's language ("ko" or "en") and
returns text; `None` (a ratio or mean without a denominator) becomes a dash.
Ratios arrive as fractions (0.3125) and leave as percents ("31.3%").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

MISSING = "—"
EOK = 100_000_000  # 억 = 10^8 KRW
JO = 1_000_000_000_000  # 조 = 10^12 KRW
BILLION = 1_000_000_000
LANGS = ("ko", "en")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r}; use ko or en")
    return lang


def exactly(value: float | int | Decimal) -> Decimal:
    """The number as written (a float's shortest repr), so that scaling and
    rounding work on 0.2875, not on 0.28749999999999997868."""
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def rounded(value: float | int | Decimal, digits: int) -> Decimal:
    return exactly(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def format_number(value: float | int | Decimal | None, digits: int = 0) -> str:
    """Grouped thousands, fixed decimals, halves rounded up: 31.25 -> '31.3' (digits=1)."""
    if value is None:
        return MISSING
    exact = rounded(value, digits)
    if exact == 0:
        exact = abs(exact)  # no "-0.0"
    return f"{exact:,.{digits}f}"


def format_count(value: float | int | None, lang: str, unit: str = "") -> str:
    """A count with an optional unit suffix: ko '1,234명', en '1,234' (unit ignored in en).

    Whole numbers print whole; a fractional count (a trend forecast) keeps one
    decimal below 100 and is rounded from 100 up.
    """
    check_lang(lang)
    if value is None:
        return MISSING
    digits = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    text = format_number(value, digits)
    return f"{text}{unit}" if lang == "ko" and unit else text


def format_percent(fraction: float | None, lang: str, digits: int = 1) -> str:
    """A fraction as a percent: 0.3125 -> '31.3%'."""
    check_lang(lang)
    if fraction is None:
        return MISSING
    return f"{format_number(exactly(fraction) * 100, digits)}%"


def format_points(fraction: float | None, lang: str, digits: int = 1) -> str:
    """A difference of two fractions in percentage points: ko '18.8%p', en '18.8 pp'."""
    check_lang(lang)
    if fraction is None:
        return MISSING
    number = format_number(exactly(fraction) * 100, digits)
    return f"{number}%p" if lang == "ko" else f"{number} pp"


def format_money(krw: float | int | None, lang: str) -> str:
    """KRW in 억원/조원 (ko) or KRW billions (en).

    ko: 1조원 and more as '35.3조원', below as '1,234억원' (one decimal under 10억).
    en: 'KRW 35,300 bn', one decimal under 100 bn, two under 1 bn; nothing
    at all as 'KRW 0 bn' (as ko's '0억원'), not 'KRW 0.00 bn'.
    """
    check_lang(lang)
    if krw is None:
        return MISSING
    exact = exactly(krw)
    if lang == "ko":
        digits = 1 if abs(krw) < 10 * EOK and krw % EOK else 0
        eok = rounded(exact / EOK, digits)
        if abs(eok) >= 10_000:  # 1조원 or more once rounded: 999,960,000,000 is 1.0조원
            return f"{format_number(exact / JO, 1)}조원"
        return f"{format_number(eok, digits)}억원"
    billions = exact / BILLION
    # The decimals follow the value as shown: 99.95 bn is 'KRW 100 bn', not '100.0'.
    if not krw or abs(rounded(billions, 1)) >= 100:
        digits = 0
    else:
        digits = 1 if abs(rounded(billions, 2)) >= 1 else 2
    return f"KRW {format_number(billions, digits)} bn"


def money_scale(max_krw: float, lang: str) -> tuple[float, str]:
    """The divisor and unit label for a money axis: (10^12, '조원'), (10^8, '억원') or bn."""
    check_lang(lang)
    if lang == "en":
        return BILLION, "KRW bn"
    return (JO, "조원") if max_krw >= JO else (EOK, "억원")


def format_days(value: float | None, lang: str) -> str:
    """A mean number of days: ko '78.4일', en '78.4 days'."""
    check_lang(lang)
    if value is None:
        return MISSING
    number = format_number(value, 1)
    return f"{number}일" if lang == "ko" else f"{number} days"


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant ('Z' allowed) as an aware datetime in UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


MONTHS_EN = (
    "January February March April May June July August September October November December"
).split()


def format_datetime(text: str | None, lang: str) -> str:
    """An ISO instant in UTC: ko '2026년 11월 24일 10:00 UTC', en '24 November 2026, 10:00 UTC'."""
    check_lang(lang)
    if not text:
        return MISSING
    moment = parse_instant(text)
    clock = f"{moment:%H:%M} UTC"
    if lang == "ko":
        return f"{moment.year}년 {moment.month}월 {moment.day}일 {clock}"
    return f"{moment.day} {MONTHS_EN[moment.month - 1]} {moment.year}, {clock}"


def format_date(text: str | None, lang: str) -> str:
    """An ISO date: ko '2026년 1월 1일', en '1 January 2026'."""
    check_lang(lang)
    if not text:
        return MISSING
    day = date.fromisoformat(text[:10])
    if lang == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일"
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
