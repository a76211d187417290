"""Helpers for the Kafka tests: topics, raw producing and reading, the CLI."""

import json
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from tests.builders import line

FAST_GROUP = ["--log-every", "2"]


def network_threads() -> set[threading.Thread]:
    """kafka-python's live network threads (each client runs one)."""
    return {t for t in threading.enumerate() if t.name.endswith("network-thread")}


def new_topic(broker: str, partitions: int = 1, prefix: str = "t") -> str:
    """A topic no other test uses."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    admin = KafkaAdminClient(bootstrap_servers=broker)
    try:
        admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        admin.close()
    return name


def produce(broker: str, topic: str, messages: list[dict[str, Any] | bytes]) -> None:
    """Send raw values (dicts as contract JSON), keyed by subject_id where there is one."""
    producer = KafkaProducer(bootstrap_servers=broker, acks="all", linger_ms=5)
    try:
        futures = []
        for message in messages:
            if isinstance(message, dict):
                value, key = line(message), message["subject_id"].encode()
            else:
                value, key = message, b"raw"
            futures.append(producer.send(topic, value=value, key=key))
        producer.flush(timeout=30)
        assert all(f.succeeded() for f in futures), "the broker refused a test message"
    finally:
        producer.close()


def read_topic(broker: str, topic: str, expect: int, quiet_seconds: float = 1.5) -> list[Any]:
    """Every record of the topic, from the start: stops after `expect` records
    and then `quiet_seconds` without more (so extra records are caught too)."""
    consumer = KafkaConsumer(bootstrap_servers=broker, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[Any] = []
        deadline = time.monotonic() + 30
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            polled = consumer.poll(timeout_ms=200)
            for batch in polled.values():
                records.extend(batch)
            if polled:
                quiet_since = time.monotonic()
            elif len(records) >= expect and time.monotonic() - quiet_since >= quiet_seconds:
                break
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "rnd_ledger.cli", *args]


def run(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=timeout)


def consume(
    broker: str,
    store: str,
    *topics: str,
    group: str | None = None,
    idle: float = 1.0,
    extra: tuple[str, ...] = (),
) -> subprocess.CompletedProcess:
    """`rnd-ledger consume … --until-idle` to the end; fails the test on a non-zero exit."""
    args = ["consume", "--bootstrap-servers", broker, "--store", store]
    for topic in topics:
        args += ["--topic", topic]
    args += ["--group", group or f"g-{uuid.uuid4().hex[:8]}", "--until-idle", str(idle)]
    done = run(*args, *FAST_GROUP, *extra)
    assert done.returncode == 0, done.stderr
    return done


def summary_counts(stdout: str) -> dict[str, int]:
    """The outcome table that consume prints, as {outcome: count}."""
    counts = {}
    for row in stdout.splitlines():
        parts = row.split()
        if len(parts) == 2 and parts[1].replace(",", "").isdigit():
            counts[parts[0]] = int(parts[1].replace(",", ""))
    return counts


def exported(store: str) -> list[dict[str, Any]]:
    done = run("export", "--store", store)
    assert done.returncode == 0, done.stderr
    return [json.loads(row) for row in done.stdout.splitlines() if row.strip()]


def rejection_records(store: str) -> list[dict[str, Any]]:
    done = run("rejections", "--store", store, "--format", "json")
    assert done.returncode == 0, done.stderr
    return [
        {k: v for k, v in r.items() if k not in ("recorded_at", "position")}
        for r in json.loads(done.stdout)
    ]


def headers(record: Any) -> dict[str, str]:
    return {k: v.decode() for k, v in record.headers or []}
