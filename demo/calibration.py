"""A plain-Python self-check of the demo data's calibration.

``summarize(lines)`` recomputes, per year 2024–2030, the headline indicators
of indicators.md from the generated lines: coverage (all faculty, full time,
early career), the basic-research budget share, institutes' salary coverage
and a few counts. It is an independent re-derivation, not the project's
projections: it skips invalid lines (unparseable or ``-BAD-`` ids), keeps the
first of duplicate event_ids, ignores retracted events, lets the latest
report win, and does not apply the aggregate rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

YEARS = tuple(range(2024, 2031))


def _events(lines: Iterable[bytes | str]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for line in lines:
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if not isinstance(ev, dict) or not isinstance(ev.get("payload"), dict):
            continue
        eid = ev.get("event_id", "")
        if "-BAD-" in eid or eid in seen:
            continue
        seen.add(eid)
        out.append(ev)
    retracted = {
        e["payload"]["retracted_event_id"] for e in out if e["event_type"] == "EventRetracted"
    }
    return [
        e for e in out if e["event_id"] not in retracted and e["event_type"] != "EventRetracted"
    ]


def _latest(store: dict, key, ev: dict, value) -> None:
    """Latest report wins: greatest occurred_at instant; ties go to the later line."""
    t = datetime.fromisoformat(ev["occurred_at"])
    if key not in store or t >= store[key][0]:
        store[key] = (t, value)


def _ratio(n: float, d: float):
    return n / d if d else None


def summarize(lines: Iterable[bytes | str]) -> dict:
    reg: dict[str, tuple] = {}
    changes: dict[str, list] = {}
    departed: dict[str, str] = {}
    census: dict = {}
    budget: dict = {}
    inst_budget: dict = {}
    evaluations: dict = {}
    grants: dict[str, dict] = {}
    ends: dict[str, str] = {}
    terms: dict[str, str] = {}
    designated: list[str] = []
    trained: list[tuple] = []
    stage_after = {y: 0 for y in YEARS}
    for ev in _events(lines):
        t, s, p = ev["event_type"], ev["subject_id"], ev["payload"]
        if t == "ResearcherRegistered":
            reg[s] = (p["institution_id"], p["position"] == "full_time", p["first_appointed_on"])
        elif t == "ResearcherPositionChanged":
            changes.setdefault(s, []).append(
                (p["effective_on"], p["institution_id"], p["position"] == "full_time")
            )
        elif t == "ResearcherDeparted":
            departed[s] = p["effective_on"]
        elif t == "FacultyCensusReported":
            _latest(census, (s, p["year"]), ev, p)
        elif t == "RnDBudgetEnacted":
            _latest(budget, p["fiscal_year"], ev, p)
        elif t == "InstituteBudgetReported":
            _latest(inst_budget, (s, p["fiscal_year"]), ev, p)
        elif t == "InstituteEvaluated":
            _latest(evaluations, (s, p["evaluation_year"]), ev, p["system"])
        elif t == "GrantAwarded":
            grants[s] = p
        elif t == "GrantAmended" and "end_on" in p:
            ends[s] = p["end_on"]
        elif t == "GrantTerminated":
            terms[s] = p["effective_on"]
        elif t == "AICenterDesignated":
            designated.append(p["designated_on"])
        elif t == "AIResearchersTrained":
            trained.append((p["year"], p["count"]))
        elif t == "StageEvaluationHeld" and p["held_on"] >= "2026-01-01":
            stage_after[int(p["held_on"][:4])] = stage_after.get(int(p["held_on"][:4]), 0) + 1

    def state(rid: str, y: int):
        if rid not in reg:
            return None
        dep = departed.get(rid)
        if dep is not None and dep <= f"{y}-01-01":
            return None
        last = f"{y}-12-31"
        if dep is not None and dep <= last:
            last = _day_before(dep)
        inst, ft, _ = reg[rid]
        for eff, i, f in changes.get(rid, ()):  # in file order; same-day ties: the later wins
            if eff <= last:
                inst, ft = i, f
        return inst, ft

    out: dict[str, dict] = {
        k: {}
        for k in (
            "coverage_all_faculty",
            "coverage_full_time",
            "coverage_early_career",
            "basic_research_share",
            "personnel_cost_coverage",
            "integrated_evaluation_share",
            "active_grants",
            "pis",
            "census_full_time",
            "census_all",
            "census_early_career",
            "young_ladder_researchers",
            "ai_centers",
            "ai_researchers_trained",
            "stage_after_abolition",
            "grants_unknown_researcher",
        )
    }
    young: set[str] = set()
    for y in YEARS:
        jan1, dec31, ec_after = f"{y}-01-01", f"{y}-12-31", f"{y - 7}-12-31"
        pis: set[str] = set()
        unknown = 0
        for gid, g in grants.items():
            end = min(ends.get(gid, g["end_on"]), terms.get(gid, "9999-12-31"))
            if g["start_on"] <= dec31 and end >= jan1:
                pis.add(g["researcher_id"])
                unknown += g["researcher_id"] not in reg
            if g["program"] == "young_ladder" and "2026-01-01" <= g["start_on"] <= dec31:
                young.add(g["researcher_id"])
        n_all = n_ft = n_ec = 0
        for rid in pis:
            st = state(rid, y)
            if st is None:
                continue
            n_all += 1
            if st[1]:
                n_ft += 1
                n_ec += reg[rid][2] > ec_after
        cs = [v for (inst, yy), (_, v) in census.items() if yy == y]
        c_ft = sum(c["full_time"] for c in cs)
        c_all = c_ft + sum(c["non_full_time"] for c in cs)
        c_ec = sum(c["early_career_full_time"] for c in cs)
        b = budget.get(y)
        ib = [v for (inst, fy), (_, v) in inst_budget.items() if fy == y]
        ev_y = [v for (inst, yy), (_, v) in evaluations.items() if yy == y]
        row = {
            "coverage_all_faculty": _ratio(n_all, c_all),
            "coverage_full_time": _ratio(n_ft, c_ft),
            "coverage_early_career": _ratio(n_ec, c_ec),
            "basic_research_share": _ratio(
                b[1]["basic_research_krw"], b[1]["total_government_rnd_krw"]
            )
            if b
            else None,
            "personnel_cost_coverage": _ratio(
                sum(v["personnel_cost_from_contribution_krw"] for v in ib),
                sum(v["personnel_cost_krw"] for v in ib),
            ),
            "integrated_evaluation_share": _ratio(sum(v == "integrated" for v in ev_y), len(ev_y)),
            "active_grants": sum(
                1
                for gid, g in grants.items()
                if g["start_on"] <= dec31
                and min(ends.get(gid, g["end_on"]), terms.get(gid, "9999")) >= jan1
            ),
            "pis": n_all,
            "census_full_time": c_ft,
            "census_all": c_all,
            "census_early_career": c_ec,
            "young_ladder_researchers": len(young),
            "ai_centers": sum(1 for x in designated if x <= dec31),
            "ai_researchers_trained": sum(c for yy, c in trained if yy <= y),
            "stage_after_abolition": stage_after.get(y, 0),
            "grants_unknown_researcher": unknown,
        }
        for k, v in row.items():
            out[k][y] = v
    return out


def _day_before(iso_day: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(iso_day) - timedelta(days=1)).isoformat()


def format_summary(s: dict) -> str:
    """A small text table: one indicator per row, one year per column."""
    rows = ["indicator".ljust(30) + "".join(str(y).rjust(9) for y in YEARS)]
    for k, by_year in s.items():
        cells = []
        for y in YEARS:
            v = by_year.get(y)
            cells.append(
                "-".rjust(9) if v is None else (f"{v:9.3f}" if isinstance(v, float) else f"{v:9d}")
            )
        rows.append(k.ljust(30) + "".join(cells))
    return "\n".join(rows)


if __name__ == "__main__":  # python -m demo.calibration [scale] [seed]
    import sys
    import time

    from .generate import build

    scale = sys.argv[1] if len(sys.argv) > 1 else "small"
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    t0 = time.perf_counter()
    lines = build(scale, seed)
    t1 = time.perf_counter()
    print(f"{scale} seed={seed}: {len(lines)} lines in {t1 - t0:.2f} s")
    print(format_summary(summarize(lines)))
