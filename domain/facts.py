"""A fact: one accepted contract message with its provenance, as stored.

Every attribute is JSON-native, so the stored `state` is plain JSON that
Polars decodes without unwrapping (architecture.md).
"""

from typing import Any

import msgspec


class Fact(msgspec.Struct, frozen=True):
    event_id: str
    event_type: str
    source: str
    subject_id: str
    occurred_at: str
    occurred_at_utc: str
    payload: dict[str, Any]
    origin: dict[str, Any]
    sha256: str

    def as_event_kwargs(self) -> dict[str, Any]:
        return msgspec.structs.asdict(self)
