"""Deliberate imperfections: corrections, duplicates and invalid messages.

Valid corrections (retractions, re-awards) are woven into the generators;
this module marks which grants get them, adds a retracted phantom award, the
invalid messages (event_id contains ``-BAD-``; each names the rejection it
should get in its comment) and exact duplicate lines.
"""

from __future__ import annotations

import json

from .emit import Emitter, d, dec31, end_for_years, iso, jan1, year_of
from .grants import Portfolio
from .researchers import University


def mark_specials(pf: Portfolio) -> None:
    """One grant re-awarded after a retracted award; one disbursement retracted and redone."""
    reaward = [
        g
        for g in pf.grants
        if year_of(g.start) == 2025 and g.pi is not None and g.term is None and g.special is None
    ]
    reaward[len(reaward) // 2].special = "reaward"
    redis = [
        g
        for g in pf.grants
        if year_of(g.start) == 2024
        and g.term is None
        and g.amt_fy is None
        and g.end_now() > dec31(2025)
        and g.special is None
    ]
    redis[len(redis) // 3].special = "redisburse"


def emit_phantom(em: Emitter) -> None:
    """An award sent for a grant that does not exist, retracted by NRF."""
    gid = "DEMO-G25-0900001"
    eid = em.emit(
        "NRF",
        "GrantAwarded",
        gid,
        {
            "researcher_id": "DEMO-R-0000001",
            "institution_id": "DEMO-U001",
            "program": "mid_career",
            "field": "engineering",
            "start_on": "2025-06-01",
            "end_on": "2028-05-31",
            "annual_amount_krw": 200_000_000,
        },
        d(2025, 5, 2),
    )
    em.emit(
        "NRF",
        "EventRetracted",
        gid,
        {"retracted_event_id": eid, "reason": "demo: award entered for a withdrawn application"},
        d(2025, 5, 20),
    )


def emit_invalid(em: Emitter, pf: Portfolio, unis: list[University]) -> int:
    """Invalid messages; returns how many were added."""
    n = 0

    def bad(src: str) -> str:
        nonlocal n
        n += 1
        return f"DEMO-{src}-BAD-{n:03d}"

    def award(g, **kw):
        p = {
            "researcher_id": g.rid,
            "institution_id": g.inst,
            "program": g.program,
            "field": g.field,
            "start_on": iso(g.start),
            "end_on": iso(g.end),
            "annual_amount_krw": g.annual,
        }
        p.update(kw)
        return p

    plain = [
        g
        for g in pf.grants
        if g.term is None
        and g.amt_fy is None
        and g.special is None
        and g.ext_day is None
        and g.pi is not None
    ]
    full27 = [g for g in plain if g.start <= jan1(2027) and g.end_now() >= dec31(2027)]
    ended = [
        g
        for g in pf.grants
        if g.term is not None and year_of(g.term) <= 2028 and g.term_reason == "voluntary"
    ]
    g1, g2, g3 = full27[0], full27[len(full27) // 2], ended[0]
    nrf = "NRF"
    # malformed_json: truncated line, and a JSON array
    em.raw(
        (
            f'{{"event_id": "{bad(nrf)}", "event_type": "GrantFundsDisbursed", '
            '"schema_version": 1, "occurred_at": "2025-0'
        ).encode(),
        d(2025, 4, 2),
    )
    em.raw(json.dumps([bad(nrf), "GrantAwarded"]).encode(), d(2025, 4, 3))
    # schema_invalid: GrantFundsDisbursed without amount_krw
    em.emit(
        nrf,
        "GrantFundsDisbursed",
        g2.gid,
        {"fiscal_year": 2027, "disbursed_on": "2027-07-01"},
        d(2027, 7, 1),
        event_id=bad(nrf),
    )
    # unknown_event_type: a type that is not in the contract, and schema_version 2
    em.emit(
        nrf,
        "GrantCancelled",
        g2.gid,
        {"effective_on": "2027-07-02"},
        d(2027, 7, 2),
        event_id=bad(nrf),
    )
    em.raw(
        json.dumps(
            {
                "event_id": bad(nrf),
                "event_type": "GrantTerminated",
                "schema_version": 2,
                "occurred_at": "2027-07-03T10:00:00+09:00",
                "source": nrf,
                "subject_id": g2.gid,
                "payload": {"effective_on": "2027-07-03", "reason": "other"},
            }
        ).encode(),
        d(2027, 7, 3),
    )
    # pii_detected: an e-mail address in a title, a phone number in a reason
    em.emit(
        "DEMO-I01",
        "RepresentativeResultSubmitted",
        "DEMO-I01",
        {
            "evaluation_year": 2027,
            "result_id": "DEMO-I01-R27-90",
            "mission": "policy_support",
            "title": "Demo result (contact: demo.author@example.org)",
        },
        d(2027, 9, 1),
        event_id=bad("I01"),
    )
    em.emit(
        nrf,
        "GrantAmended",
        g2.gid,
        {"annual_amount_krw": g2.annual, "reason": "demo: PI asked to be called at 010-1234-5678"},
        d(2027, 7, 4),
        event_id=bad(nrf),
    )
    # unauthorized_source: MSIT may not award grants
    em.emit(
        "MSIT",
        "GrantAwarded",
        "DEMO-G26-0900002",
        award(g1, start_on="2026-03-01", end_on="2029-02-28"),
        d(2026, 2, 10),
        event_id=bad("MSIT"),
    )
    # unknown_subject: money for a grant never awarded
    em.emit(
        nrf,
        "GrantFundsDisbursed",
        "DEMO-G26-0900003",
        {"fiscal_year": 2026, "amount_krw": 50_000_000, "disbursed_on": "2026-03-20"},
        d(2026, 3, 20),
        event_id=bad(nrf),
    )
    # already_exists: a second award for a running grant
    em.emit(
        nrf, "GrantAwarded", g1.gid, award(g1), max(g1.award_day, jan1(2026)) + 3, event_id=bad(nrf)
    )
    # invalid_period and program_rule_violation on new grant ids
    em.emit(
        nrf,
        "GrantAwarded",
        "DEMO-G26-0900004",
        award(g1, start_on="2026-09-01", end_on="2026-08-31"),
        d(2026, 8, 10),
        event_id=bad(nrf),
    )
    start = d(2026, 3, 1)
    em.emit(
        nrf,
        "GrantAwarded",
        "DEMO-G26-0900005",
        award(
            g1,
            program="basic_small",
            start_on=iso(start),
            end_on=iso(end_for_years(start, 6)),
            annual_amount_krw=60_000_000,
        ),
        d(2026, 2, 12),
        event_id=bad(nrf),
    )
    # over_disbursement: FY2027 of g1 was already paid in full in January
    em.emit(
        nrf,
        "GrantFundsDisbursed",
        g1.gid,
        {"fiscal_year": 2027, "amount_krw": g1.annual // 2, "disbursed_on": "2027-06-15"},
        d(2027, 6, 15),
        event_id=bad(nrf),
    )
    # after_termination: paid a year after the grant was handed back
    day = g3.term + 30
    em.emit(
        nrf,
        "GrantFundsDisbursed",
        g3.gid,
        {"fiscal_year": year_of(g3.term) + 1, "amount_krw": 1_000_000, "disbursed_on": iso(day)},
        day,
        event_id=bad(nrf),
    )
    # inconsistent_amounts: more early-career than full-time faculty (sent before the real one)
    em.emit(
        "MOE",
        "FacultyCensusReported",
        unis[0].uid,
        {"year": 2027, "full_time": 10, "non_full_time": 5, "early_career_full_time": 11},
        d(2027, 9, 2),
        event_id=bad("MOE"),
    )
    # unknown_representative_result: cites a result never submitted
    em.emit(
        "NST",
        "InstituteEvaluated",
        "DEMO-I01",
        {
            "evaluation_year": 2027,
            "system": "integrated",
            "grade": "A",
            "representative_result_ids": ["DEMO-I01-R27-99"],
        },
        d(2027, 9, 20),
        event_id=bad("NST"),
    )
    return n


def add_duplicates(lines: list[bytes], rng, count: int) -> list[bytes]:
    """Re-send `count` valid lines verbatim, a little later in the file."""
    later: dict[int, list[bytes]] = {}
    n = len(lines)
    for _ in range(count):
        i = rng.randrange(n)
        while b"-BAD-" in lines[i]:
            i = rng.randrange(n)
        later.setdefault(min(n - 1, i + 1 + rng.randrange(500)), []).append(lines[i])
    out: list[bytes] = []
    for i, line in enumerate(lines):
        out.append(line)
        if i in later:
            out.extend(later[i])
    return out
