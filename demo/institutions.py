"""Faculty census (MOE), national R&D budget (MSIT), RUF block funding (MSIT
allocates, universities report spending) and basic-research AI centres."""

from __future__ import annotations

from .emit import Emitter, d, iso
from .params import BASIC_SHARE, FIELDS, TOTAL_RND_KRW, YEARS, Scale
from .researchers import Population, University


def plan_census(unis: list[University]):
    """Planned census per university and year, and the national totals."""
    per_uni: dict[str, dict[int, tuple[int, int, int]]] = {}
    totals: dict[int, tuple[int, int, int]] = {}
    for y in YEARS:
        t = [0, 0, 0]
        for u in unis:
            ft = round(u.full_time * 1.004 ** (y - 2024))
            nft = round(u.non_full_time * 0.992 ** (y - 2024))
            ec = min(ft, round(ft * u.early_share * (1 + 0.01 * (y - 2024))))
            per_uni.setdefault(u.uid, {})[y] = (ft, nft, ec)
            t[0] += ft
            t[1] += nft
            t[2] += ec
        totals[y] = tuple(t)
    return per_uni, totals


def emit_census(em: Emitter, unis: list[University], pf, per_uni: dict) -> None:
    """One census per university and year, never below the PIs with a state
    there (so no institution shows a coverage above 100 %)."""
    rng = em.rng
    for y in YEARS:
        reg = pf.pi_counts_by_institution(y)
        for i, u in enumerate(unis):
            ft, nft, ec = per_uni[u.uid][y]
            c = reg.get(u.uid, (0, 0, 0))
            ft, nft = max(ft, c[0]), max(nft, c[1])
            payload = {
                "year": y,
                "full_time": ft,
                "non_full_time": nft,
                "early_career_full_time": min(ft, max(ec, c[2])),
            }
            day = d(y, 10, 1) + rng.randrange(30)
            if y == 2024 and i == 1:  # a wrong report, retracted, then the right one
                wrong = dict(payload, full_time=ft + ft // 10 + 1)
                eid = em.emit("MOE", "FacultyCensusReported", u.uid, wrong, day)
                em.emit(
                    "MOE",
                    "EventRetracted",
                    u.uid,
                    {
                        "retracted_event_id": eid,
                        "reason": "demo: full-time count included visiting staff",
                    },
                    day + 12,
                )
                day += 15
            elif y == 2025 and i == 2:  # a preliminary report superseded later
                prelim = dict(payload, non_full_time=nft + nft // 20 + 1)
                em.emit("MOE", "FacultyCensusReported", u.uid, prelim, day - 20)
                day += 25
            em.emit("MOE", "FacultyCensusReported", u.uid, payload, day)


def emit_budget(em: Emitter) -> None:
    """RnDBudgetEnacted per fiscal year; FY2025 gets a supplementary budget."""
    for y in YEARS:
        day = d(2024, 1, 2) if y == 2024 else d(y - 1, 12, 3) + em.rng.randrange(6)
        total = TOTAL_RND_KRW[y]
        em.emit(
            "MSIT",
            "RnDBudgetEnacted",
            f"FY{y}",
            {
                "fiscal_year": y,
                "total_government_rnd_krw": total,
                "basic_research_krw": round(total * BASIC_SHARE[y] / 1e8) * 100_000_000,
            },
            day,
        )
        if y == 2025:
            total2 = total + 1_200_000_000_000
            em.emit(
                "MSIT",
                "RnDBudgetEnacted",
                f"FY{y}",
                {
                    "fiscal_year": y,
                    "total_government_rnd_krw": total2,
                    "basic_research_krw": round(total2 * BASIC_SHARE[y] / 1e8) * 100_000_000,
                },
                d(2025, 6, 20),
            )


def emit_ruf(em: Emitter, scale: Scale, unis: list[University]) -> None:
    """Performance-based block funding to the most research-intensive universities."""
    rng = em.rng
    ranked = sorted(unis, key=lambda u: (-u.full_time * u.intensity, u.uid))
    mean_ft = sum(u.full_time for u in unis) / len(unis)
    first_spent = True
    for fy, n in sorted(scale.ruf_universities.items()):
        for u in ranked[:n]:
            score = round(rng.uniform(58.0, 97.0), 1)
            amount = (
                round(
                    scale.ruf_scale_krw
                    * (0.5 + score / 100)
                    * min(2.5, (u.full_time / mean_ft) ** 0.5)
                    / 1e6
                )
                * 1_000_000
            )
            em.emit(
                "MSIT",
                "BlockFundingAllocated",
                u.uid,
                {"fiscal_year": fy, "amount_krw": amount, "performance_score": score},
                d(fy, 3, 2) + rng.randrange(20),
            )
            spent = amount * rng.uniform(0.85, 1.0)
            shares = (
                ("personnel", rng.uniform(0.40, 0.55)),
                ("facilities", rng.uniform(0.25, 0.35)),
            )
            rest = 1.0 - sum(s for _, s in shares)
            for (cat, share), month in zip(
                shares + (("administration", rest),), (6, 9, 11), strict=True
            ):
                amt = int(spent * share) // 1000 * 1000
                day = d(fy, month, 1) + rng.randrange(25)
                if first_spent and fy >= 2027 and cat == "facilities":
                    first_spent = False  # the university corrects its own report
                    eid = em.emit(
                        u.uid,
                        "BlockFundingSpent",
                        u.uid,
                        {"fiscal_year": fy, "category": cat, "amount_krw": amt * 2},
                        day,
                    )
                    em.emit(
                        u.uid,
                        "EventRetracted",
                        u.uid,
                        {"retracted_event_id": eid, "reason": "demo: amount entered twice"},
                        day + 5,
                    )
                    day += 7
                em.emit(
                    u.uid,
                    "BlockFundingSpent",
                    u.uid,
                    {"fiscal_year": fy, "category": cat, "amount_krw": amt},
                    day,
                )


def emit_ai_centres(em: Emitter, scale: Scale, pop: Population) -> None:
    """AI centres designated 2026+ (short of 40), training from the year after."""
    rng = em.rng
    k = 0
    for y, n in sorted(scale.ai_centers.items()):
        for _ in range(n):
            k += 1
            cid = f"DEMO-AIC-{k:03d}"
            day = d(y, 4, 1) + rng.randrange(150)
            em.emit(
                "MSIT",
                "AICenterDesignated",
                cid,
                {
                    "institution_id": pop.pick_university(True),
                    "field": FIELDS[rng.randrange(len(FIELDS))],
                    "designated_on": iso(day),
                },
                day,
            )
            for ty in range(y + 1, 2031):
                em.emit(
                    "MSIT",
                    "AIResearchersTrained",
                    cid,
                    {"year": ty, "count": rng.randint(14, 32)},
                    d(ty, 12, 10) + rng.randrange(15),
                )
