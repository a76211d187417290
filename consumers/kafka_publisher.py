"""`rnd-ledger publish`: an agency's JSONL files onto a Kafka topic, checked first.

Every message is checked against everything in the contract that does not
need the ledger: JSON, envelope, event type, payload, personal data and the
authorization policy. Invalid messages are listed (file, line, reason code,
message) and never sent; the valid ones are sent keyed by subject_id with
acks=all. Re-sending is harmless: the ledger ignores an event_id it has.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.future import Future

from consumers.files import UNREADABLE_INPUT, numbered_lines, open_input, unreadable
from contract.policy import AuthorizationPolicy
from contract.validation import ContractViolation, check_pii, parse_envelope, parse_payload

SEND_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Invalid:
    file: str
    line: int
    reason: str
    message: str


@dataclass
class Checked:
    """The messages of the input files, sorted into sendable and invalid."""

    valid: list[tuple[bytes, bytes]] = field(default_factory=list)  # (key, value)
    invalid: list[Invalid] = field(default_factory=list)


class SendFailed(Exception):
    """The broker did not acknowledge every message; says how many it did."""


def check_message(raw: bytes, policy: AuthorizationPolicy) -> str:
    """The message's subject_id if it passes every ledger-free check; else ContractViolation."""
    envelope = parse_envelope(raw)
    payload = parse_payload(envelope)
    check_pii(envelope, payload, raw)
    policy.check(envelope.event_type, envelope.source, envelope.subject_id)
    return envelope.subject_id


def check_files(paths: Iterable[str], policy: AuthorizationPolicy) -> Checked:
    checked = Checked()
    for path in paths:
        label = "<stdin>" if path == "-" else Path(path).name
        try:
            with open_input(path) as handle:
                for number, line in numbered_lines(handle, 0):
                    try:
                        subject_id = check_message(line, policy)
                    except ContractViolation as violation:
                        checked.invalid.append(
                            Invalid(label, number, violation.reason, violation.message)
                        )
                        continue
                    checked.valid.append((subject_id.encode(), line))
        except UNREADABLE_INPUT as error:  # nothing is sent before every file was read
            raise unreadable(path, error) from None
    return checked


def send_all(producer: KafkaProducer, topic: str, messages: list[tuple[bytes, bytes]]) -> Counter:
    """Send and wait for every acknowledgement; returns messages per partition."""
    futures: list[Future] = []
    for key, value in messages:
        try:
            futures.append(producer.send(topic, value=value, key=key))
        except KafkaError as error:  # no metadata within max_block_ms: the broker is away
            unsent = len(messages) - len(futures)  # do not wait that long for each of them
            futures.extend(Future().failure(error) for _ in range(unsent))
            break
    try:
        producer.flush(timeout=SEND_TIMEOUT_SECONDS)
    except KafkaError:
        pass
    partitions: Counter[int] = Counter()
    failures: Counter[str] = Counter()
    for future in futures:
        if future.succeeded():
            partitions[future.value.partition] += 1
        else:
            failures[type(future.exception).__name__ if future.is_done else "no answer"] += 1
    if failures:
        why = ", ".join(f"{name} ×{count}" for name, count in failures.most_common())
        raise SendFailed(
            f"the broker acknowledged {sum(partitions.values()):,} of {len(futures):,} "
            f"messages ({why}); re-running publish is safe: the ledger ignores duplicates"
        )
    return partitions
