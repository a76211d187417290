"""A realistic, hand-written `projections.compute(...)` result for report tests.

It follows indicators.md's JSON shape plus the report's extra keys (findings,
distributions, institutes, summary), for 2024-2030, with nulls, all four
statuses, breakdowns and institutes. `report_data(institutes=23, universities=190)`
gives a national-sized variant for the benchmark.
"""

from __future__ import annotations

import copy
from typing import Any

YEARS = list(range(2024, 2031))
T = 1_000_000_000_000
B = 1_000_000_000

RATIOS: dict[str, list[float | None]] = {
    "coverage.all_faculty": [0.172, 0.181, 0.197, 0.214, 0.229, 0.243, None],
    "coverage.full_time": [0.272, 0.290, 0.320, 0.355, 0.390, 0.425, None],
    "coverage.early_career": [0.610, 0.630, 0.655, 0.675, 0.690, 0.705, None],
    "budget.basic_research_share": [0.094, 0.098, 0.101, 0.102, 0.104, 0.105, 0.107],
    "evaluation.selection_rate": [0.181, 0.176, 0.183, 0.179, 0.185, 0.188, 0.190],
    "evaluation.ai_assisted_share": [0.0, 0.04, 0.30, 0.48, 0.62, 0.72, 0.80],
    "institutes.personnel_cost_coverage": [0.52, 0.55, 0.62, 0.69, 0.76, 0.83, 0.91],
    "institutes.pbs_dependency": [0.451, 0.432, 0.391, 0.352, 0.310, 0.268, 0.221],
    "institutes.basic_program_share": [0.211, 0.219, 0.226, 0.233, 0.240, 0.247, 0.254],
    "institutes.integrated_evaluation_share": [0.0, 0.0, 2 / 3, 1.0, 1.0, 1.0, 1.0],
}
DAYS = {"evaluation.selection_days_mean": [None, 100.4, 78.2, 70.0, 64.5, 60.1, 56.0]}
COUNTS: dict[str, list[int]] = {
    "young.researchers_supported": [0, 0, 1880, 3771, 5650, 7522, 9405],
    "longterm.basic_small_active": [4210, 4390, 5120, 5870, 6400, 6810, 7150],
    "longterm.deep_active": [0, 0, 35, 80, 120, 150, 170],
    "evaluation.stage_after_abolition": [0, 0, 4, 1, 0, 0, 0],
    "ruf.block_funding_krw": [0, 120 * B, 240 * B, 300 * B, 360 * B, 420 * B, 480 * B],
    "ruf.universities_funded": [0, 10, 20, 25, 30, 35, 40],
    "ai_centers.designated": [0, 0, 12, 21, 28, 33, 37],
    "ai_centers.researchers_trained": [0, 0, 0, 0, 0, 0, 450],
    "institutes.representative_results": [0, 0, 68, 71, 66, 74, 70],
    "institutes.bonus_excellent_researcher": [0, 0, 14, 18, 23, 23, 23],
    "institutes.bonus_all_staff": [0, 0, 1, 12, 23, 23, 23],
    "institutes.special_hires": [61, 75, 92, 108, 121, 139, 152],
    "compliance.non_integrated_evaluations": [0, 0, 1, 0, 0, 0, 0],
    "compliance.bonus_before_scheme": [0, 0, 1, 0, 0, 0, 0],
    "dq.grants_unknown_researcher": [12, 12, 13, 12, 12, 11, 12],
    "dq.census_missing": [3, 3, 3, 2, 2, 2, 1],
}
DENOMINATORS = {
    "coverage.all_faculty": 90_000,
    "coverage.full_time": 52_000,
    "coverage.early_career": 9_800,
    "evaluation.selection_rate": 41_000,
    "evaluation.ai_assisted_share": 41_000,
}
TARGETS = [
    ("ai_centers.designated", 40, 2030, 2030, 37, 3, 44.6, "on_track"),
    ("ai_centers.researchers_trained", 2000, 2030, 2030, 450, 1550, None, "insufficient_data"),
    ("budget.basic_research_share", 0.10, 2030, 2030, 0.107, -0.007, 0.1085, "on_track"),
    ("coverage.all_faculty", 0.30, 2030, 2029, 0.243, 0.057, 0.2567, "off_track"),
    ("coverage.early_career", 0.70, 2030, 2029, 0.705, -0.005, 0.7228, "on_track"),
    ("coverage.full_time", 0.50, 2030, 2029, 0.425, 0.075, 0.4605, "at_risk"),
    ("evaluation.stage_after_abolition", 0, 2030, 2030, 0, 0, 0, "on_track"),
    ("institutes.integrated_evaluation_share", 1.0, 2026, 2030, 1.0, 0.0, 1.0, "off_track"),
    ("institutes.personnel_cost_coverage", 1.0, 2030, 2030, 0.91, 0.09, 0.92, "at_risk"),
    ("young.researchers_supported", 10000, 2030, 2030, 9405, 595, 9397.2, "at_risk"),
]
INSTITUTE_THEMES = [
    ("양자", "Quantum"),
    ("반도체", "Semiconductor"),
    ("바이오", "Bio"),
    ("에너지", "Energy"),
    ("항공우주", "Aerospace"),
    ("원자력", "Nuclear"),
    ("기후", "Climate"),
]
FIELDS = ["agriculture", "engineering", "life_sciences", "natural_sciences"]
PROGRAMS = ["basic_small", "early_career", "leader", "mid_career", "young_ladder"]
GRADES = "SAABBBBCCD"


def _indicators(universities: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for key, values in {**RATIOS, **DAYS}.items():
        denominator = DENOMINATORS.get(key)
        for year, value in zip(YEARS, values, strict=True):
            row: dict[str, Any] = {"id": key, "year": year, "value": value}
            if denominator:
                scaled = denominator * universities // 190 or 1
                row["denominator"] = None if value is None else scaled
                row["numerator"] = None if value is None else round(value * scaled)
            rows.append(row)
    for key, values in COUNTS.items():
        rows += [{"id": key, "year": y, "value": v} for y, v in zip(YEARS, values, strict=True)]
    return sorted(rows, key=lambda r: (r["id"], r["year"]))


def _breakdowns(universities: int, institutes: list[dict[str, str]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n, field in enumerate(FIELDS):
        for year in YEARS[:-1]:
            for key in ("coverage.all_faculty", "coverage.full_time", "coverage.early_career"):
                value = (RATIOS[key][year - 2024] or 0) * (0.9 + 0.07 * n)
                rows.append(
                    {"id": key, "by": "field", "key": field, "year": year, "value": value,
                     "numerator": round(value * 1000), "denominator": 1000}
                )  # fmt: skip
    for u in range(universities):
        for year in YEARS[:-1]:
            spread = 0.8 + 0.4 * u / universities
            value = (RATIOS["coverage.full_time"][year - 2024] or 0) * spread
            rows.append(
                {"id": "coverage.full_time", "by": "institution", "key": f"DEMO-U{u + 1:03d}",
                 "year": year, "value": value, "numerator": round(value * 300),
                 "denominator": 300}
            )  # fmt: skip
    for n, program in enumerate(PROGRAMS):
        for year in YEARS:
            rows.append(
                {"id": "evaluation.selection_rate", "by": "program", "key": program, "year": year,
                 "value": 0.1 + 0.03 * n, "numerator": 100 + 30 * n, "denominator": 1000}
            )  # fmt: skip
    for institute in institutes:
        for year in YEARS:
            rows.append(
                {"id": "institutes.personnel_cost_coverage", "by": "institute",
                 "key": institute["institute_id"], "year": year,
                 "value": RATIOS["institutes.personnel_cost_coverage"][year - 2024]}
            )  # fmt: skip
    return sorted(rows, key=lambda r: (r["id"], r["year"], r["by"], r["key"]))


def _institutes(count: int) -> list[dict[str, Any]]:
    rows = []
    for k in range(count):
        ko, en = INSTITUTE_THEMES[k % len(INSTITUTE_THEMES)]
        for year in YEARS:
            offset = (k % 5 - 2) * 0.02
            coverage = min(1.0, RATIOS["institutes.personnel_cost_coverage"][year - 2024] + offset)
            system = "research_program" if year < 2026 else "integrated"
            if year == 2026 and k == 1:
                system = "operations"
            rows.append(
                {
                    "institute_id": f"DEMO-I{k + 1:02d}",
                    "name_ko": f"데모 {ko}연구원 {k + 1:02d} (합성)",
                    "name_en": f"Demo {en} Research Institute {k + 1:02d} (synthetic)",
                    "year": year,
                    "personnel_cost_coverage": coverage,
                    "pbs_dependency": 0.45 - 0.035 * (year - 2024) - offset,
                    "basic_program_share": 0.21 + 0.007 * (year - 2024),
                    "grade": None if year == 2030 and k == 0 else GRADES[(k * 3 + year) % 10],
                    "system": None if year == 2030 and k == 0 else system,
                    "representative_results": 0 if year < 2026 else 2 + (k + year) % 3,
                    "special_hires": 1 + (k + year) % 6,
                }
            )
    return rows


def _distributions(institutes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for year in YEARS:
        grades = [i["grade"] for i in institutes if i["year"] == year and i["grade"]]
        for grade in "SABCD":
            rows.append(
                {"id": "institutes.grade", "year": year, "key": grade,
                 "value": grades.count(grade)}
            )  # fmt: skip
        scale = len({i["institute_id"] for i in institutes}) / 23
        total = 5.6 * T * 1.03 ** (year - 2024) * scale
        basic = total * (0.10 + 0.005 * (year - 2024))
        strategic = total * 0.12
        for key, value in (("basic", basic), ("strategic", strategic), ("other", total * 0.4)):
            rows.append(
                {"id": "institutes.program_split", "year": year, "key": key,
                 "value": int(value) // 1_000_000 * 1_000_000}
            )  # fmt: skip
    return sorted(rows, key=lambda r: (r["id"], r["year"], r["key"]))


def report_data(institutes: int = 3, universities: int = 10) -> dict[str, Any]:
    """The full dict: spec keys plus findings, distributions, institutes and summary."""
    institute_rows = _institutes(institutes)
    return {
        "as_of": {
            "position": 1_234_567,
            "recorded_at": "2026-11-24T10:00:00+00:00",
            "chain_head": "9f2c4e71a0b3d5f6e8c7b9a1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b",
        },
        "parameters": {
            "early_career_years": 7,
            "stage_evaluation_abolished_on": "2026-01-01",
            "integrated_evaluation_from": 2026,
            "file": "projections/parameters.toml",
        },
        "indicators": _indicators(universities),
        "targets": [
            dict(
                zip(
                    (
                        "id",
                        "target",
                        "target_year",
                        "latest_year",
                        "latest_value",
                        "gap",
                        "forecast",
                        "status",
                    ),
                    row,
                    strict=True,
                )
            )
            for row in TARGETS
        ],  # fmt: skip
        "breakdowns": _breakdowns(universities, institute_rows),
        "findings": [
            {
                "id": "compliance.bonus_before_scheme",
                "year": 2026,
                "count": 1,
                "event_ids": ["DEMO-E-0001913"],
            },
            {
                "id": "compliance.non_integrated_evaluations",
                "year": 2026,
                "count": 1,
                "event_ids": ["DEMO-E-0002044"],
            },
            {
                "id": "dq.grants_unknown_researcher",
                "year": 2026,
                "count": 13,
                "event_ids": [f"DEMO-E-00{n:05d}" for n in (101, 202, 303, 404, 505)],
            },
            {
                "id": "dq.census_missing",
                "year": 2027,
                "count": 2,
                "event_ids": ["DEMO-E-0007001", "DEMO-E-0007002"],
            },
        ],  # fmt: skip
        "distributions": _distributions(institute_rows),
        "institutes": institute_rows,
        "summary": {
            "events": 1_203_456,
            "retracted": 412,
            "rejections": 97,
            "sources": ["MOE", "MSIT", "NRF", "NST", "DEMO-I01", "DEMO-I02", "DEMO-I03"],
            "synthetic": True,
            "first_year": 2024,
            "last_year": 2030,
        },
    }


def spec_only(data: dict[str, Any]) -> dict[str, Any]:
    """The same data with only the four keys of indicators.md (and as_of without a seal)."""
    keys = ("as_of", "parameters", "indicators", "targets", "breakdowns")
    trimmed = copy.deepcopy({k: data[k] for k in keys})
    trimmed["as_of"].pop("chain_head", None)
    return trimmed
