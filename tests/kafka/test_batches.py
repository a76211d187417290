"""The consume loop's batch step on a real ledger: overlapping deliveries, seals,
dead-letter form, topic-owner parsing. Records are kafka-python's own struct."""

import time

import pytest
from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from consumers.dead_letters import Interrupted, dead_letter
from consumers.intake import Intake, Outcome
from consumers.kafka_batch import Batch, tracking_name
from consumers.kafka_common import ConsumeSettings
from consumers.kafka_consumer import KafkaIngest
from contract.policy import load_policy
from contract.screen import screen
from rnd_ledger.bootstrap import open_ledger
from rnd_ledger.errors import CommandError
from rnd_ledger.kafka_commands import topic_owners
from tests.builders import event, line
from tests.integration.helpers import reasons, send

TOPIC = "batches"


def record(offset: int, value: bytes, partition: int = 0, headers=()) -> ConsumerRecord:
    return ConsumerRecord(
        TOPIC, partition, -1, offset, 0, 0, b"key", value, list(headers), None, 3, len(value), 0
    )


def held(records: list[ConsumerRecord]) -> dict[TopicPartition, list[ConsumerRecord]]:
    grouped: dict[TopicPartition, list[ConsumerRecord]] = {}
    for r in records:
        grouped.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
    return grouped


@pytest.fixture
def ingest(broker, ledger):
    seals: list[int] = []
    settings = ConsumeSettings(broker, [TOPIC], "unused")
    made = KafkaIngest(
        Intake(ledger, load_policy()),
        settings,
        lambda text: None,
        seal=lambda: seals.append(ledger.position()),
        seal_every=4,
    )
    made.seals = seals
    yield made
    made.close()


@pytest.mark.kafka
def test_a_batch_overlapping_what_the_ledger_recorded_applies_only_the_rest(ingest, ledger):
    messages = [line(event("ResearcherRegistered", f"R{i}")) for i in range(6)]
    first = [record(o, messages[o]) for o in range(4)]
    ingest.apply(held(first))
    assert ledger.resume_point(tracking_name(TOPIC, 0)) == 4

    # Another consumer's view after a rebalance race: offsets 2..5, two of them recorded.
    ingest.apply(held([record(o, messages[o]) for o in range(2, 6)]))

    assert ledger.resume_point(tracking_name(TOPIC, 0)) == 6
    assert ingest.summary.accepted == 6 and ingest.summary.duplicate == 0
    assert ledger.position() == 6


class RacingIngest(KafkaIngest):
    """Another writer commits the same records between our decision and our commit
    (where dead letters are sent), once."""

    def __init__(self, *args, rival=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rival = rival

    def forward(self, records, outcomes, done) -> None:
        if self.rival:
            rival, self.rival = self.rival, None
            rival()
        super().forward(records, outcomes, done)


@pytest.mark.kafka
def test_a_batch_that_loses_a_race_is_decided_again_without_the_rivals_records(
    broker, ledger, store_url
):
    messages = [line(event("ResearcherRegistered", f"Q{i}")) for i in range(6)]
    other = open_ledger(store_url)  # a second consumer process, as far as the store knows

    def rival() -> None:
        rival_records = [record(o, messages[o]) for o in range(4)]
        rival_batch = Batch.of(
            held(rival_records), {}, {}, [screen(r.value) for r in rival_records]
        )
        Intake(other, load_policy()).process(rival_batch.messages, rival_batch.trackings)

    settings = ConsumeSettings(broker, [TOPIC], "unused")
    ingest = RacingIngest(Intake(ledger, load_policy()), settings, lambda text: None, rival=rival)
    try:
        ingest.apply(held([record(o, messages[o]) for o in range(6)]))
    finally:
        ingest.close()
        other.close()

    assert ledger.resume_point(tracking_name(TOPIC, 0)) == 6
    assert (ingest.summary.accepted, ingest.summary.duplicate) == (2, 0)
    assert ledger.position() == 6, "each message stored once"


class OvertakenIngest(KafkaIngest):
    """Another writer records a fact about R1 between each of this ingest's
    decisions and its commit, for `seconds`; `stop_after_first`: a stop is
    asked for after the first (SIGTERM during a losing streak)."""

    def __init__(self, *args, rival_store: str, seconds: float, stop_after_first: bool) -> None:
        super().__init__(*args)
        self.other = open_ledger(rival_store)  # a second writer, as far as the store knows
        self.rival = Intake(self.other, load_policy())
        self.until = time.monotonic() + seconds
        self.stop_after_first = stop_after_first

    def forward(self, records, outcomes, done) -> None:
        if time.monotonic() < self.until:
            send(self.rival, event("ResearcherPositionChanged", "R1"))
        super().forward(records, outcomes, done)
        self.stopping = self.stopping or self.stop_after_first

    def close(self) -> None:
        super().close()
        self.other.close()


def overtaken(broker: str, ledger, store_url: str, **kwargs) -> OvertakenIngest:
    """R1 registered, and an ingest whose batches about R1 are overtaken."""
    registered = send(Intake(ledger, load_policy()), event("ResearcherRegistered", "R1"))
    assert reasons(registered) == ["accepted"]
    settings = ConsumeSettings(broker, [TOPIC], "unused")
    return OvertakenIngest(
        Intake(ledger, load_policy()), settings, lambda text: None, rival_store=store_url, **kwargs
    )


def moved_r1() -> dict[TopicPartition, list[ConsumerRecord]]:
    return held([record(0, line(event("ResearcherPositionChanged", "R1")))])


@pytest.mark.kafka
def test_a_stop_ends_the_retries_of_a_batch_that_keeps_losing(
    broker, ledger, store_url, monkeypatch
):
    """Not endless retries after SIGTERM: the batch is left uncommitted
    (read again next time), as when its dead letters are unacknowledged."""
    monkeypatch.setattr("consumers.conflicts.WHILE_STOPPING_SECONDS", 0.2)
    ingest = overtaken(broker, ledger, store_url, seconds=3600, stop_after_first=True)
    started = time.monotonic()
    try:
        with pytest.raises(Interrupted, match="kept losing races with another writer"):
            ingest.apply(moved_r1())
    finally:
        ingest.close()
    assert time.monotonic() - started < 10
    assert ledger.resume_point(tracking_name(TOPIC, 0)) == 0, "not committed"


@pytest.mark.kafka
def test_consume_outlasts_a_rival_longer_than_ingest_would(broker, ledger, store_url, monkeypatch):
    """A service does not give a batch up while it is not asked to stop."""
    monkeypatch.setattr("consumers.conflicts.RETRY_SECONDS", 0.2)
    ingest = overtaken(broker, ledger, store_url, seconds=1.0, stop_after_first=False)
    try:
        ingest.apply(moved_r1())
    finally:
        ingest.close()
    assert ledger.resume_point(tracking_name(TOPIC, 0)) == 1, "committed once the rival stopped"


@pytest.mark.kafka
def test_pipelined_batches_apply_as_one_by_one(ingest, ledger):
    messages = [line(event("ResearcherRegistered", f"P{i}")) for i in range(6)]
    first = [record(o, messages[o]) for o in range(4)]
    ingest.apply_ahead(held(first), [screen(r.value) for r in first])
    assert ingest.summary.total == 0, "counted only once committed"
    # Offsets 2..5 while 0..3 are still being written: 2 and 3 are skipped.
    second = [record(o, messages[o]) for o in range(2, 6)]
    ingest.apply_ahead(held(second), [screen(r.value) for r in second])
    ingest.settle()
    assert (ingest.summary.accepted, ingest.summary.duplicate) == (6, 0)
    assert ledger.resume_point(tracking_name(TOPIC, 0)) == 6
    assert ledger.position() == 6
    assert not ledger.unsaved


@pytest.mark.kafka
def test_a_pipelined_batch_that_loses_a_race_is_applied_again_and_so_is_the_next(
    broker, ledger, store_url
):
    messages = [line(event("ResearcherRegistered", f"N{i}")) for i in range(8)]
    other = open_ledger(store_url)

    def rival() -> None:  # writes the first batch while ours is in hand
        rival_records = [record(o, messages[o]) for o in range(4)]
        rival_batch = Batch.of(
            held(rival_records), {}, {}, [screen(r.value) for r in rival_records]
        )
        Intake(other, load_policy()).process(rival_batch.messages, rival_batch.trackings)

    settings = ConsumeSettings(broker, [TOPIC], "unused")
    logged: list[str] = []
    ingest = RacingIngest(Intake(ledger, load_policy()), settings, logged.append, rival=rival)
    try:
        for offsets in (range(4), range(4, 8)):
            records = [record(o, messages[o]) for o in offsets]
            ingest.apply_ahead(held(records), [screen(r.value) for r in records])
        ingest.settle()
    finally:
        ingest.close()
        other.close()

    assert ledger.resume_point(tracking_name(TOPIC, 0)) == 8
    assert any("deciding it again" in text for text in logged)
    assert (ingest.summary.accepted, ingest.summary.duplicate) == (4, 0)
    assert ledger.position() == 8, "each message stored once"


@pytest.mark.kafka
def test_seal_hook_runs_every_n_records_and_at_shutdown(ingest, ledger):
    messages = [line(event("ResearcherRegistered", f"S{i}")) for i in range(5)]
    ingest.apply(held([record(o, messages[o]) for o in range(3)]))
    assert ingest.seals == []
    ingest.apply(held([record(3, messages[3])]))
    assert ingest.seals == [4]
    ingest.apply(held([record(4, messages[4])]))
    ingest.maybe_seal(final=True)
    assert ingest.seals == [4, 5]


def test_batch_tracks_each_partition_at_its_last_offset_plus_one():
    records = [record(7, b"a"), record(9, b"b"), record(3, b"c", partition=1)]
    screened = [screen(r.value) for r in records]
    batch = Batch.of(held(records), {TOPIC: "NRF"}, {TopicPartition(TOPIC, 0): 8}, screened)
    assert [m.origin["offset"] for m in batch.messages] == [9, 3]
    assert batch.screened == screened[1:], "the screening goes with its record"
    assert {t.application_name: t.notification_id for t in batch.trackings} == {
        "kafka:batches:0": 10,
        "kafka:batches:1": 4,
    }
    assert all(m.required_source == "NRF" for m in batch.messages)


def test_a_pii_dead_letter_carries_no_text_key_or_own_headers():
    original = record(5, b'{"name_en": "kim@example.com"}', headers=[("trace", b"kim")])
    outcome = Outcome("rejected", "pii_detected", "payload.name_en: looks like personal data", "ab")
    key, value, headers = dead_letter(original, outcome)
    assert (key, value) == (None, b"")
    assert dict(headers)["rnd-ledger.redacted"] == b"true"
    assert dict(headers)["rnd-ledger.sha256"] == b"ab"
    assert "trace" not in dict(headers)


@pytest.mark.parametrize("written", [rb"john.doe\u0040example.com", rb"010\u002d1234\u002d5678"])
def test_personal_data_spelt_in_json_escapes_is_not_dead_lettered(written):
    """Rejected for another reason (an unknown field), the message never met
    the PII guard; read as JSON, its escapes spell the address or number."""
    value = b'{"reason": "contact ' + written + b'", "unknown": 1}'
    outcome = Outcome("rejected", "schema_invalid", "payload: unknown field", "ab")
    key, sent, headers = dead_letter(record(5, value), outcome)
    assert (key, sent, dict(headers)["rnd-ledger.redacted"]) == (None, b"", b"true")


def test_an_ordinary_dead_letter_keeps_bytes_key_and_headers():
    original = record(5, b"not json", headers=[("trace", b"t1")])
    key, value, headers = dead_letter(original, Outcome("rejected", "malformed_json", "m", "cd"))
    assert (key, value) == (b"key", b"not json")
    assert dict(headers)["trace"] == b"t1"
    assert dict(headers)["rnd-ledger.source-offset"] == b"5"
    assert dict(headers)["rnd-ledger.reason"] == b"malformed_json"


@pytest.mark.parametrize(
    ("pairs", "error"),
    [
        (["t1"], "write TOPIC=AGENCY"),
        (["t9=NRF"], "is not a --topic"),
        (["t1=NRF", "t1=MOE"], "two owners"),
    ],
)
def test_topic_owner_errors(pairs, error):
    with pytest.raises(CommandError, match=error):
        topic_owners(pairs, ["t1", "t2"])


def test_topic_owners_map_topics_to_agencies():
    assert topic_owners(["t1=NRF", "t2=MOE"], ["t1", "t2"]) == {"t1": "NRF", "t2": "MOE"}
