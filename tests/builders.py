"""Test data builders: valid contract messages, to be bent into invalid ones."""

import itertools
from pathlib import Path
from typing import Any

import orjson

DEFAULT_SOURCES = {
    "ResearcherRegistered": "NRF",
    "ResearcherPositionChanged": "NRF",
    "ResearcherDeparted": "NRF",
    "FacultyCensusReported": "MOE",
    "GrantAwarded": "NRF",
    "GrantAmended": "NRF",
    "GrantFundsDisbursed": "NRF",
    "GrantTerminated": "NRF",
    "SelectionEvaluationCompleted": "NRF",
    "StageEvaluationHeld": "NRF",
    "RnDBudgetEnacted": "MSIT",
    "BlockFundingAllocated": "MSIT",
    "AICenterDesignated": "MSIT",
    "AIResearchersTrained": "MSIT",
    "InstituteRegistered": "NST",
    "InstituteBudgetReported": "NST",
    "InstituteEvaluated": "NST",
    "PerformanceBonusPaid": "NST",
}
# BlockFundingSpent, RepresentativeResultSubmitted, SpecialHiringCompleted: source = subject.

VALID_PAYLOADS: dict[str, dict[str, Any]] = {
    "ResearcherRegistered": {
        "institution_id": "U1",
        "position": "full_time",
        "first_appointed_on": "2022-03-01",
        "field": "engineering",
    },
    "ResearcherPositionChanged": {
        "institution_id": "U2",
        "position": "non_full_time",
        "effective_on": "2026-09-01",
    },
    "ResearcherDeparted": {"effective_on": "2027-03-01"},
    "FacultyCensusReported": {
        "year": 2026,
        "full_time": 100,
        "non_full_time": 40,
        "early_career_full_time": 20,
    },
    "GrantAwarded": {
        "researcher_id": "R1",
        "institution_id": "U1",
        "program": "basic_small",
        "field": "engineering",
        "start_on": "2026-03-01",
        "end_on": "2031-02-28",
        "annual_amount_krw": 100_000_000,
    },
    "GrantAmended": {"end_on": "2030-02-28", "reason": "scope change"},
    "GrantFundsDisbursed": {
        "fiscal_year": 2026,
        "amount_krw": 60_000_000,
        "disbursed_on": "2026-04-01",
    },
    "GrantTerminated": {"effective_on": "2027-06-30", "reason": "voluntary"},
    "SelectionEvaluationCompleted": {
        "program": "mid_career",
        "submitted_on": "2026-01-10",
        "decided_on": "2026-03-10",
        "reviewer_count": 5,
        "ai_assisted": True,
        "outcome": "selected",
    },
    "StageEvaluationHeld": {"held_on": "2026-12-01", "result": "continue"},
    "RnDBudgetEnacted": {
        "fiscal_year": 2026,
        "total_government_rnd_krw": 35_000_000_000_000,
        "basic_research_krw": 3_400_000_000_000,
    },
    "BlockFundingAllocated": {
        "fiscal_year": 2026,
        "amount_krw": 5_000_000_000,
        "performance_score": 87.5,
    },
    "BlockFundingSpent": {
        "fiscal_year": 2026,
        "category": "personnel",
        "amount_krw": 1_000_000_000,
    },
    "AICenterDesignated": {
        "institution_id": "U1",
        "field": "life_sciences",
        "designated_on": "2026-05-01",
    },
    "AIResearchersTrained": {"year": 2026, "count": 25},
    "InstituteRegistered": {"name_ko": "한국과학기술연구원", "name_en": "KIST"},
    "InstituteBudgetReported": {
        "fiscal_year": 2026,
        "institutional_contribution_krw": 100_000_000_000,
        "basic_program_krw": 40_000_000_000,
        "strategic_program_krw": 50_000_000_000,
        "project_revenue_krw": 80_000_000_000,
        "personnel_cost_krw": 60_000_000_000,
        "personnel_cost_from_contribution_krw": 33_000_000_000,
    },
    "RepresentativeResultSubmitted": {
        "evaluation_year": 2026,
        "result_id": "RR-1",
        "mission": "strategic_technology",
        "title": "차세대 반도체 소자",
    },
    "InstituteEvaluated": {
        "evaluation_year": 2026,
        "system": "integrated",
        "grade": "A",
        "representative_result_ids": ["RR-1"],
    },
    "PerformanceBonusPaid": {
        "fiscal_year": 2026,
        "scheme": "excellent_researcher",
        "recipients": 12,
        "amount_krw": 240_000_000,
    },
    "SpecialHiringCompleted": {"year": 2026, "hires": 3},
    "EventRetracted": {"retracted_event_id": "E-1", "reason": "sent in error"},
}

SUBJECTS = {
    "ResearcherRegistered": "R1",
    "ResearcherPositionChanged": "R1",
    "ResearcherDeparted": "R1",
    "FacultyCensusReported": "U1",
    "GrantAwarded": "G1",
    "GrantAmended": "G1",
    "GrantFundsDisbursed": "G1",
    "GrantTerminated": "G1",
    "SelectionEvaluationCompleted": "A1",
    "StageEvaluationHeld": "G1",
    "RnDBudgetEnacted": "FY2026",
    "BlockFundingAllocated": "U1",
    "BlockFundingSpent": "U1",
    "AICenterDesignated": "C1",
    "AIResearchersTrained": "C1",
    "InstituteRegistered": "KIST",
    "InstituteBudgetReported": "KIST",
    "RepresentativeResultSubmitted": "KIST",
    "InstituteEvaluated": "KIST",
    "PerformanceBonusPaid": "KIST",
    "SpecialHiringCompleted": "KIST",
}

_ids = itertools.count(1)


def event(event_type: str, subject: str | None = None, /, **overrides: Any) -> dict[str, Any]:
    """A valid message as a dict; `payload=` replaces, `payload_update=` merges."""
    subject = subject or SUBJECTS.get(event_type, "S1")
    payload = dict(VALID_PAYLOADS[event_type])
    payload.update(overrides.pop("payload_update", {}))
    message = {
        "event_id": f"T-{next(_ids):08d}",
        "event_type": event_type,
        "schema_version": 1,
        "occurred_at": "2026-03-02T09:00:00+09:00",
        "source": DEFAULT_SOURCES.get(event_type, subject),
        "subject_id": subject,
        "payload": payload,
    }
    message.update(overrides)
    return message


def retraction(target: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    fields = {
        "source": target["source"],
        "payload": {"retracted_event_id": target["event_id"], "reason": "sent in error"},
        **overrides,
    }
    return event("EventRetracted", target["subject_id"], **fields)


def line(message: dict[str, Any]) -> bytes:
    return orjson.dumps(message)


def jsonl(messages: list[dict[str, Any]]) -> bytes:
    return b"".join(line(m) + b"\n" for m in messages)


def grant_messages(subjects: int) -> list[dict[str, Any]]:
    """Three messages per subject (researcher, grant, disbursement); every
    100th subject a second award instead, rejected as already_exists."""
    messages = []
    for i in range(subjects):
        messages.append(event("ResearcherRegistered", f"R{i}"))
        messages.append(event("GrantAwarded", f"G{i}", payload_update={"researcher_id": f"R{i}"}))
        if i % 100 == 0:
            messages.append(event("GrantAwarded", f"G{i}"))  # already_exists
        else:
            messages.append(event("GrantFundsDisbursed", f"G{i}"))
    return messages


def grants_file(path: Path, lines: int) -> Path:
    """`grant_messages` as a JSONL file of `lines` lines (rounded down to threes)."""
    path.write_bytes(jsonl(grant_messages(lines // 3)))
    return path
