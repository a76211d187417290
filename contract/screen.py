"""Everything the contract can check without the ledger, for one raw message.

Steps (1), (2), (4), (5) and (6) of the order of checks, the SHA-256 of the
raw bytes and the UTC instant of occurred_at. The result is plain data
(a msgspec Struct), so batches can be screened in a worker process on the
other core and sent back as msgpack while the ledger writes the previous batch.
The intake then applies (3) duplicates, (7) authorization and (8) the rules,
and keeps the contract's order: an envelope failure decides before a
duplicate, a duplicate before a payload failure.
"""

import hashlib
from typing import Any

import msgspec

from contract.pii import contains_pii
from contract.validation import (
    ContractViolation,
    check_pii,
    parse_envelope,
    parse_payload,
    readable_envelope,
    utc_instant,
)

ENVELOPE_FIELDS = ("event_id", "event_type", "source", "subject_id")


class Screened(msgspec.Struct, array_like=True, gc=False):
    """One message after the ledger-free checks.

    `gc=False`: not tracked by the cyclic garbage collector, which a Screened
    never needs (it holds strings and dicts of plain data, nothing that could
    refer back to it); unpacking a batch is 40% faster so (0.29 → 0.18 s for
    100,000), on the ingest's deciding thread."""

    sha256: str
    # Set when (1) or (2) failed: nothing else is known for sure.
    envelope_reason: str | None = None
    # Set when (4), (5) or (6) failed: applies only if the message is no duplicate.
    payload_reason: str | None = None
    problem: str | None = None
    # The envelope's readable, non-personal ids (for a rejection record).
    readable: dict[str, str] = {}
    event_id: str = ""
    event_type: str = ""
    source: str = ""
    subject_id: str = ""
    occurred_at: str = ""
    occurred_at_utc: str = ""
    payload: dict[str, Any] | None = None
    # The aggregate the fact goes to, as 32 hex digits, when a worker process
    # worked it out (domain.identities.identify); "" otherwise.
    originator_id: str = ""

    @property
    def has_envelope(self) -> bool:
        return self.envelope_reason is None


def screen(raw: bytes) -> Screened:
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        envelope = parse_envelope(raw)
    except ContractViolation as violation:
        return Screened(
            sha256,
            envelope_reason=violation.reason,
            problem=violation.message,
            # Text that is not JSON names no event, however it reads.
            readable={} if violation.reason == "malformed_json" else readable_envelope(raw),
        )
    screened = Screened(
        sha256,
        event_id=envelope.event_id,
        event_type=envelope.event_type,
        source=envelope.source,
        subject_id=envelope.subject_id,
        occurred_at=envelope.occurred_at,
        occurred_at_utc=utc_instant(envelope.occurred_at),
    )
    try:
        payload = parse_payload(envelope)
        check_pii(envelope, payload, raw)
    except ContractViolation as violation:
        screened.payload_reason, screened.problem = violation.reason, violation.message
        screened.readable = {
            key: value
            for key in ENVELOPE_FIELDS
            if (value := getattr(envelope, key)).isprintable() and not contains_pii(value)
        }
        return screened
    screened.payload = payload
    return screened


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[Screened])


def pack(screened: list[Screened]) -> bytes:
    """A batch's results as msgpack, to send from the worker process."""
    return _encoder.encode(screened)


def unpack(packed: bytes) -> list[Screened]:
    return _decoder.decode(packed)
