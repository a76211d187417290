"""A small event history whose every indicator was worked out by hand.

Years run 2025..2030 (the retracted award G8 would have started in 2024).
See test_scenario.py for the expected numbers and how they come about.
"""

from typing import Any

from tests.builders import event, retraction

Msg = dict[str, Any]


def at(when: str) -> dict[str, str]:
    return {"occurred_at": when}


def researchers() -> list[Msg]:
    def reg(rid: str, inst: str, kind: str, first: str, field: str) -> Msg:
        payload = {
            "institution_id": inst,
            "position": kind,
            "first_appointed_on": first,
            "field": field,
        }
        return event("ResearcherRegistered", rid, payload=payload)

    def change(rid: str, inst: str, kind: str, day: str) -> Msg:
        payload = {"institution_id": inst, "position": kind, "effective_on": day}
        return event("ResearcherPositionChanged", rid, payload=payload)

    wrong_r1 = change("R1", "U3", "non_full_time", "2026-01-01")
    return [
        reg("R1", "U1", "full_time", "2020-03-01", "engineering"),
        reg("R2", "U1", "non_full_time", "2015-01-01", "natural_sciences"),
        reg("R3", "U2", "full_time", "2023-05-01", "engineering"),
        reg("R4", "U2", "full_time", "2010-01-01", "life_sciences"),
        change("R2", "U2", "full_time", "2026-07-01"),
        # same day: the one at the higher position wins (U2 full_time)
        change("R4", "U3", "non_full_time", "2026-03-01"),
        change("R4", "U2", "full_time", "2026-03-01"),
        event("ResearcherDeparted", "R3", payload={"effective_on": "2027-01-01"}),
        wrong_r1,
        retraction(wrong_r1),
    ]


def grants() -> list[Msg]:
    def award(gid: str, rid: str, program: str, start: str, end: str) -> Msg:
        payload = {
            "researcher_id": rid,
            "institution_id": "U-GRANT",  # never used: the researcher's state decides
            "program": program,
            "field": "engineering",
            "start_on": start,
            "end_on": end,
            "annual_amount_krw": 100,
        }
        return event("GrantAwarded", gid, payload=payload)

    g8 = award("G8", "R1", "leader", "2024-01-01", "2024-12-31")
    stage_2027 = event(
        "StageEvaluationHeld", "G1", payload={"held_on": "2027-03-01", "result": "continue"}
    )
    return [
        award("G1", "R1", "basic_small", "2025-03-01", "2030-02-28"),
        award("G2", "R2", "mid_career", "2025-06-01", "2028-05-31"),
        event(
            "GrantTerminated", "G2", payload={"effective_on": "2026-06-30", "reason": "voluntary"}
        ),
        award("G3", "R3", "early_career", "2026-03-01", "2029-02-28"),
        event("GrantAmended", "G3", payload={"end_on": "2027-02-28", "reason": "shorter"}),
        award("G4", "R4", "long_term_deep", "2026-01-01", "2035-12-31"),
        award("G5", "R1", "young_ladder", "2026-09-01", "2028-08-31"),
        award("G6", "R2", "young_ladder", "2027-01-01", "2028-12-31"),
        award("G7", "R3", "young_ladder", "2025-01-01", "2025-12-31"),
        g8,
        retraction(g8),
        award("G9", "R9", "mid_career", "2026-01-01", "2026-12-31"),
        event("StageEvaluationHeld", "G1", payload={"held_on": "2025-11-01", "result": "continue"}),
        event("StageEvaluationHeld", "G4", payload={"held_on": "2026-05-01", "result": "continue"}),
        stage_2027,
        retraction(stage_2027),
    ]


def selections() -> list[Msg]:
    def decided(aid: str, program: str, sub: str, dec: str, ai: bool, outcome: str) -> Msg:
        payload = {
            "program": program,
            "submitted_on": sub,
            "decided_on": dec,
            "reviewer_count": 3,
            "ai_assisted": ai,
            "outcome": outcome,
        }
        return event("SelectionEvaluationCompleted", aid, payload=payload)

    return [
        decided("A1", "mid_career", "2025-11-01", "2026-01-31", True, "selected"),
        decided("A2", "mid_career", "2026-01-01", "2026-03-02", False, "rejected"),
        decided("A3", "leader", "2026-02-01", "2026-02-11", True, "rejected"),
        decided("A4", "leader", "2025-03-01", "2025-04-01", False, "selected"),
    ]


def census() -> list[Msg]:
    def report(inst: str, year: int, ft: int, nft: int, ec: int, when: str) -> Msg:
        payload = {
            "year": year,
            "full_time": ft,
            "non_full_time": nft,
            "early_career_full_time": ec,
        }
        return event("FacultyCensusReported", inst, payload=payload, **at(when))

    superseding_2027 = report("U1", 2027, 20, 10, 5, "2027-04-01T09:00:00+09:00")
    return [
        report("U1", 2025, 10, 5, 2, "2025-03-01T09:00:00+09:00"),
        report("U1", 2026, 12, 4, 3, "2026-04-01T09:00:00+09:00"),
        report("U1", 2026, 10, 4, 2, "2026-03-02T09:00:00+09:00"),  # older, sent later
        report("U2", 2026, 8, 2, 4, "2026-03-02T09:00:00+09:00"),
        report("U1", 2027, 12, 4, 3, "2027-03-01T09:00:00+09:00"),
        superseding_2027,
        retraction(superseding_2027),
    ]


def budgets() -> list[Msg]:
    def enacted(year: int, total: int, basic: int, when: str) -> Msg:
        payload = {
            "fiscal_year": year,
            "total_government_rnd_krw": total,
            "basic_research_krw": basic,
        }
        return event("RnDBudgetEnacted", f"FY{year}", payload=payload, **at(when))

    return [
        enacted(2025, 100, 9, "2025-01-01T09:00:00+09:00"),
        enacted(2026, 200, 20, "2026-01-01T09:00:00+09:00"),
        enacted(2026, 200, 22, "2026-01-01T09:00:00+09:00"),  # tie: higher position wins
        enacted(2026, 250, 30, "2026-01-01T08:30:00+09:00"),  # earlier instant, sent last
        enacted(2027, 300, 30, "2027-01-01T00:30:00+00:00"),
        enacted(2027, 300, 33, "2027-01-01T09:00:00+09:00"),  # = 00:00Z: earlier, text larger
    ]


def universities() -> list[Msg]:
    def block(inst: str, year: int, amount: int) -> Msg:
        payload = {"fiscal_year": year, "amount_krw": amount, "performance_score": 80.0}
        return event("BlockFundingAllocated", inst, payload=payload)

    wrong = block("U2", 2027, 999)

    def centre(cid: str, day: str) -> Msg:
        payload = {"institution_id": "U1", "field": "life_sciences", "designated_on": day}
        return event("AICenterDesignated", cid, payload=payload)

    def trained(cid: str, year: int, count: int) -> Msg:
        return event("AIResearchersTrained", cid, payload={"year": year, "count": count})

    return [
        block("U1", 2026, 500),
        block("U2", 2026, 300),
        block("U1", 2027, 400),
        block("U1", 2027, 100),
        wrong,
        retraction(wrong),
        centre("C1", "2026-05-01"),
        centre("C2", "2027-02-01"),
        centre("C3", "2027-12-31"),
        trained("C1", 2026, 10),
        trained("C1", 2027, 15),
        trained("C2", 2027, 5),
    ]


def institutes() -> list[Msg]:
    def budget(inst: str, year: int, amounts: tuple[int, ...], when: str) -> Msg:
        contribution, basic, strategic, revenue, personnel, from_contribution = amounts
        payload = {
            "fiscal_year": year,
            "institutional_contribution_krw": contribution,
            "basic_program_krw": basic,
            "strategic_program_krw": strategic,
            "project_revenue_krw": revenue,
            "personnel_cost_krw": personnel,
            "personnel_cost_from_contribution_krw": from_contribution,
        }
        return event("InstituteBudgetReported", inst, payload=payload, **at(when))

    def result(inst: str, year: int, rid: str) -> Msg:
        payload = {
            "evaluation_year": year,
            "result_id": rid,
            "mission": "policy_support",
            "title": "t",
        }
        return event("RepresentativeResultSubmitted", inst, payload=payload)

    def evaluated(inst: str, year: int, system: str, grade: str, results: list[str]) -> Msg:
        payload = {
            "evaluation_year": year,
            "system": system,
            "grade": grade,
            "representative_result_ids": results,
        }
        return event("InstituteEvaluated", inst, payload=payload)

    def bonus(inst: str, year: int, scheme: str) -> Msg:
        payload = {"fiscal_year": year, "scheme": scheme, "recipients": 2, "amount_krw": 10}
        return event("PerformanceBonusPaid", inst, payload=payload)

    def hired(inst: str, year: int, hires: int) -> Msg:
        return event("SpecialHiringCompleted", inst, payload={"year": year, "hires": hires})

    return [
        event("InstituteRegistered", "K1", payload={"name_ko": "가연구원", "name_en": "K One"}),
        event("InstituteRegistered", "K2", payload={"name_ko": "나연구원", "name_en": "K Two"}),
        budget("K1", 2026, (100, 40, 50, 80, 60, 30), "2026-02-01T09:00:00+09:00"),
        budget("K1", 2026, (100, 40, 50, 60, 60, 36), "2026-03-01T09:00:00+09:00"),
        budget("K2", 2026, (200, 50, 100, 100, 100, 64), "2026-02-01T09:00:00+09:00"),
        budget("K1", 2027, (120, 60, 40, 40, 60, 48), "2027-02-01T09:00:00+09:00"),
        result("K1", 2026, "RR-1"),
        result("K1", 2026, "RR-2"),
        result("K2", 2027, "RR-3"),
        evaluated("K1", 2025, "operations", "B", []),
        evaluated("K1", 2026, "integrated", "A", ["RR-1"]),
        evaluated("K2", 2026, "operations", "B", []),
        evaluated("K1", 2027, "integrated", "S", []),
        evaluated("K2", 2027, "integrated", "A", ["RR-3"]),
        bonus("K1", 2026, "excellent_researcher"),
        bonus("K2", 2026, "excellent_researcher"),
        bonus("K1", 2026, "excellent_researcher"),
        bonus("K1", 2026, "all_staff_integrated"),
        bonus("K2", 2027, "all_staff_integrated"),
        hired("K1", 2026, 3),
        hired("K2", 2026, 2),
        hired("K1", 2027, 4),
    ]


def batches() -> list[list[Msg]]:
    """The history in four batches (four recording times)."""
    invalid = event(
        "GrantAwarded",
        "G-BAD",
        payload_update={"program": "basic_small", "start_on": "2026-01-01", "end_on": "2032-12-31"},
    )  # program_rule_violation: a rejection record, no fact
    return [
        researchers(),
        grants() + [invalid],
        selections() + census() + budgets(),
        universities() + institutes(),
    ]


def messages() -> list[Msg]:
    return [m for batch in batches() for m in batch]
