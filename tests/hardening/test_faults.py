"""Faults in the middle of a run: a full disk (SQLite) and PostgreSQL restarts.

Each run either waits and continues or stops with exit 2 and one line (no
traceback); the store is never corrupted (`verify` passes), and a second run
ends in exactly the state of one clean run (export output and rejection
records without recorded_at/position).
"""

import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.builders import grants_file
from tests.e2e.test_crash import position, state
from tests.hardening.tally import FAULTS
from tests.kafka.helpers import FAST_GROUP, new_topic

LINES = 9_000
CLUSTER_VERSION = (
    sorted(os.listdir("/etc/postgresql"))[-1] if Path("/etc/postgresql").is_dir() else ""
)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "rnd_ledger.cli", *args]


def data_file(path: Path, lines: int = LINES) -> Path:
    return grants_file(path, lines)


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr, stderr[-3000:]
    assert len(lines) >= 1 and lines[-1].startswith("rnd-ledger: "), stderr[-3000:]
    return lines[-1]


# A full disk (SQLite) ---------------------------------------------------------------


def limited_file_size(limit: int):
    def apply() -> None:  # in the child: writes past `limit` fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.slow
@pytest.mark.parametrize("limit_kib", [700, 1_400])
def test_full_disk_mid_ingest_is_one_line_and_a_rerun_completes(tmp_path, limit_kib):
    data = data_file(tmp_path / "deliveries.jsonl")
    store = f"sqlite:///{tmp_path / 'full.db'}"
    args = ["ingest", str(data), "--batch-size", "500"]
    # Python ignores SIGXFSZ itself, so the write fails (EFBIG) instead of killing us.
    full = subprocess.run(
        cli(*args, "--store", store),
        capture_output=True,
        text=True,
        preexec_fn=limited_file_size(limit_kib * 1024),
        timeout=120,
    )
    FAULTS.append(f"disk full at {limit_kib} KiB")
    assert full.returncode == 2, (full.stdout, full.stderr[-2000:])
    assert "store could not be written" in one_line_error(full.stderr)
    written = position(store)
    assert 0 < written < LINES, "the disk must fill mid-file"

    path = store.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    verified = subprocess.run(cli("verify", "--store", store), capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    rerun = subprocess.run(cli(*args, "--store", store), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    subprocess.run(cli(*args, "--store", clean), check=True, capture_output=True)
    assert state(store) == state(clean)
    assert position(store) == position(clean)
    verified = subprocess.run(cli("verify", "--store", store), capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr


# PostgreSQL restarts ------------------------------------------------------------------


def ancestors() -> set[int]:
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def other_pytest_processes() -> list[str]:
    mine = ancestors()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            args = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "pytest" in args:
            found.append(f"{entry.name}: {args[:120]}")
    return found


def wait_for_other_pytest_runs(limit_seconds: float = 240) -> None:
    """Others may be running PostgreSQL tests on this server: never restart under them."""
    deadline = time.monotonic() + limit_seconds
    while others := other_pytest_processes():
        if time.monotonic() > deadline:
            pytest.skip(f"other pytest runs use the PostgreSQL server: {others}")
        time.sleep(3)


def pg_ctl(action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", CLUSTER_VERSION, "main", action],
        check=True,
        capture_output=True,
        timeout=120,
    )


def wait_until_ready(limit_seconds: float = 60) -> None:
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        ready = subprocess.run(["pg_isready", "-h", "127.0.0.1"], capture_output=True)
        if ready.returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError("PostgreSQL did not come back")


def bounce_postgres(how: str, run: subprocess.Popen) -> None:
    """Restart the server (`restart`), or stop it for a few seconds (`stop-start`)
    while `run` is still running; it always runs again afterwards."""
    assert run.poll() is None, "the run must still be going when the fault starts"
    try:
        if how == "restart":
            pg_ctl("restart")
        else:
            pg_ctl("stop")
            time.sleep(4)
    finally:
        try:
            pg_ctl("start")
        except subprocess.CalledProcessError:
            pass  # already running (restart)
        wait_until_ready()
    FAULTS.append(f"PostgreSQL {how}")


@pytest.fixture
def postgres_alone(postgres_url):
    """A PostgreSQL store, once no other pytest run is using the server."""
    if not CLUSTER_VERSION:
        pytest.skip("no local PostgreSQL cluster to restart (/etc/postgresql)")
    wait_for_other_pytest_runs()
    yield postgres_url
    wait_until_ready()


def wait_for_position(store: str, at_least: int, process: subprocess.Popen) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        reached = position(store)
        if reached >= at_least:
            return reached
        time.sleep(0.05)
    raise AssertionError(f"the run did not reach position {at_least} (exit {process.poll()})")


def finished_or_one_line_error(process: subprocess.Popen) -> int:
    out, err = process.communicate(timeout=180)
    assert process.returncode in (0, 2), (process.returncode, out[-1000:], err[-3000:])
    if process.returncode == 2:
        print(f"fault: exit 2: {one_line_error(err)}", file=sys.stderr)
    else:
        assert "Traceback" not in err, err[-3000:]
        print("fault: the run waited and finished (exit 0)", file=sys.stderr)
    return process.returncode


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("how", ["restart", "stop-start"])
def test_postgres_restart_mid_ingest(tmp_path, postgres_alone, how):
    store = postgres_alone
    data = data_file(tmp_path / "deliveries.jsonl", 15_000)
    args = ["ingest", str(data), "--batch-size", "200"]
    run = subprocess.Popen(
        cli(*args, "--store", store), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_position(store, 1_000, run)
        bounce_postgres(how, run)
        finished_or_one_line_error(run)
    finally:
        if run.poll() is None:
            run.kill()
    rerun = subprocess.run(cli(*args, "--store", store), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    subprocess.run(cli(*args, "--store", clean), check=True, capture_output=True)
    assert state(store) == state(clean)
    verified = subprocess.run(cli("verify", "--store", store), capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def unordered(ledger_state: tuple[str, list]) -> tuple[list, list]:
    exported, rejections = ledger_state
    return sorted(exported.splitlines()), sorted(json.dumps(r, sort_keys=True) for r in rejections)


def produce_lines(broker: str, topic: str, data: Path) -> int:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=broker, acks="all", linger_ms=20)
    try:
        count = 0
        for raw in data.read_bytes().splitlines():  # keyed by subject_id, as the contract says
            producer.send(topic, value=raw, key=json.loads(raw)["subject_id"].encode())
            count += 1
        producer.flush(timeout=60)
        return count
    finally:
        producer.close()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.kafka
def test_postgres_stopped_mid_consume(tmp_path, broker, postgres_alone):
    store = postgres_alone
    topic = new_topic(broker, partitions=2)
    produce_lines(broker, topic, data_file(tmp_path / "deliveries.jsonl", 30_000))
    group = f"g-{uuid.uuid4().hex[:8]}"
    args = ["consume", "--bootstrap-servers", broker, "--topic", topic, "--until-idle", "2"]
    args += ["--batch-size", "200", *FAST_GROUP]
    run = subprocess.Popen(
        cli(*args, "--group", group, "--store", store),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_position(store, 1_000, run)
        bounce_postgres("stop-start", run)
        finished_or_one_line_error(run)
    finally:
        if run.poll() is None:
            run.kill()
    rerun = subprocess.run(
        cli(*args, "--group", group, "--store", store), capture_output=True, text=True
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    subprocess.run(
        cli(*args, "--group", f"g-{uuid.uuid4().hex[:8]}", "--store", clean),
        check=True,
        capture_output=True,
    )
    # Two partitions interleave differently in every run: compare as sets.
    assert unordered(state(store)) == unordered(state(clean))
    verified = subprocess.run(cli("verify", "--store", store), capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
