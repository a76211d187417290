"""A file's edges: damaged gzip, the name the store keeps, and a last line
still being written when the file is read."""

import gzip
import os
import re

import pytest

from consumers.files import InputError, ingest_file, input_name, open_input, stored_name
from consumers.intake import Summary
from domain.history import accepted_facts
from tests.builders import jsonl
from tests.integration.test_files import sample


def broken_gzip(lines: bytes) -> bytes:
    """Two gzip members: `lines`, then one whose compressed data is corrupt."""
    good = gzip.compress(b'{"a":1}\n')
    return gzip.compress(lines) + good[:10] + b"\xff\xff\xff\xff" + good[14:]


def test_corrupt_compressed_data_is_an_input_error(tmp_path, intake):
    path = tmp_path / "in.jsonl.gz"
    path.write_bytes(broken_gzip(jsonl(sample(5))))
    with pytest.raises(InputError, match="in.jsonl.gz: Error -3 .*invalid block type"):
        ingest_file(intake, str(path), Summary())
    (tmp_path / "start.jsonl.gz").write_bytes(broken_gzip(b"")[-20:])
    with pytest.raises(InputError, match="start.jsonl.gz: "):
        ingest_file(intake, str(tmp_path / "start.jsonl.gz"), Summary())


def test_a_damaged_gzip_read_again_says_so_in_one_line(tmp_path, sqlite_url, capsys):
    """The second run checks the file against the recorded line first: the
    damage after it is met there, and must not end in a traceback."""
    from rnd_ledger.cli import main

    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(broken_gzip(jsonl(sample(10))))
    for _ in range(2):
        assert main(["ingest", str(path), "--store", sqlite_url, "--batch-size", "5"]) == 2
        err = capsys.readouterr().err
        recorded = r"invalid block type \(lines 1-1\d are recorded"
        assert re.search(r"^rnd-ledger: cannot read .*" + recorded, err)
        assert len(err.splitlines()) == 1, err


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        (os.fsdecode(b"from-\xffother-system.jsonl"), "from-\ufffdother-system.jsonl"),
        ("batch 010-1234-5678.jsonl", "batch [redacted].jsonl"),
        # A terminal escape and a newline: printed by `rejections`, they drove
        # the terminal and forged a row of the table.
        ("x\x1b[2J\nrow.jsonl", "x\\u001b[2J\\u000arow.jsonl"),
    ],
)
def test_a_file_name_is_stored_as_utf8_text_without_personal_data(
    tmp_path, ledger, intake, name, stored
):
    path = tmp_path / name
    path.write_bytes(jsonl(sample(1)) + b"not json\n")
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert summary.accepted == 2 and summary.rejected["malformed_json"] == 1
    files = {fact["origin"]["file"] for _, fact in accepted_facts(ledger)}
    assert len(files) == 1 and re.fullmatch(re.escape(stored) + "#[0-9a-f]{8}", files.pop())
    assert input_name(str(path)).startswith(f"file:{stored}#")
    assert ledger.resume_point(input_name(str(path))) == 3


def test_a_redacted_names_suffix_does_not_give_the_name_back_quickly():
    """32 bits of SHA-256 gave a phone number back by trying all 10^8 in minutes;
    the suffix is now a slow hash (PBKDF2, 200,000 rounds)."""
    import hashlib

    name = "010-2345-6789.jsonl"
    suffix = stored_name(f"/some/where/{name}").rsplit("#", 1)[1]
    assert suffix != hashlib.sha256(name.encode()).hexdigest()[:8]
    slow = hashlib.pbkdf2_hmac("sha256", name.encode(), b"rnd-ledger file name", 200_000)
    assert suffix == slow[:4].hex()


def test_names_that_differ_only_where_they_are_redacted_are_two_inputs(tmp_path, intake):
    """Else the second file would resume after the first one's lines."""
    first, second = tmp_path / "010-1234-5678.jsonl", tmp_path / "010-9999-0000.jsonl"
    lines = jsonl(sample(2))
    for path in (first, second):
        path.write_bytes(lines)  # the same first line too
    assert input_name(str(first)) != input_name(str(second))
    summary = Summary()
    ingest_file(intake, str(first), summary)
    ingest_file(intake, str(second), summary)
    assert (summary.accepted, summary.duplicate) == (4, 4)  # the second read from line 1


def test_a_last_line_still_being_written_is_left_for_the_next_run(tmp_path, ledger, intake):
    """Appended to while it is ingested, a file can end in part of a line:
    judged, it would be malformed_json, and the position recorded past it."""
    whole = jsonl(sample(3)).splitlines(keepends=True)  # 6 lines
    path = tmp_path / "growing.jsonl"
    path.write_bytes(b"".join(whole[:4]) + whole[4][:30])
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert (summary.total, ledger.resume_point(input_name(str(path)))) == (4, 4)
    assert summary.notes == [
        "growing.jsonl: line 5 has no newline yet and is not JSON yet, so it was left unread: "
        "the file may still be being written, and the next run reads it (end it with a "
        "newline to have it judged as it is)"
    ]
    path.write_bytes(b"".join(whole))
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert (summary.accepted, summary.rejected, summary.notes) == (2, {}, [])


def test_nothing_after_a_line_without_newline_is_read(tmp_path, intake, monkeypatch):
    """What a writer appends after the reader met the end continues that
    line: read as a line of its own, it would be judged and passed."""
    whole = jsonl(sample(3)).splitlines(keepends=True)
    path = tmp_path / "growing.jsonl"
    path.write_bytes(b"".join(whole[:2]) + whole[2][:30])
    real_open = open_input

    def appended_once_the_end_is_met(name: str):  # noqa: ANN202
        handle = real_open(name)

        class Growing:
            def readlines(self, hint: int = -1) -> list[bytes]:
                lines = handle.readlines(hint)
                if lines and not lines[-1].endswith(b"\n"):  # the writer goes on once read
                    with path.open("ab") as out:
                        out.write(whole[2][30:] + b"".join(whole[3:]))
                return lines

            def __getattr__(self, attribute: str):  # noqa: ANN204
                return getattr(handle, attribute)

            def __enter__(self):  # noqa: ANN204
                return self

            def __exit__(self, *_: object) -> None:
                handle.close()

        return Growing()

    monkeypatch.setattr("consumers.files.open_input", appended_once_the_end_is_met)
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert (summary.total, dict(summary.rejected)) == (2, {})
    monkeypatch.setattr("consumers.files.open_input", real_open)
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert (summary.accepted, dict(summary.rejected)) == (4, {})


def test_a_last_line_without_newline_is_read_if_it_is_json(tmp_path, intake):
    path = tmp_path / "no-final-newline.jsonl"
    path.write_bytes(jsonl(sample(1)).rstrip(b"\n") + b"\n\n" + b"[1, 2]")
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert (summary.accepted, dict(summary.rejected), summary.notes) == (
        2,
        {"malformed_json": 1},
        [],
    )


def test_a_gzip_files_last_line_without_newline_is_judged(tmp_path, intake):
    """A .gz read to its end is complete (a cut-off one fails to read): its
    last line is judged now, not held back for a run that never brings more."""
    path = tmp_path / "done.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(sample(1)) + b'{"event_id": "X'))
    summary = Summary()
    ingest_file(intake, str(path), summary)
    assert (summary.accepted, dict(summary.rejected), summary.notes) == (
        2,
        {"malformed_json": 1},
        [],
    )


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("renamed.jsonl", "name ends in .gz, or decompress it first"),
        ("twice.jsonl.gz", "inside gzip compression: decompress it once first"),
    ],
)
def test_gzip_data_not_read_as_gzip_is_refused_whole(tmp_path, ledger, intake, name, advice):
    """Read as text, every line would be a malformed_json rejection, kept for good."""
    data = gzip.compress(jsonl(sample(2)))
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    with pytest.raises(InputError, match=f"{name} is gzip-compressed data.*{advice}"):
        ingest_file(intake, str(path), Summary())
    assert list(accepted_facts(ledger)) == []


def test_a_long_ingest_reports_its_progress_on_stderr(tmp_path, sqlite_url, capsys, monkeypatch):
    from rnd_ledger import output
    from rnd_ledger.cli import main

    monkeypatch.setattr(output, "PROGRESS_EVERY_SECONDS", 0.0)  # every batch, not every 2 s
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl(sample(10)))
    assert main(["ingest", str(path), "--store", sqlite_url, "--batch-size", "5"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "lines/s" in line]
    assert lines[0].startswith("  in.jsonl: line 5 (") and lines[-1].startswith(
        "  in.jsonl: line 20 (100%)"
    )
