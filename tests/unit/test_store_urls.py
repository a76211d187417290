"""Store URLs name their recorders; a SQLite run never loads the PostgreSQL driver."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from eventsourcing.utils import get_topic

from rnd_ledger.bootstrap import cannot_open
from store.postgres_recorder import PostgresLedgerRecorder
from store.url import POSTGRES_RECORDER_TOPIC, StoreError, environment_for, store_url
from tests.builders import grants_file

CHECK = """
import sys
from rnd_ledger.cli import main
code = main(sys.argv[1:])
assert "psycopg" not in sys.modules, "psycopg was imported"
sys.exit(code)
"""


def test_the_postgres_topic_names_the_recorder_class() -> None:
    assert POSTGRES_RECORDER_TOPIC == get_topic(PostgresLedgerRecorder)
    env = environment_for("postgresql://u@db.example/ledger")
    assert env["PROCESS_RECORDER_TOPIC"] == POSTGRES_RECORDER_TOPIC


def test_sqlite_commands_do_not_import_psycopg(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'ledger.db'}"
    data = grants_file(tmp_path / "grants.jsonl", 50)
    for args in (["ingest", str(data)], ["verify"], ["rejections"], ["export"]):
        done = subprocess.run(
            [sys.executable, "-c", CHECK, *args, "--store", store],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (args, done.stderr[-2000:])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://u@h:0/db", "port that is not 1-65535"),
        ("postgresql://u@h/db?schema=Ledger", "schema 'Ledger'"),  # folded unquoted, not quoted
        ("postgresql://u@h/db?schema=order", "not a reserved word"),
        ("postgresql://u@h/db?schema=", "schema ''"),
        ("postgresql://u@h/db?schema=pg_catalog", "nor pg_"),
        ("postgresql://u@h/db?schema=a&schema=b", "more than once"),
        ("postgresql://u@h/db?schema=s&sslmode=require", "option sslmode is not supported"),
        ("postgresql://u@h/db?password=secret", "PGSSLMODE=require"),
    ],
)
def test_postgres_urls_that_could_not_work_as_meant_are_refused(url: str, message: str) -> None:
    """The URL takes ?schema= only: an option the writers ignored (sslmode:
    cleartext writes) while the readers honoured it was worse than none."""
    with pytest.raises(StoreError, match=re.escape(message)) as refused:
        environment_for(url)
    assert "secret" not in str(refused.value)


def test_a_plain_lower_case_schema_is_taken() -> None:
    env = environment_for("postgresql://u@h:6543/db?schema=ledger_2026")
    assert (env["POSTGRES_SCHEMA"], env["POSTGRES_PORT"]) == ("ledger_2026", "6543")


@pytest.mark.parametrize(
    ("reason", "next_step"),
    [
        ("port 1 failed: Connection refused", "is PostgreSQL running"),
        ('FATAL:  database "x" does not exist', "create the database (createdb NAME)"),
        ('FATAL:  role "nobody" does not exist', "name an existing user in --store"),
        ('FATAL:  password authentication failed for user "u"', "check the user and password"),
    ],
)
def test_a_store_that_cannot_be_opened_says_what_to_try(reason, next_step):
    message = str(cannot_open("postgresql://u@h/x", OSError(reason)))
    assert message.startswith(f"cannot open store postgresql://u@h/x: {reason}; {next_step}")


def test_a_bare_path_is_refused_with_the_url_to_write():
    with pytest.raises(StoreError, match=r"is a path, not a URL: .* write sqlite:///data/l\.db$"):
        environment_for("data/l.db")


@pytest.mark.parametrize(
    "url", ["sqlite:/x.db", "sqlite:/tmp/x.db", "sqlite://x.db", "sqlite:x.db"]
)
def test_a_sqlite_url_without_three_slashes_is_refused(url):
    """sqlite:/x.db made ./x.db, and sqlite:/tmp/x.db looked for ./tmp."""
    with pytest.raises(StoreError, match="use sqlite:///relative.db or sqlite:////absolute/path"):
        environment_for(url)


def test_an_empty_store_option_is_refused_not_taken_for_the_default(monkeypatch):
    monkeypatch.delenv("RND_LEDGER_STORE", raising=False)
    with pytest.raises(StoreError, match="--store is empty"):
        store_url(" ")
    assert store_url(None) == "sqlite:///rnd-ledger.db"


def test_every_spelling_of_a_postgres_store_names_one_checkpoint():
    """verify checked one checkpoint while the figures came from another."""
    from projections.source import open_store

    spellings = [
        "postgresql://postgres@127.0.0.1:5432/ledger",
        "postgres://postgres@localhost/ledger",
        "postgresql://auditor:secret@LOCALHOST:5432/ledger?schema=public",
    ]
    assert len({open_store(url).key for url in spellings}) == 1
    others = [
        "postgresql://h:5433/ledger",
        "postgresql://h/other",
        "postgresql://h/ledger?schema=b",
    ]
    keys = {open_store(url).key for url in [spellings[0], *others]}
    assert len(keys) == 4


def test_a_wrong_url_from_the_environment_says_where_it_came_from(monkeypatch):
    monkeypatch.setenv("RND_LEDGER_STORE", "mysql://x/y")
    with pytest.raises(StoreError, match=r"^\$RND_LEDGER_STORE: unknown store URL scheme 'mysql'"):
        store_url(None)
    assert store_url("sqlite:///given.db") == "sqlite:///given.db"


def test_the_postgres_table_is_named_as_the_library_names_it_for_the_ledger():
    from domain.ledger import Ledger
    from store.tables import POSTGRES_TABLE

    assert POSTGRES_TABLE == f"{Ledger.name.lower()}_events"
