"""Plain-text output helpers shared by the commands: tables, numbers, output files."""

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TextIO

import orjson

from rnd_ledger.errors import CommandError

PROGRESS_EVERY_SECONDS = 2.0


class Pace:
    """When a long run's next progress line is due (every couple of seconds),
    and its rate since it started."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()

    def due(self) -> bool:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS:
            return False
        self.last = now
        return True

    def rate(self, done: int) -> float:
        return done / max(self.last - self.started, 1e-9)


def json_document(value: Any) -> bytes:
    """`value` as indented JSON and a newline: orjson, or the standard library's
    encoder when a number is past orjson's 64 bits (sums of money may be: the
    contract allows 10^16 KRW a field). Both print the same text otherwise."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n"
    except TypeError:
        return json.dumps(value, indent=2, ensure_ascii=False).encode() + b"\n"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO | None = None) -> None:
    """Print an aligned text table (numbers right-aligned)."""
    out = out or sys.stdout
    cells = [[format_cell(value) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    numeric = [
        all(isinstance(r[i], int | float) for r in rows) and rows for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if numeric[i] else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    print(line(list(headers)), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in cells:
        print(line(row), file=out)


def format_cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def status(text: str) -> None:
    """A progress or status line for people: on stderr, so stdout stays data."""
    print(text, file=sys.stderr, flush=True)


@contextmanager
def writing_to(out: str, what: str) -> Iterator[None]:
    """A file that cannot be written (a directory, no such folder, a full
    disk) is one line naming it; stdout (`-`) is left to the entry point."""
    try:
        yield
    except OSError as error:
        if out == "-":
            raise
        raise CommandError(f"cannot write {what} to {out}: {error.strerror}") from None


@contextmanager
def whole_or_nothing(out: str) -> Iterator[IO[bytes]]:
    """`out` opened for writing, and replaced only once all of it is written:
    an export stopped half-way (an altered record, Ctrl-C) leaves the file as
    it was, not a part of the history that a reader may take for all of it.
    A path that is no plain file (a FIFO, /dev/stdout) or a link is written
    as it is."""
    path = Path(out)
    if path.is_symlink() or (path.exists() and not path.is_file()):
        with open(out, "wb") as target:
            yield target
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as target:
            if path.exists():
                shutil.copymode(path, partial)
            yield target
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
