"""The rejection log: every refused message keeps a record, never its text."""

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event


class Rejection(Aggregate):
    """One refused message: why, where it came from, and the hash of its bytes."""

    @event("MessageRejected")
    def __init__(
        self,
        reason: str,
        message: str,
        origin: dict[str, Any],
        sha256: str,
        event_id: str | None,
        event_type: str | None,
        source: str | None,
        subject_id: str | None,
    ) -> None:
        self.reason = reason
        self.message = message
        self.origin = origin
        self.sha256 = sha256
        self.event_id = event_id
        self.event_type = event_type
        self.source = source
        self.subject_id = subject_id

    @classmethod
    def at(cls, recorded_on: datetime, **record: Any) -> "Rejection":
        """A rejection stamped with its batch's recording time, as the batch's
        facts are: a batch is one transaction, so `--as-of` cuts between
        batches, never inside one (a rejection stamped when it was decided
        came after the facts decided before it and cut them off)."""
        return cls._create(cls.MessageRejected, timestamp=recorded_on, **record)  # type: ignore[attr-defined]
