"""How long a batch that loses a race with another writer is tried again.

Two writers that record facts about the same subjects (two `ingest` runs of
different files or pipes, or `ingest` beside `consume`) can conflict: the
batch that commits second was decided on state the first one changed, so it
is decided again. Retried at once, the two tend to conflict again in step,
batch after batch; so each retry waits a random pause that grows to half a
second. `ingest` gives a batch up after a minute of losing
(`WriterContention`: the command ends with one line, and what was committed
before is kept); `consume`, a service that must outlast a bulk ingest on the
same subjects, only 5 s after a stop was asked for.
"""

import random
import time
from collections.abc import Callable, Iterator

from store.drivers import first_line

RETRY_SECONDS = 60.0
WHILE_STOPPING_SECONDS = 5.0
FIRST_PAUSE_SECONDS = 0.005
LONGEST_PAUSE_SECONDS = 0.5


class WriterContention(Exception):
    """A batch lost every race with other writers until it was given up."""

    def __init__(self, seconds: float, last: BaseException | None) -> None:
        why = first_line(last) if last is not None else "a conflict"
        super().__init__(
            f"a batch could not be written for {seconds:.0f} s: each time, another writer had "
            f"recorded facts about the same subjects first (last: {why}); committed batches "
            "are kept: re-run to resume"
        )


class Attempts:
    """Attempt numbers: the first at once, each later one after a random pause,
    until RETRY_SECONDS have passed since the first, or WHILE_STOPPING_SECONDS
    after `stopping()` turned true."""

    def __init__(
        self, stopping: Callable[[], bool] = lambda: False, seconds: float | None = None
    ) -> None:
        """`seconds`: how long to keep trying (default RETRY_SECONDS; `consume`,
        a service, keeps trying until it is asked to stop: math.inf)."""
        self.stopping = stopping
        self.limit = seconds
        self.started = time.monotonic()

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def __iter__(self) -> Iterator[int]:
        deadline = self.started + (RETRY_SECONDS if self.limit is None else self.limit)
        attempt = 1
        while True:
            yield attempt
            if self.stopping():
                deadline = min(deadline, time.monotonic() + WHILE_STOPPING_SECONDS)
            if time.monotonic() >= deadline:
                return
            longest = min(LONGEST_PAUSE_SECONDS, FIRST_PAUSE_SECONDS * 2**attempt)
            time.sleep(random.uniform(0, longest))
            attempt += 1


def worth_a_line(attempt: int) -> bool:
    """Attempts 1, 2, 4, 8…: a line about a losing streak, not a flood of them."""
    return attempt & (attempt - 1) == 0
