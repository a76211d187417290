"""Dead letters: every rejected Kafka message, forwarded to a topic for its sender.

The record value is the original bytes, unchanged (a tombstone, no value at
all, stays one), and the key the original key; headers say why and where it
came from. A message rejected as
`pii_detected` — or rejected for any other reason while its value, key or
own headers match a PII pattern anywhere (a malformed line, an unknown field,
an unknown event type) — is forwarded without its text: empty value, no key,
none of its own headers — only our headers and the SHA-256 of the original bytes.
A dead letter too large for the producer or the broker (a huge rejected
record) goes out the same way, with a header saying so: it is never dropped,
and it cannot stall its partition; the original stays in the source topic at
the offset the headers name.

Dead letters are sent and acknowledged (acks=all) *before* the batch is
committed to the ledger, so a crash can repeat a dead letter (the
`rnd-ledger.source-*` headers identify it) but never lose one.
"""

import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, MessageSizeTooLargeError, RecordListTooLargeError

from consumers.intake import Outcome
from consumers.kafka_common import close_producer
from contract.pii import contains_pii

PREFIX = "rnd-ledger."
PII = "pii_detected"
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0
FLUSH_TIMEOUT_SECONDS = 15.0
TOO_LARGE = (MessageSizeTooLargeError, RecordListTooLargeError)
Header = tuple[str, bytes]
Letter = tuple[bytes | None, bytes | None, list[Header]]
CLOSE_TIMEOUT_SECONDS = 5.0


class Interrupted(Exception):
    """Asked to stop before the batch in hand could be committed: its dead
    letters were still unacknowledged, or it kept losing races with other
    writers (`consumers.conflicts`)."""


def dead_letter(record: Any, outcome: Outcome) -> Letter:
    """(key, value, headers) of the dead letter for a rejected consumer record."""
    headers = [
        (PREFIX + "reason", (outcome.reason or "").encode()),
        (PREFIX + "message", (outcome.message or "").encode()),
        (PREFIX + "source-topic", record.topic.encode()),
        (PREFIX + "source-partition", str(record.partition).encode()),
        (PREFIX + "source-offset", str(record.offset).encode()),
        (PREFIX + "sha256", (outcome.sha256 or "").encode()),
    ]
    if outcome.reason == PII or carries_pii(record):
        return without_text(headers, "redacted")
    own = [(k, v) for k, v in (record.headers or []) if not k.startswith(PREFIX)]
    return record.key, record.value, own + headers  # a tombstone (None) stays one


def without_text(headers: list[Header], why: str, value: bytes = b"true") -> Letter:
    """A dead letter of only our headers: no value, key or headers of the sender's."""
    ours = [(k, v) for k, v in headers if k.startswith(PREFIX)]
    return None, b"", [*ours, (PREFIX + why, value)]


def carries_pii(record: Any) -> bool:
    """Whether any part of the record looks like personal data: the PII guard
    only reads well-formed messages, so a rejected one may still carry it."""
    parts = [record.value or b"", record.key or b""]
    for name, value in record.headers or []:
        parts += [name.encode() if isinstance(name, str) else name, value or b""]
    texts = [bytes(part).decode("utf-8", "replace") for part in parts]
    return any(contains_pii(text) or contains_pii(unescaped(text)) for text in texts)


JSON_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})")


def unescaped(text: str) -> str:
    """`text` with JSON's \\uXXXX escapes spelled out: "kim\\u0040x.kr" is an
    e-mail address to whoever reads the dead letter as JSON."""
    return JSON_ESCAPE.sub(lambda match: chr(int(match[1], 16)), text)


class DeadLetters:
    """Sends the dead letters of a batch and waits until the broker has them all."""

    def __init__(
        self,
        producer: KafkaProducer,
        topic: str,
        log: Callable[[str], None],
        should_stop: Callable[[], bool],
    ) -> None:
        self.producer = producer
        self.topic = topic
        self.log = log
        self.should_stop = should_stop
        self.sent = 0
        self.flush_timeout = FLUSH_TIMEOUT_SECONDS

    def send(self, records: Sequence[Any], outcomes: Sequence[Outcome]) -> int:
        """Forward the rejected ones; returns how many. Retries until acknowledged."""
        pending = [
            dead_letter(record, outcome)
            for record, outcome in zip(records, outcomes, strict=True)
            if outcome.status == "rejected"
        ]
        wait = RETRY_FIRST_SECONDS
        count = len(pending)
        while pending:
            pending = self.try_send(pending)
            if not pending:
                break
            if self.should_stop():
                raise Interrupted(f"{len(pending)} dead letters not acknowledged")
            self.log(
                f"dead letters: {len(pending)} not acknowledged (is the broker up?); "
                f"retrying in {wait:.1f} s (the batch is not committed until they are)"
            )
            time.sleep(wait)
            wait = min(wait * 2, RETRY_MAX_SECONDS)
        self.sent += count
        return count

    def try_send(self, letters: list[Letter]) -> list[Letter]:
        """Send and flush; the letters not acknowledged, to send again later.
        Those too large go out again at once, without their text."""
        futures: list[Any] = []
        for key, value, headers in letters:
            try:
                futures.append(self.producer.send(self.topic, value, key, headers))
            except TOO_LARGE as error:
                futures.append(error)
            except KafkaError:
                # No metadata for the topic (the broker is away, or the topic
                # does not exist): each further send would block as long again.
                futures += [None] * (len(letters) - len(futures))
                break
        try:
            self.producer.flush(timeout=self.flush_timeout)
        except KafkaError:
            pass
        failed, stripped = [], []
        for letter, future in zip(letters, futures, strict=True):
            if isinstance(future, TOO_LARGE) or (
                future is not None and future.failed() and isinstance(future.exception, TOO_LARGE)
            ):
                size = len(letter[1] or b"")
                self.log(f"dead letters: one of {size:,} bytes is too large: sent without its text")
                stripped.append(without_text(letter[2], "too-large", str(size).encode()))
            elif future is None or not future.succeeded():
                failed.append(letter)
        return failed + (self.try_send(stripped) if stripped else [])

    def close(self, timeout: float | None = None) -> None:
        """Close the producer; letters still unacknowledged (the broker is away)
        belong to a batch that was not committed, so they are simply dropped."""
        close_producer(self.producer, CLOSE_TIMEOUT_SECONDS if timeout is None else timeout)
