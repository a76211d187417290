"""Turn the planned portfolio into NRF events: selection evaluations, awards,
stage evaluations, amendments, disbursements and terminations.

Per grant, every event is dated strictly after the award and strictly before
a termination, so the file order satisfies the contract's same-source rules.
"""

from __future__ import annotations

from .emit import Emitter, d, dec31, iso, jan1, year_of
from .grants import LAST_DAY, Grant, Portfolio
from .params import AI_ASSISTED, SELECTION_DAYS, SELECTION_RATE


def emit_grants(em: Emitter, pf: Portfolio) -> None:
    for g in pf.grants:
        _emit_grant(em, g)


def _award_payload(g: Grant, annual: int | None = None, rid: str | None = None) -> dict:
    return {
        "researcher_id": rid or g.rid,
        "institution_id": g.inst,
        "program": g.program,
        "field": g.field,
        "start_on": iso(g.start),
        "end_on": iso(g.end),
        "annual_amount_krw": annual or g.annual,
    }


def _emit_grant(em: Emitter, g: Grant) -> None:
    rng = em.rng
    gid = g.gid
    if g.special == "reaward":  # keyed with a wrong amount, retracted, awarded again
        bad = em.emit(
            "NRF", "GrantAwarded", gid, _award_payload(g, annual=g.annual * 10), g.award_day - 16
        )
        em.emit(
            "NRF",
            "EventRetracted",
            gid,
            {"retracted_event_id": bad, "reason": "demo: annual amount keyed in the wrong unit"},
            g.award_day - 9,
        )
    em.emit("NRF", "GrantAwarded", gid, _award_payload(g), g.award_day)
    term = g.term if g.term is not None else LAST_DAY + 1
    if g.stage_day is not None and g.stage_day < term:
        em.emit(
            "NRF",
            "StageEvaluationHeld",
            gid,
            {"held_on": iso(g.stage_day), "result": g.stage_result},
            g.stage_day,
        )
    if g.ext_day is not None and g.ext_day < term:
        em.emit(
            "NRF",
            "GrantAmended",
            gid,
            {"end_on": iso(g.ext_end), "reason": "demo: no-cost extension approved"},
            g.ext_day,
        )
    if g.amt_day is not None and g.amt_day < term:
        em.emit(
            "NRF",
            "GrantAmended",
            gid,
            {
                "annual_amount_krw": g.amt_new,
                "reason": "demo: budget increase after interim review",
            },
            g.amt_day,
        )
    end_now = g.end_now()
    last_fy = min(year_of(min(end_now, term)), 2030)
    y0 = year_of(g.start)
    for fy in range(y0, last_fy + 1):
        day = g.start + 7 + rng.randrange(14) if fy == y0 else d(fy, 1, 12) + rng.randrange(26)
        if day >= term:
            break
        annual = (
            g.amt_new if g.amt_fy is not None and fy >= g.amt_fy and g.amt_day < term else g.annual
        )
        days = min(end_now, dec31(fy)) - max(g.start, jan1(fy)) + 1
        amount = annual if days >= 365 else min(annual, annual * days // 365 // 1000 * 1000)
        if g.special == "redisburse" and fy == y0 + 1:
            wrong = em.emit(
                "NRF",
                "GrantFundsDisbursed",
                gid,
                {"fiscal_year": fy, "amount_krw": amount, "disbursed_on": iso(day)},
                day,
            )
            em.emit(
                "NRF",
                "EventRetracted",
                gid,
                {
                    "retracted_event_id": wrong,
                    "reason": "demo: disbursed before the interim report was accepted",
                },
                day + 6,
            )
            day += 9
            amount = amount // 100 * 95
        em.emit(
            "NRF",
            "GrantFundsDisbursed",
            gid,
            {"fiscal_year": fy, "amount_krw": amount, "disbursed_on": iso(day)},
            day,
        )
    if g.term is not None and g.term <= LAST_DAY:
        em.emit(
            "NRF",
            "GrantTerminated",
            gid,
            {"effective_on": iso(g.term), "reason": g.term_reason},
            g.term,
        )


def emit_selections(em: Emitter, pf: Portfolio) -> None:
    """One selected application per grant plus the rejected ones of its call."""
    rng = em.rng
    serial: dict[int, int] = {}
    for g in pf.grants:
        rate = SELECTION_RATE[g.program]
        rejected = (1 - rate) / rate
        n_rej = int(rejected) + (1 if rng.random() < rejected - int(rejected) else 0)
        for k in range(n_rej + 1):
            decided = g.award_day - rng.randrange(4) - (0 if k == 0 else rng.randrange(6))
            y = year_of(decided)
            days = max(21, round(rng.gauss(SELECTION_DAYS[y], 14)))
            n = serial.get(y, 0) + 1
            serial[y] = n
            em.emit(
                "NRF",
                "SelectionEvaluationCompleted",
                f"DEMO-A{y % 100:02d}-{n:07d}",
                {
                    "program": g.program,
                    "submitted_on": iso(decided - days),
                    "decided_on": iso(decided),
                    "reviewer_count": rng.randint(3, 7 if y < 2026 else 5),
                    "ai_assisted": rng.random() < AI_ASSISTED[y],
                    "outcome": "selected" if k == 0 else "rejected",
                },
                decided,
            )
