"""A store as the commands meet it when someone changed it behind the ledger's
back, or named it oddly: altered records, a path with URI characters, an
--out that is the store itself. Each is one line, never a traceback."""

import json
import re
import sqlite3
from contextlib import closing

import pytest

from tests.e2e.helpers import run

ALTERATIONS = {  # of the stored ResearcherRegistered at position 1
    "not-json": "CAST('{not json' AS BLOB)",
    "null": "CAST('null' AS BLOB)",
    "no-payload": "CAST(json_remove(state, '$.payload') AS BLOB)",
    "no-event-id": "CAST(json_remove(state, '$.event_id') AS BLOB)",
    "number-for-a-date": "CAST(json_set(state, '$.payload.first_appointed_on', 12) AS BLOB)",
}
COMMANDS = {
    "export": ["export"],
    "indicators": ["indicators", "--no-checkpoint"],
    "report": ["report", "--out", "-"],
    "lineage": ["lineage", "coverage.full_time", "--year", "2026"],
}
ALTERED = [
    (command, alteration)
    for command in COMMANDS
    for alteration in ALTERATIONS
    if (command, alteration) != ("export", "number-for-a-date")  # exported as stored
]


@pytest.mark.parametrize(("command", "alteration"), ALTERED)
def test_an_altered_record_is_one_line_pointing_to_verify(
    sample_file, tmp_path, command, alteration
):
    store = tmp_path / "altered.db"
    run("ingest", str(sample_file), "--store", f"sqlite:///{store}")
    with closing(sqlite3.connect(store)) as connection, connection:
        connection.execute(
            f"UPDATE stored_events SET state = {ALTERATIONS[alteration]} WHERE rowid = 1"
        )
    result = run(*COMMANDS[command], "--store", f"sqlite:///{store}")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("rnd-ledger: ") and "run rnd-ledger verify" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("command", "state", "position"),
    [("export", "NULL", 2), ("rejections", "NULL", 3), ("indicators", "'\\xff'::bytea", 2)],
)
def test_a_record_altered_in_postgres_is_one_line_pointing_to_verify(
    sample_file, postgres_url, command, state, position
):
    """A NULL state (the library's reader raised TypeError: a traceback) or
    one that is not UTF-8 (the driver's two lines, read as a connection error).
    Position 3 is the sample's rejection."""
    from tests.audit.helpers import execute

    run("ingest", str(sample_file), "--store", postgres_url)
    execute(postgres_url, f"UPDATE {{t}} SET state = {state} WHERE {{pos}} = {position}")
    result = run(*{**COMMANDS, "rejections": ["rejections"]}[command], "--store", postgres_url)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("rnd-ledger: ") and "run rnd-ledger verify" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_postgres_password_with_a_space_opens_the_store_for_figures_too(
    sample_file, postgres_url
):
    """The ledger takes the URL's password as written; the figures' driver got
    the raw URL, which libpq refuses ('unexpected spaces'). Trust auth here:
    any password is taken, so only the URL's reading is tested."""
    spaced = re.sub(r"^(postgres(?:ql)?://[^:@/]+)@", r"\1:a b%@", postgres_url)
    assert spaced != postgres_url, "a URL with a user and no password"
    assert run("ingest", str(sample_file), "--store", spaced).returncode == 0
    result = run("indicators", "--store", spaced, "--format", "json")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("topic", ["NULL", "'domain.grant:Grant.Nothing'"])
@pytest.mark.parametrize("command", ["export", "indicators", "report"])
def test_a_record_whose_topic_was_altered_is_not_left_out(sample_file, store_url, command, topic):
    """Read by topic, such a record was skipped without a word: exit 0 and
    figures (or an export) without it."""
    from tests.audit.helpers import execute

    run("ingest", str(sample_file), "--store", store_url)
    execute(store_url, f"UPDATE {{t}} SET topic = {topic} WHERE {{pos}} = 2")
    result = run(*COMMANDS[command], "--store", store_url)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("rnd-ledger: the record at position 2 ")
    assert "run rnd-ledger verify" in result.stderr


@pytest.mark.parametrize(("command", "out"), [("export", "link.db"), ("report", "store.db-wal")])
def test_out_naming_the_store_is_refused_before_anything_is_written(
    sample_file, tmp_path, command, out
):
    """Opened for writing, the store was emptied (export) or overwritten with
    HTML (report); the WAL's name, even before it exists, is the store's too."""
    store = tmp_path / "store.db"
    run("ingest", str(sample_file), "--store", f"sqlite:///{store}")
    (tmp_path / "link.db").symlink_to(store)
    before = store.read_bytes()
    result = run(command, "--store", f"sqlite:///{store}", "--out", str(tmp_path / out))
    assert result.returncode == 2 and "is the store's own file" in result.stderr
    assert store.read_bytes() == before and not (tmp_path / "store.db-wal").exists()


def test_a_store_path_with_uri_characters_is_the_same_file_for_figures(sample_file, tmp_path):
    """'a#x.db' was opened as 'a' for figures (a URI fragment), so figures could
    come from another file than the chain head they stated."""
    (tmp_path / "a.db").write_bytes(b"")  # what the figures read by mistake
    url = f"sqlite:///{tmp_path / 'a%23x.db'}"
    assert run("ingest", str(sample_file), "--store", url).returncode == 0
    assert (tmp_path / "a#x.db").exists()
    result = run("indicators", "--store", url, "--format", "json", "--no-checkpoint")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["as_of"]["position"] > 0


@pytest.mark.parametrize(
    "command", [["indicators"], ["lineage", "coverage.full_time", "--year", "2026"]]
)
def test_as_of_over_a_record_that_is_not_json_is_one_line_pointing_to_verify(
    sample_file, store_url, command
):
    """Times are read from every record's state: a rejection record made not
    JSON (position 3) ended --as-of in 'cannot read store …: IO: … malformed JSON'."""
    from tests.audit.helpers import execute

    run("ingest", str(sample_file), "--store", store_url)
    broken = (
        "CAST('{{not json' AS BLOB)" if store_url.startswith("sqlite") else "'{{not json'::bytea"
    )
    execute(store_url, f"UPDATE {{t}} SET state = {broken} WHERE {{pos}} = 3")
    as_of = ["--as-of", "2100-01-01T00:00:00Z", "--no-checkpoint"]
    result = run(*command, *as_of, "--store", store_url)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "rnd-ledger: a stored record is not JSON; the store may have been altered: "
        "run rnd-ledger verify to find it\n"
    )


def test_an_export_stopped_by_an_altered_record_leaves_its_file_as_it_was(sample_file, tmp_path):
    """It left the facts before the altered one: a part of the history that
    a reader could take for all of it."""
    store = tmp_path / "altered.db"
    run("ingest", str(sample_file), "--store", f"sqlite:///{store}")
    with closing(sqlite3.connect(store)) as connection, connection:
        connection.execute(
            "UPDATE stored_events SET state = CAST('{not json' AS BLOB) WHERE rowid = 2"
        )
    out = tmp_path / "history.jsonl"
    out.write_text("an earlier export\n")
    result = run("export", "--store", f"sqlite:///{store}", "--out", str(out))
    assert result.returncode == 2 and "run rnd-ledger verify" in result.stderr
    assert out.read_text() == "an earlier export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
