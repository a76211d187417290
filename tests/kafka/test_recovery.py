"""Crash, shutdown and sharing: the ledger stays exactly one clean run's."""

import json
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from rnd_ledger.bootstrap import open_ledger
from tests.builders import grant_messages
from tests.e2e.test_crash import position
from tests.kafka.helpers import (
    FAST_GROUP,
    cli,
    exported,
    new_topic,
    produce,
    rejection_records,
    summary_counts,
)

pytestmark = pytest.mark.kafka


def start(
    broker: str, store: str, topic: str, group: str, *extra: str, **popen: Any
) -> subprocess.Popen:
    args = ["consume", "--bootstrap-servers", broker, "--topic", topic, "--group", group]
    return subprocess.Popen(
        cli(*args, "--store", store, *FAST_GROUP, *extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def wait_for_position(store: str, at_least: int, process: subprocess.Popen, limit: float = 60):
    """Wait until the ledger holds `at_least` records; on failure show consume's stderr."""
    deadline = time.monotonic() + limit
    while position(store) < at_least:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _, err = process.communicate()
            reached = position(store)
            raise AssertionError(f"position {reached} < {at_least}:\n{err[-4000:]}")
        time.sleep(0.01)
    return position(store)


def ledger_state(store: str) -> tuple[list, list]:
    """Accepted facts and rejection records, in a partition-interleaving-free order."""
    facts = sorted(json.dumps(e, sort_keys=True) for e in exported(store))
    rejections = sorted(json.dumps(r, sort_keys=True) for r in rejection_records(store))
    return facts, rejections


def test_sigkill_mid_stream_then_restart_equals_one_clean_run(broker, tmp_path):
    topic = new_topic(broker, partitions=3)
    messages = grant_messages(4_000)
    produce(broker, topic, messages)
    store, group = f"sqlite:///{tmp_path / 'crashed.db'}", f"g-{uuid.uuid4().hex[:8]}"

    process = start(broker, store, topic, group, "--batch-size", "100")
    wait_for_position(store, 1_000, process)
    workers = children(process.pid)  # the screening worker
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = position(store)
    assert 0 < killed_at < len(messages), "the kill must land mid-stream"
    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    restarted = start(broker, store, topic, group, "--until-idle", "1")
    clean_run = start(broker, clean, topic, f"g-{uuid.uuid4().hex[:8]}", "--until-idle", "1")
    for run in (restarted, clean_run):
        _, err = run.communicate(timeout=90)
        assert run.returncode == 0, err

    facts, rejections = ledger_state(store)
    assert (facts, rejections) == ledger_state(clean)
    assert len(facts) == len(messages) - 40 and len(rejections) == 40
    assert len({json.loads(f)["event_id"] for f in facts}) == len(facts), "no duplicate"
    assert position(store) == position(clean)
    assert workers and not any(Path(f"/proc/{pid}").exists() for pid in workers), (
        "the screening worker does not outlive a killed consumer"
    )


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_sigterm_finishes_commits_and_exits_zero(broker, sqlite_url):
    topic = new_topic(broker, partitions=2)
    messages = grant_messages(700)
    produce(broker, topic, messages)
    group = f"g-{uuid.uuid4().hex[:8]}"
    process = start(broker, sqlite_url, topic, group)
    wait_for_position(sqlite_url, len(messages), process)

    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)

    assert process.returncode == 0, err
    assert "SIGTERM: finishing the batch in hand" in err
    assert summary_counts(out)["accepted"] == len(messages) - 7
    committed = KafkaConsumer(bootstrap_servers=broker, group_id=group, enable_auto_commit=False)
    try:
        offsets = [committed.committed(TopicPartition(topic, p)) or 0 for p in (0, 1)]
    finally:
        committed.close()
    assert sum(offsets) == len(messages), "the group's offsets were committed"


def test_two_consumers_in_one_group_share_partitions_and_store_each_message_once(
    broker, sqlite_url
):
    topic = new_topic(broker, partitions=3)
    messages = grant_messages(3_000)
    produce(broker, topic, messages)
    group = f"g-{uuid.uuid4().hex[:8]}"
    # Create the store first: two processes creating one fresh SQLite store at the
    # same instant race on eventsourcing's tracking-table migration row.
    open_ledger(sqlite_url).close()
    processes = [
        start(broker, sqlite_url, topic, group, "--until-idle", "3", "--batch-size", "500")
        for _ in range(2)
    ]
    results = [p.communicate(timeout=90) for p in processes]

    assert [p.returncode for p in processes] == [0, 0], [err for _, err in results]
    for _, err in results:
        owned = re.findall(rf"{topic}:(\d)@", err)
        assert owned, f"each consumer was assigned partitions:\n{err}"
    handled = [summary_counts(out) for out, _ in results]
    assert sum(h["accepted"] + h["rejected"] + h["duplicate"] for h in handled) == len(messages)
    facts = exported(sqlite_url)
    assert len(facts) == len({f["event_id"] for f in facts}) == len(messages) - 30
    assert len(rejection_records(sqlite_url)) == 30


def test_broker_lost_mid_run_consume_waits_and_then_goes_on(broker_behind_proxy, sqlite_url):
    broker, proxy = broker_behind_proxy
    topic = new_topic(broker, partitions=2)
    before, after = grant_messages(100), grant_messages(200)[300:]
    produce(broker, topic, before)
    process = start(broker, sqlite_url, topic, f"g-{uuid.uuid4().hex[:8]}", "--log-every", "1")
    wait_for_position(sqlite_url, len(before), process)

    proxy.cut()
    time.sleep(4)
    assert process.poll() is None, "consume keeps running while the broker is away"
    proxy.restore()
    produce(broker, topic, after)
    wait_for_position(sqlite_url, len(before) + len(after), process, limit=45)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)

    assert process.returncode == 0, err[-4000:]
    assert "kafka warnings" in err, err[-4000:]
    facts = exported(sqlite_url)
    assert len(facts) == len({f["event_id"] for f in facts}) == len(before + after) - 2
    assert summary_counts(out)["rejected"] == 2
