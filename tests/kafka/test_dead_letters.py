"""Dead letters while the broker is away: retried until acknowledged, or the
batch is abandoned uncommitted when a stop is asked for. Never lost."""

import threading
import time

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from consumers.dead_letters import DeadLetters, Interrupted
from consumers.intake import Outcome
from consumers.kafka_common import ConsumeSettings
from tests.kafka.conftest import free_port, running_broker
from tests.kafka.helpers import headers, network_threads, new_topic, read_topic
from tests.kafka.proxy import Proxy
from tests.kafka.test_batches import record

pytestmark = pytest.mark.kafka

REJECTED = Outcome("rejected", "malformed_json", "message: not a JSON object", "00")


def letters_to(broker: str, topic: str, stop: threading.Event) -> DeadLetters:
    producer = KafkaProducer(**ConsumeSettings(broker, [], "unused").producer_settings())
    letters = DeadLetters(producer, topic, lambda text: None, stop.is_set)
    letters.flush_timeout = 1.0
    letters.send([record(0, b"first")], [REJECTED])  # metadata known before the outage
    return letters


def test_dead_letters_are_retried_through_an_outage_until_acknowledged(broker_behind_proxy):
    broker, proxy = broker_behind_proxy
    topic = new_topic(broker, prefix="dead")
    letters = letters_to(broker, topic, threading.Event())
    try:
        proxy.cut()
        sent: list[int] = []
        sender = threading.Thread(
            target=lambda: sent.append(letters.send([record(1, b"second")], [REJECTED]))
        )
        sender.start()
        time.sleep(2.5)
        assert sender.is_alive(), "send waits for the broker rather than dropping the letter"
        proxy.restore()
        sender.join(timeout=30)
        assert sent == [1]
    finally:
        letters.close()
    offsets = {headers(r)["rnd-ledger.source-offset"] for r in read_topic(broker, topic, 2)}
    assert offsets == {"0", "1"}


def test_a_stop_during_an_outage_abandons_the_batch_instead_of_hanging(broker_behind_proxy):
    broker, proxy = broker_behind_proxy
    stop = threading.Event()
    before = network_threads()
    letters = letters_to(broker, new_topic(broker, prefix="dead"), stop)
    try:
        proxy.cut()
        stop.set()
        started = time.monotonic()
        with pytest.raises(Interrupted):
            letters.send([record(1, b"second")], [REJECTED])
        assert time.monotonic() - started < 15
    finally:
        letters.close()
    assert network_threads() - before == set(), "closing stops kafka-python's network thread"


def test_a_stop_before_the_topic_was_ever_reached_abandons_the_batch_in_one_wait(
    broker_behind_proxy,
):
    """No metadata for the dead-letter topic yet: each send blocked 10 s, one
    letter after another (30 s for three, hours for a batch), before the stop
    was looked at. The first that cannot be sent ends the round."""
    broker, proxy = broker_behind_proxy
    stop = threading.Event()
    producer = KafkaProducer(**ConsumeSettings(broker, [], "unused").producer_settings())
    letters = DeadLetters(
        producer, new_topic(broker, prefix="dead"), lambda text: None, stop.is_set
    )
    letters.flush_timeout = 1.0
    try:
        proxy.cut()
        stop.set()
        started = time.monotonic()
        with pytest.raises(Interrupted, match="3 dead letters not acknowledged"):
            letters.send([record(n, b"not json") for n in range(3)], [REJECTED] * 3)
        assert time.monotonic() - started < 15
    finally:
        letters.close()


def test_a_dead_letter_too_large_to_send_goes_without_its_text(broker):
    """A huge rejected record must not stall its partition: its dead letter
    goes out with our headers only, and says so."""
    topic = new_topic(broker, prefix="dead")
    letters = letters_to(broker, topic, threading.Event())
    logged: list[str] = []
    letters.log = logged.append
    huge = b'{"event_id":"' + b"a" * (9 * 1024 * 1024) + b'"}'
    try:
        started = time.monotonic()
        assert letters.send([record(1, huge)], [REJECTED]) == 1
        assert time.monotonic() - started < 10
    finally:
        letters.close()
    # Sent again at once without its text: no "is the broker up?" retry, which
    # a stop at that moment turned into an uncommitted batch and exit 1.
    assert logged == [
        f"dead letters: one of {len(huge):,} bytes is too large: sent without its text"
    ]
    first, second = read_topic(broker, topic, 2)
    assert second.value == b"" and second.key is None
    assert headers(second)["rnd-ledger.too-large"] == str(len(huge))
    assert headers(second)["rnd-ledger.source-offset"] == "1"
    assert headers(first)["rnd-ledger.source-offset"] == "0"


def test_a_tombstone_is_dead_lettered_as_a_tombstone(broker):
    """ "The original bytes, unchanged": a record without a value keeps none."""
    topic = new_topic(broker, prefix="dead")
    letters = letters_to(broker, topic, threading.Event())
    tombstone = record(1, b"")._replace(value=None)
    try:
        assert letters.send([tombstone], [REJECTED]) == 1
    finally:
        letters.close()
    _, second = read_topic(broker, topic, 2)
    assert second.value is None
    assert headers(second)["rnd-ledger.source-offset"] == "1"


def test_dead_letters_go_on_after_the_broker_lost_its_state(tmp_path):
    """A broker restarted without its data (or a producer id it expired): an
    idempotent producer retried UnknownProducerIdError for good, so the batch
    never committed though the broker was up. Dead letters may come twice
    anyway (their headers identify them): the producer is not idempotent."""
    proxy_port = free_port()
    proxy = None
    with running_broker(tmp_path / "first.log", advertised_port=proxy_port) as first:
        proxy = Proxy(proxy_port, first)
        proxy.restore()
        broker = f"127.0.0.1:{proxy_port}"
        topic = new_topic(broker, prefix="dead")
        letters = letters_to(broker, topic, threading.Event())
    proxy.cut()
    try:
        with running_broker(tmp_path / "second.log", advertised_port=proxy_port) as second:
            proxy.target = ("127.0.0.1", second)
            proxy.restore()
            admin = KafkaAdminClient(bootstrap_servers=broker)
            try:
                admin.create_topics([NewTopic(topic, 1, 1)])
            finally:
                admin.close()
            sent: list[int] = []
            sender = threading.Thread(
                target=lambda: sent.append(letters.send([record(1, b"second")], [REJECTED])),
                daemon=True,
            )
            sender.start()
            sender.join(timeout=60)
            assert sent == [1], "the dead letter was not acknowledged within 60 s"
            letters.close()
            (only,) = read_topic(broker, topic, 1)
            assert headers(only)["rnd-ledger.source-offset"] == "1"
    finally:
        proxy.cut()
