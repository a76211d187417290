"""Opening a store: first opens that race, and what a failing store is told."""

import threading
from collections.abc import Iterator

import psycopg
import pytest
from eventsourcing.persistence import OperationalError
from psycopg import sql

from rnd_ledger.bootstrap import open_existing_ledger, open_ledger
from rnd_ledger.cli import main, store_failure
from store.url import StoreError
from tests.builders import event, line


def test_two_first_opens_of_a_new_postgres_schema_both_succeed(postgres_url) -> None:
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def open_at_once() -> None:
        barrier.wait()
        try:
            open_ledger(postgres_url).close()
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            failures.append(error)

    threads = [threading.Thread(target=open_at_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []


def test_a_read_only_store_is_told_to_check_permissions() -> None:
    line = store_failure(OperationalError("attempt to write a readonly database"))
    assert "check that you may write the store file and its directory" in line
    assert "free disk space" not in line
    assert "free disk space" in store_failure(OperationalError("database or disk is full"))
    restarted = OperationalError("terminating connection due to administrator command")
    assert "check that the database server is running" in store_failure(restarted)
    assert "free disk space" not in store_failure(restarted)


def test_a_role_without_a_privilege_is_told_which_to_grant() -> None:
    refused = OperationalError("permission denied for table ledger_events")
    line = store_failure(refused)
    assert "the store refused this database role (permission denied" in line
    assert "INSERT and UPDATE" in line and "free disk space" not in line and "resume" not in line


def test_reading_a_postgres_schema_without_a_ledger_is_refused(postgres_url) -> None:
    with pytest.raises(StoreError, match="no ledger in .*ingest events first"):
        open_existing_ledger(postgres_url)  # fresh schema: nothing was ever ingested
    open_ledger(postgres_url).close()  # made by a writer, it reads fine
    open_existing_ledger(postgres_url).close()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("customers (id int)", "of another application \\(tables: customers\\)"),
        ("ledger_events (x int)", "ledger_events table that rnd-ledger did not make"),
    ],
)
def test_a_postgres_schema_of_another_application_is_not_made_a_ledger(
    postgres_url, table, message
) -> None:
    base, schema = postgres_url.split("?schema=")
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        connection.execute(f"CREATE TABLE {schema}.{table}")
    with pytest.raises(StoreError, match=message):
        open_ledger(postgres_url)
    with psycopg.connect(base, autocommit=True) as connection:
        made = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchone()
    assert made == (1,)  # none of the ledger's tables were added


def test_a_postgres_schema_with_an_extensions_tables_may_become_a_ledger(postgres_url) -> None:
    base, schema = postgres_url.split("?schema=")
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        connection.execute(f"CREATE EXTENSION pg_buffercache SCHEMA {schema}")
    try:
        open_ledger(postgres_url).close()
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute("DROP EXTENSION pg_buffercache")


def test_a_postgres_ledger_schema_may_hold_other_tables_too(postgres_url) -> None:
    open_ledger(postgres_url).close()
    base, schema = postgres_url.split("?schema=")
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"CREATE TABLE {schema}.notes (id int)")
    open_ledger(postgres_url).close()  # the SQLite rule: a ledger's own store stays usable


def test_reading_a_missing_sqlite_file_is_refused(tmp_path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_existing_ledger(f"sqlite:///{tmp_path / 'typo.db'}")
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["indicators"],
        ["report", "--out", "-"],
        ["lineage", "coverage.all_faculty", "--year", "2026"],
        ["verify"],
        ["seal"],
        ["rejections"],
        ["export"],
    ],
)
def test_reading_commands_neither_make_nor_read_an_empty_postgres_schema(
    postgres_url, command, capsys
) -> None:
    assert main([*command, "--store", postgres_url]) == 2
    assert "no ledger in" in capsys.readouterr().err
    base, schema = postgres_url.split("?schema=")
    with psycopg.connect(base) as connection:
        made = connection.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()
    assert made is None


@pytest.fixture
def roles(postgres_url) -> Iterator[tuple[str, str]]:
    """Two login roles on the test schema: an auditor's that may only read it,
    and a writer's that owns it but may create nothing else in the database."""
    base, schema = postgres_url.split("?schema=")
    suffix = schema.removeprefix("t_")
    reader, owner = f"r_{suffix}", f"w_{suffix}"
    with psycopg.connect(base, autocommit=True) as connection:
        for role in (reader, owner):
            connection.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        yield reader, owner
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            for role in (reader, owner):
                name = sql.Identifier(role)
                connection.execute(sql.SQL("REASSIGN OWNED BY {} TO CURRENT_USER").format(name))
                connection.execute(sql.SQL("DROP OWNED BY {}").format(name))
                connection.execute(sql.SQL("DROP ROLE {}").format(name))


def as_role(url: str, role: str) -> str:
    return url.replace("postgres@", f"{role}@", 1)


def test_least_privilege_roles_can_do_their_jobs(postgres_url, roles, tmp_path, capsys) -> None:
    """The writer owns a schema an administrator made for it and may create
    nothing else; the auditor may only read it (verify, export, rejections)."""
    reader, owner = roles
    base, schema = postgres_url.split("?schema=")
    database = base.rsplit("/", 1)[1]
    names = {"db": sql.Identifier(database), "s": sql.Identifier(schema)}
    names |= {"r": sql.Identifier(reader), "w": sql.Identifier(owner)}

    def administer(*statements: str) -> None:
        with psycopg.connect(base, autocommit=True) as connection:
            for statement in statements:
                connection.execute(sql.SQL(statement).format(**names))

    with psycopg.connect(base) as connection:  # restored as found: a shared server
        (public_may_create,) = connection.execute(
            "SELECT has_database_privilege('public', %s, 'CREATE')", (database,)
        ).fetchone()
    administer("REVOKE CREATE ON DATABASE {db} FROM PUBLIC", "CREATE SCHEMA {s} AUTHORIZATION {w}")
    try:
        data = tmp_path / "in.jsonl"
        data.write_bytes(line(event("ResearcherRegistered", "R1")) + b"\n")
        assert main(["ingest", str(data), "--store", as_role(postgres_url, owner)]) == 0
        administer(
            "GRANT USAGE ON SCHEMA {s} TO {r}", "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}"
        )
        for command in (["rejections"], ["export"], ["verify"]):
            assert main([*command, "--store", as_role(postgres_url, reader)]) == 0, command
        assert "permission denied" not in capsys.readouterr().err
    finally:
        if public_may_create:
            administer("GRANT CREATE ON DATABASE {db} TO PUBLIC")
