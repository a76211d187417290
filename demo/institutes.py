"""Government-funded research institutes (출연연): budgets, representative
results, evaluations, bonuses and special hiring."""

from __future__ import annotations

from .emit import Emitter, d
from .params import SALARY_COVERAGE, YEARS, Scale

THEMES = (
    ("기초과학", "Basic Science"),
    ("에너지", "Energy"),
    ("소재", "Materials"),
    ("바이오", "Bioscience"),
    ("정보통신", "ICT"),
    ("항공우주", "Aerospace"),
    ("해양", "Ocean"),
    ("원자력", "Nuclear"),
    ("기계", "Machinery"),
    ("화학", "Chemistry"),
    ("식품", "Food"),
    ("지질자원", "Geoscience"),
)
TOPICS = (
    "quantum sensing platform",
    "solid-state battery cell",
    "protein design pipeline",
    "low-orbit satellite bus",
    "carbon capture sorbent",
    "6G radio front end",
    "small modular reactor safety code",
    "climate downscaling model",
    "semiconductor packaging process",
    "regional smart-farm pilot",
)
MISSIONS = ("strategic_technology", "grand_challenge", "policy_support", "industry_region")
GRADES = "SAABBBBCCD"
M = 1_000_000


def emit_institutes(em: Emitter, scale: Scale) -> None:
    rng = em.rng
    n = scale.institutes
    ids = [f"DEMO-I{k + 1:02d}" for k in range(n)]
    size = [rng.lognormvariate(0.0, 0.55) * 250_000 * M for _ in range(n)]  # total budget
    off = [rng.uniform(-0.06, 0.06) for _ in range(n)]
    w = sum(s * o for s, o in zip(size, off, strict=True)) / sum(size)
    off = [o - w for o in off]  # the weighted mean hits the trajectory exactly
    for k, iid in enumerate(ids):
        ko, en = THEMES[k % len(THEMES)]
        em.emit(
            "NST",
            "InstituteRegistered",
            iid,
            {
                "name_ko": f"데모 {ko}연구원 {k + 1:02d} (합성)",
                "name_en": f"Demo {en} Research Institute {k + 1:02d} (synthetic)",
            },
            d(2024, 1, 3) + k % 5,
        )
    for y in YEARS:
        for k, iid in enumerate(ids):
            _budget(
                em, iid, y, size[k] * 1.03 ** (y - 2024), off[k], revised=(y == 2025 and k == n - 1)
            )
            _evaluation(em, iid, k, y)
            _bonus(em, iid, k, y, size[k])
            hires = max(1, round(rng.uniform(1, 6) * (1 + 0.25 * (y - 2024))))
            em.emit(
                iid,
                "SpecialHiringCompleted",
                iid,
                {"year": y, "hires": hires},
                d(y, 11, 1) + rng.randrange(25),
            )


def _budget(em: Emitter, iid: str, y: int, total: float, off: float, revised: bool) -> None:
    personnel = total * 0.36
    cover = min(1.0, max(0.3, SALARY_COVERAGE[y] + off))
    pcc = int(personnel * cover) // M * M
    basic = int(total * 0.10 * (1 + 0.05 * (y - 2024))) // M * M
    strategic = int(total * 0.12) // M * M
    contribution = pcc + basic + strategic + int(total * 0.08) // M * M
    payload = {
        "fiscal_year": y,
        "institutional_contribution_krw": contribution,
        "basic_program_krw": basic,
        "strategic_program_krw": strategic,
        "project_revenue_krw": max(0, int(total) // M * M - contribution),
        "personnel_cost_krw": int(personnel) // M * M,
        "personnel_cost_from_contribution_krw": pcc,
    }
    day = d(y, 2, 10) + em.rng.randrange(20)
    em.emit("NST", "InstituteBudgetReported", iid, payload, day)
    if revised:  # a revised report supersedes the first one
        payload = dict(
            payload,
            personnel_cost_krw=payload["personnel_cost_krw"] + 2_000 * M,
            project_revenue_krw=payload["project_revenue_krw"] + 2_000 * M,
        )
        em.emit("NST", "InstituteBudgetReported", iid, payload, d(y, 9, 1))


def _evaluation(em: Emitter, iid: str, k: int, y: int) -> None:
    rng = em.rng
    results: list[str] = []
    if y >= 2026:
        for j in range(rng.randint(2, 4)):
            rid = f"{iid}-R{y % 100:02d}-{j + 1:02d}"
            em.emit(
                iid,
                "RepresentativeResultSubmitted",
                iid,
                {
                    "evaluation_year": y,
                    "result_id": rid,
                    "mission": MISSIONS[rng.randrange(4)],
                    "title": f"Demo result {j + 1} ({y}): {TOPICS[rng.randrange(len(TOPICS))]}",
                },
                d(y, 10, 1) + rng.randrange(40),
            )
            results.append(rid)
    if y == 2024:
        em.emit(
            "NST",
            "InstituteEvaluated",
            iid,
            {
                "evaluation_year": y,
                "system": "operations",
                "grade": GRADES[rng.randrange(10)],
                "representative_result_ids": [],
            },
            d(y, 6, 3) + rng.randrange(20),
        )
    if y < 2026:
        system = "research_program"
    elif y == 2026 and k == 1:
        system, results = "operations", []  # compliance exception: not integrated
    else:
        system = "integrated"
    em.emit(
        "NST",
        "InstituteEvaluated",
        iid,
        {
            "evaluation_year": y,
            "system": system,
            "grade": GRADES[rng.randrange(10)],
            "representative_result_ids": results,
        },
        d(y, 12, 5) + rng.randrange(10),
    )


def _bonus(em: Emitter, iid: str, k: int, y: int, size: float) -> None:
    rng = em.rng
    day = d(y, 12, 16) + rng.randrange(10)
    if y >= 2026 and rng.random() < {2026: 0.6, 2027: 0.8}.get(y, 1.0):
        n = rng.randint(5, 30)
        em.emit(
            "NST",
            "PerformanceBonusPaid",
            iid,
            {
                "fiscal_year": y,
                "scheme": "excellent_researcher",
                "recipients": n,
                "amount_krw": n * 10 * M,
            },
            day,
        )
    early = y == 2026 and k == 0  # compliance exception: paid before the scheme exists
    if early or (y >= 2027 and rng.random() < (0.5 if y == 2027 else 1.0)):
        staff = max(100, round(size / (250 * M)))
        em.emit(
            "NST",
            "PerformanceBonusPaid",
            iid,
            {
                "fiscal_year": y,
                "scheme": "all_staff_integrated",
                "recipients": staff,
                "amount_krw": staff * 1_200_000,
            },
            day + 1,
        )
