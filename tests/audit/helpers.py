"""Build small sealed stores and tamper with them directly in the database."""

import sqlite3
from typing import Any

import orjson
import psycopg

from audit.seal import record_seal
from consumers.intake import Intake
from domain.ledger import Ledger
from store.postgres_recorder import index_table_for
from store.tables import POSTGRES_TABLE
from tests.builders import event
from tests.integration.helpers import send


def add_researchers(intake: Intake, first: int, count: int) -> None:
    send(intake, *(event("ResearcherRegistered", f"R{i}") for i in range(first, first + count)))


def build_sealed(ledger: Ledger, intake: Intake) -> list[tuple[int, str]]:
    """Positions 1-5 facts, 6 seal(1-5), 7-9 facts, 10 seal(1-9), 11-12 facts."""
    seals = []
    add_researchers(intake, 1, 5)
    seals.append(record_seal(ledger))
    add_researchers(intake, 6, 3)
    seals.append(record_seal(ledger))
    add_researchers(intake, 9, 2)
    assert ledger.position() == 12
    return seals


def execute(store_url: str, statement: str, params: tuple[Any, ...] = ()) -> None:
    """Run SQL with {t} = the events table, {pos} = the position column, {p} = a
    parameter, {i} = the event-id index."""
    if store_url.startswith("sqlite"):
        text = statement.format(t="stored_events", pos="rowid", p="?", i="event_ids")
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as connection:
            connection.execute(text, params)
        return
    base, schema = store_url.split("?schema=")
    text = statement.format(
        t=f'"{schema}".{POSTGRES_TABLE}',
        pos="notification_id",
        p="%s",
        i=f'"{schema}".{index_table_for(POSTGRES_TABLE)}',
    )
    with psycopg.connect(base) as connection:
        connection.execute(text, params)


def fetch_state(store_url: str, position: int) -> bytes:
    if store_url.startswith("sqlite"):
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as connection:
            query = "SELECT state FROM stored_events WHERE rowid = ?"
            return connection.execute(query, (position,)).fetchone()[0]
    base, schema = store_url.split("?schema=")
    with psycopg.connect(base) as connection:
        query = f'SELECT state FROM "{schema}".{POSTGRES_TABLE} WHERE notification_id = %s'
        return bytes(connection.execute(query, (position,)).fetchone()[0])


def move(store_url: str, source: int, target: int) -> None:
    execute(store_url, "UPDATE {t} SET {pos} = {p} WHERE {pos} = {p}", (target, source))


def index_fact(store_url: str, originator_id: str, state: bytes) -> None:
    """Give a fact inserted by hand its row in the event-id index, as the ledger would."""
    fact = orjson.loads(state)
    execute(
        store_url,
        "INSERT INTO {i} VALUES ({p}, {p}, {p}, {p}, {p})",
        (fact["event_id"], originator_id, fact["subject_id"], fact["source"], fact["event_type"]),
    )
