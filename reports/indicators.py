"""What kind of number each indicator is, so the report formats it right.

kind: "ratio" (a fraction shown as a percent), "count" (with a unit word),
"krw" (money), "days" (a mean number of days). `unit` names the catalogue's
`unit.*` word for counts. The ids and their order follow indicators.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports import filters


@dataclass(frozen=True)
class Kind:
    kind: str
    unit: str = ""


RATIO = Kind("ratio")
KRW = Kind("krw")
DAYS = Kind("days", "days")

KINDS: dict[str, Kind] = {
    "coverage.all_faculty": RATIO,
    "coverage.full_time": RATIO,
    "coverage.early_career": RATIO,
    "budget.basic_research_share": RATIO,
    "young.researchers_supported": Kind("count", "people"),
    "longterm.basic_small_active": Kind("count", "grants"),
    "longterm.deep_active": Kind("count", "grants"),
    "evaluation.stage_after_abolition": Kind("count", "evaluations"),
    "evaluation.selection_rate": RATIO,
    "evaluation.selection_days_mean": DAYS,
    "evaluation.ai_assisted_share": RATIO,
    "ruf.block_funding_krw": KRW,
    "ruf.universities_funded": Kind("count", "universities"),
    "ai_centers.designated": Kind("count", "centres"),
    "ai_centers.researchers_trained": Kind("count", "people"),
    "institutes.personnel_cost_coverage": RATIO,
    "institutes.pbs_dependency": RATIO,
    "institutes.basic_program_share": RATIO,
    "institutes.integrated_evaluation_share": RATIO,
    "institutes.representative_results": Kind("count", "results"),
    "institutes.bonus_excellent_researcher": Kind("count", "institutes"),
    "institutes.bonus_all_staff": Kind("count", "institutes"),
    "institutes.special_hires": Kind("count", "people"),
    "compliance.non_integrated_evaluations": Kind("count", "cases"),
    "compliance.bonus_before_scheme": Kind("count", "cases"),
    "dq.grants_unknown_researcher": Kind("count", "grants"),
    "dq.census_missing": Kind("count", "institutes"),
}
INDICATOR_IDS = tuple(KINDS)
FINDING_IDS = tuple(i for i in KINDS if i.startswith(("compliance.", "dq.")))


def kind_of(indicator_id: str) -> Kind:
    """The kind of an indicator; an unknown id guessed from its name (money if it
    ends in _krw, else a count)."""
    if indicator_id in KINDS:
        return KINDS[indicator_id]
    if indicator_id.endswith("_krw"):
        return KRW
    return Kind("count")


def format_value(indicator_id: str, value: float | None, lang: str, unit_word: str = "") -> str:
    """An indicator's value in its own kind: '31.3%', '1,234명', '35.3조원', '78.0 days'."""
    kind = kind_of(indicator_id)
    if kind.kind == "ratio":
        return filters.format_percent(value, lang)
    if kind.kind == "krw":
        return filters.format_money(value, lang)
    if kind.kind == "days":
        return filters.format_days(value, lang)
    return filters.format_count(value, lang, unit_word)


def format_difference(
    indicator_id: str, value: float | None, lang: str, unit_word: str = ""
) -> str:
    """A gap between two values of an indicator: points for ratios, else the value's kind."""
    if kind_of(indicator_id).kind == "ratio":
        return filters.format_points(value, lang)
    return format_value(indicator_id, value, lang, unit_word)
