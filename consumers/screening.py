"""Screening the next batch in a worker process while this one is written.

The contract's ledger-free checks (`contract.screen`) are pure CPU, and so is
most of deciding and writing a batch; a second process puts the second core
to work, for `ingest` (files) and `consume` (Kafka) alike. `consume` starts
the worker while it waits for its group (`warm_up`); otherwise the first
batch is screened in the calling process, so short runs start no process. A
worker that breaks (killed, out of memory) is not fatal: screening falls back
to the caller. A worker whose parent was killed exits by itself.
"""

import gc
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from contract.screen import Screened, pack, screen, unpack
from domain.identities import identify

PARENT_CHECK_SECONDS = 1.0


def worker_setup(parent: int) -> None:
    """Ctrl-C, or a service manager's SIGTERM, reaches the whole process group:
    the consumer decides when to stop. And a consumer killed outright (SIGKILL)
    must not leave its worker behind. Screening makes no reference cycles: the
    cyclic collector only costs time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    gc.disable()
    threading.Thread(target=exit_with_parent, args=(parent,), daemon=True).start()


def exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def screen_and_identify(raws: list[bytes]) -> bytes:
    """In the worker: screen a batch, name each fact's aggregate, pack it."""
    screened = [screen(raw) for raw in raws]
    identify(screened)
    return pack(screened)


class AheadScreener:
    def __init__(self, start_worker: bool = False) -> None:
        """`start_worker`: start the worker process now (for a long input), so
        that it is ready by the second batch; the first is screened here anyway."""
        self.pool: ProcessPoolExecutor | None = None
        self.enabled = True
        self.first = True
        if start_worker:
            self.submit([])

    def warm_up(self) -> None:
        """Start the worker now: a consumer waits seconds for its group anyway,
        so the worker's start costs nothing there, and every batch goes ahead."""
        self.first = False
        self.submit([])

    def start(self, raws: list[bytes]) -> "Future[bytes] | None":
        """Begin screening a batch in the worker; None: screen it when it is applied."""
        if self.first:  # small runs start no process
            self.first = False
            return None
        return self.submit(raws)

    def submit(self, raws: list[bytes]) -> "Future[bytes] | None":
        if not self.enabled:
            return None
        try:
            if self.pool is None:
                self.pool = ProcessPoolExecutor(
                    1,
                    mp_context=get_context("spawn"),
                    initializer=worker_setup,
                    initargs=(os.getpid(),),
                )
            return self.pool.submit(screen_and_identify, raws)
        except (RuntimeError, OSError):
            self.enabled = False
            return None

    def result(self, future: "Future[bytes] | None", raws: list[bytes]) -> list[Screened]:
        """The screened messages of a batch, from the worker or screened here."""
        if future is not None:
            try:
                return unpack(future.result())
            except Exception:  # a broken worker: carry on without it
                self.enabled = False
        return [screen(raw) for raw in raws]

    def close(self) -> None:
        """Stop the worker and wait for the pool's manager thread to end.
        Not waiting races Python 3.11's exit hook, which may wake that thread
        through a pipe the thread is closing: "Bad file descriptor" and a
        traceback on stderr after the run's last line. The wait is short: no
        batch is left to screen, and the exit would join the thread anyway."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> "AheadScreener":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def ahead(self, batches: Iterator[list[Any]]) -> Iterator[tuple[list[Any], list[Screened]]]:
        """Each batch (of messages with `.raw`) with its screening, the next
        one already being screened in the worker while the caller writes."""
        pending: tuple[list[Any], Future[bytes] | None, list[bytes]] | None = None
        for batch in batches:
            raws = [message.raw for message in batch]
            future = self.start(raws)
            if pending is not None:
                yield pending[0], self.result(pending[1], pending[2])
            pending = (batch, future, raws)
        if pending is not None:
            yield pending[0], self.result(pending[1], pending[2])
