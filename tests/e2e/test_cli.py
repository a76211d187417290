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
from tests.e2e.helpers import run


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
        (["indicators", "--position", "3", "--as-of", "2026-01-01T00:00:00Z"], "not allowed with"),
        (["lineage", "x", "--year", "1", "--position", "3", "--as-of", "1"], "not allowed with"),
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
