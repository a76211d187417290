"""SIGKILL or SIGTERM in the middle of an ingest, then a re-run: exactly one clean run's state."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import psycopg
import pytest

from tests.builders import grants_file

LINES = 30_000


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "rnd_ledger.cli", *args]


def position(store_url: str) -> int:
    if store_url.startswith("sqlite"):
        path = store_url.removeprefix("sqlite:///")
        if not os.path.exists(path):
            return 0
        with sqlite3.connect(path) as connection:
            try:
                return connection.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0] or 0
            except sqlite3.OperationalError:
                return 0
    base, schema = store_url.split("?schema=")
    with psycopg.connect(base) as connection:
        try:
            row = connection.execute(
                f'SELECT MAX(notification_id) FROM "{schema}".ledger_events'
            ).fetchone()
        except psycopg.Error:
            return 0
        return row[0] or 0


def state(store_url: str) -> tuple[str, list]:
    exported = subprocess.run(cli("export", "--store", store_url), capture_output=True, check=True)
    rejected = subprocess.run(
        cli("rejections", "--store", store_url, "--format", "json"), capture_output=True, check=True
    )
    records = [
        {k: v for k, v in r.items() if k not in ("recorded_at", "position")}
        for r in json.loads(rejected.stdout)
    ]
    return exported.stdout.decode(), records


def stopped_mid_file(store_url: str, args: list[str], how: signal.Signals) -> tuple[int, str]:
    """Run the ingest, send `how` once 3,000 records are in: its exit status and stderr."""
    process = subprocess.Popen(
        cli(*args, "--store", store_url), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while position(store_url) < 3000 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(how)
    _, err = process.communicate(timeout=120)
    return process.returncode, err.decode()


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_stopped_mid_file_then_rerun_equals_one_clean_run(tmp_path, store_url, sqlite_url, how):
    """SIGTERM (a service manager, `kill`) stops it as Ctrl-C does: one line,
    exit 143, no worker's semaphores left behind; SIGKILL gives no chance."""
    data = tmp_path / "big.jsonl"
    grants_file(data, LINES)
    args = ["ingest", str(data), "--batch-size", "500"]
    code, err = stopped_mid_file(store_url, args, how)
    stopped_at = position(store_url)
    assert 0 < stopped_at < LINES, "the signal must land mid-file"
    if how == signal.SIGTERM:
        assert code == 128 + signal.SIGTERM
        assert err.endswith(
            "rnd-ledger: interrupted; committed batches are kept, re-run to resume\n"
        )
        assert "Traceback" not in err and "leaked" not in err
    subprocess.run(cli(*args, "--store", store_url), check=True, capture_output=True)

    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    subprocess.run(cli(*args, "--store", clean), check=True, capture_output=True)
    assert state(store_url) == state(clean)
    if store_url.startswith("sqlite"):
        assert position(store_url) == position(clean)
    else:  # a transaction the kill cut short used sequence numbers: a gap, never a record
        assert position(store_url) >= position(clean)
