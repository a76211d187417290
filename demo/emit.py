"""Calendar helpers and the line emitter shared by the demo generators.

Dates are handled as proleptic ordinals (``date.toordinal()``) so the
simulation does integer arithmetic only; they become ISO strings once, when a
line is encoded. Every line gets an integer sort key (day, second of day,
generation order) so the final file is chronological, and events generated
earlier win ties — generators always create a dependency before the events
that need it.
"""

from __future__ import annotations

from datetime import date

import msgspec

KST = "+09:00"
AGENCIES = ("NRF", "MSIT", "MOE", "NST")
_SEQ_BITS = 24  # up to 16M lines


def d(y: int, m: int = 1, dd: int = 1) -> int:
    """The ordinal of a date."""
    return date(y, m, dd).toordinal()


def jan1(y: int) -> int:
    return date(y, 1, 1).toordinal()


def dec31(y: int) -> int:
    return date(y, 12, 31).toordinal()


def year_of(o: int) -> int:
    return date.fromordinal(o).year


def add_years(o: int, n: int) -> int:
    """The n-th anniversary (29 February falls on 1 March in a common year)."""
    x = date.fromordinal(o)
    try:
        return date(x.year + n, x.month, x.day).toordinal()
    except ValueError:
        return date(x.year + n, 3, 1).toordinal()


def end_for_years(start: int, n: int) -> int:
    """end_on of a grant that lasts exactly n years: the day before the anniversary."""
    return add_years(start, n) - 1


_ISO_CACHE: dict[int, str] = {}


def iso(o: int) -> str:
    s = _ISO_CACHE.get(o)
    if s is None:
        s = date.fromordinal(o).isoformat()
        _ISO_CACHE[o] = s
    return s


_CLOCK = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]


class Emitter:
    """Collects encoded lines with their chronological sort keys."""

    def __init__(self, rng) -> None:
        self.rng = rng
        self.lines: list[bytes] = []
        self.keys: list[int] = []
        self._counters: dict[str, int] = {}
        self._encode = msgspec.json.Encoder().encode

    def next_id(self, source: str) -> str:
        n = self._counters.get(source, 0) + 1
        self._counters[source] = n
        if source in AGENCIES:
            return f"DEMO-{source}-{n:09d}"
        return f"{source}-E{n:09d}"  # self-emitted: the institution id is already DEMO-…

    def emit(
        self,
        source: str,
        event_type: str,
        subject: str,
        payload: dict,
        day: int,
        sec: int | None = None,
        event_id: str | None = None,
    ) -> str:
        """Encode one contract event; returns its event_id."""
        if sec is None:
            sec = 32400 + int(self.rng.random() * 32400)  # office hours 09:00–18:00
        eid = event_id or self.next_id(source)
        line = self._encode(
            {
                "event_id": eid,
                "event_type": event_type,
                "schema_version": 1,
                "occurred_at": f"{iso(day)}T{_CLOCK[sec]}{KST}",
                "source": source,
                "subject_id": subject,
                "payload": payload,
            }
        )
        self.raw(line, day, sec)
        return eid

    def raw(self, line: bytes, day: int, sec: int = 43200) -> None:
        """Add an already-encoded line (used for the deliberately broken ones)."""
        idx = len(self.lines)
        self.lines.append(line + b"\n")
        self.keys.append(((day * 86400 + sec) << _SEQ_BITS) | idx)

    def ordered(self) -> list[bytes]:
        mask = (1 << _SEQ_BITS) - 1
        lines = self.lines
        return [lines[k & mask] for k in sorted(self.keys)]
