"""Benchmark: the HTML report for the national demo.

    python -m benchmarks.bench_report [--store URL] [--repeat 5]

Goal (issue 4): the report renders in <= 3 s once the indicators are
computed, and the file is <= 2 MB. Without --store it uses
bench-data/report/national.db, building it first from `rnd-ledger demo
--scale national` when missing (~1 min); without the projections package it
falls back to a national-sized hand-written fixture. The ceilings, measured
in the same run, are what no report can beat: serialising the data as JSON
and Jinja2 rendering an empty page.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment

from reports.context import build_context
from reports.render import BASE, environment, render_report

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "bench-data" / "report" / "national.db"
GOAL_SECONDS = 3.0
GOAL_BYTES = 2 * 1024 * 1024


def median_seconds(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def national_store(given: str | None) -> str:
    if given:
        return given
    if not DEFAULT_DB.exists():
        from rnd_ledger.cli import main

        DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)
        events = DEFAULT_DB.parent / "national.jsonl.gz"
        print(
            f"building the national demo store at {DEFAULT_DB} (about a minute)…", file=sys.stderr
        )
        if main(["demo", "--scale", "national", "--out", str(events)]) != 0:
            raise SystemExit("rnd-ledger demo failed")
        if main(["ingest", str(events), "--store", f"sqlite:///{DEFAULT_DB}"]) not in (0, 1):
            raise SystemExit("rnd-ledger ingest failed")
    return f"sqlite:///{DEFAULT_DB}"


def load_data(store: str | None) -> tuple[str, dict[str, Any], float | None]:
    try:
        from projections import compute
    except ImportError:
        from tests.reports.fixtures import report_data

        return "national-sized fixture (no projections)", report_data(23, 190), None
    url = national_store(store)
    started = time.perf_counter()
    data = compute(url)
    return f"national demo ({url})", data, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the HTML report.")
    parser.add_argument("--store", help="an ingested ledger (default: the national demo)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    args = parser.parse_args()
    source, data, compute_seconds = load_data(args.store)
    rows: list[tuple[str, float | None, int | None, str, bool | None]] = []
    if compute_seconds is not None:
        rows.append(("projections.compute (before the report; not in the goal)",
                     compute_seconds, None, "-", None))  # fmt: skip

    empty = Environment(autoescape=True).from_string("<!DOCTYPE html><html></html>")
    seconds, text = median_seconds(lambda: json.dumps(data, ensure_ascii=False), args.repeat)
    rows.append(("ceiling: json.dumps of the data", seconds, len(text.encode()), "-", None))
    seconds, _ = median_seconds(empty.render, args.repeat)
    rows.append(("ceiling: Jinja2 renders an empty page", seconds, None, "-", None))

    for lang in ("ko", "en"):
        seconds, context = median_seconds(lambda lang=lang: build_context(data, lang), args.repeat)
        rows.append(
            (f"context ({lang}): figures, SVG charts, formatting", seconds, None, "-", None)
        )
        template = environment().get_template(BASE)
        seconds, _ = median_seconds(lambda c=context, t=template: t.render(**c), args.repeat)
        rows.append((f"templates only ({lang})", seconds, None, "-", None))
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / f"report-{lang}.html"

            def whole(lang=lang, out=out) -> int:
                return out.write_text(render_report(data, lang), encoding="utf-8")

            seconds, _ = median_seconds(whole, args.repeat)
            size = out.stat().st_size
        met = seconds <= GOAL_SECONDS and size <= GOAL_BYTES
        rows.append((f"report ({lang}): context + render + write", seconds, size,
                     "<= 3 s, <= 2 MB", met))  # fmt: skip

    print(f"\n### HTML report — {source}, median of {args.repeat}\n")
    print("| measurement | seconds | bytes | goal | met |")
    print("|---|---:|---:|---|---|")
    for name, seconds, size, goal, met in rows:
        shown = "-" if seconds is None else f"{seconds:.6f}"
        bytes_text = "-" if size is None else f"{size:,}"
        verdict = "-" if met is None else ("yes" if met else "**no**")
        print(f"| {name} | {shown} | {bytes_text} | {goal} | {verdict} |")


if __name__ == "__main__":
    main()
