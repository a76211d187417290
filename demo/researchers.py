"""Universities and the pseudonymous researcher population (NRF registry).

Each researcher has at most one position change and at most one departure,
which keeps "researcher state in Y" (indicators.md) a two-branch lookup that
the grant planner can evaluate cheaply and exactly.
"""

from __future__ import annotations

from bisect import bisect
from itertools import accumulate

from .emit import Emitter, d, dec31, iso, jan1, year_of
from .params import FIELD_WEIGHTS, FIELDS, Scale

CENSUS_MISSING_INSTITUTION = "DEMO-X01"  # a research hospital that files no census
_FIELD_CUM = list(accumulate(FIELD_WEIGHTS))


class University:
    __slots__ = ("uid", "full_time", "non_full_time", "intensity", "early_share")

    def __init__(self, uid, full_time, non_full_time, intensity, early_share):
        self.uid = uid
        self.full_time = full_time
        self.non_full_time = non_full_time
        self.intensity = intensity
        self.early_share = early_share


def make_universities(rng, scale: Scale) -> list[University]:
    """Skewed university sizes adding up to the scale's census totals."""
    n = scale.universities
    w = [rng.lognormvariate(0.0, 0.85) for _ in range(n)]
    tot = sum(w)
    unis = []
    for i, x in enumerate(w):
        ft = max(25, round(scale.full_time * x / tot))
        nft = max(15, round(scale.non_full_time * x / tot * rng.uniform(0.7, 1.3)))
        unis.append(
            University(
                f"DEMO-U{i + 1:03d}", ft, nft, rng.uniform(0.8, 1.2), rng.uniform(0.145, 0.195)
            )
        )
    return unis


class Researcher:
    __slots__ = (
        "idx",
        "rid",
        "inst0",
        "ft0",
        "first",
        "field",
        "reg",
        "chg",
        "inst1",
        "ft1",
        "dep",
        "young",
    )

    def state(self, year: int):
        """(institution, full_time) in force on the last day in post in `year`, or None."""
        dep = self.dep
        if dep is not None:
            if dep <= jan1(year):
                return None
            last = min(dec31(year), dep - 1)
        else:
            last = dec31(year)
        if self.chg is not None and self.chg <= last:
            return self.inst1, self.ft1
        return self.inst0, self.ft0

    def category(self, year: int):
        """'ec' (early-career full-time), 'ftn' (other full-time), 'nft' or None."""
        st = self.state(year)
        if st is None:
            return None
        if not st[1]:
            return "nft"
        return "ec" if self.first > dec31(year - 7) else "ftn"


class Population:
    def __init__(self, rng, unis: list[University]) -> None:
        self.rng = rng
        self.unis = unis
        self.people: list[Researcher] = []
        self._ft_cum = list(accumulate(u.full_time * u.intensity for u in unis))
        self._nft_cum = list(accumulate(u.non_full_time * u.intensity for u in unis))

    def pick_university(self, full_time: bool) -> str:
        cum = self._ft_cum if full_time else self._nft_cum
        return self.unis[bisect(cum, self.rng.random() * cum[-1])].uid

    def register(self, cat: str, year: int, inst: str | None = None) -> Researcher:
        """A new researcher who is in category `cat` in `year`."""
        rng = self.rng
        r = Researcher()
        r.idx = len(self.people)
        r.rid = f"DEMO-R-{r.idx + 1:07d}"
        r.ft0 = cat != "nft"
        r.inst0 = inst or self.pick_university(r.ft0)
        if cat == "ec":
            fy = year - rng.randrange(7)
        elif cat == "ftn":
            fy = rng.randint(1988, year - 7)
        else:
            fy = year - rng.randrange(10)
        r.first = d(year, 3, 1) if fy == year else jan1(fy) + rng.randrange(365)
        r.field = FIELDS[bisect(_FIELD_CUM, rng.random() * _FIELD_CUM[-1])]
        r.reg = (
            (d(2024, 1, 2) + rng.randrange(20))
            if year == 2024
            else jan1(year) + 4 + rng.randrange(40)
        )
        r.chg = r.inst1 = r.ft1 = r.dep = None
        r.young = False
        self.people.append(r)
        return r

    def year_changes(self, year: int, on_departure) -> None:
        """Departures (~1.5 %/yr) and position changes (~2.5 %/yr) effective in `year`."""
        rng = self.rng
        for r in self.people:
            if r.dep is not None or year_of(r.reg) >= year:
                continue
            x = rng.random()
            if x < 0.015:
                r.dep = d(year, 3, 1) if rng.random() < 0.5 else d(year, 9, 1)
                on_departure(r)
            elif x < 0.04 and r.chg is None:
                r.chg = d(year, 3, 1) if rng.random() < 0.5 else d(year, 9, 1)
                if not r.ft0 and rng.random() < 0.7:
                    r.inst1, r.ft1 = r.inst0, True  # hired full-time at home
                else:
                    inst = r.inst0
                    while inst == r.inst0 and len(self.unis) > 1:
                        inst = self.pick_university(r.ft0)
                    r.inst1, r.ft1 = inst, r.ft0  # moved university

    def emit(self, em: Emitter) -> None:
        for r in self.people:
            em.emit(
                "NRF",
                "ResearcherRegistered",
                r.rid,
                {
                    "institution_id": r.inst0,
                    "position": "full_time" if r.ft0 else "non_full_time",
                    "first_appointed_on": iso(r.first),
                    "field": r.field,
                },
                r.reg,
            )
            if r.chg is not None:
                em.emit(
                    "NRF",
                    "ResearcherPositionChanged",
                    r.rid,
                    {
                        "institution_id": r.inst1,
                        "position": "full_time" if r.ft1 else "non_full_time",
                        "effective_on": iso(r.chg),
                    },
                    r.chg - 3,
                )
            if r.dep is not None:
                em.emit("NRF", "ResearcherDeparted", r.rid, {"effective_on": iso(r.dep)}, r.dep - 7)
