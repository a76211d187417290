"""Reading the log back in position order: accepted facts and rejections.

Uses the library's own `select_notifications`, a page at a time, so memory
stays flat however long the history is.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain.base import AGGREGATE_OF_EVENT_CLASS
from domain.ledger import Ledger
from domain.rejection import Rejection

PAGE = 10_000
REJECTION_TOPIC = get_topic(Rejection.MessageRejected)  # type: ignore[attr-defined]
SEAL_TOPIC = (
    "audit.seal:Seal.Sealed"  # audit.seal's (a test checks), not imported: audit reads domain
)


def fact_topics() -> list[str]:
    return sorted(get_topic(cls) for cls in AGGREGATE_OF_EVENT_CLASS)


OTHER_TOPICS = frozenset({REJECTION_TOPIC, SEAL_TOPIC})
FACT_TOPICS = frozenset(fact_topics())
KNOWN_TOPICS = OTHER_TOPICS | FACT_TOPICS


def notifications(
    ledger: Ledger, topics: Sequence[str] = (), stop: int | None = None
) -> Iterator[Notification]:
    start = 1
    while True:
        try:
            page = ledger.recorder.select_notifications(start, PAGE, stop=stop, topics=topics)
        except TypeError as error:
            if "NoneType" not in str(error):
                raise
            # A NULL where the library expects bytes (PostgreSQL): an altered record.
            raise UnreadableRecord(last_readable(ledger, start, stop, topics), after=True) from None
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id + 1


def last_readable(ledger: Ledger, start: int, stop: int | None, topics: Sequence[str]) -> int:
    """The position after which a page starting at `start` stops being readable
    (found by halving the page; positions may have gaps, so not the record's own)."""
    readable, unreadable = 0, PAGE  # rows from `start` that read, and that do not
    while unreadable - readable > 1:
        middle = (readable + unreadable) // 2
        try:
            ledger.recorder.select_notifications(start, middle, stop=stop, topics=topics)
        except TypeError:
            unreadable = middle
        else:
            readable = middle
    if not readable:
        return start - 1
    page = ledger.recorder.select_notifications(start, readable, stop=stop, topics=topics)
    return page[-1].id


def rejections(ledger: Ledger) -> Iterator[dict[str, Any]]:
    for notification in notifications(ledger, [REJECTION_TOPIC]):
        state = readable_state(notification.id, notification.state)
        yield {
            "position": notification.id,
            "event_id": state.get("event_id"),
            "event_type": state.get("event_type"),
            "source": state.get("source"),
            "subject_id": state.get("subject_id"),
            "reason": state["reason"],
            "message": state["message"],
            "origin": state["origin"],
            "sha256": state["sha256"],
            "recorded_at": state["timestamp"],
        }


class UnreadableRecord(Exception):
    """A stored record that is not the JSON the ledger wrote: the store was altered."""

    def __init__(self, position: int, after: bool = False) -> None:
        where = f"the {'first record after' if after else 'record at'} position {position}"
        super().__init__(
            f"{where} is not the JSON the ledger wrote; "
            "the store may have been altered: run rnd-ledger verify"
        )


def readable_state(position: int, state: bytes) -> dict[str, Any]:
    try:
        decoded = orjson.loads(state)
    except orjson.JSONDecodeError:
        raise UnreadableRecord(position) from None
    if not isinstance(decoded, dict):
        raise UnreadableRecord(position)
    return decoded


def accepted_facts(ledger: Ledger, stop: int | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(position, stored state) of every accepted fact, retractions included.
    Every record is read, so that one whose topic the ledger never writes (a
    record altered in the database) stops the reading instead of being left out."""
    for notification in notifications(ledger, (), stop):
        if notification.topic in FACT_TOPICS:
            yield notification.id, readable_state(notification.id, notification.state)
        elif notification.topic not in OTHER_TOPICS:
            raise UnreadableRecord(notification.id)


def contract_form(position: int, state: dict[str, Any]) -> dict[str, Any]:
    """A stored fact back in the contract's message form (for export); one
    that lacks a field the ledger always writes was altered."""
    try:
        return {
            "event_id": state["event_id"],
            "event_type": state["event_type"],
            "schema_version": 1,
            "occurred_at": state["occurred_at"],
            "source": state["source"],
            "subject_id": state["subject_id"],
            "payload": state["payload"],
        }
    except KeyError:
        raise UnreadableRecord(position) from None
