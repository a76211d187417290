"""`rnd-ledger ingest`: JSONL files (plain, .gz or stdin) into the ledger.

Each batch of lines is written in one transaction together with the file's
tracking position, so an interrupted run resumes after the last committed
line and accepts nothing twice.
"""

import gzip
import hashlib
import os
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, cast

import msgspec
from eventsourcing.persistence import Tracking

from consumers.intake import Intake, Message, Summary
from consumers.pipeline import PipelinedIntake
from consumers.screening import AheadScreener
from contract.pii import redact
from contract.validation import UTF8_BOM, printable
from domain.ledger import Ledger
from store.input_locks import input_lock

BATCH_LINES = 10_000  # larger transactions amortize random-key index writes (benchmarks)
BATCH_BYTES = 64 * 1024 * 1024  # a batch of huge (rejected) lines stays bounded in memory
IDENTITY_BYTES = 64 * 1024
CHUNK_BYTES = 64 * 1024  # lines read at a time from a plain file
LONG_INPUT_BYTES = 8 * 1024 * 1024  # more than a batch or two: start the screening worker
STDIN = "-"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
GZIP_MAGIC = b"\x1f\x8b"


# What reading a damaged input raises: the OS's errors, and gzip's (a bad
# header or CRC: BadGzipFile, an OSError; a cut-off stream: EOFError; corrupt
# compressed data: zlib.error).
UNREADABLE_INPUT = (OSError, EOFError, zlib.error)


class InputError(Exception):
    """An input file cannot be read; the message says which and why."""


def unreadable(path: str, error: BaseException, after: str = "") -> InputError:
    """The one line that says which input failed and why (`after`: what was kept)."""
    reason = getattr(error, "strerror", None) or str(error)
    return InputError(f"cannot read {path}: {reason}{after}")


@dataclass(frozen=True)
class FileProgress:
    name: str
    lines: int
    bytes_read: int
    bytes_total: int | None


def open_input(path: str) -> BinaryIO:
    """The input as bytes; InputError if it cannot be read or is not UTF-8."""
    if path == STDIN:
        return refuse_unreadable_text(sys.stdin.buffer, "standard input")
    try:
        if is_gzip_name(path):
            handle: BinaryIO = gzip.open(path, "rb")  # type: ignore[assignment]
            handle.peek(1)  # type: ignore[attr-defined]  # fail now on a non-gzip file
        else:
            handle = open(path, "rb")
        return refuse_unreadable_text(handle, path)
    except UNREADABLE_INPUT as error:
        raise unreadable(path, error) from None


def is_regular_file(path: str) -> bool:
    """Whether `path` can be opened twice and read alike: a pipe or a FIFO
    cannot, what one open reads ahead is gone for the next."""
    try:
        return path != STDIN and stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # let opening it say what is wrong


def is_gzip_name(path: str) -> bool:
    return path.lower().endswith(".gz")  # UP.JSONL.GZ too


def refuse_unreadable_text(handle: BinaryIO, name: str) -> BinaryIO:
    """A UTF-16 file (what Windows PowerShell 5 writes with `>`), a UTF-32 one,
    or gzip data not named .gz (piped in, or renamed) would make every line a
    malformed_json rejection, kept for good in the rejection log; say so once,
    and how to fix it."""
    head = handle.peek(4)[:4] if hasattr(handle, "peek") else b""
    encoding = "UTF-32" if head in UTF32_BOMS else "UTF-16" if head[:2] in UTF16_BOMS else None
    problem = None
    if encoding:
        problem = (
            f"{name} is {encoding} text (it starts with a {encoding} byte order mark); JSON "
            f"lines must be UTF-8: convert it first, e.g. iconv -f {encoding} -t UTF-8 IN > "
            "OUT.jsonl"
        )
    elif head[:2] == GZIP_MAGIC:
        problem = f"{name} is gzip-compressed data" + (
            " inside gzip compression: decompress it once first (gunzip)"
            if is_gzip_name(name)
            else ": give it as a file whose name ends in .gz, or decompress it first "
            "(gunzip -c FILE.gz, then pipe that in)"
        )
    if problem:
        if handle is not sys.stdin.buffer:
            handle.close()
        raise InputError(problem)
    return handle


def input_name(path: str) -> str | None:
    """The tracking name of a file: its name, its directory and its first line
    (the last two hashed: a path may name a person, and the store holds none).

    A file that grows keeps all three, so a re-run resumes it. A different
    file is another input, read from its first line (anything in it already
    accepted is a duplicate): one that reuses the name starts with another
    event, or lies in another directory (two days' `day.jsonl` may well start
    alike). A file moved to another directory is read again, as a new input.
    """
    if not is_regular_file(path):
        return None  # stdin, a pipe (`<(zcat …)`), a FIFO: read once, not resumable
    try:
        with open_input(path) as handle:
            head = handle.readline(IDENTITY_BYTES)
    except UNREADABLE_INPUT as error:
        raise unreadable(path, error) from None
    folder = str(Path(path).resolve().parent).encode()
    return f"file:{stored_name(path)}:{short_hash(folder)}:{short_hash(head)}"


@lru_cache(maxsize=64)
def stored_name(path: str) -> str:
    """A file's name as the ledger stores it (in each message's origin and its
    input position): bytes that are not UTF-8 (a name from another system) as
    U+FFFD, which SQL text and JSON can hold; control characters as \\uXXXX,
    which no terminal acts on when `rejections` prints the name; and anything
    shaped like personal data redacted, as the store holds none (a name may
    carry an e-mail address)."""
    name = Path(path).name
    stored = redact(printable(name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")))
    if stored == name:
        return name
    # Two names that differ only where they were changed stay two inputs. A
    # slow hash: 32 bits of a fast one gave a redacted phone number back in
    # minutes by trying every one (10^8).
    slow = hashlib.pbkdf2_hmac("sha256", os.fsencode(name), b"rnd-ledger file name", 200_000)
    return f"{stored}#{slow[:4].hex()}"


def short_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def recorded_line(ledger: Ledger, name: str | None) -> int:
    """The last line of input `name` the store recorded. Positions recorded
    before 2026-11-25 were kept under the name without the directory; they
    still count, for the file they were recorded for."""
    if not name:
        return 0
    file_name, _, first_line = name.rsplit(":", 2)
    return ledger.resume_point(name) or ledger.resume_point(f"{file_name}:{first_line}")


def numbered_lines(handle: Iterable[bytes], skip_through: int) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(handle, start=1):
        if number <= skip_through:
            continue
        line = line.rstrip(b"\r\n")
        if not is_blank(line):
            yield number, line


def is_blank(line: bytes) -> bool:
    """Skipped and not counted (the contract): whitespace only, after a UTF-8
    BOM, which is ignored (an editor may write one on every line)."""
    return not line.removeprefix(UTF8_BOM).strip()


def whole_line_chunks(handle: BinaryIO, held: list[int]) -> Iterator[list[bytes]]:
    """A file's lines, a chunk at a time, up to the first without a newline
    (the end, when it was read), less that one if it is no JSON yet: a file
    still being written ends in part of a line, which a later run reads whole.
    Judged now, it would be recorded as malformed_json, and the file's
    recorded position would pass it. Its line number goes to `held`. Nothing
    after it is read: what the writer appends meanwhile would continue that
    line, not start the next."""
    number = 0
    for chunk in line_chunks(handle):
        last = chunk[-1]
        if last.endswith(b"\n"):
            number += len(chunk)
            yield chunk
            continue
        if not is_blank(last) and not is_json(last):
            held.append(number + len(chunk))
            chunk.pop()
        if chunk:
            yield chunk
        return


def line_chunks(handle: BinaryIO) -> Iterator[list[bytes]]:
    """A plain file's lines in lists of about CHUNK_BYTES: a list a line at a
    time, through one generator, not three, cut the main thread's reading
    (best of five: 0.24 against 0.29 s for 200,000 lines)."""
    while chunk := handle.readlines(CHUNK_BYTES):
        yield chunk


def single_lines(handle: BinaryIO) -> Iterator[list[bytes]]:
    """A .gz's or a pipe's lines one at a time: what is read before a damaged
    block is still recorded, and a line piped in is read as it comes."""
    for line in handle:
        yield [line]


def is_json(line: bytes) -> bool:
    try:
        msgspec.json.decode(line)
    except msgspec.DecodeError:
        return False
    except RecursionError:  # too deeply nested to read here: the screening judges it
        return True
    return True


def check_not_shorter(ledger: Ledger, path: str) -> None:
    """A file that ends before the line the store recorded for it is not the
    one ingested before (rewritten under the same name and first line), or the
    store's input position was altered. Its lines would be skipped unread, and
    the recorded position never moves back, so a re-read under the same name
    would skip lines appended later: refused before anything is stored."""
    recorded = recorded_line(ledger, input_name(path))
    if not recorded:
        return
    lines = 0
    try:
        with open_input(path) as handle:
            for _ in handle:
                lines += 1
    except UNREADABLE_INPUT as error:
        if lines < recorded:  # else the ingest meets it after what is recorded, and says so
            raise unreadable(path, error, f" (after line {lines:,})") from None
    if lines < recorded:
        raise InputError(
            f"{path} has {lines:,} lines, but the store records it read through line "
            f"{recorded:,}: it is not the file ingested before, or the store was altered "
            "(run rnd-ledger verify); to read it, give it another file name "
            "(lines already accepted come back as duplicates)"
        )


def ingest_file(
    intake: Intake,
    path: str,
    summary: Summary,
    required_source: str | None = None,
    on_progress: Callable[[FileProgress], None] | None = None,
    batch_lines: int | None = None,
    from_start: bool = False,
    waiting: Callable[[str], None] = lambda held: None,
) -> int:
    """Ingest one JSONL file, resuming after its last recorded line (returned).

    `from_start`: read it from line 1 anyway, after rejected lines were
    corrected in place; what was accepted comes back as duplicates, what was
    rejected is evaluated again (contract rule 2). Another run of the same
    file holds its lock (`store.input_locks`): `waiting` is called, and this
    run resumes after what that one recorded."""
    name = input_name(path)
    lock = input_lock(intake.ledger.env, name, waiting) if name else nullcontext()
    with lock:
        return ingest_from(
            intake, path, name, summary, required_source, on_progress, batch_lines, from_start
        )


def ingest_from(
    intake: Intake,
    path: str,
    name: str | None,
    summary: Summary,
    required_source: str | None,
    on_progress: Callable[[FileProgress], None] | None,
    batch_lines: int | None,
    from_start: bool,
) -> int:
    recorded = recorded_line(intake.ledger, name)
    resume = 0 if from_start else recorded
    regular = is_regular_file(path)
    size = Path(path).stat().st_size if regular and not is_gzip_name(path) else None
    label = "<stdin>" if path == STDIN else stored_name(path)
    long_input = size is None or size > LONG_INPUT_BYTES
    held: list[int] = []  # a last line still being written (`whole_line_chunks`)
    with open_input(path) as handle, AheadScreener(start_worker=long_input) as screener:
        # A .gz ends with a trailer (a cut-off one fails to read): it is complete.
        chunks = (
            whole_line_chunks(handle, held)
            if regular and not is_gzip_name(path)
            else single_lines(handle)
        )
        batches = read_batches(chunks, resume, label, required_source, batch_lines or BATCH_LINES)
        screened = (
            (batch, position_after(name, batch, recorded), checks)
            for batch, checks in screener.ahead(batches)
        )
        try:
            for batch, outcomes in PipelinedIntake(intake).run(screened):
                summary.add(outcomes)
                if on_progress:
                    end = cast(LineBatch, batch).end  # run() hands back the batch it was given
                    on_progress(FileProgress(label, batch[-1].origin["line"], end, size))
        except UNREADABLE_INPUT as error:
            kept = recorded_line(intake.ledger, name)
            where = f" (lines 1-{kept:,} are recorded; a re-run resumes after them)" if kept else ""
            raise unreadable(path, error, where) from None
    for number in held:
        summary.notes.append(
            f"{label}: line {number:,} has no newline yet and is not JSON yet, so it was left "
            "unread: the file may still be being written, and the next run reads it (end "
            "it with a newline to have it judged as it is)"
        )
    return resume


def position_after(name: str | None, batch: list[Message], recorded: int) -> list[Tracking]:
    """The input position a batch records, if it moves the recorded one on
    (a file read again from the start passes lines already recorded)."""
    last = batch[-1].origin["line"]
    return [Tracking(name, last)] if name and last > recorded else []


class LineBatch(list[Message]):
    """A batch of lines, and how far into the file its last line ends: progress
    is reported once a batch is committed, by when the reader (and the
    screening worker) are a batch or two further on."""

    end = 0


def read_batches(
    chunks: Iterable[list[bytes]],
    resume: int,
    label: str,
    required_source: str | None,
    size: int,
) -> Iterator[LineBatch]:
    """The lines of `chunks` after line `resume`, blank ones left out, in
    batches of `size` lines or BATCH_BYTES, each with the bytes read through
    its last line."""
    batch = LineBatch()
    batch_bytes = 0
    number = offset = 0
    for chunk in chunks:
        for line in chunk:
            number += 1
            offset += len(line)
            if number <= resume or not line or line.isspace():
                continue
            if line[0] == 0xEF and is_blank(line):  # `isspace` first: no call per line
                continue
            line = line.rstrip(b"\r\n")
            batch.append(Message(line, {"file": label, "line": number}, required_source))
            batch_bytes += len(line)
            if len(batch) >= size or batch_bytes >= BATCH_BYTES:
                batch.end = offset
                yield batch
                batch, batch_bytes = LineBatch(), 0
    if batch:
        batch.end = offset
        yield batch
