"""Seals: the chain head over positions ≤ N, recorded in the ledger itself.

A seal is stored like a rejection record: an aggregate event that is not a
fact (topic `audit.seal:Seal.Sealed`). It gets its own position, after N,
and so is covered by the next seal. `record_seal` first reads N and the
head, then stores the seal: if others write meanwhile, their events get
positions after N and the seal says nothing about them (the next one will).
"""

import re
from collections import deque
from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, PersistenceError
from eventsourcing.utils import get_topic

from audit.chain import GENESIS, Topics, extend
from audit.rows import Rows, open_rows
from domain.ledger import Ledger
from store.url import StoreError

SEAL_IDS = uuid5(NAMESPACE_URL, "https://rnd-ledger/seals")


class Seal(Aggregate):
    """The chain head over every stored record at positions ≤ `position`."""

    @staticmethod
    def create_id(position: int, head: str) -> UUID:
        """One seal per position covered: two runs sealing the same position
        at the same moment (two ingests of one file, the second finding
        nothing new) conflict in the store instead of storing it twice.
        Seals stored before this have random ids; verify reads either."""
        return uuid5(SEAL_IDS, str(position))

    @event("Sealed")
    def __init__(self, position: int, head: str) -> None:
        self.position = position
        self.head = head


SEAL_TOPIC = get_topic(Seal.Sealed)  # type: ignore[attr-defined]
SEAL_SYNTAX = re.compile(r"(\d+):([0-9a-fA-F]{64})")


class SealRecord(NamedTuple):
    """A seal as read back: where it is stored and what it claims."""

    stored_at: int | None  # None for a seal kept outside the store (--expect)
    position: int
    head: str


class UnreadableSeal(Exception):
    def __init__(self, stored_at: int, problem: str) -> None:
        super().__init__(f"the seal at position {stored_at} is unreadable: {problem}")
        self.stored_at = stored_at


def parse_seal(text: str) -> tuple[int, str]:
    """`N:HEX` → (N, lowercase hex); ValueError if it is not that."""
    match = SEAL_SYNTAX.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a seal: expected N:HEX (64 hex digits)")
    return int(match[1]), match[2].lower()


def format_seal(position: int, head: str) -> str:
    return f"{position}:{head}"


def decode_seal(stored_at: int, state: bytes) -> SealRecord:
    try:
        fields = orjson.loads(state)
        position, head = fields["position"], fields["head"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as error:
        raise UnreadableSeal(stored_at, str(error) or type(error).__name__) from None
    if not isinstance(position, int) or not isinstance(head, str):
        raise UnreadableSeal(stored_at, "position or head has the wrong type")
    if position < 0:
        raise UnreadableSeal(stored_at, f"position {position} is negative")
    return SealRecord(stored_at, position, head)


def current_head(rows: Rows, stop: int | None = None) -> tuple[int, str]:
    """(N, head over positions ≤ N) for N = `stop` (default: the newest
    position), continuing the chain from the newest seal stored at or before
    N when there is one (cheap: only the records after it are read). The seal
    is trusted here, not checked: if it was altered, `verify` reports it, and
    every later seal, as failing."""
    stop = rows.max_position() if stop is None else min(stop, rows.max_position())
    start, head = 0, GENESIS
    try:
        last = rows.of_topic(SEAL_TOPIC, stop, last=True)
        if last:
            seal = decode_seal(last[0][0], bytes(last[0][1]))
            if 0 <= seal.position < seal.stored_at <= stop and len(seal.head) == 64:
                start, head = seal.position, bytes.fromhex(seal.head)
    except (UnreadableSeal, ValueError):
        start, head = 0, GENESIS  # recompute from the start
    return stop, chain_on(rows, start, head, stop).hex()


def chain_on(rows: Rows, after: int, head: bytes, stop: int, topics: Topics | None = None) -> bytes:
    """The head after chaining the records at after < position ≤ stop onto `head`."""
    topics = Topics() if topics is None else topics
    for page in rows.pages(after, stop):
        head = extend(head, page, topics, rows.hex_ids)
    return head


def stated_head(source: "str | Ledger", position: int) -> str:
    """The chain head a report states for the history at positions ≤ `position`."""
    rows = open_rows(source)
    try:
        return current_head(rows, position)[1]
    finally:
        rows.close()


def record_seal(ledger: Ledger) -> tuple[int, str]:
    """Seal the ledger at its newest position N; store the seal; return (N, head hex)."""
    rows = open_rows(ledger)
    try:
        position, head = current_head(rows)
    finally:
        rows.close()
    return store_seal(ledger, position, head)


def store_seal(ledger: Ledger, position: int, head: str) -> tuple[int, str]:
    put_seal(ledger, position, head)
    return position, head


def put_seal(ledger: Ledger, position: int, head: str) -> bool:
    """Store a seal over `position`; False if another writer has just stored
    the seal over the same position (over the same records: the same head)."""
    seal = Seal(position=position, head=head)
    try:
        ledger.events.put(seal.collect_events())
    except IntegrityError:
        return False
    return True


def standing_seal(ledger: Ledger, position: int) -> tuple[int, str] | None:
    """The seal stored at `position` if it covers every record before it."""
    rows = open_rows(ledger)
    try:
        last = rows.of_topic(SEAL_TOPIC, position, last=True, after=position - 1)  # that one record
    finally:
        rows.close()
    if not last or last[0][0] != position:
        return None
    try:
        seal = decode_seal(position, bytes(last[0][1]))
    except UnreadableSeal:
        return None
    return (seal.position, seal.head) if seal.position == position - 1 else None


class ChainFollower:
    """The chain head over what is committed, kept up while an ingest runs.

    `advance` between batches hashes only what was committed since its last
    call, while the next batch is being written; the seal at the end then
    reads only the last batch instead of re-reading the whole run (0.7 s of
    a 200,000-event ingest). The first call starts from the newest seal,
    as `record_seal` does; any writer's records are covered, in position order.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.position: int | None = None
        self.head = GENESIS
        self.topics = Topics()
        self.committed: deque[tuple[Sequence[Sequence[Any]], Sequence[int]]] = deque()
        self.stored = False  # whether `seal` stored a seal
        self.raced = False  # whether another run stored the same seal just before

    def remember(self, rows: Sequence[Sequence[Any]], positions: Sequence[int]) -> None:
        """A batch as committed: its rows (id as hex, version, topic, state)
        and positions (`Ledger.on_commit`, in the writer's thread). `advance`
        hashes them without reading them back from the store."""
        self.committed.append((rows, positions))

    def keep_up(self) -> None:
        """`advance` between batches. Keeping up is only a head start: if the
        store fails now (say, PostgreSQL restarting, which the ingest's own
        writes retry through), the next call or the final `seal` catches up."""
        try:
            self.advance()
        except (PersistenceError, StoreError):
            pass

    def advance(self) -> tuple[int, str]:
        self.chain_remembered()
        rows = open_rows(self.ledger)
        try:
            if self.position is None:
                self.position, head = current_head(rows)
                self.head = bytes.fromhex(head)
            else:
                stop = rows.max_position()
                self.head = chain_on(rows, self.position, self.head, stop, self.topics)
                self.position = stop
        finally:
            rows.close()
        return self.position, self.head.hex()

    def chain_remembered(self) -> None:
        """Chain the remembered batches that follow the head without a gap.
        At the first gap (another writer's records in between) the rest is
        left to the store: `advance` reads everything after the head."""
        while self.committed:
            rows, positions = self.committed.popleft()
            if not positions:  # a batch of duplicates only stored nothing: no gap
                continue
            if self.position is None or positions[0] != self.position + 1:
                self.committed.clear()
                return
            framed = [(position, *row) for position, row in zip(positions, rows, strict=True)]
            self.head = extend(self.head, framed, self.topics, hex_ids=True)
            self.position = positions[-1]

    def seal(self) -> tuple[int, str]:
        """Like `record_seal`: store a seal over everything committed so far,
        unless the newest record already is one over everything before it (a
        re-run that stored nothing): that seal stands, and is returned.
        `stored` says whether this call stored one."""
        position, head = self.advance()
        if standing := standing_seal(self.ledger, position):
            self.stored = False
            return standing
        self.stored = put_seal(self.ledger, position, head)
        self.raced = not self.stored
        return position, head
