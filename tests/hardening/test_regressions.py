"""Regressions for inputs that once escaped the intake as exceptions.

Each of these crashed the whole batch (and `rnd-ledger ingest` with a
traceback) instead of ending in one outcome: deep nesting (RecursionError),
invalid UTF-8 (UnicodeDecodeError) and timestamps whose UTC instant falls
outside years 1-9999 (OverflowError).
"""

from typing import NamedTuple

import pytest
from eventsourcing.persistence import Tracking

from consumers.dead_letters import dead_letter
from consumers.intake import Outcome
from domain.history import rejections
from tests.builders import event, line
from tests.conftest import as_messages
from tests.integration.helpers import reasons, send

BASE = line(event("InstituteRegistered"))
ENVELOPE = (
    b'{"event_id":"X1","event_type":"InstituteRegistered","schema_version":1,'
    b'"occurred_at":"2026-03-02T09:00:00+09:00","source":"NST","subject_id":"K","payload":'
)


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
        ENVELOPE + b"[" * 10_000 + b"]" * 10_000 + b"}",
        BASE.replace(b"KIST", b"\xff\xfe", 1),
        BASE.replace("한국".encode(), b"\xed\xa0\x80"),  # a UTF-8-encoded surrogate
    ],
    ids=["deep-array", "deep-object", "deep-payload", "bad-utf8-envelope", "bad-utf8-payload"],
)
def test_unreadable_json_is_malformed_or_schema_invalid(intake, raw):
    assert reasons(send(intake, raw))[0] in {"malformed_json", "schema_invalid"}


def test_invalid_utf8_in_the_payload_is_malformed_even_for_a_known_event_id(intake):
    message = event("InstituteRegistered")
    assert reasons(send(intake, message)) == ["accepted"]
    broken = line(message).replace("한국".encode(), b"\xff")
    assert reasons(send(intake, broken)) == ["malformed_json"]  # (1) decides before (3)


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_occurred_at_outside_the_utc_range_is_schema_invalid(intake, at):
    assert reasons(send(intake, event("InstituteRegistered", occurred_at=at))) == ["schema_invalid"]


class Record(NamedTuple):
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list


@pytest.mark.parametrize(
    ("key", "value", "own_headers"),
    [
        (b"k", b"not json, write to kim@example.com", []),
        (b"k", b'{"event_type": "GrantAwarded", "contact": "010-1234-5678"}', []),
        (b"900101-1234567", b"not json", []),
        (b"k", b"not json", [("contact", b"kim@example.com")]),
    ],
    ids=["value-malformed", "value-unknown-field", "key", "header"],
)
def test_a_dead_letter_never_forwards_pii_whatever_the_reason(key, value, own_headers):
    """Only pii_detected rejections were redacted: a malformed line, an unknown
    field or a key carrying PII went to the dead-letter topic as it came."""
    record = Record("t", 0, 5, key, value, own_headers)
    outcome = Outcome("rejected", "malformed_json", "message: not valid JSON", "ab")
    key_out, value_out, headers = dead_letter(record, outcome)
    assert (key_out, value_out) == (None, b"")
    assert dict(headers)["rnd-ledger.redacted"] == b"true"
    assert "contact" not in dict(headers)
    assert dict(headers)["rnd-ledger.sha256"] == b"ab"


def test_a_dead_letter_without_pii_still_carries_the_original():
    record = Record("t", 0, 5, b"G1", b"not json", [("trace", b"t1")])
    key, value, headers = dead_letter(record, Outcome("rejected", "malformed_json", "m", "ab"))
    assert (key, value, dict(headers)["trace"]) == (b"G1", b"not json", b"t1")


def test_a_batch_whose_commit_acknowledgement_was_lost_is_not_retried_into_a_crash(intake):
    """PostgreSQL stopped during COMMIT: the batch was stored, eventsourcing retried
    the insert, which then hit the batch's own tracking row. The intake took that
    for a race, retried five times and raised ConcurrentWrite (a traceback)."""
    recorder = intake.ledger.recorder
    original = recorder.insert_events
    calls = []

    def commit_then_retry(*args, **kwargs):
        calls.append(1)
        original(*args, **kwargs)  # committed; the acknowledgement is "lost" …
        return original(*args, **kwargs)  # … and the store's retry runs it again

    recorder.insert_events = commit_then_retry
    messages = [event("InstituteRegistered"), b"not json"]
    try:
        outcomes = intake.process(
            as_messages([line(m) if isinstance(m, dict) else m for m in messages]),
            [Tracking("file:x", 2)],
        )
    finally:
        recorder.insert_events = original
    assert [o.status for o in outcomes] == ["accepted", "rejected"]
    assert len(calls) == 1, "nothing is retried once the batch is known to be recorded"
    assert intake.ledger.position() == 2 and intake.ledger.resume_point("file:x") == 2


@pytest.mark.parametrize("name", ["\u001b[31mRED\u001b[0m", "a\rb", "x\u0007", "\u202eevil"])
def test_a_rejection_message_holds_no_control_characters(intake, name):
    """An unknown field's name was quoted raw: an ANSI escape sent by an agency
    reached the operator's terminal through `rnd-ledger rejections`."""
    message = {**event("InstituteRegistered"), name: 1}
    (outcome,) = send(intake, message)
    assert outcome.reason == "schema_invalid"
    assert outcome.message.isprintable() and "unknown field" in outcome.message


def test_a_rejection_record_keeps_no_control_characters_from_the_envelope(intake, ledger):
    """An unknown event_type was kept as sent (any string up to 128 characters) and
    printed by `rnd-ledger rejections`."""
    sent = [
        event("InstituteRegistered", event_type="\u001b[2JGrant"),  # unknown_event_type
        b'{"event_type": "\\u001b[2J", "event_id": 5}',  # schema_invalid, read best-effort
    ]
    assert reasons(send(intake, *sent)) == ["unknown_event_type", "schema_invalid"]
    assert [r["event_type"] for r in rejections(ledger)] == [None, None]
