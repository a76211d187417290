"""The synthetic demo data set behind ``rnd-ledger demo``.

``generate(scale, seed)`` yields contract JSONL lines (bytes, newline
terminated) for 2024–2030; ``write_demo(path, scale, seed)`` writes them.
Everything is derived from ``random.Random(seed)`` — no wall clock, no hash
or set-order dependence — so the same seed always gives the same bytes.

Every id is labelled synthetic (``DEMO-…``; budgets use the contract's
``FY<year>`` subject). Deliberately invalid messages carry ``-BAD-`` in their
event_id where it is readable; a few valid lines appear twice on purpose.
"""

from __future__ import annotations

import gzip
import random
import sys
from collections.abc import Iterator

from . import anomalies
from .emit import Emitter
from .grant_events import emit_grants, emit_selections
from .grants import Portfolio
from .institutes import emit_institutes
from .institutions import emit_ai_centres, emit_budget, emit_census, emit_ruf, plan_census
from .params import get_scale
from .researchers import Population, make_universities


def build(scale: str = "small", seed: int = 0) -> list[bytes]:
    """All lines of the demo data set, in file order."""
    sc = get_scale(scale)
    rng = random.Random(int(seed))
    unis = make_universities(rng, sc)
    per_uni, totals = plan_census(unis)
    pop = Population(rng, unis)
    portfolio = Portfolio(rng, sc, pop, totals)
    portfolio.plan()
    anomalies.mark_specials(portfolio)

    em = Emitter(rng)
    pop.emit(em)
    emit_grants(em, portfolio)
    emit_selections(em, portfolio)
    emit_census(em, unis, portfolio, per_uni)
    emit_budget(em)
    emit_ruf(em, sc, unis)
    emit_ai_centres(em, sc, pop)
    emit_institutes(em, sc)
    anomalies.emit_phantom(em)
    anomalies.emit_invalid(em, portfolio, unis)
    return anomalies.add_duplicates(em.ordered(), rng, sc.duplicates)


def generate(scale: str = "small", seed: int = 0) -> Iterator[bytes]:
    """Yield the demo JSONL lines (each a JSON object followed by b"\\n")."""
    yield from build(scale, seed)


def write_demo(path: str, scale: str = "small", seed: int = 0) -> int:
    """Write the demo set to `path` (gzip if it ends in .gz, stdout if "-");
    returns the number of lines written."""
    lines = build(scale, seed)
    data = b"".join(lines)
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    elif path.endswith(".gz"):
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
        ):
            gz.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)
    return len(lines)
