"""Reading a PostgreSQL store's rows for the chain (see audit/rows.py).

Its own module so that only a PostgreSQL store imports psycopg.
"""

from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql

from audit.rows import (
    FIELDS,
    POSTGRES_PAGE,
    Page,
    UnreadableFacts,
    reading,
    sql_list,
)
from contract.json_text import is_json_object
from store.drivers import connect_postgres, first_line
from store.postgres_recorder import index_table_for
from store.tables import POSTGRES_TABLE
from store.url import StoreError

NUL_FREE = "replace(convert_from(e.state, 'UTF8'), '\\u0000', '\\ufffd')"


# The index's columns as store/postgres_recorder.py declares them.
INDEX_COLUMN_TYPES = {
    "event_id": "text",
    "originator_id": "uuid",
    "subject_id": "text",
    "source": "text",
    "event_type": "text",
}


class PostgresRows:
    hex_ids = False
    gaps_mean_deletion = False  # bigserial skips the ids of rolled-back inserts

    def __init__(self, env: dict[str, str], shown_url: str) -> None:
        self.fact_topics: list[str] = []
        try:
            self.connection = connect_postgres(env)
            self.connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        except psycopg.Error as error:
            raise StoreError(f"cannot open store {shown_url}: {first_line(error)}") from None
        schema = sql.Identifier(env.get("POSTGRES_SCHEMA") or "public")
        self.table = sql.SQL("{}.{}").format(schema, sql.Identifier(POSTGRES_TABLE))
        self.events_table = self.table.as_string(self.connection)
        self.position_column = "notification_id"
        index = sql.SQL("{}.{}").format(schema, sql.Identifier(index_table_for(POSTGRES_TABLE)))
        self.index_table = index.as_string(self.connection)

    def index_declaration(self) -> str | None:
        """None if the index table is missing; else what makes its columns
        compare by more than their bytes ("" if nothing): another type (citext)
        or a nondeterministic collation would make `=` match other ids."""
        query = (
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
            "COALESCE(c.collisdeterministic, TRUE) FROM pg_attribute a "
            "LEFT JOIN pg_collation c ON c.oid = a.attcollation "
            "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped"
        )
        with reading():
            columns = self.connection.execute(query, (self.index_table,)).fetchall()
        if not columns:
            return None
        for name, declared_type, deterministic in columns:
            expected = INDEX_COLUMN_TYPES.get(name)
            if expected is not None and declared_type != expected:
                return f"column {name} is {declared_type}, not {expected}"
            if not deterministic:
                return f"column {name} has a nondeterministic collation"
        return ""

    def max_position(self) -> int:
        query = sql.SQL("SELECT MAX(notification_id) FROM {}").format(self.table)
        with reading():
            return self.connection.execute(query).fetchone()[0] or 0  # type: ignore[index]

    def pages(self, after: int, stop: int) -> Iterator[Page]:
        query = sql.SQL(
            "SELECT notification_id, uuid_send(originator_id), originator_version, topic, state "
            "FROM {} WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id"
        ).format(self.table)
        with reading(), self.connection.cursor("audit_scan", binary=True) as cursor:
            cursor.itersize = POSTGRES_PAGE
            cursor.execute(query, (after, stop))
            while page := cursor.fetchmany(POSTGRES_PAGE):
                yield page

    def of_topic(
        self, topic: str, stop: int, last: bool = False, after: int = 0
    ) -> list[tuple[int, bytes]]:
        query = sql.SQL(
            "SELECT notification_id, state FROM {} "
            "WHERE topic = %s AND notification_id > %s AND notification_id <= %s "
        ).format(self.table)
        query += sql.SQL(
            "ORDER BY notification_id DESC LIMIT 1" if last else "ORDER BY notification_id"
        )
        with reading():
            return self.connection.execute(query, (topic, after, stop)).fetchall()  # type: ignore[return-value]

    # A fact stored before the contract refused U+0000 may hold its escape,
    # which json_to_record cannot turn into text ("unsupported Unicode escape
    # sequence"): verify could never check the index again. Only free text can
    # hold it, never the ids read here, so it is swapped for U+FFFD first.
    def facts_sql(self, topics: list[str]) -> str:
        """The facts of `topics` as rows: pos, oid and the state's FIELDS, the
        state parsed once per row (json_to_record; four ->> parsed it four
        times, 3.5 against 1.8 s for 500,000 facts)."""
        self.fact_topics = topics
        columns = ", ".join(f"r.{name} AS {alias}" for name, alias in FIELDS)
        record = ", ".join(f"{name} text" for name, _ in FIELDS)
        return (
            f"SELECT e.notification_id AS pos, e.originator_id AS oid, {columns} "
            f"FROM {self.events_table} e CROSS JOIN LATERAL "
            f"json_to_record({NUL_FREE}::json) AS r({record}) "
            f"WHERE e.topic IN ({sql_list(topics)})"
        )

    def fetch_one(self, query: str) -> tuple[Any, ...]:
        """One row, in a savepoint: a state that is not JSON (or not UTF-8) stops
        the query with an error that would otherwise end the whole snapshot."""
        with reading():
            try:
                with self.connection.transaction():
                    return self.connection.execute(query).fetchone()  # type: ignore[return-value]
            except psycopg.DataError as error:
                found = self.first_unreadable_fact()
                where = f"first: position {found}; " if found is not None else ""
                raise UnreadableFacts(
                    "a stored fact's state is not the JSON the ledger wrote "
                    f"({where}{first_line(error)})"
                ) from None

    def first_unreadable_fact(self) -> int | None:
        """The first fact whose state is not a UTF-8 JSON object: the query
        above stops at one without saying where, and an auditor wants the
        position. A scan of every fact, run only once the query has failed."""
        query = sql.SQL(
            "SELECT notification_id, state FROM {} WHERE topic = ANY(%s) ORDER BY notification_id"
        ).format(self.table)
        with reading(), self.connection.cursor("audit_unreadable") as cursor:
            cursor.itersize = POSTGRES_PAGE
            cursor.execute(query, (self.fact_topics,))
            for position, state in cursor:
                if not is_json_object(state):
                    return position  # type: ignore[no-any-return]
        return None

    def close(self) -> None:
        self.connection.close()
