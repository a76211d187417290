"""The intake pipeline: every message ends in exactly one outcome.

The checks run in the contract's order; the first failure decides:
(1) malformed_json, (2) envelope, (3) duplicate, (4) unknown_event_type,
(5) payload, (6) pii_detected, (7) unauthorized_source, (8) aggregate rules.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from eventsourcing.persistence import Tracking

from consumers.conflicts import Attempts, WriterContention, worth_a_line
from contract.policy import AuthorizationPolicy
from contract.screen import ENVELOPE_FIELDS, Screened, screen
from contract.validation import ContractViolation
from domain.errors import RuleViolation
from domain.facts import RETRACTION, Fact
from domain.ledger import ConcurrentWrite, Ledger, UnitOfWork, subject_key


# Message and Outcome are NamedTuples, not frozen dataclasses: one of each is
# made per message, and a tuple is made several times faster.
class Message(NamedTuple):
    """One raw message and where it came from."""

    raw: bytes
    origin: dict[str, Any]
    required_source: str | None = None  # --source, or the owner of a Kafka topic


class Outcome(NamedTuple):
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
    notes: list[str] = field(default_factory=list)  # for the person reading the summary

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


class Intake:
    """Decides each message's outcome and records the batch atomically."""

    def __init__(self, ledger: Ledger, policy: AuthorizationPolicy) -> None:
        self.ledger = ledger
        self.policy = policy
        # Told when a batch lost a race with another writer and is decided again.
        self.on_conflict: Callable[[str], None] = lambda text: None

    def process(
        self,
        messages: list[Message],
        trackings: list[Tracking],
        screened: list[Screened] | None = None,
    ) -> list[Outcome]:
        """Apply a batch; retried from scratch if another writer got there first.

        `screened` may carry the ledger-free checks done elsewhere (a worker
        process); otherwise they run here.
        """
        screened = screened if screened is not None else [screen(m.raw) for m in messages]
        attempts, conflict = Attempts(), None
        for attempt in attempts:
            if conflict is not None and worth_a_line(attempt):
                lost = "a race" if attempt == 2 else f"{attempt - 1} races"
                self.on_conflict(f"a batch lost {lost} with another writer; retrying")
            unit = self.ledger.begin()
            outcomes = self.decide_all(unit, messages, screened)
            try:
                unit.commit(trackings)
            except ConcurrentWrite as error:
                conflict = error
                if self.recorded(trackings):
                    # Already in the ledger: this commit went through but its
                    # acknowledgement was lost (the database restarted during
                    # COMMIT and the store's retry found the rows), or another
                    # run of the same input recorded the batch. Nothing to write.
                    return outcomes
                continue
            return outcomes
        raise WriterContention(attempts.seconds, conflict)

    def recorded(self, trackings: list[Tracking]) -> bool:
        return bool(trackings) and all(
            self.ledger.resume_point(t.application_name) >= t.notification_id for t in trackings
        )

    def decide_all(
        self, unit: UnitOfWork, messages: list[Message], screened: list[Screened]
    ) -> list[Outcome]:
        with_envelope = [s for s in screened if s.has_envelope]
        known = unit.find_event_ids([s.event_id for s in with_envelope])
        self.ledger.load_many(
            (subject_key(s.event_type, s.subject_id), s.originator_id)
            for s in with_envelope
            if s.payload is not None and s.event_id not in known and s.event_type != RETRACTION
        )
        return [
            self.decide(unit, message, checked, known)
            for message, checked in zip(messages, screened, strict=True)
        ]

    def decide(
        self, unit: UnitOfWork, message: Message, checked: Screened, known: dict[str, Any]
    ) -> Outcome:
        if not checked.has_envelope:  # (1), (2)
            return self.reject(unit, message, checked, checked.envelope_reason, checked.problem)
        if checked.event_id in known or checked.event_id in unit.index:  # (3)
            return Outcome("duplicate", sha256=checked.sha256)
        if checked.payload is None:  # (4), (5), (6)
            return self.reject(unit, message, checked, checked.payload_reason, checked.problem)
        try:
            self.authorize(checked, message.required_source)  # (7)
            unit.accept(  # (8)
                Fact(
                    timestamp=unit.recorded_at,
                    event_id=checked.event_id,
                    event_type=checked.event_type,
                    source=checked.source,
                    subject_id=checked.subject_id,
                    occurred_at=checked.occurred_at,
                    occurred_at_utc=checked.occurred_at_utc,
                    payload=checked.payload,
                    origin=message.origin,
                    sha256=checked.sha256,
                )
            )
        except (ContractViolation, RuleViolation) as violation:
            checked.readable = {key: getattr(checked, key) for key in ENVELOPE_FIELDS}
            return self.reject(unit, message, checked, violation.reason, violation.message)
        return Outcome("accepted", None, None, checked.sha256)  # positional: made per fact

    def authorize(self, checked: Screened, required_source: str | None) -> None:
        if required_source is not None and checked.source != required_source:
            raise ContractViolation(
                "unauthorized_source",
                f"source: this input accepts only messages from {required_source}",
            )
        self.policy.check(checked.event_type, checked.source, checked.subject_id)

    def reject(
        self, unit: UnitOfWork, message: Message, checked: Screened, reason: Any, text: Any
    ) -> Outcome:
        readable = checked.readable
        if checked.has_envelope:  # decided as no duplicate: still so when written?
            unit.absent.append(checked.event_id)
        unit.reject(
            reason=reason,
            message=text,
            origin=message.origin,
            sha256=checked.sha256,
            event_id=readable.get("event_id"),
            event_type=readable.get("event_type"),
            source=readable.get("source"),
            subject_id=readable.get("subject_id"),
        )
        return Outcome("rejected", reason, text, checked.sha256)
