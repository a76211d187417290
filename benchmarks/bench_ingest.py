"""Ingest speed and memory (issue 2), beside the raw SQLite ceiling.

python -m benchmarks.bench_ingest [--events 200000] [--repeat 3] [--million] [--postgres URL]

The ceiling and the SQLite ingest are each measured `--repeat` times, in turn
(ceiling, ingest, ceiling, ingest, ...), and the best of each is compared:
on the 2-core development machine the same run varies by ±10% within
minutes, and the best of several estimates what the work itself costs
(timeit's advice); taken in turn, a slow spell slows both alike. Every
measured time is printed below the table.
"""

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg

from benchmarks.common import Row, child_peak_rss_mb, demo_lines, print_table, timed, write_lines
from contract.screen import screen

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def raw_ceiling(lines: list[bytes], directory: Path) -> float:
    """Plain executemany of the same number of rows into a bare SQLite table."""
    connection = sqlite3.connect(directory / "raw.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, state BLOB)")
    rows = [(line,) for line in lines]

    def insert() -> None:
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO raw (state) VALUES (?)", rows)
        connection.execute("COMMIT")

    seconds, _ = timed(insert)
    connection.close()
    return seconds


def validate_all(lines: list[bytes]) -> None:
    """What the screening worker does per message (as bench_validation)."""
    for line in lines:
        screen(line)


def ingest(path: Path, store: str) -> float:
    return ingest_timed(path, store)[0]


def ingest_timed(path: Path, store: str) -> tuple[float, float]:
    """Seconds for the whole command, and for its loop as it reports them
    ("Ingested N messages ... in X s": without start-up and the final seal)."""
    command = [sys.executable, "-m", "rnd_ledger.cli", "ingest", str(path), "--store", store]
    seconds, done = timed(lambda: subprocess.run(command, check=True, capture_output=True))
    loop = re.search(rb"Ingested [\d,]+ messages? into .* in ([\d.]+) s", done.stdout)
    return seconds, float(loop[1]) if loop else seconds


def postgres_store(base: str) -> str | None:
    try:
        with psycopg.connect(base, connect_timeout=3):
            pass
    except psycopg.Error:
        return None
    return f"{base}?schema=bench_{uuid.uuid4().hex[:8]}"


def drop_schema(base: str, url: str) -> None:
    schema = url.split("?schema=")[1]
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the ceiling and the SQLite ingest"
    )
    parser.add_argument("--million", action="store_true", help="also ingest 1,000,000 for RSS")
    parser.add_argument(
        "--postgres", default=os.environ.get("RND_LEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        data = directory / "events.jsonl"
        write_lines(data, demo_lines(args.events))
        lines = data.read_bytes().splitlines()
        count = len(lines)
        ceilings: list[float] = []
        runs: list[tuple[float, float]] = []
        for attempt in range(args.repeat):
            place = directory / f"run-{attempt}"
            place.mkdir()
            ceilings.append(raw_ceiling(lines, place))
            runs.append(ingest_timed(data, f"sqlite:///{place / 'ledger.db'}"))
        ceiling = min(ceilings)
        sqlite_seconds, loop_seconds = min(runs)
        rows = [Row("raw SQLite executemany (ceiling)", count, ceiling, ceiling, "-", None)]

        validation = min(
            timed(lambda: validate_all(lines[:100_000]))[0] for _ in range(args.repeat)
        )
        rows.append(
            Row(
                "contract validation alone (every ledger-free check + SHA-256), 1 core",
                min(count, 100_000),
                validation,
                None,
                ">= 100,000/s",
                min(count, 100_000) / validation >= 100_000,
            )
        )

        rate = count / sqlite_seconds
        rows.append(
            Row(
                "ingest into SQLite (whole command)",
                count,
                sqlite_seconds,
                ceiling,
                ">= 30,000/s and >= 1/8 ceiling",
                rate >= 30_000 and sqlite_seconds <= 8 * ceiling,
            )
        )
        rows.append(
            Row(
                "  its loop, as the command reports it (no start-up, no seal)",
                count,
                loop_seconds,
                ceiling,
                "-",
                None,
            )
        )

        store = postgres_store(args.postgres)
        if store:
            try:
                pg_seconds = ingest(data, store)
            finally:
                drop_schema(args.postgres, store)
            rows.append(
                Row(
                    "ingest into PostgreSQL",
                    count,
                    pg_seconds,
                    ceiling,
                    ">= 15,000/s",
                    count / pg_seconds >= 15_000,
                )
            )
        else:
            print(f"(PostgreSQL at {args.postgres} unreachable: skipped)")

        if args.million:
            big = directory / "million.jsonl"
            write_lines(big, demo_lines(1_000_000))
            seconds = ingest(big, f"sqlite:///{directory / 'million.db'}")
            rss = child_peak_rss_mb()
            rows.append(
                Row(
                    f"ingest 1,000,000 into SQLite (peak RSS {rss:,.0f} MB)",
                    1_000_000,
                    seconds,
                    None,
                    "< 1,024 MB RSS",
                    rss < 1024,
                )
            )
    print_table("Ingest (issue 2)", rows)
    print(f"\nBest of {args.repeat}, measured in turn. Every run, in seconds:")
    print(f"- ceiling: {', '.join(f'{s:.2f}' for s in ceilings)}")
    print(f"- ingest into SQLite (whole command): {', '.join(f'{s:.2f}' for s, _ in runs)}")


if __name__ == "__main__":
    main()
