"""The hash chain over every stored record, in position order (docs/hash-chain.md).

    h_0 = 32 zero bytes
    h_i = SHA-256(h_(i-1) ‖ u64(position) ‖ originator_id (16 bytes) ‖ u64(version)
                  ‖ u64(len(topic)) ‖ u64(len(state)) ‖ topic (UTF-8) ‖ state)

u64 is an unsigned 64-bit big-endian integer; lengths count bytes. The head
over positions ≤ N is the h of the last record at a position ≤ N (h_0 if none).
"""

import hashlib
import re
import struct
from collections.abc import Sequence
from typing import Any

from audit.rows import open_rows
from domain.ledger import Ledger

GENESIS = bytes(32)
HEX_ID = re.compile(r"[0-9a-f]{32}")  # a SQLite originator_id, exactly as the ledger writes it
_FRAME = struct.Struct(">32sQ16sQQQ")  # previous head, position, id, version, lengths

Row = Sequence[Any]  # (position, originator_id, originator_version, topic, state)


class MalformedRecord(Exception):
    """A stored row that cannot be put into the chain (e.g. an id that is no UUID)."""

    def __init__(self, position: Any, problem: str) -> None:
        super().__init__(f"position {position}: {problem}")
        self.position = position


def link(
    head: bytes, position: int, originator_id: bytes, version: int, topic: str, state: bytes
) -> bytes:
    """One step of the chain, written plainly: the definition the fast path must equal."""
    topic_bytes = topic.encode("utf-8")
    message = (
        head
        + position.to_bytes(8, "big")
        + originator_id
        + version.to_bytes(8, "big")
        + len(topic_bytes).to_bytes(8, "big")
        + len(state).to_bytes(8, "big")
        + topic_bytes
        + state
    )
    return hashlib.sha256(message).digest()


class Topics(dict[str, bytes]):
    """Topic text → its UTF-8 bytes; a store has a few dozen topics, so encode each once."""

    def __missing__(self, topic: str) -> bytes:
        if not isinstance(topic, str):
            raise TypeError(f"topic is {type(topic).__name__}, not text")
        encoded = self[topic] = topic.encode("utf-8")
        return encoded


def extend(head: bytes, rows: Sequence[Row], topics: Topics, hex_ids: bool) -> bytes:
    """Chain `rows` (in position order) onto `head`.

    `hex_ids`: originator ids come as 32 hex digits (SQLite's TEXT column)
    rather than 16 bytes (PostgreSQL's uuid, read with uuid_send): lowercase
    digits and nothing else, as the ledger writes them (`uuid.hex`) and looks
    a subject's events up by them. An id upper-cased or with a space in it
    decodes to the same bytes, but hides its events from the ledger. Tested
    as "decodes and re-encodes to itself": +65 ms per 1,000,000 rows here,
    `str.islower` cost several times that. This is the hot loop of verify and
    seal; anything unexpected in a row falls back to the careful per-row
    path, which says what is wrong.
    """
    sha256 = hashlib.sha256
    pack = _FRAME.pack
    fromhex = bytes.fromhex
    try:
        if hex_ids:
            for position, text, version, topic, state in rows:
                t = topics[topic]
                oid = fromhex(text)
                if len(oid) != 16 or oid.hex() != text:
                    raise ValueError
                head = sha256(
                    pack(head, position, oid, version, len(t), len(state)) + t + state
                ).digest()
        else:
            for position, oid, version, topic, state in rows:
                t = topics[topic]
                head = sha256(
                    pack(head, position, oid, version, len(t), len(state)) + t + state
                ).digest()
    except (ValueError, TypeError, struct.error):
        raise MalformedRecord(*diagnose(rows, hex_ids)) from None
    return head


def diagnose(rows: Sequence[Row], hex_ids: bool) -> tuple[Any, str]:
    """The first row `extend` cannot chain, and why."""
    for row in rows:
        position, oid, version, topic, state = row
        if not isinstance(position, int) or position < 0:
            return position, "position is not a non-negative integer"
        if hex_ids and not (isinstance(oid, str) and HEX_ID.fullmatch(oid)):
            return position, (
                f"originator_id {oid!r} is not 32 hex digits in lowercase, the one form "
                "the ledger finds a subject's events by"
            )
        if not hex_ids and not (isinstance(oid, bytes) and len(oid) == 16):
            return position, "originator_id is not a 16-byte UUID"
        if not isinstance(version, int) or not 0 <= version < 1 << 64:
            return position, f"originator_version {version!r} is not a non-negative integer"
        if not isinstance(topic, str):
            return position, f"topic is {type(topic).__name__}, not text"
        if not is_utf8(topic):
            return position, "topic is not UTF-8 text"
        if not isinstance(state, bytes):
            return position, f"state is {type(state).__name__}, not bytes"
    return None, "unreadable record"


def is_utf8(text: str) -> bool:
    """False for text read with bytes that are not UTF-8 (`audit.rows.text_as_stored`)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def head_at(source: str | Ledger, position: int) -> str:
    """The chain head (hex) over every stored record at positions ≤ `position`.

    `source` is a `--store` URL or an open ledger. A full scan from h_0
    (about a second per 200,000 records): the reference the tests check the
    incremental heads against (`audit.seal.stated_head` is what figures state).
    """
    rows = open_rows(source)
    try:
        head, topics = GENESIS, Topics()
        for page in rows.pages(0, position):
            head = extend(head, page, topics, rows.hex_ids)
        return head.hex()
    finally:
        rows.close()
