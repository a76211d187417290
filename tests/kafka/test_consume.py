"""`rnd-ledger consume` against a real broker: outcomes, dead letters, topic owners."""

import hashlib
import re
import socket
import subprocess
import sys
import time

import pytest

from tests.builders import event, jsonl, line
from tests.kafka.helpers import (
    consume,
    exported,
    headers,
    new_topic,
    produce,
    read_topic,
    rejection_records,
    run,
    summary_counts,
)

pytestmark = pytest.mark.kafka

PII_TEXT = "kim.researcher@example.com"


def test_end_to_end_ledger_holds_accepted_and_dead_letters_hold_rejected(
    broker, store_url, tmp_path
):
    topic, dead = new_topic(broker, partitions=2), new_topic(broker, prefix="dead")
    valid = [
        event("ResearcherRegistered", "R1"),
        event("GrantAwarded", "G1"),
        event("GrantFundsDisbursed", "G1"),
        event("InstituteRegistered", "KIST"),
    ]
    source = tmp_path / "valid.jsonl"
    source.write_bytes(jsonl(valid))
    published = run("publish", "--bootstrap-servers", broker, "--topic", topic, str(source))
    assert published.returncode == 0, published.stdout + published.stderr
    assert "Sent 4 messages" in published.stdout
    # What publish would refuse, sent raw the way a careless producer might:
    second_award = event("GrantAwarded", "G1")  # same grant, new event_id: already_exists
    pii = event("InstituteRegistered", "ETRI", payload_update={"name_en": PII_TEXT})
    no_payload = {**event("GrantAwarded", "G2"), "payload": {"program": "leader"}}
    produce(broker, topic, [b"not json at all", no_payload, second_award, pii, valid[0]])

    done = consume(broker, store_url, topic, extra=("--dead-letter-topic", dead))

    counts = summary_counts(done.stdout)
    assert (counts["accepted"], counts["duplicate"], counts["rejected"]) == (4, 1, 4)
    assert sorted(e["event_id"] for e in exported(store_url)) == sorted(
        m["event_id"] for m in valid
    )
    rejections = rejection_records(store_url)
    assert sorted(r["reason"] for r in rejections) == [
        "already_exists",
        "malformed_json",
        "pii_detected",
        "schema_invalid",
    ]
    assert all(r["origin"]["topic"] == topic for r in rejections)

    originals = {(r.partition, r.offset): r for r in read_topic(broker, topic, expect=9)}
    letters = read_topic(broker, dead, expect=4)
    assert len(letters) == 4
    by_reason = {headers(letter)["rnd-ledger.reason"]: letter for letter in letters}
    assert set(by_reason) == {r["reason"] for r in rejections}
    for reason, letter in by_reason.items():
        about = headers(letter)
        assert about["rnd-ledger.source-topic"] == topic
        original = originals[
            (int(about["rnd-ledger.source-partition"]), int(about["rnd-ledger.source-offset"]))
        ]
        assert about["rnd-ledger.sha256"] == hashlib.sha256(original.value).hexdigest()
        assert about["rnd-ledger.message"], "a dead letter says why"
        if reason == "pii_detected":
            assert letter.value == b"" and letter.key is None
            assert about["rnd-ledger.redacted"] == "true"
            assert PII_TEXT not in repr(letter)
        else:
            assert letter.value == original.value and letter.key == original.key
    assert original_reasons_match(rejections, originals)


def test_consume_seals_at_shutdown_and_the_seal_verifies(broker, sqlite_url, tmp_path):
    topic = new_topic(broker)
    produce(broker, topic, [event("FacultyCensusReported", f"U{i}") for i in range(3)])
    done = consume(broker, sqlite_url, topic)
    assert done.returncode == 0
    # Printed under the summary, as `ingest` does: the head through the 3 facts.
    assert re.search(r"^Sealed 3:[0-9a-f]{64}$", done.stdout, re.M), done.stdout
    checked = subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", "verify", "--store", sqlite_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 seal" in checked.stdout  # the seal consume recorded when it stopped


def original_reasons_match(rejections, originals) -> bool:
    """Each rejection record points at the record it rejected."""
    return all(
        hashlib.sha256(
            originals[(r["origin"]["partition"], r["origin"]["offset"])].value
        ).hexdigest()
        == r["sha256"]
        for r in rejections
    )


def test_topic_owner_mismatch_is_unauthorized_source(broker, sqlite_url):
    topic = new_topic(broker)
    census = event("FacultyCensusReported", "U1")  # MOE's: the topic's owner
    intruder = event("ResearcherRegistered", "R1")  # NRF's, valid anywhere else
    produce(broker, topic, [census, intruder])

    done = consume(broker, sqlite_url, topic, extra=("--topic-owner", f"{topic}=MOE"))

    assert [e["event_id"] for e in exported(sqlite_url)] == [census["event_id"]]
    [rejected] = rejection_records(sqlite_url)
    assert (rejected["event_id"], rejected["reason"]) == (
        intruder["event_id"],
        "unauthorized_source",
    )
    assert summary_counts(done.stdout)["unauthorized_source"] == 1


def test_a_topic_owner_no_policy_agency_has_is_warned_about(broker, sqlite_url):
    topic = new_topic(broker)
    produce(broker, topic, [event("FacultyCensusReported", "U1")])
    done = consume(broker, sqlite_url, topic, extra=("--topic-owner", f"{topic}=moe"))
    assert f"--topic-owner {topic}=moe: 'moe' is none of the policy's agencies" in done.stderr
    assert "did you mean MOE?" in done.stderr
    assert summary_counts(done.stdout)["unauthorized_source"] == 1


def test_topic_owner_must_name_a_consumed_topic(broker, sqlite_url):
    done = run(
        "consume", "--bootstrap-servers", broker, "--topic", "a", "--group", "g",
        "--topic-owner", "b=NRF", "--store", sqlite_url,
    )  # fmt: skip
    assert done.returncode == 2
    assert "'b' is not a --topic" in done.stderr


def test_dead_letter_topic_must_not_be_consumed(broker, sqlite_url):
    done = run(
        "consume", "--bootstrap-servers", broker, "--topic", "a", "--group", "g",
        "--dead-letter-topic", "a", "--store", sqlite_url,
    )  # fmt: skip
    assert done.returncode == 2
    assert "would come back forever" in done.stderr


def test_not_json_and_oversized_messages_are_rejected_not_dropped(broker, sqlite_url):
    topic, dead = new_topic(broker), new_topic(broker, prefix="dead")
    oversized = line(
        event("GrantAmended", "G1", payload={"end_on": "2030-01-01", "reason": "x" * 70_000})
    )
    assert len(oversized) > 64 * 1024
    produce(broker, topic, [b"\x00\xff not json", oversized, event("ResearcherRegistered", "R1")])

    done = consume(broker, sqlite_url, topic, extra=("--dead-letter-topic", dead))

    counts = summary_counts(done.stdout)
    assert (counts["accepted"], counts["malformed_json"], counts["schema_invalid"]) == (1, 1, 1)
    reasons = {
        r["origin"]["offset"]: (r["reason"], r["message"]) for r in rejection_records(sqlite_url)
    }
    assert reasons[0][0] == "malformed_json"
    assert reasons[1][0] == "schema_invalid" and "65536-byte limit" in reasons[1][1]
    letters = read_topic(broker, dead, expect=2)
    assert [len(letter.value) for letter in letters] == [len(b"\x00\xff not json"), len(oversized)]


def test_unreachable_broker_at_start_is_a_one_line_error(sqlite_url):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    done = run(
        "consume", "--bootstrap-servers", f"127.0.0.1:{port}", "--topic", "t", "--group", "g",
        "--store", sqlite_url, "--connect-timeout", "1",
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"rnd-ledger: cannot reach Kafka at 127.0.0.1:{port}")
    assert len(done.stderr.strip().splitlines()) == 1
    assert time.monotonic() - started < 15


def grants(prefix: str, count: int) -> list[dict]:
    return [event("GrantAwarded", f"{prefix}{n}") for n in range(count)]


def test_a_quiet_topic_shows_what_was_committed_not_one_batch_behind(broker, sqlite_url):
    """The last batch before a pause is accounted for at once: the progress
    line and the group's offsets (lag monitors) do not wait for the next one."""
    topic = new_topic(broker)
    produce(broker, topic, grants("Q", 20))
    done = consume(broker, sqlite_url, topic, idle=5, extra=("--log-every", "1"))
    before_stop = done.stderr.split("no message for")[0]
    progress = [row for row in before_stop.splitlines() if row.startswith("consume: ")]
    assert progress and "total 20: accepted 20" in progress[-1], done.stderr
    assert f"lag {topic}:0=0" in progress[-1]


def test_the_summary_rate_leaves_out_the_wait_for_the_group_and_the_idle_end(broker, sqlite_url):
    """With --until-idle 4 the command runs at least 4 s after the last
    message: the rate is over the time spent reading and recording, and the
    whole run is said beside it."""
    topic = new_topic(broker)
    produce(broker, topic, grants("S", 20))
    done = consume(broker, sqlite_url, topic, idle=4)
    said = re.search(
        r"^Ingested 20 messages into .* in ([\d.]+) s \([\d,]+/s\), from the first message "
        r"read to the last commit \(([\d.]+) s in all\)$",
        done.stdout,
        re.M,
    )
    assert said, done.stdout
    busy, whole = float(said[1]), float(said[2])
    assert busy < 4 <= whole


def test_a_partition_shorter_than_the_ledger_position_is_warned_about(broker, sqlite_url):
    """Re-created, or the broker lost data: records below the ledger's position
    are not read, and that must be said, not left silent."""
    import sqlite3

    topic = new_topic(broker)
    produce(broker, topic, grants("S", 5))
    consume(broker, sqlite_url, topic)
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as connection:
        connection.execute(  # as if the topic had held 50 records before
            "UPDATE tracking SET notification_id = 50 WHERE application_name = ?",
            (f"kafka:{topic}:0",),
        )
    produce(broker, topic, grants("T", 3))
    done = consume(broker, sqlite_url, topic)
    assert f"{topic}:0: WARNING: the partition ends at offset 8, but the ledger has " in done.stderr
    assert "records below offset 50 are not read" in done.stderr
