"""A fact: one accepted contract message with its provenance, as stored.

Every attribute is JSON-native, so the stored `state` is plain JSON that
Polars decodes without unwrapping (architecture.md).
"""

from typing import Any

import msgspec

# The contract's event type that retracts an earlier fact: kept on the
# retracted fact's aggregate, which folds its other facts again.
RETRACTION = "EventRetracted"


class Fact(msgspec.Struct, frozen=True, gc=False):
    """The fields, in order, of the state stored for an accepted message.
    Not tracked by the cyclic collector (`gc=False`): it holds plain data
    only, and one is made per accepted message."""

    timestamp: str  # when the ledger recorded it (ISO 8601, UTC; one per batch)
    event_id: str
    event_type: str
    source: str
    subject_id: str
    occurred_at: str
    occurred_at_utc: str
    payload: dict[str, Any]
    origin: dict[str, Any]
    sha256: str

    def stored_state(self) -> bytes:
        """The state of the event this fact makes, as the library's mapper would
        store it (the event's attributes less its originator id and version; a
        test checks the two agree), encoded straight from the struct: the
        ingest's hot path makes no event object and no dict for it."""
        return _encode(self)


_encode = msgspec.json.Encoder().encode
