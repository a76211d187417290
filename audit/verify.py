"""Recompute the chain over the whole history and check every seal against it;
then check what the chain does not cover: records at positions below 1, and
the duplicate index (audit/index_check.py)."""

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from audit.chain import GENESIS, MalformedRecord, Topics, extend
from audit.index_check import check_index
from audit.rows import Rows
from audit.seal import SEAL_TOPIC, SealRecord, UnreadableSeal, decode_seal

OnPosition = Callable[[int, int], None]  # (position reached, last position)
position_of = itemgetter(0)


@dataclass(frozen=True)
class Check:
    """One claim to check: the head over positions ≤ position is `head`."""

    label: str  # "seal 2 at position 40" or "--expect 39:ab12cd34…"
    position: int
    head: str
    stored_at: int | None = None  # where a stored seal is; None for --expect


@dataclass(frozen=True)
class Failure:
    position: int  # where the problem starts to show: for a seal, the end of its range
    message: str


@dataclass
class Result:
    last_position: int = 0
    records: int = 0
    seals: int = 0
    expected: int = 0
    head: str = GENESIS.hex()
    skipped_positions: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def checks_for(seals: Sequence[SealRecord], expects: Sequence[tuple[int, str]]) -> list[Check]:
    checks = [
        Check(
            f"seal {number} at position {seal.stored_at}", seal.position, seal.head, seal.stored_at
        )
        for number, seal in enumerate(seals, 1)
    ]
    checks += [Check(f"--expect {n}:{head[:12]}…", n, head) for n, head in expects]
    return checks


def verify(
    rows: Rows, expects: Sequence[tuple[int, str]] = (), progress: OnPosition | None = None
) -> Result:
    result = verify_chain(rows, expects, progress)
    # Then what the chain does not cover, after the chain's own failures: the
    # first line still names the first seal that fails (cli.md).
    check_before_first(rows, result)
    for finding in check_index(rows):
        at = result.last_position + 1 if finding.position is None else finding.position
        result.failures.append(Failure(at, finding.message))
    return result


def verify_chain(
    rows: Rows, expects: Sequence[tuple[int, str]] = (), progress: OnPosition | None = None
) -> Result:
    """The chain over the whole history against every stored seal and `expects`;
    `result.head` is the head over every record (what `seal` records)."""
    result = Result(last_position=rows.max_position(), expected=len(expects))
    seals: list[SealRecord] = []
    for stored_at, state in rows.of_topic(SEAL_TOPIC, result.last_position):
        try:
            seals.append(decode_seal(stored_at, bytes(state)))
        except UnreadableSeal as error:
            result.failures.append(Failure(stored_at, f"FAILED {error}"))
    result.seals = len(seals)
    checks = checks_for(seals, expects)
    heads, scanned_to = chain_heads(rows, result, sorted({c.position for c in checks}), progress)
    judge(checks, heads, scanned_to, result)
    result.failures.sort(key=lambda f: f.position)
    return result


BEFORE_FIRST = "SELECT COUNT(*), MIN({position}) FROM {events} WHERE {position} < 1"


def check_before_first(rows: Rows, result: Result) -> None:
    """Records at positions below 1: the ledger never writes there (positions
    start at 1), the chain and every seal start at 1, yet the ledger loads
    them as history (it finds a subject's events by id, not by position)."""
    query = BEFORE_FIRST.format(position=rows.position_column, events=rows.events_table)
    count, first = rows.fetch_one(query)
    if count:
        result.failures.append(
            Failure(
                first,
                f"FAILED {count:,} stored record(s) at positions below 1 (first: position "
                f"{first}): no seal covers them, yet the ledger reads them as history; "
                "they were inserted outside it",
            )
        )


def chain_heads(
    rows: Rows, result: Result, wanted: list[int], progress: OnPosition | None
) -> tuple[dict[int, bytes], int]:
    """Scan the whole log once; return the head at each wanted position and
    how far the scan got (it stops at a record that cannot be chained)."""
    heads: dict[int, bytes] = {}
    head, topics, previous, w = GENESIS, Topics(), 0, 0
    page: Sequence = ()
    try:
        for page in rows.pages(0, result.last_position):
            last = page[-1][0]
            start = 0
            while w < len(wanted) and wanted[w] < last:
                cut = bisect_right(page, wanted[w], lo=start, key=position_of)
                head = extend(head, page[start:cut], topics, rows.hex_ids)
                heads[wanted[w]], start, w = head, cut, w + 1
            head = extend(head, page[start:], topics, rows.hex_ids)
            note_gaps(page, previous, rows.gaps_mean_deletion, result)
            result.records += len(page)
            previous = last
            if progress:
                progress(last, result.last_position)
    except MalformedRecord as error:
        at = error.position if isinstance(error.position, int) else previous + 1
        result.failures.append(Failure(at, f"FAILED at {error}"))
        result.records += sum(1 for row in page if position_of(row) < at)  # those hashed
        return heads, at - 1
    for n in wanted[w:]:
        if n <= result.last_position:
            heads[n] = head
    result.head = head.hex()
    return heads, result.last_position


def note_gaps(page: Sequence, previous: int, deletion: bool, result: Result) -> None:
    """Positions missing between records. On SQLite only a deleted record
    leaves a gap; on PostgreSQL rolled-back inserts do too, so there a gap
    is counted, not failed (the chain still catches any deletion a seal covers)."""
    if page[-1][0] - previous == len(page):
        return  # no gap: the common case, checked in O(1)
    for position, *_ in page:
        if position != previous + 1:
            missing = position - previous - 1
            result.skipped_positions += missing
            if deletion:
                result.failures.append(
                    Failure(
                        previous + 1,
                        f"FAILED positions {previous + 1}-{position - 1} are missing: "
                        f"{missing:,} stored record(s) deleted, or the record at "
                        f"{position:,} was inserted there",
                    )
                )
        previous = position


def differs(check: Check, verified: list[int], stored_good: list[int]) -> str:
    """What a head that differs tells about where to look. `verified`: the
    positions of the checks that agreed and may be trusted for this one."""
    is_expect = check.stored_at is None
    earlier = [p for p in verified if p < check.position]
    since = earlier[-1] + 1 if earlier else 1
    problem = "chain head differs"
    if since > 1:
        rewritten = (
            "or the kept head is not this store's" if is_expect else "or this seal was rewritten"
        )
        problem += (
            f" (the last verified head covers 1-{since - 1}: a record at positions "
            f"{since}-{check.position} was changed, inserted, deleted or moved, {rewritten})"
        )
    if is_expect and any(p >= check.position for p in stored_good):
        problem += (
            "; the stored seals agree with the records: the kept head is not this store's, "
            "or the records and the seals were both rewritten (an earlier head you kept "
            "narrows down where)"
        )
    return problem


def judge(checks: list[Check], heads: dict[int, bytes], scanned_to: int, result: Result) -> None:
    agreeing = [c for c in checks if c.position in heads and heads[c.position].hex() == c.head]
    good = sorted(c.position for c in agreeing)
    # An auditor's --expect is trusted where a stored seal is not: whoever
    # rewrote the records could rewrite the seals stored beside them.
    trusted = sorted(c.position for c in agreeing if c.stored_at is None)
    stored_good = [c.position for c in agreeing if c.stored_at is not None]
    for check in checks:
        covers = f"covering positions 1-{check.position}" if check.position else "covering nothing"
        if check.stored_at is not None and check.position >= check.stored_at:
            problem = "it claims to cover its own position or later ones"
        elif check.position > result.last_position:
            problem = (
                f"the store ends at position {result.last_position}: records after it were deleted"
            )
        elif check.position not in heads:
            problem = f"not checked: the chain breaks at position {scanned_to + 1}"
        elif heads[check.position].hex() != check.head:
            problem = differs(check, trusted if check.stored_at is None else good, stored_good)
        else:
            continue
        result.failures.append(Failure(check.position, f"FAILED {check.label} {covers}: {problem}"))
