"""The intake pipeline: every message ends in exactly one outcome.

The checks run in the contract's order; the first failure decides:
(1) malformed_json, (2) envelope, (3) duplicate, (4) unknown_event_type,
(5) payload, (6) pii_detected, (7) unauthorized_source, (8) aggregate rules.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from eventsourcing.persistence import Tracking

from contract.pii import contains_pii
from contract.policy import AuthorizationPolicy
from contract.validation import (
    ContractViolation,
    Envelope,
    check_pii,
    parse_envelope,
    parse_payload,
    readable_envelope,
    utc_instant,
)
from domain.base import AGGREGATE_FOR_EVENT_TYPE
from domain.errors import RuleViolation
from domain.facts import Fact
from domain.ledger import ConcurrentWrite, Ledger, UnitOfWork, subject_key

MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Message:
    """One raw message and where it came from."""

    raw: bytes
    origin: dict[str, Any]
    required_source: str | None = None  # --source, or the owner of a Kafka topic


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = None
    message: str | None = None
    sha256: str | None = None


@dataclass
class Summary:
    """What an ingest did: the counts of the three outcomes."""

    accepted: int = 0
    duplicate: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    def add(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            if outcome.status == "rejected":
                self.rejected[outcome.reason or "unknown"] += 1
            elif outcome.status == "accepted":
                self.accepted += 1
            else:
                self.duplicate += 1

    @property
    def total(self) -> int:
        return self.accepted + self.duplicate + sum(self.rejected.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.total,
            "accepted": self.accepted,
            "duplicate": self.duplicate,
            "rejected": sum(self.rejected.values()),
            "rejected_by_reason": dict(sorted(self.rejected.items())),
        }


class Intake:
    """Decides each message's outcome and records the batch atomically."""

    def __init__(self, ledger: Ledger, policy: AuthorizationPolicy) -> None:
        self.ledger = ledger
        self.policy = policy

    def process(self, messages: list[Message], trackings: list[Tracking]) -> list[Outcome]:
        """Apply a batch; retried from scratch if another writer got there first."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            unit = self.ledger.begin()
            outcomes = self.decide_all(unit, messages)
            try:
                unit.commit(trackings)
            except ConcurrentWrite:
                if attempt == MAX_ATTEMPTS:
                    raise
                continue
            return outcomes
        raise AssertionError("unreachable")  # pragma: no cover

    def decide_all(self, unit: UnitOfWork, messages: list[Message]) -> list[Outcome]:
        parsed: list[Envelope | ContractViolation] = []
        for message in messages:
            try:
                parsed.append(parse_envelope(message.raw))
            except ContractViolation as violation:
                parsed.append(violation)
        envelopes = [e for e in parsed if isinstance(e, Envelope)]
        known = self.ledger.find_event_ids([e.event_id for e in envelopes])
        self.ledger.load_many(
            subject_key(e.event_type, e.subject_id)
            for e in envelopes
            if e.event_type in AGGREGATE_FOR_EVENT_TYPE and e.event_id not in known
        )
        return [
            self.decide(unit, message, envelope, known)
            for message, envelope in zip(messages, parsed, strict=True)
        ]

    def decide(
        self,
        unit: UnitOfWork,
        message: Message,
        envelope: Envelope | ContractViolation,
        known: dict[str, Any],
    ) -> Outcome:
        sha256 = hashlib.sha256(message.raw).hexdigest()
        if isinstance(envelope, ContractViolation):
            return self.reject(unit, message, sha256, envelope.reason, envelope.message, None)
        if envelope.event_id in known or envelope.event_id in unit.index:
            return Outcome("duplicate", sha256=sha256)
        try:
            payload = parse_payload(envelope)
            check_pii(envelope, payload)
            self.authorize(envelope, message.required_source)
            unit.accept(
                Fact(
                    event_id=envelope.event_id,
                    event_type=envelope.event_type,
                    source=envelope.source,
                    subject_id=envelope.subject_id,
                    occurred_at=envelope.occurred_at,
                    occurred_at_utc=utc_instant(envelope.occurred_at),
                    payload=payload,
                    origin=message.origin,
                    sha256=sha256,
                )
            )
        except ContractViolation as violation:
            return self.reject(unit, message, sha256, violation.reason, violation.message, envelope)
        except RuleViolation as violation:
            return self.reject(unit, message, sha256, violation.reason, violation.message, envelope)
        return Outcome("accepted", sha256=sha256)

    def authorize(self, envelope: Envelope, required_source: str | None) -> None:
        if required_source is not None and envelope.source != required_source:
            raise ContractViolation(
                "unauthorized_source",
                f"source: this input accepts only messages from {required_source}",
            )
        self.policy.check(envelope.event_type, envelope.source, envelope.subject_id)

    def reject(
        self,
        unit: UnitOfWork,
        message: Message,
        sha256: str,
        reason: str,
        text: str,
        envelope: Envelope | None,
    ) -> Outcome:
        if envelope is None:
            readable = readable_envelope(message.raw)
        else:
            readable = {
                key: value
                for key in ("event_id", "event_type", "source", "subject_id")
                if not contains_pii(value := getattr(envelope, key))
            }
        unit.reject(
            reason=reason,
            message=text,
            origin=message.origin,
            sha256=sha256,
            event_id=readable.get("event_id"),
            event_type=readable.get("event_type"),
            source=readable.get("source"),
            subject_id=readable.get("subject_id"),
        )
        return Outcome("rejected", reason, text, sha256)
