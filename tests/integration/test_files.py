"""File ingestion: JSONL, gzip, stdin-like streams, resume, and reruns."""

import gzip
import subprocess
import sys

import psycopg
import pytest

from consumers.files import InputError, ingest_file, ingest_from, input_name
from consumers.intake import Summary
from rnd_ledger.bootstrap import open_ledger
from store.input_locks import input_lock
from store.url import environment_for
from tests.builders import event, jsonl
from tests.integration.helpers import history, rejection_count


def sample(n: int = 50) -> list[dict]:
    messages = []
    for i in range(n):
        messages.append(event("ResearcherRegistered", f"R{i}"))
        messages.append(event("GrantAwarded", f"G{i}", payload_update={"researcher_id": f"R{i}"}))
    return messages


def test_blank_lines_are_skipped_and_not_counted(tmp_path, intake):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n" + jsonl(sample(2)) + b"\n  \n" + b"not json\n")
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert (summary.accepted, summary.duplicate, dict(summary.rejected)) == (
        4,
        0,
        {"malformed_json": 1},
    )


def test_a_line_holding_only_a_bom_is_blank(tmp_path, intake):
    """A BOM is ignored (an editor may write one per line), so such a line is blank."""
    path = tmp_path / "in.jsonl"
    bom = b"\xef\xbb\xbf"
    path.write_bytes(bom + b"\n" + bom + jsonl(sample(1)) + bom + b" \r\n" + bom)
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert (summary.total, summary.accepted, summary.notes) == (2, 2, [])  # the last: no note


def test_rerunning_the_same_file_accepts_nothing_twice(tmp_path, ledger, intake):
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl(sample()) + b"garbage\n")
    first, second = Summary(), Summary()
    ingest_file(intake, str(path), first)
    before = history(ledger), rejection_count(ledger)
    ingest_file(intake, str(path), second)
    assert first.accepted == 100 and sum(first.rejected.values()) == 1
    assert second.total == 0  # resumed after the last recorded line
    assert (history(ledger), rejection_count(ledger)) == before


def test_the_same_events_under_another_name_are_duplicates(tmp_path, ledger, intake):
    messages = sample(10)
    (tmp_path / "a.jsonl").write_bytes(jsonl(messages))
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(jsonl(messages)))
    first, second = Summary(), Summary()
    ingest_file(intake, str(tmp_path / "a.jsonl"), first)
    ingest_file(intake, str(tmp_path / "b.jsonl.gz"), second)
    assert (first.accepted, second.accepted, second.duplicate) == (20, 0, 20)


def test_a_growing_file_resumes_where_it_stopped(tmp_path, ledger, intake):
    messages = sample(20)
    path = tmp_path / "grow.jsonl"
    path.write_bytes(jsonl(messages[:10]))
    first, second = Summary(), Summary()
    ingest_file(intake, str(path), first)
    path.write_bytes(jsonl(messages))
    ingest_file(intake, str(path), second)
    assert (first.accepted, second.accepted, second.duplicate) == (10, 30, 0)


@pytest.mark.parametrize("from_start", [False, True])
def test_a_file_shorter_than_its_recorded_position_is_refused_before_anything_is_stored(
    tmp_path, store_url, capsys, from_start
):
    """Rewritten under the same name and first line (or the store's input
    position raised): its lines must not be skipped unread, now or, after a
    re-read under the same name, when lines are appended later."""
    from rnd_ledger.cli import main

    messages = sample(20)
    short, other = tmp_path / "short.jsonl", tmp_path / "other.jsonl"
    short.write_bytes(jsonl(messages))
    assert main(["ingest", str(short), "--store", store_url]) == 0
    short.write_bytes(
        jsonl(messages[:1] + [event("ResearcherRegistered", f"N{i}") for i in range(10)])
    )
    other.write_bytes(jsonl([event("ResearcherRegistered", "OTHER")]))
    ledger = open_ledger(store_url)
    before = history(ledger), rejection_count(ledger)
    command = ["ingest", str(other), str(short), "--store", store_url]
    capsys.readouterr()
    assert main(command + (["--from-start"] if from_start else [])) == 2
    err = capsys.readouterr().err
    assert "short.jsonl has 11 lines, but the store records it read through line 40" in err
    assert "give it another file name" in err
    assert (history(ledger), rejection_count(ledger)) == before  # not even other.jsonl
    ledger.close()


def test_a_file_of_the_same_name_and_first_line_in_another_directory_is_read_whole(
    tmp_path, ledger, intake
):
    """Two days' day.jsonl may start alike; the second one's lines must not be
    skipped as if the first one's position were its own."""
    first, second = tmp_path / "d1" / "day.jsonl", tmp_path / "d2" / "day.jsonl"
    first.parent.mkdir()
    second.parent.mkdir()
    messages = sample(5)
    first.write_bytes(jsonl(messages[:3]))
    second.write_bytes(jsonl(messages[:1] + sample(9)[10:]))
    ingest_file(intake, str(first), Summary())
    again = Summary()
    ingest_file(intake, str(second), again)
    assert (again.total, again.duplicate, again.accepted) == (9, 1, 8)


def test_a_position_recorded_under_the_name_without_its_directory_still_counts(
    tmp_path, ledger, intake
):
    """Stores written before the directory was part of the name keep resuming."""
    from eventsourcing.persistence import Tracking

    path = tmp_path / "old.jsonl"
    path.write_bytes(jsonl(sample(5)))
    name = input_name(str(path))
    file_name, _, first_line = name.rsplit(":", 2)
    unit = ledger.begin()
    unit.commit([Tracking(f"{file_name}:{first_line}", 6)])
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert summary.total == 4  # lines 7-10


def test_a_large_file_is_written_in_several_batches(tmp_path, ledger, intake, monkeypatch):
    monkeypatch.setattr("consumers.files.BATCH_LINES", 7)
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl(sample(20)))
    seen = []
    ingest_file(intake, str(path), Summary(), on_progress=seen.append)
    assert len(seen) == 6  # one report per batch of 7 lines, the last one partial
    assert ledger.resume_point(input_name(str(path))) == 40
    # Each report names the bytes through its batch's last line, not how far
    # the reader (ahead by a batch or two) has got.
    ends = [len(b"".join(path.read_bytes().splitlines(keepends=True)[:n])) for n in (7, 14, 40)]
    assert [p.bytes_read for p in seen[:2]] + [seen[-1].bytes_read] == ends


def test_missing_or_broken_files_say_which(tmp_path, intake):
    with pytest.raises(InputError, match="missing.jsonl"):
        ingest_file(intake, str(tmp_path / "missing.jsonl"), Summary())
    fake = tmp_path / "fake.jsonl.gz"
    fake.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match="fake.jsonl.gz"):
        ingest_file(intake, str(fake), Summary())


def test_a_batch_is_cut_short_by_size_as_well(tmp_path, intake, monkeypatch):
    monkeypatch.setattr("consumers.files.BATCH_BYTES", 1000)
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl(sample(10)))  # 20 lines of about 300 bytes
    seen = []
    summary = Summary()
    ingest_file(intake, str(path), summary, on_progress=seen.append)
    assert summary.accepted == 20
    assert len(seen) >= 5  # about 4 lines per 1,000-byte batch


def test_a_utf8_byte_order_mark_is_ignored(tmp_path, ledger, intake):
    """Windows tools start a UTF-8 file with a BOM; RFC 8259 lets a parser
    ignore it. The message's SHA-256 stays that of the bytes received."""
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + jsonl(sample(2)).replace(b"\n", b"\r\n"))
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert (summary.accepted, dict(summary.rejected)) == (4, {})


@pytest.mark.parametrize(
    ("codec", "named"),
    [
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
        ("utf-32-le", "UTF-32"),  # its mark starts with UTF-16 LE's
        ("utf-32-be", "UTF-32"),
    ],
)
def test_a_utf16_file_is_refused_whole_with_what_to_do(tmp_path, ledger, intake, codec, named):
    path = tmp_path / "powershell.jsonl"
    path.write_bytes(("\ufeff" + jsonl(sample(2)).decode()).encode(codec))  # BOM first
    with pytest.raises(InputError, match=f"is {named} text .* iconv -f {named} -t UTF-8"):
        ingest_file(intake, str(path), Summary())
    assert history(ledger) == [] and rejection_count(ledger) == 0


def test_a_gzip_name_in_capitals_is_still_gzip(tmp_path, ledger, intake):
    path = tmp_path / "FROM_WINDOWS.JSONL.GZ"
    path.write_bytes(gzip.compress(jsonl(sample(2))))
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert (summary.accepted, dict(summary.rejected)) == (4, {})


def test_a_file_corrected_in_place_is_read_again_with_from_start(tmp_path, ledger, intake):
    messages = sample(3)
    broken = {**messages[2], "payload": {"nonsense": True}}
    path = tmp_path / "agency.jsonl"
    path.write_bytes(jsonl([*messages[:2], broken, *messages[3:]]))
    first = Summary()
    ingest_file(intake, str(path), first)
    assert (first.accepted, dict(first.rejected)) == (5, {"schema_invalid": 1})
    path.write_bytes(jsonl(messages) + jsonl(sample(4)[6:]))  # line 3 fixed, 2 lines added

    plain = Summary()
    assert ingest_file(intake, str(path), plain) == 6  # resumes: line 3 is not read
    assert (plain.accepted, plain.duplicate) == (2, 0)

    again = Summary()
    assert ingest_file(intake, str(path), again, from_start=True) == 0
    assert (again.accepted, again.duplicate, dict(again.rejected)) == (1, 7, {})
    assert len(history(ledger)) == 8
    after = Summary()
    ingest_file(intake, str(path), after)
    assert after.total == 0, "the recorded position is still the end of the file"


def test_a_second_run_of_the_same_file_waits_and_records_nothing_twice(
    tmp_path, store_url, ledger, intake
):
    """Run at once, both would read the lines after the recorded position and
    record their rejections twice. The second waits for the first's lock."""
    data = tmp_path / "delivery.jsonl"
    data.write_bytes(jsonl([event("ResearcherRegistered", "R1")]) + b"not json\n")
    name = input_name(str(data))
    assert name is not None
    with input_lock(ledger.env, name, waiting=lambda held: None):
        second = subprocess.Popen(
            [sys.executable, "-m", "rnd_ledger.cli", "ingest", str(data), "--store", store_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first_line = second.stderr.readline() if second.stderr else ""
        assert "waiting for it to finish" in first_line
        held = "" if store_url.startswith("sqlite") else "of this file "  # SQLite: any file
        assert f"another ingest {held}into this store is running" in first_line
        assert second.poll() is None  # still waiting
        ingest_from(intake, str(data), name, Summary(), None, None, None, False)  # the first
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0
    assert "Ingested 0 messages" in out
    assert rejection_count(ledger) == 1


def test_losing_the_lock_connection_while_waiting_is_one_line(tmp_path, postgres_url):
    data = tmp_path / "delivery.jsonl"
    data.write_bytes(jsonl([event("ResearcherRegistered", "R1")]))
    open_ledger(postgres_url).close()
    name = input_name(str(data))
    assert name is not None
    with input_lock(environment_for(postgres_url), name, waiting=lambda held: None):
        second = subprocess.Popen(
            [sys.executable, "-m", "rnd_ledger.cli", "ingest", str(data), "--store", postgres_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert second.stderr is not None and "waiting" in second.stderr.readline()
        with psycopg.connect(postgres_url.split("?")[0], autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'SELECT pg_advisory_lock(%%' AND pid <> pg_backend_pid()"
            )
        _, err = second.communicate(timeout=120)
    assert second.returncode == 2, err
    assert "cannot take the ingest lock" in err and "Traceback" not in err
