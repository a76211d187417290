"""Constrained field types shared by the envelope and every payload.

msgspec checks these constraints while decoding, in C, which is what keeps
validation far above the ingest rate (see benchmarks/bench_validation.py).
"""

from datetime import date
from typing import Annotated, Literal

import msgspec

# `(?!\n)$`: Python's `$` (msgspec searches with `re`) also matches before a
# final newline, so "R1\n" passed as an id; ECMA-262 (the schema's dialect)
# reads the lookahead alike.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}(?!\n)$"

Id = Annotated[str, msgspec.Meta(pattern=ID_PATTERN, min_length=1, max_length=128)]
MoneyKrw = Annotated[int, msgspec.Meta(ge=0, lt=10**16)]
Year = Annotated[int, msgspec.Meta(ge=2000, le=2100)]
# People, results, reviewers: at most a billion, a bound the contract does not
# set. Unbounded, one count of 2^63 was accepted and then stopped every
# indicator of the ledger (Polars reads counts as 64-bit integers), and sums
# of a billion billions still fit.
COUNT_MAX = 1_000_000_000
Count = Annotated[int, msgspec.Meta(ge=0, le=COUNT_MAX)]
PositiveCount = Annotated[int, msgspec.Meta(ge=1, le=COUNT_MAX)]
Day = date
Reason = Annotated[str, msgspec.Meta(max_length=200)]
Title = Annotated[str, msgspec.Meta(max_length=300)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Score = Annotated[float, msgspec.Meta(ge=0, le=100)]

Position = Literal["full_time", "non_full_time"]
Field = Literal[
    "natural_sciences",
    "engineering",
    "life_sciences",
    "medicine",
    "agriculture",
    "humanities_social",
    "interdisciplinary",
]
Program = Literal[
    "basic_small", "early_career", "mid_career", "leader", "long_term_deep", "young_ladder"
]
TerminationReason = Literal["misconduct", "voluntary", "other"]
Outcome = Literal["selected", "rejected"]
StageResult = Literal["continue", "terminate"]
SpendingCategory = Literal["personnel", "facilities", "administration"]
Mission = Literal["strategic_technology", "grand_challenge", "policy_support", "industry_region"]
EvaluationSystem = Literal["integrated", "operations", "research_program"]
Grade = Literal["S", "A", "B", "C", "D"]
BonusScheme = Literal["excellent_researcher", "all_staff_integrated"]
