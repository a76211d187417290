"""Store URLs name their recorders; a SQLite run never loads the PostgreSQL driver."""

import subprocess
import sys
from pathlib import Path

from eventsourcing.utils import get_topic

from store.postgres_recorder import PostgresLedgerRecorder
from store.url import POSTGRES_RECORDER_TOPIC, environment_for
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
