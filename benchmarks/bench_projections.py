"""Benchmark: projections (all indicators) on the national demo and a 10M history.

    python -m benchmarks.bench_projections [--quick] [--workdir DIR] [--copies 20]

1. Generates the national demo (`demo.generate.write_demo`) and ingests it
   into a SQLite store with `rnd-ledger ingest` (skipped when --workdir
   already holds national.db).
2. Full rebuild of every indicator (no checkpoint). Goal ≤ 10 s.
3. Incremental: a checkpointed run, then 10,000 new events, then a run that
   decodes only those. Goal ≤ 1 s. The new events are stored rows of the
   demo copied with relabelled ids (DEMO- → DEMO-N1-), written straight into
   `stored_events` in the stored format.
4. Unless --quick: a 10,000,000-event history, built by copying the national
   store's rows `--copies` times with relabelled ids straight into a new
   SQLite `stored_events` (ingesting 10M through the intake would take ~10
   min), and a full rebuild. Goal ≤ 60 s and ≤ 8 GB RSS.

Every measurement runs in a fresh child process (so its peak RSS is its own)
and times the projection call only (not interpreter start-up). Beside each,
the ceiling measured in the same run: reading the same rows from the store
into Arrow (ADBC) and `str.json_decode` of their state with the event
type's dtype — what any projection from this store must at least do.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NEW_EVENTS = 10_000


@dataclass
class Row:
    measurement: str
    events: int
    seconds: float
    ceiling: float | None
    goal_seconds: float
    goal: str
    rss_mb: float | None = None
    rss_goal_mb: float | None = None

    def cells(self) -> list[str]:
        rate = self.events / self.seconds if self.seconds else 0.0
        ratio = f"{self.seconds / self.ceiling:.2f}" if self.ceiling else "-"
        met = self.seconds <= self.goal_seconds
        if self.rss_goal_mb is not None and self.rss_mb is not None:
            met = met and self.rss_mb <= self.rss_goal_mb
        return [
            self.measurement,
            f"{self.events:,}",
            f"{self.seconds:.2f}",
            f"{rate:,.0f}",
            f"{self.ceiling:.2f}" if self.ceiling else "-",
            ratio,
            self.goal,
            "yes" if met else "**no**",
        ]


# -- measurements, each run in a child process ------------------------------------
def measure(kind: str, url: str, after: int, checkpoint: str | None) -> dict:
    import polars as pl

    from projections import compute
    from projections.facts import FACT_TOPICS, decode_dtype
    from projections.source import open_store, records

    started = time.perf_counter()
    events = 0
    if kind == "ceiling":
        for chunk in records(open_store(url), after):
            events += chunk.height
            facts = chunk.filter(pl.col("topic").is_in(list(FACT_TOPICS)))
            typed = facts.with_columns(event_type=pl.col("topic").str.split(".").list.last())
            for (event_type,), part in typed.partition_by("event_type", as_dict=True).items():
                part.select(pl.col("state").str.json_decode(decode_dtype(str(event_type))))
    else:
        result = compute(url, checkpoint_dir=checkpoint, use_checkpoint=checkpoint is not None)
        events = result["as_of"]["position"] - after
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "events": events, "rss_mb": rss}


def run_child(kind: str, url: str, after: int = 0, checkpoint: str | None = None) -> dict:
    argv = [sys.executable, "-m", "benchmarks.bench_projections", "--measure", kind, url]
    argv += ["--after", str(after)]
    if checkpoint:
        argv += ["--checkpoint", checkpoint]
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- building the stores ---------------------------------------------------------
def build_national(workdir: Path) -> Path:
    db = workdir / "national.db"
    if db.exists():
        return db
    from demo.generate import write_demo

    demo = workdir / "national.jsonl"
    lines = write_demo(str(demo), "national", 0)
    print(f"wrote {lines:,} demo lines; ingesting ...", file=sys.stderr, flush=True)
    subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", "ingest", str(demo), "--store", f"sqlite:///{db}"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    demo.unlink()
    return db


def relabelled(prefix: str) -> str:
    return f"CAST(replace(CAST(state AS TEXT), '\"DEMO-', '\"{prefix}') AS BLOB)"


def copied_id(copy: int) -> str:
    """SQL for a copy's originator id: still 32 hex digits (the hash chain reads
    them as a UUID), never an original's (uuid5 ids have version nibble 5 and
    variant nibble 8-b; copies get another version nibble and a 0-7 variant)."""
    version = "012346789abcdef"[copy % 15]
    variant = str(copy // 15)
    return (
        f"substr(originator_id, 1, 12) || '{version}' || substr(originator_id, 14, 3) "
        f"|| '{variant}' || substr(originator_id, 18)"
    )


def append_copies(db: Path, source: Path, copies: int, limit: int | None = None) -> int:
    """Copy `source`'s stored rows (relabelled ids) into `db`'s stored_events."""
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    if db != source:
        connection.execute("ATTACH DATABASE ? AS src", (str(source),))
        table = "src.stored_events"
    else:
        table = "main.stored_events"
    (total,) = connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    step = max(1, total // limit) if limit else 1
    added = 0
    for copy in range(copies):
        prefix = f"DEMO-N{copy + 1}-" if limit else f"DEMO-C{copy}-"
        where = f"WHERE rowid % {step} = 0 LIMIT {limit}" if limit else ""
        cursor = connection.execute(
            "INSERT INTO main.stored_events (originator_id, originator_version, topic, state) "
            f"SELECT {copied_id(copy + 1)}, originator_version, topic, {relabelled(prefix)} "
            f"FROM {table} {where}"
        )
        added += cursor.rowcount
        connection.commit()
    connection.close()
    return added


def build_big(workdir: Path, national: Path, copies: int) -> Path:
    db = workdir / "big.db"
    if db.exists():
        return db
    schema = (
        sqlite3.connect(national)
        .execute("SELECT sql FROM sqlite_master WHERE name = 'stored_events'")
        .fetchone()[0]
    )
    connection = sqlite3.connect(db)
    connection.execute(schema)
    connection.close()
    append_copies(db, national, copies)
    # As `ingest` does at its end: a seal, from which the chain head that the
    # indicators state is continued (otherwise every run rehashes 10M rows).
    subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", "seal", "--store", f"sqlite:///{db}"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return db


def max_position(db: Path) -> int:
    return sqlite3.connect(db).execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0]


# -- the run -----------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10M history")
    parser.add_argument("--workdir", help="keep stores here (reused when present)")
    parser.add_argument("--copies", type=int, default=20, help="copies of the demo for 10M")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "URL"), help=argparse.SUPPRESS)
    parser.add_argument("--after", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--checkpoint", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure, args.after, args.checkpoint)))
        return 0

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-projections-"))
    workdir.mkdir(parents=True, exist_ok=True)
    national = build_national(workdir)
    work = workdir / "work.db"
    work.write_bytes(national.read_bytes())
    url = f"sqlite:///{work}"
    rows = []

    full = run_child("full", url)
    ceiling = run_child("ceiling", url)
    rows.append(
        Row(
            "full rebuild, national demo",
            full["events"],
            full["seconds"],
            ceiling["seconds"],
            10,
            "≤ 10 s",
        )
    )

    checkpoint = str(workdir / "checkpoint")
    run_child("full", url, checkpoint=checkpoint)  # writes the checkpoint
    before = max_position(work)
    append_copies(work, work, 1, limit=NEW_EVENTS)
    incremental = run_child("incremental", url, after=before, checkpoint=checkpoint)
    new_ceiling = run_child("ceiling", url, after=before)
    rows.append(
        Row(
            f"incremental, +{NEW_EVENTS:,} events after a checkpoint",
            incremental["events"],
            incremental["seconds"],
            new_ceiling["seconds"],
            1,
            "≤ 1 s",
        )
    )

    if not args.quick:
        print("building the 10M history ...", file=sys.stderr, flush=True)
        big = build_big(workdir, national, args.copies)
        big_url = f"sqlite:///{big}"
        big_full = run_child("full", big_url)
        big_ceiling = run_child("ceiling", big_url)
        rows.append(
            Row(
                f"full rebuild, {args.copies} relabelled copies of the demo written as stored rows",
                big_full["events"],
                big_full["seconds"],
                big_ceiling["seconds"],
                60,
                f"≤ 60 s, ≤ 8 GB RSS (peak {big_full['rss_mb'] / 1024:.1f} GB)",
                big_full["rss_mb"],
                8 * 1024,
            )
        )

    headers = [
        "measurement",
        "events",
        "seconds",
        "events/s",
        "ceiling seconds",
        "ratio to ceiling",
        "goal",
        "met",
    ]
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")
    if args.workdir:
        print(f"\n(stores kept in {workdir})")
    else:
        shutil.rmtree(workdir, ignore_errors=True)  # the 10M store is ~7 GB
    return 0


if __name__ == "__main__":
    sys.exit(main())
