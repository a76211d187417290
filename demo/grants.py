"""Grant portfolio planner: who gets which basic-research grant, year by year.

Each year the planner counts the PIs of continuing grants with the exact
definitions of indicators.md (researcher state in Y, early career = full time
and first appointed within 7 years), then awards just enough new grants to
reach the coverage trajectory in params.py. Amendments, stage evaluations and
terminations are decided when a grant is created (departures add voluntary
terminations later), so the effective end is known while planning.
"""

from __future__ import annotations

from .emit import add_years, d, dec31, end_for_years, jan1, year_of
from .params import COV_EARLY, COV_FULL_TIME, COV_NON_FULL_TIME, FIELDS, YEARS, Scale
from .researchers import CENSUS_MISSING_INSTITUTION, Population, Researcher

ABOLISHED = d(2026, 1, 1)  # stage evaluations abolished
LAST_DAY = dec31(2030)
AMOUNT_M = {
    "basic_small": (50, 70),
    "early_career": (100, 150),
    "mid_career": (150, 320),
    "leader": (700, 1500),
    "long_term_deep": (100, 200),
    "young_ladder": (60, 100),
}


class Grant:
    __slots__ = (
        "gid",
        "pi",
        "rid",
        "program",
        "field",
        "inst",
        "start",
        "end",
        "annual",
        "award_day",
        "ext_end",
        "ext_day",
        "amt_fy",
        "amt_new",
        "amt_day",
        "stage_day",
        "stage_result",
        "term",
        "term_reason",
        "special",
    )

    def end_now(self) -> int:
        return self.ext_end if self.ext_end is not None else self.end

    def eff_end(self) -> int:
        e = self.end_now()
        return self.term if self.term is not None and self.term < e else e


class Portfolio:
    def __init__(self, rng, scale: Scale, pop: Population, census_plan: dict) -> None:
        self.rng = rng
        self.scale = scale
        self.pop = pop
        self.census_plan = census_plan  # year -> (full_time, non_full_time, early)
        self.grants: list[Grant] = []
        self.by_pi: dict[int, list[Grant]] = {}
        self._serial: dict[int, int] = {}
        self._unknown = 0

    # ------------------------------------------------------------------ plan
    def plan(self) -> None:
        for y in YEARS:
            self.plan_year(y)
        self._stage_exceptions()

    def plan_year(self, y: int) -> None:
        rng, pop = self.rng, self.pop
        pop.year_changes(y, self._on_departure)
        cats = [r.category(y) for r in pop.people]
        j1 = jan1(y)
        pis: set[int] = set()
        for g in self.grants:
            if g.pi is not None and g.eff_end() >= j1:
                pis.add(g.pi.idx)
        cur = {"ec": 0, "ftn": 0, "nft": 0, None: 0}
        for i in pis:
            cur[cats[i]] += 1
        ft, nft, early = self.census_plan[y]
        t_ec = round(COV_EARLY[y] * early)
        t_ft = round(COV_FULL_TIME[y] * ft)
        t_nft = round(COV_NON_FULL_TIME[y] * nft)
        need = {
            "ec": max(0, t_ec - cur["ec"]),
            "ftn": max(0, t_ft - max(t_ec, cur["ec"]) - cur["ftn"]),
            "nft": max(0, t_nft - cur["nft"]),
        }
        if y == YEARS[0]:
            self._seed_pool(y, need)
            cats = [r.category(y) for r in pop.people]
        picks = {c: self._pick(c, n, y, cats, pis) for c, n in need.items()}
        young = self._young(y, picks, cats, pis) if y >= 2026 else []
        young_ids = {r.idx for r in young}
        for c in ("ec", "ftn", "nft"):
            for r in picks[c]:
                if r.idx not in young_ids:
                    self._new(r, self._program(c, y), y)
        for r in young:
            r.young = True
            self._new(r, "young_ladder", y)
        # a few concurrent second grants to sitting full-time PIs
        sitting = [
            pop.people[i] for i in sorted(pis) if cats[i] == "ftn" and pop.people[i].dep is None
        ]
        rng.shuffle(sitting)
        for r in sitting[: round(0.03 * sum(need.values()))]:
            self._new(r, "leader" if rng.random() < 0.25 else "mid_career", y)
        for _ in range(self.scale.unknown_pi_per_year):  # data-quality finding
            self._unknown += 1
            self._new(None, "mid_career", y, rid=f"DEMO-R-{9_000_000 + self._unknown:07d}")

    def _seed_pool(self, y: int, need: dict) -> None:
        """The registry as it stands when the ledger starts: PIs plus a reserve."""
        pop = self.pop
        for _ in range(self.scale.census_missing_pis):
            pop.register("ftn", y, inst=CENSUS_MISSING_INSTITUTION)
        for c, extra in (("ec", 1.3), ("ftn", 3.0), ("nft", 6.0)):
            for _ in range(round(need[c] * extra)):
                pop.register(c, y)

    def _pick(self, cat: str, n: int, y: int, cats: list, pis: set) -> list[Researcher]:
        """n researchers of category `cat` in y who are not PIs yet (registering more if short)."""
        if n <= 0:
            return []
        people = self.pop.people
        cands = [
            r
            for r in people[: len(cats)]
            if cats[r.idx] == cat and r.dep is None and r.idx not in pis
        ]
        hospital = [r for r in cands if r.inst0 == CENSUS_MISSING_INSTITUTION]
        rest = [r for r in cands if r.inst0 != CENSUS_MISSING_INSTITUTION]
        self.rng.shuffle(rest)
        out = (hospital + rest)[:n]
        short = n - len(out)
        if short > 0:
            out += [self.pop.register(cat, y) for _ in range(short)]
            for _ in range(round(short * 0.4)):  # reserve: registered, no grant yet
                self.pop.register(cat, y)
        return out

    def _young(self, y: int, picks: dict, cats: list, pis: set) -> list[Researcher]:
        """Distinct young_ladder recipients for y (never supported before)."""
        q = self.scale.young_per_year
        lim = jan1(y - 10)
        out = [r for r in picks["ec"] if not r.young][: round(q * 0.65)]
        out += [r for r in picks["nft"] if not r.young and r.first >= lim][: q - len(out)]
        if len(out) < q:
            people = self.pop.people
            sitting = [
                people[i]
                for i in sorted(pis)
                if i < len(cats)
                and not people[i].young
                and people[i].dep is None
                and (cats[i] == "ec" or (cats[i] == "nft" and people[i].first >= lim))
            ]
            self.rng.shuffle(sitting)
            out += sitting[: q - len(out)]
        while len(out) < q:
            r = self.pop.register("nft", y)
            r.first = max(r.first, lim)
            out.append(r)
        return out

    def _program(self, cat: str, y: int) -> str:
        x = self.rng.random()
        if cat == "ec":
            return "early_career" if x < (0.85 if y < 2026 else 0.62) else "basic_small"
        if cat == "nft":
            return "basic_small" if x < 0.6 else "early_career"
        if y < 2026:
            return "mid_career" if x < 0.86 else "basic_small" if x < 0.965 else "leader"
        return (
            "mid_career"
            if x < 0.52
            else "basic_small"
            if x < 0.89
            else "long_term_deep"
            if x < 0.965
            else "leader"
        )

    def _duration(self, program: str, y: int) -> int:
        rng = self.rng
        if y == YEARS[0] and program != "long_term_deep":  # remaining years of the stock
            return rng.randint(1, 6 if program == "leader" else 5)
        if program == "long_term_deep":
            return 10
        if program == "leader":
            return rng.randint(5, 7)
        if program == "young_ladder":
            return 3
        if program == "basic_small":
            return 5 if rng.random() < (0.6 if y >= 2026 else 0.3) else 3
        return 3 if rng.random() < 0.6 else 5

    def _new(self, r: Researcher | None, program: str, y: int, rid: str | None = None) -> Grant:
        rng = self.rng
        g = Grant()
        n = self._serial.get(y, 0) + 1
        self._serial[y] = n
        g.gid = f"DEMO-G{y % 100:02d}-{n:07d}"
        g.pi = r
        g.rid = r.rid if r is not None else rid
        g.program = program
        g.field = r.field if r is not None else FIELDS[rng.randrange(len(FIELDS))]
        st = r.state(y) if r is not None else None
        g.inst = st[0] if st else self.pop.unis[rng.randrange(len(self.pop.unis))].uid
        x = rng.random()
        if y == YEARS[0]:
            g.start = (
                d(y, 3, 1)
                if x < 0.55
                else d(y, 4, 1)
                if x < 0.7
                else d(y, 6, 1)
                if x < 0.85
                else d(y, 9, 1)
            )
        else:
            g.start = d(y, 3, 1) if x < 0.6 else d(y, 6, 1) if x < 0.85 else d(y, 9, 1)
        years = self._duration(program, y)
        g.end = end_for_years(g.start, years)
        lo, hi = AMOUNT_M[program]
        g.annual = rng.randint(lo, hi) * 1_000_000
        g.award_day = max(d(2024, 1, 23), g.start - rng.randint(12, 40))
        g.ext_end = g.ext_day = g.amt_fy = g.amt_new = g.amt_day = None
        g.stage_day = g.stage_result = g.term = g.term_reason = g.special = None
        if rng.random() < 0.04 and not (program == "basic_small" and years >= 5):
            day = g.end - rng.randint(30, 90)
            if g.start + 60 < day <= LAST_DAY:
                g.ext_day = day
                g.ext_end = end_for_years(
                    g.start, years + (2 if program == "long_term_deep" else 1)
                )
        if rng.random() < 0.03 and years >= 2:
            fy = rng.randint(year_of(g.start) + 1, year_of(g.end))
            if fy <= 2030:
                g.amt_fy, g.amt_new, g.amt_day = (
                    fy,
                    g.annual + g.annual // 10,
                    d(fy, 1, 5) + rng.randrange(5),
                )
        if (
            y == YEARS[0]
            and years >= 3
            and program in ("mid_career", "leader", "early_career")
            and rng.random() < 0.6
        ):
            g.stage_day = add_years(g.start, 1) + rng.randint(0, 60)
            g.stage_result = "continue"
            if rng.random() < 0.02:
                g.stage_result = "terminate"
                g.term, g.term_reason = g.stage_day + 30, "other"
        if g.term is None and rng.random() < 0.0015:
            day = g.start + rng.randint(120, max(121, g.end_now() - g.start - 30))
            if day <= LAST_DAY:
                g.term, g.term_reason = day, "misconduct"
        self.grants.append(g)
        if r is not None:
            self.by_pi.setdefault(r.idx, []).append(g)
        return g

    def pi_counts_by_institution(self, y: int) -> dict[str, list[int]]:
        """PIs of grants active in y with a state in y: inst -> [ft, nft, early]."""
        j1, lim = jan1(y), dec31(y - 7)
        pis = {
            g.pi.idx: g.pi
            for g in self.grants
            if g.pi is not None and g.start <= dec31(y) and g.eff_end() >= j1
        }
        out: dict[str, list[int]] = {}
        for i in sorted(pis):
            r = pis[i]
            st = r.state(y)
            if st is None:
                continue
            c = out.setdefault(st[0], [0, 0, 0])
            if st[1]:
                c[0] += 1
                c[2] += r.first > lim
            else:
                c[1] += 1
        return out

    def _on_departure(self, r: Researcher) -> None:
        """A departing PI hands back running grants (voluntary termination)."""
        for g in self.by_pi.get(r.idx, ()):
            if g.eff_end() >= r.dep:
                g.term, g.term_reason = r.dep - 1, "voluntary"

    def _stage_exceptions(self) -> None:
        """Stage evaluations held after their abolition (compliance exceptions)."""
        for y, n in sorted(self.scale.stage_exceptions.items()):
            cands = [
                g
                for g in self.grants
                if g.stage_day is None
                and g.program == "mid_career"
                and g.term is None
                and year_of(add_years(g.start, 2)) == y
                and g.end_now() > add_years(g.start, 2) + 90
            ]
            for g in cands[:n]:
                g.stage_day, g.stage_result = add_years(g.start, 2) + 20, "continue"
