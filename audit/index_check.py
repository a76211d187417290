"""Does the duplicate index agree with the history? verify's check of the one
table the hash chain does not cover.

The event-id index (SQLite `event_ids`, PostgreSQL `ledger_event_ids`;
store/recorders.py) is how the ledger knows a message was accepted before:
a re-sent message whose event_id has a row is a duplicate, with no effect
at all (event-contract.md). A retraction finds its target's subject, source
and type there too. It agrees with the history when every accepted fact
(every stored event of a fact topic, retractions included; not rejections,
not seals) has exactly one row, with its event_id, originator_id,
subject_id, source and event_type, and there are no other rows.

Checked in SQL, in verify's snapshot: one census query (a join and four
counts; about 1 s per 500,000 facts) proves agreement. Only when it fails
do the slower queries run that say what is wrong.
"""

from typing import NamedTuple

from audit.rows import Rows, UnreadableFacts
from domain.history import fact_topics

EXACT_ROW = (
    "i.event_id = f.eid AND i.originator_id = f.oid AND i.subject_id = f.sid "
    "AND i.source = f.src AND i.event_type = f.typ"
)
# Facts n, matched m (facts with their exact row: the join is on the index's
# primary key, so m ≤ n), distinct matched rows d, index rows r. They agree
# iff n = m = d = r: every fact has its row, no two facts share one (so their
# event_ids are unique), and no row is left over.
CENSUS = (
    "SELECT COUNT(*), COUNT(i.event_id), COUNT(DISTINCT i.event_id), "
    "(SELECT COUNT(*) FROM {index}) "
    "FROM ({facts}) f LEFT JOIN {index} i ON " + EXACT_ROW
)
# Each finding: (how many, the first position or event_id). Aggregates rather
# than ORDER BY … LIMIT 1, which led PostgreSQL into a quadratic plan.
LACKING = (
    "SELECT COUNT(*), MIN(f.pos) FROM ({facts}) f "
    "WHERE NOT EXISTS (SELECT 1 FROM {index} i WHERE i.event_id = f.eid)"
)
DIFFERING = (
    "SELECT COUNT(*), MIN(f.pos) FROM ({facts}) f JOIN {index} i ON i.event_id = f.eid "
    f"WHERE COALESCE(NOT ({EXACT_ROW}), TRUE)"
)
DUPLICATED = (
    "SELECT COUNT(*), MIN(d.first) FROM (SELECT MIN(f.pos) AS first FROM ({facts}) f "
    "WHERE f.eid IS NOT NULL GROUP BY f.eid HAVING COUNT(*) > 1) d"
)
LEFT_OVER = (  # EXCEPT: a set operation both stores do in n log n
    "SELECT COUNT(*), MIN(x.event_id) FROM "
    "(SELECT event_id FROM {index} EXCEPT SELECT f.eid FROM ({facts}) f) x"
)
EVENT_ID_AT = "SELECT f.eid FROM ({facts}) f WHERE f.pos = {position}"
# (query, what is wrong, what it means) for the findings that have a first fact
FIRST_FACT_FINDINGS = (
    (
        LACKING,
        "the duplicate index lacks {n:,} accepted event(s)",
        "a re-sent message with that event_id would be accepted a second time",
    ),
    (
        DIFFERING,
        "the duplicate index has a wrong row for {n:,} accepted event(s)",
        "the index row names another aggregate, subject, source or event type, so a "
        "retraction of that event would be checked against the wrong one",
    ),
    (
        DUPLICATED,
        "{n:,} event_id(s) are stored in more than one accepted event",
        "one message counts more than once in the history",
    ),
)
LEFT_OVER_MEANS = (
    "a message with that event_id would be refused as a duplicate though no accepted event has it"
)


class IndexFinding(NamedTuple):
    position: int | None  # the first fact concerned; None for rows no fact has
    message: str


MISSING_INDEX = (
    "table is missing: every re-sent message would be accepted a second time (the next "
    "ingest makes the table again, empty)"
)
LOOSE_INDEX = (
    "compares event_ids by more than their bytes ({detail}): the queries below would take "
    "'demo-1' for 'DEMO-1', and a new message whose event_id differs only so would be refused "
    "as a duplicate"
)


def check_index(rows: Rows) -> list[IndexFinding]:
    """What is wrong with the duplicate index, if anything (empty: it agrees)."""
    declared = rows.index_declaration()
    if declared is None:
        return [IndexFinding(None, f"FAILED the duplicate index {MISSING_INDEX}")]
    if declared:
        return [
            IndexFinding(None, f"FAILED the duplicate index {LOOSE_INDEX.format(detail=declared)}")
        ]
    queries = Queries(rows)
    try:
        facts, matched, distinct, index_rows = queries.one(CENSUS)
        if facts == matched == distinct == index_rows:
            return []
        findings = queries.findings()
    except UnreadableFacts as error:
        return [IndexFinding(None, f"FAILED the duplicate index was not checked: {error}")]
    return findings or [
        IndexFinding(
            None,
            f"FAILED the duplicate index disagrees with the history: {index_rows:,} rows "
            f"for {facts:,} accepted events, {matched:,} of them matching",
        )
    ]


class Queries:
    """The check's queries, on one store's tables and facts."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.names = {"facts": rows.facts_sql(fact_topics()), "index": rows.index_table}

    def one(self, template: str, **names: object) -> tuple:
        return self.rows.fetch_one(template.format(**self.names, **names))

    def findings(self) -> list[IndexFinding]:
        found = []
        for template, wrong, means in FIRST_FACT_FINDINGS:
            count, position = self.one(template)
            if count:
                first = self.first_at(position)
                message = f"FAILED {wrong.format(n=count)} ({first}): {means}"
                found.append(IndexFinding(position, message))
        count, event_id = self.one(LEFT_OVER)
        if count:
            wrong = f"the duplicate index has {count:,} row(s) that no accepted event has"
            message = f"FAILED {wrong} (first: event_id {event_id!r}): {LEFT_OVER_MEANS}"
            found.append(IndexFinding(None, message))
        return found

    def first_at(self, position: int) -> str:
        (event_id,) = self.one(EVENT_ID_AT, position=int(position))
        if event_id is None:
            return f"first: position {position}, whose state names no event_id"
        return f"first: event_id {event_id!r} at position {position}"
