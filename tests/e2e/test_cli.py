"""The command line as users meet it: summaries, exit codes, one-line errors."""

import gzip
import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing

import pytest

from rnd_ledger.cli import main
from tests.builders import event, jsonl, line


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def sample_file(tmp_path):
    messages = [event("ResearcherRegistered", "R1"), event("GrantAwarded", "G1")]
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl(messages) + b"not json\n" + jsonl(messages[:1]))
    return path


def test_ingest_prints_the_three_outcomes(sample_file, store_url, capsys):
    assert main(["ingest", str(sample_file), "--store", store_url]) == 0
    out = capsys.readouterr().out
    assert "Ingested 4 messages" in out
    lines = {line.split()[0]: line.split()[-1] for line in out.splitlines() if line.strip()}
    assert (lines["accepted"], lines["duplicate"], lines["rejected"], lines["malformed_json"]) == (
        "2",
        "1",
        "1",
        "1",
    )


def test_the_rejections_hint_names_the_store_unless_it_is_what_it_reads_anyway(
    tmp_path, monkeypatch
):
    """Without --store the hint's command reads RND_LEDGER_STORE, else the
    default file: it names the store whenever that is not the one written."""
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"not json\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RND_LEDGER_STORE", "sqlite:///env.db")
    done = run("ingest", str(bad), "--store", "sqlite:///rnd-ledger.db")
    assert "See why with: rnd-ledger rejections --store sqlite:///rnd-ledger.db\n" in done.stdout
    done = run("ingest", str(bad))  # into env.db, which the bare command reads too
    assert "See why with: rnd-ledger rejections\n" in done.stdout


def test_ingest_from_stdin_and_gzip(tmp_path, sqlite_url):
    messages = [event("FacultyCensusReported", f"U{i}") for i in range(3)]
    gz = tmp_path / "in.jsonl.gz"
    gz.write_bytes(gzip.compress(jsonl(messages)))
    assert run("ingest", str(gz), "--store", sqlite_url).returncode == 0
    piped = subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", "ingest", "-", "--store", sqlite_url],
        input=jsonl(messages + [event("FacultyCensusReported", "U9")]),
        capture_output=True,
        timeout=120,
    )
    assert piped.returncode == 0
    assert b"accepted          1" in piped.stdout
    assert b"duplicate         3" in piped.stdout


def test_gzip_piped_in_is_refused_before_a_store_is_made(tmp_path):
    """Read as text, each line would be a malformed_json rejection kept for good."""
    store = tmp_path / "new.db"
    piped = subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", "ingest", "-", "--store", f"sqlite:///{store}"],
        input=gzip.compress(jsonl([event("FacultyCensusReported", "U1")])),
        capture_output=True,
        timeout=120,
    )
    assert piped.returncode == 2 and piped.stdout == b""
    assert piped.stderr.decode().count("\n") == 1
    assert b"standard input is gzip-compressed data" in piped.stderr
    assert not store.exists()


def test_source_option_restricts_every_message(sample_file, sqlite_url, capsys):
    assert main(["ingest", str(sample_file), "--store", sqlite_url, "--source", "MOE"]) == 0
    out = capsys.readouterr().out
    assert "unauthorized_source" in out
    # The hint names the store just written, quoted for the shell.
    assert f"See why with: rnd-ledger rejections --store {shlex.quote(sqlite_url)}\n" in out


def test_rejections_and_export(sample_file, store_url, capsys):
    main(["ingest", str(sample_file), "--store", store_url])
    capsys.readouterr()
    assert main(["rejections", "--store", store_url, "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["reason"] for r in records] == ["malformed_json"]
    assert records[0]["origin"] == {"file": "in.jsonl", "line": 3}
    assert set(records[0]) >= {"event_id", "event_type", "source", "subject_id", "sha256"}
    assert set(records[0]) >= {"reason", "message", "recorded_at"}  # cli.md's list
    assert main(["rejections", "--store", store_url]) == 0
    shown = capsys.readouterr().out
    assert "malformed_json" in shown
    assert " in.jsonl:3 " in shown  # the line to correct
    assert "recorded_at" in shown.splitlines()[0]  # the table has cli.md's columns too
    assert records[0]["recorded_at"] in shown
    assert main(["export", "--store", store_url]) == 0
    exported = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [m["event_type"] for m in exported] == ["ResearcherRegistered", "GrantAwarded"]
    assert set(exported[0]) == {
        "event_id",
        "event_type",
        "schema_version",
        "occurred_at",
        "source",
        "subject_id",
        "payload",
    }


def test_export_then_ingest_gives_the_same_history(sample_file, tmp_path, sqlite_url):
    run("ingest", str(sample_file), "--store", sqlite_url)
    exported = tmp_path / "export.jsonl"
    assert run("export", "--store", sqlite_url, "--out", str(exported)).returncode == 0
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    assert run("ingest", str(exported), "--store", copy).returncode == 0
    again = tmp_path / "again.jsonl"
    run("export", "--store", copy, "--out", str(again))
    assert exported.read_bytes() == again.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "missing.jsonl", "--store", "sqlite:///x.db"], "cannot read missing.jsonl"),
        (["ingest", "x", "--store", "mysql://h/db"], "unknown store URL scheme 'mysql'"),
        (
            ["ingest", "x", "--store", "my.db"],
            "is a path, not a URL: for a SQLite file write sqlite:///my.db",
        ),
        (["ingest", "x", "--store", "sqlite:///no/such/dir/x.db"], "does not exist"),
        (
            ["ingest", "x", "--store", "postgresql://postgres@127.0.0.1:1/test"],
            "Connection refused; is PostgreSQL running and listening at that host and port?",
        ),
        (
            ["ingest", "x", "--store", "sqlite:///x.db", "--policy", "nope.toml"],
            "cannot read policy",
        ),
        (["schema", "Nope"], "unknown event type"),
        (["ingest", "utf16.jsonl", "--store", "sqlite:///x.db"], "must be UTF-8: convert it"),
        (["ingest", "-", "-", "--store", "sqlite:///x.db"], "can be read only once"),
        (["ingest", "x", "y.jsonl", "--store", "sqlite:///x.db"], "cannot read y.jsonl"),
        (["ingest", "x", ".", "--store", "sqlite:///x.db"], "cannot read .: Is a directory"),
        (["rejections", "--store", "sqlite:///typo.db"], "'typo.db' does not exist"),
        (["export", "--store", "sqlite:///other.db", "--out", "."], "another application"),
        (["ingest", "x", "--store", "postgresql://h:99999/db"], "port that is not 1-65535"),
        (["ingest", "x", "--store", "postgresql://h/db?schema=a-b;drop"], "schema 'a-b;drop'"),
        (["demo", "--out", "."], "cannot write the demo data to .: Is a directory"),
        (["ingest", "x", "--source", " ", "--store", "sqlite:///x.db"], "an agency is named"),
        (["ingest", "x", "--source", "NRF\x1b[2J", "--store", "sqlite:///x.db"], "NRF\\x1b[2J"),
        (["ingest", "x", "--source", "01012345678", "--store", "sqlite:///x.db"], "an agency is"),
        (
            ["consume", "--bootstrap-servers", "h:1", "--topic", "t", "--group", "g"]
            + ["--topic-owner", "t=kim@x.kr"],
            "an agency is named",
        ),
        (["lineage", "coverage.full_time"], "required: --year (see rnd-ledger lineage --help)"),
        (["report", "--as-of", "2026-01-01T00:00:00Z", "--position", "1"], "not allowed with"),
        (["bogus"], "invalid choice: 'bogus'"),
        ([], "required: COMMAND (see rnd-ledger --help)"),
    ],
)
def test_configuration_errors_exit_2_with_one_line(tmp_path, args, message):
    (tmp_path / "x").write_text("")
    (tmp_path / "utf16.jsonl").write_text('{"event_id": "E1"}\n', encoding="utf-16")
    with closing(sqlite3.connect(tmp_path / "other.db")) as other:
        other.execute("CREATE TABLE customers (name TEXT)")
    result = subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "typo.db").exists()


def test_a_full_disk_on_stdout_is_one_line(sample_file, sqlite_url):
    run("ingest", str(sample_file), "--store", sqlite_url)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "rnd_ledger.cli", "export", "--store", sqlite_url],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    assert result.stderr == "rnd-ledger: writing the output: No space left on device\n"


def test_help_explains_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("ingest", "rejections", "export", "schema"):
        assert command in result.stdout
    assert "RND_LEDGER_STORE" in result.stdout


def test_schema_prints_json_schema(capsys):
    assert main(["schema", "GrantAwarded"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["event_type"] == {"const": "GrantAwarded"}


def test_a_position_beyond_any_store_means_all_and_report_writes_to_stdout(sample_file, sqlite_url):
    run("ingest", str(sample_file), "--store", sqlite_url)
    every = run("indicators", "--store", sqlite_url, "--format", "json")
    beyond = run("indicators", "--store", sqlite_url, "--format", "json", "--position", "9" * 25)
    assert beyond.returncode == 0, beyond.stderr
    assert beyond.stdout == every.stdout
    report = run("report", "--store", sqlite_url, "--out", "-", "--position", "9" * 25)
    assert report.returncode == 0, report.stderr
    assert report.stdout.lower().startswith("<!doctype html")


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


def test_a_pipe_is_read_whole_once(tmp_path, sqlite_url):
    """`rnd-ledger ingest <(zcat x.gz)`: a pipe cannot be opened twice alike,
    so nothing may read ahead of the ingest itself (lines would be lost)."""
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    lines = jsonl([event("ResearcherRegistered", f"R{n}") for n in range(3_000)])
    writer = threading.Thread(target=fifo.write_bytes, args=(lines,), daemon=True)
    writer.start()
    result = run("ingest", str(fifo), "--store", sqlite_url)
    writer.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert "3,000 messages read" in result.stderr
    assert re.search(r"accepted +3,000\n", result.stdout)


def test_from_start_reads_a_corrected_file_again(sample_file, sqlite_url):
    run("ingest", str(sample_file), "--store", sqlite_url)
    again = run("ingest", str(sample_file), "--store", sqlite_url)
    assert "add --from-start" in again.stderr
    lines = sample_file.read_bytes().splitlines(keepends=True)
    fixed = line(event("GrantAwarded", "G2")) + b"\n"
    sample_file.write_bytes(b"".join([*lines[:2], fixed, *lines[3:]]))  # line 3 corrected
    done = run("ingest", str(sample_file), "--store", sqlite_url, "--from-start")
    assert done.returncode == 0, done.stderr
    assert re.search(r"accepted +1\n", done.stdout) and re.search(r"duplicate +3\n", done.stdout)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--bootstrap-servers", ""], "is not HOST:PORT"),
        (["--bootstrap-servers", "127.0.0.1:abc"], "is not HOST:PORT"),
        (["--topic", "bad topic"], "is not a Kafka topic name"),
        (["--topic", "a" * 300], "is not a Kafka topic name"),
        (["--dead-letter-topic", "bad dlt"], "is not a Kafka topic name"),
        (["--group", ""], "group id must not be empty"),
        (["--until-idle", "-1"], "must be more than 0 seconds"),
    ],
)
def test_kafka_options_are_checked_before_any_connection(option, message, capsys):
    args = {"--bootstrap-servers": "127.0.0.1:9", "--topic": "t", "--group": "g"}
    args.update({option[0]: option[1]})
    flat = [part for pair in args.items() for part in pair]
    with pytest.raises(SystemExit) as stop:
        main(["consume", *flat, "--store", "sqlite:///unused.db"])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_export_into_a_closed_pipe_stops_quietly(tmp_path, sqlite_url):
    """`rnd-ledger export | head -c 1` on an export larger than the pipe's
    buffer: stopped by the closed pipe with the status Unix commands have
    then (128 + SIGPIPE), no traceback, no error line."""
    messages = [event("ResearcherRegistered", f"R{i}") for i in range(400)]
    (tmp_path / "in.jsonl").write_bytes(jsonl(messages))
    assert run("ingest", str(tmp_path / "in.jsonl"), "--store", sqlite_url).returncode == 0
    done = subprocess.run(
        f"set -o pipefail; {sys.executable} -m rnd_ledger.cli export --store {sqlite_url}"
        " | head -c 1",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (141, "{", "")


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
