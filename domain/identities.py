"""Which aggregate keeps each screened fact, worked out in the screening worker.

Naming a new subject's aggregate (a SHA-1 and a UUID per subject) was a tenth
of the deciding thread's time in an ingest, where most facts open a subject;
the worker process screening the batch has the time to spare. The ledger
uses the name when the subject is not in its cache (`Ledger.load_many`).
"""

from collections.abc import Iterable
from typing import Any

import domain.grant  # noqa: F401  (registers the aggregates)
import domain.institute  # noqa: F401
import domain.subjects  # noqa: F401
from domain.base import AGGREGATE_FOR_EVENT_TYPE, subject_hex


def identify(screened: Iterable[Any]) -> None:
    """Set `originator_id` (32 hex digits) of every screened fact that will be
    decided on its own subject's aggregate (retractions find theirs later)."""
    for checked in screened:
        if checked.payload is None:
            continue
        aggregate = AGGREGATE_FOR_EVENT_TYPE.get(checked.event_type)
        if aggregate is not None:
            checked.originator_id = subject_hex(aggregate.kind, checked.subject_id)
