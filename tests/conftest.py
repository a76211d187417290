"""Shared fixtures: the same tests run against SQLite and PostgreSQL.

PostgreSQL tests read their server from RND_LEDGER_TEST_POSTGRES (e.g.
postgresql://postgres@127.0.0.1:5432/test). Without it they skip, saying why;
with RND_LEDGER_REQUIRE_POSTGRES=1 (set by CI) a skip is a failure instead.
Each test gets a schema of its own, dropped afterwards.
"""

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from consumers.intake import Intake, Message
from contract.policy import load_policy
from domain.ledger import Ledger
from rnd_ledger.bootstrap import open_ledger

POSTGRES_ENV = "RND_LEDGER_TEST_POSTGRES"
REQUIRE_ENV = "RND_LEDGER_REQUIRE_POSTGRES"


def postgres_base() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {POSTGRES_ENV} is not set")
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}=postgresql://user@host:port/db")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    base = postgres_base()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{base}?schema={schema}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request) -> str:
    """A fresh, empty store of each kind."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def ledger(store_url) -> Iterator[Ledger]:
    app = open_ledger(store_url)
    yield app
    app.close()


@pytest.fixture
def intake(ledger) -> Intake:
    return Intake(ledger, load_policy())


def as_messages(lines: list[bytes], name: str = "test.jsonl") -> list[Message]:
    return [Message(raw, {"file": name, "line": n}) for n, raw in enumerate(lines, 1)]


FORBID_SKIPS_ENV = "RND_LEDGER_FORBID_SKIPS"


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is not a passed one: fail the run if any skipped."""
    if os.environ.get(FORBID_SKIPS_ENV) != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"{FORBID_SKIPS_ENV}=1: {len(skipped)} tests were skipped", red=True)
        session.exitstatus = 1
