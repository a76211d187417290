"""Scale presets and the policy trajectories the demo data is calibrated to.

Baselines from the policy brief (press figures for 2025): full-time coverage
29 %, early-career coverage 63 %, basic research 9.8 % of government R&D,
institutes paying about 55 % of salaries from the institutional grant. The
trajectories then reach some 2030 targets and miss others, so the report has
something to say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import get_args

from contract.types import Field

YEARS = tuple(range(2024, 2031))
FIELDS: tuple[str, ...] = get_args(Field)  # the contract's order
FIELD_WEIGHTS = (22, 30, 16, 12, 5, 10, 5)

# Share of the census who are PIs of an active grant (indicators.md coverage.*).
COV_FULL_TIME = {
    2024: 0.272,
    2025: 0.290,
    2026: 0.320,
    2027: 0.355,
    2028: 0.390,
    2029: 0.425,
    2030: 0.460,
}  # target 0.50 -> at risk
COV_EARLY = {
    2024: 0.610,
    2025: 0.630,
    2026: 0.655,
    2027: 0.675,
    2028: 0.690,
    2029: 0.705,
    2030: 0.720,
}  # target 0.70 -> met
COV_NON_FULL_TIME = {
    2024: 0.030,
    2025: 0.031,
    2026: 0.033,
    2027: 0.035,
    2028: 0.037,
    2029: 0.039,
    2030: 0.041,
}  # all-faculty 30 % is narrowly missed

# National budget (KRW) and the basic-research share of it (target 10 %).
TOTAL_RND_KRW = {
    2024: 26_500_000_000_000,
    2025: 29_600_000_000_000,
    2026: 35_300_000_000_000,
    2027: 36_400_000_000_000,
    2028: 37_600_000_000_000,
    2029: 38_900_000_000_000,
    2030: 40_200_000_000_000,
}
BASIC_SHARE = {
    2024: 0.094,
    2025: 0.098,
    2026: 0.101,
    2027: 0.102,
    2028: 0.104,
    2029: 0.105,
    2030: 0.107,
}

# Institutes: share of salaries paid from the institutional grant (target 100 %).
SALARY_COVERAGE = {
    2024: 0.52,
    2025: 0.55,
    2026: 0.62,
    2027: 0.69,
    2028: 0.76,
    2029: 0.83,
    2030: 0.91,
}

# Selection evaluation: simplified (faster) and AI-assisted from 2026.
SELECTION_DAYS = {2024: 105, 2025: 100, 2026: 78, 2027: 70, 2028: 64, 2029: 60, 2030: 56}
AI_ASSISTED = {2024: 0.0, 2025: 0.04, 2026: 0.30, 2027: 0.48, 2028: 0.62, 2029: 0.72, 2030: 0.80}
SELECTION_RATE = {
    "basic_small": 0.23,
    "early_career": 0.19,
    "mid_career": 0.15,
    "leader": 0.10,
    "long_term_deep": 0.12,
    "young_ladder": 0.30,
}


@dataclass(frozen=True)
class Scale:
    name: str
    universities: int
    full_time: int  # census totals in 2024
    non_full_time: int
    institutes: int
    young_per_year: int  # distinct new young_ladder researchers, 2026..2030
    unknown_pi_per_year: int  # grants whose researcher is never registered
    census_missing_pis: int  # PIs at an institution without a census
    duplicates: int
    ai_centers: dict = field(default_factory=dict)  # year -> designations
    ruf_universities: dict = field(default_factory=dict)  # fiscal year -> funded
    stage_exceptions: dict = field(default_factory=dict)  # year -> stage evals held
    ruf_scale_krw: int = 12_000_000_000


SCALES = {
    "small": Scale(
        name="small",
        universities=10,
        full_time=1_150,
        non_full_time=850,
        institutes=3,
        young_per_year=40,
        unknown_pi_per_year=1,
        census_missing_pis=2,
        duplicates=4,
        ai_centers={2026: 2, 2027: 1, 2028: 1, 2029: 1},
        ruf_universities={2026: 2, 2027: 3, 2028: 3, 2029: 4, 2030: 4},
        stage_exceptions={2026: 1},
        ruf_scale_krw=4_000_000_000,
    ),
    "national": Scale(
        name="national",
        universities=190,
        full_time=52_000,
        non_full_time=38_000,
        institutes=23,
        young_per_year=1_880,
        unknown_pi_per_year=12,
        census_missing_pis=9,
        duplicates=40,
        ai_centers={2026: 12, 2027: 9, 2028: 7, 2029: 5, 2030: 4},  # 37 < 40
        ruf_universities={2025: 10, 2026: 20, 2027: 25, 2028: 30, 2029: 35, 2030: 40},
        stage_exceptions={2026: 4, 2027: 1},
    ),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown demo scale {name!r}; use one of {', '.join(SCALES)}") from None
