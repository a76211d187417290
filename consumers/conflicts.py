"""How long a batch that loses a race with another writer is tried again.

Two writers that record facts about the same subjects (two `ingest` runs
reading pipes, or `ingest` beside `consume`) can conflict: the batch that
commits second was decided on state the first one changed, so it is decided
again. Retried at once, the two tend to conflict again in step, batch after
batch; so each retry waits a random pause that grows to half a second, and
a batch is given up only after a minute of losing (`WriterContention`: the
command ends with one line, and what was committed before is kept).
"""

import random
import time
from collections.abc import Iterator

RETRY_SECONDS = 60.0
FIRST_PAUSE_SECONDS = 0.005
LONGEST_PAUSE_SECONDS = 0.5


class WriterContention(Exception):
    """A batch lost every race with other writers for RETRY_SECONDS."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"another writer kept recording facts about the same subjects for {seconds:.0f} s, "
            "so a batch could not be written; committed batches are kept: re-run to resume "
            "(from standard input, send again what followed the last recorded line)"
        )


def attempts(seconds: float | None = None) -> Iterator[int]:
    """Attempt numbers: the first at once, each later one after a random pause,
    until `seconds` (default RETRY_SECONDS) have passed since the first."""
    seconds = RETRY_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + seconds
    attempt = 1
    while True:
        yield attempt
        if time.monotonic() >= deadline:
            return
        longest = min(LONGEST_PAUSE_SECONDS, FIRST_PAUSE_SECONDS * 2**attempt)
        time.sleep(random.uniform(0, longest))
        attempt += 1
