"""Leaving a big heap to the operating system when the command exits.

An ingest ends with hundreds of thousands of aggregates in its cache; Python
frees them object by object when the process finishes (0.4 s after 200,000
events, 5% of the command). The console entry point (`cli.entry`) ends the
process with `os._exit` once `main` returned, if a command left its heap
here: the OS takes the memory back at once. The command closes what it
opened before (the ledger, its files, its worker processes), and `entry`
flushes the output, so skipping Python's own shutdown loses nothing.

`main` called in-process (the tests) exits normally, and frees what the last
command left here when it is called again.
"""

import os
import sys
from typing import NoReturn

_left: list[object] = []


def leave_to_the_os(heap: object) -> None:
    """Keep `heap` alive until the process ends, so it is never freed one by one."""
    _left.append(heap)


def forget_left() -> None:
    """Free what an earlier command left (a second `main` in one process)."""
    _left.clear()


def exit_process(code: int) -> NoReturn:
    """Exit with `code`: at once if a heap was left here, else the ordinary way."""
    if not _left:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: main already reported what it could
        pass
    os._exit(code)
