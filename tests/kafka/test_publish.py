"""`rnd-ledger publish`: invalid messages are listed with line and reason, never sent."""

import pytest
from kafka import KafkaProducer

from consumers import kafka_publisher
from consumers.kafka_common import close_producer
from consumers.kafka_publisher import SendFailed, check_message, send_all
from contract.policy import load_policy
from contract.validation import ContractViolation
from tests.builders import event, jsonl, line
from tests.kafka.helpers import network_threads, new_topic, read_topic, run

pytestmark = pytest.mark.kafka


def test_invalid_messages_are_listed_and_not_sent_valid_ones_are(broker, tmp_path):
    topic = new_topic(broker, partitions=2)
    valid = [event("ResearcherRegistered", "R1"), event("GrantAwarded", "G1")]
    rows = [
        line(valid[0]),
        b"not json",  # line 2
        line(event("GrantAwarded", "G2", source="MOE")),  # line 3: MOE may not award grants
        b"",  # blank lines are skipped, not counted
        line(event("InstituteRegistered", "KIST", payload_update={"name_en": "010-1234-5678"})),
        line(valid[1]),
        line({**event("ResearcherDeparted", "R1"), "schema_version": 2}),  # line 7
    ]
    source = tmp_path / "agency.jsonl"
    source.write_bytes(b"\n".join(rows) + b"\n")

    done = run("publish", "--bootstrap-servers", broker, "--topic", topic, str(source))

    assert done.returncode == 1, done.stderr
    listed = {
        int(parts[1]): parts[2]
        for parts in (row.split() for row in done.stdout.splitlines())
        if len(parts) > 2 and parts[0] == "agency.jsonl"
    }
    assert listed == {
        2: "malformed_json",
        3: "unauthorized_source",
        5: "pii_detected",
        7: "unknown_event_type",
    }
    assert "010-1234-5678" not in done.stdout
    assert "Sent 2 messages" in done.stdout
    sent = read_topic(broker, topic, expect=2)
    assert sorted(r.value for r in sent) == sorted(line(m) for m in valid)
    assert sorted(r.key for r in sent) == [b"G1", b"R1"]


def test_nothing_valid_sends_nothing_and_needs_no_broker(tmp_path):
    source = tmp_path / "bad.jsonl"
    source.write_bytes(b"[1, 2]\n")
    done = run("publish", "--bootstrap-servers", "127.0.0.1:9", "--topic", "t", str(source))
    assert done.returncode == 1
    assert "malformed_json" in done.stdout and "Sent nothing" in done.stdout


def test_lines_holding_only_a_bom_are_blank_as_ingest_skips_them(tmp_path):
    source = tmp_path / "ok.jsonl"
    source.write_bytes(b"\xef\xbb\xbf\n" + jsonl([event("GrantAwarded", "G1")]) + b" \n")
    checked = kafka_publisher.check_files([str(source)], load_policy())
    assert (len(checked.valid), checked.invalid) == (1, [])


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (event("GrantAwarded", "G1", payload_update={"annual_amount_krw": -1}), "schema_invalid"),
        (event("BlockFundingSpent", "U1", source="U2"), "unauthorized_source"),
        ({**event("GrantAwarded", "G1"), "event_type": "GrantGiven"}, "unknown_event_type"),
    ],
)
def test_check_message_applies_every_ledger_free_check(message, reason):
    with pytest.raises(ContractViolation) as raised:
        check_message(line(message), load_policy())
    assert raised.value.reason == reason


def test_check_message_returns_the_key():
    assert check_message(line(event("GrantAwarded", "G7")), load_policy()) == "G7"


def test_a_send_cut_off_by_an_outage_fails_cleanly_and_closes(broker_behind_proxy, monkeypatch):
    broker, proxy = broker_behind_proxy
    topic = new_topic(broker)
    monkeypatch.setattr(kafka_publisher, "SEND_TIMEOUT_SECONDS", 1.0)
    before = network_threads()
    producer = KafkaProducer(bootstrap_servers=broker, acks="all", max_block_ms=2_000)
    try:
        send_all(producer, topic, [(b"R1", line(event("ResearcherRegistered", "R1")))])
        proxy.cut()
        with pytest.raises(SendFailed, match="acknowledged 0 of 1"):
            send_all(producer, topic, [(b"R2", line(event("ResearcherRegistered", "R2")))])
    finally:
        close_producer(producer, 1.0)  # kafka-python's own close raises here
    assert network_threads() - before == set()


def test_a_producer_given_up_on_a_silent_broker_stays_closed(broker_behind_proxy):
    """A broker that stops answering (not a cut connection): closing with no
    time to wait (a second Ctrl-C) gives the unacknowledged record up, and
    the producer counts as closed: its __del__ at exit, which closes again
    with a flush, printed a KafkaTimeoutError traceback after the command's
    last line."""
    broker, proxy = broker_behind_proxy
    topic = new_topic(broker)
    producer = KafkaProducer(bootstrap_servers=broker, acks="all", max_block_ms=2_000)
    producer.send(topic, b"first").get(timeout=30)  # the topic's metadata is known
    proxy.silence()
    producer.send(topic, b"never acknowledged")
    close_producer(producer, 0)
    # What __del__ does at exit, with no time left: a closed producer returns;
    # one that is not flushes, and raised KafkaTimeoutError.
    producer.close(timeout=0)


def test_an_interrupted_publish_says_what_a_re_run_does(tmp_path, monkeypatch, capsys):
    """It said 'committed batches are kept, re-run to resume': publish has no
    batches to commit; what matters is that sending again is safe."""
    from rnd_ledger.cli import main

    source = tmp_path / "one.jsonl"
    source.write_bytes(jsonl([event("GrantAwarded", "G1")]))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("rnd_ledger.kafka_commands.connect", interrupted)
    assert (
        main(["publish", "--bootstrap-servers", "127.0.0.1:9", "--topic", "t", str(source)]) == 130
    )
    assert capsys.readouterr().err == (
        "rnd-ledger: interrupted; the messages sent so far stay in the topic: re-running "
        "publish is safe, the ledger ignores duplicates\n"
    )
