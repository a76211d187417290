"""One ingest at a time per input file: two runs of the same file at once
would both read the lines after the recorded position, and each record the
rejections among them (accepted events are protected by their primary keys;
rejection records are not). The second run waits, then resumes after what the
first recorded, so the result is that of one run.

SQLite: an advisory lock on `<store>.ingest-lock` (`flock`, released when the
process ends, however it ends), one per store: SQLite has one writer anyway.
PostgreSQL: a session-level advisory lock keyed by the input's name, held on a
connection of its own, so ingests of different files still run side by side.
"""

import fcntl
import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from store.drivers import connect_postgres, driver_errors, first_line
from store.url import StoreError, is_postgres

LOCK_NAMESPACE = 0x726E64  # "rnd": the first key of the two-key advisory lock


@contextmanager
def input_lock(env: Mapping[str, str], name: str, waiting: Callable[[str], None]) -> Iterator[None]:
    """Hold the lock for input `name` of the store `env` names; `waiting` is
    called once if another run holds it (then this one blocks until it ends),
    with what that run holds: "file" (this input) or "store" (SQLite's one)."""
    if is_postgres(env):
        with postgres_lock(env, name, waiting):
            yield
    else:
        with file_lock(Path(env["SQLITE_DBNAME"] + ".ingest-lock"), waiting):
            yield


@contextmanager
def file_lock(path: Path, waiting: Callable[[str], None]) -> Iterator[None]:
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting("store")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def postgres_lock(
    env: Mapping[str, str], name: str, waiting: Callable[[str], None]
) -> Iterator[None]:
    keyed = f"{env.get('POSTGRES_SCHEMA')}:{name}".encode()  # stores share a database
    key = int.from_bytes(hashlib.sha256(keyed).digest()[:4], "big", signed=True)
    connection = None
    try:
        connection = connect_postgres(dict(env), autocommit=True)
        taken = connection.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", (LOCK_NAMESPACE, key)
        ).fetchone()
        if not (taken and taken[0]):
            waiting("file")
            connection.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_NAMESPACE, key))
    except driver_errors() as error:
        if connection is not None:
            connection.close()
        raise StoreError(f"cannot take the ingest lock for {name}: {first_line(error)}") from None
    try:
        yield
    finally:
        connection.close()  # releases the lock
