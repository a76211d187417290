"""Deciding one batch while the one before it is written.

Writing a batch is mostly the database's own work (B-tree inserts, the WAL),
and sqlite3 and psycopg release the GIL while they do it; deciding a batch is
Python. So a writer thread writes batch N while the caller's thread decides
batch N+1, on the state batch N left in the aggregate cache:

- batch N's event ids count as known to batch N+1 (`WriteAhead.begin`),
- subjects batch N touched stay cached until it is written (`Ledger.unsaved`),
- a batch's outcomes are reported only once its transaction has committed,
- if batch N's write fails on a conflict (another writer got there first),
  nothing decided after it stands: the cache is dropped, batch N is processed
  again the ordinary way (with its retries), then batch N+1 is decided again.

Batches are still committed one at a time and in order, each with its input
positions, so a crash leaves the same prefix as the sequential path would.
`WriteAhead` is that mechanism; `PipelinedIntake` (files) and
`KafkaIngest.apply_ahead` (topics) use it with what each must carry along.
"""

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from eventsourcing.persistence import Tracking

from consumers.intake import Intake, Message, Outcome
from contract.screen import Screened
from domain.ledger import ConcurrentWrite, Ledger, UnitOfWork

Work = TypeVar("Work")
ScreenedBatch = tuple[list[Message], list[Tracking], list[Screened]]


@dataclass
class InFlightWrite(Generic[Work]):
    unit: UnitOfWork
    work: Work  # what the caller needs to account for the batch, or to do it again
    future: "Future[None]"


class Settled(NamedTuple, Generic[Work]):
    work: Work
    committed: bool  # False: it lost a race with another writer


class WriteAhead(Generic[Work]):
    """At most one decided batch's transaction running in a writer thread."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="ledger-writer")
        self.in_flight: InFlightWrite[Work] | None = None

    @property
    def work(self) -> Work | None:
        """The work of the batch being written, if any."""
        return self.in_flight.work if self.in_flight is not None else None

    def begin(self) -> UnitOfWork:
        """A unit for the next batch: the one in flight's event ids count as known."""
        return self.ledger.begin(after=self.in_flight.unit if self.in_flight else None)

    def start(self, unit: UnitOfWork, trackings: Sequence[Tracking], work: Work) -> None:
        """Write `unit` in the writer thread; `settle` the one before first."""
        assert self.in_flight is None, "settle the batch in flight first"
        future = self.writer.submit(unit.write, list(trackings))
        self.in_flight = InFlightWrite(unit, work, future)

    def settle(self) -> Settled[Work] | None:
        """Wait for the write in flight: its work, and whether it committed.

        False: it lost a race with another writer; the aggregate cache is
        dropped (it holds state decided on the failed write), and the caller
        does the batch again, then anything it decided after it. None: no write
        was in flight. Any other failure drops the cache and is raised. An
        interrupt (Ctrl-C) while waiting leaves the write in flight, so that
        `abandon`, or a second `settle`, still waits for it and accounts for it."""
        in_flight = self.in_flight
        if in_flight is None:
            return None
        try:
            in_flight.future.result()
        except ConcurrentWrite:
            self.in_flight = None
            self.ledger.forget_all()
            return Settled(in_flight.work, False)
        except Exception:
            self.in_flight = None
            self.ledger.forget_all()
            raise
        self.in_flight = None
        in_flight.unit.release()
        return Settled(in_flight.work, True)

    def abandon(self) -> None:
        """Stopped early: let a write in flight end, and drop the cache, which
        may be ahead of the store."""
        in_flight, self.in_flight = self.in_flight, None
        if in_flight is not None:
            in_flight.future.exception()
        self.ledger.forget_all()

    def close(self) -> None:
        self.writer.shutdown(wait=True)


Decided = tuple[ScreenedBatch, list[Outcome]]


class PipelinedIntake:
    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        self.ledger = intake.ledger

    def run(
        self, batches: Iterable[ScreenedBatch]
    ) -> Iterator[tuple[list[Message], list[Outcome]]]:
        """Each batch's messages and outcomes, in order, once it is committed."""
        ahead: WriteAhead[Decided] = WriteAhead(self.ledger)
        try:
            for batch in batches:
                unit = ahead.begin()
                outcomes = self.decide(unit, batch)
                written = ahead.settle()
                done = self.outcomes(written) if written is not None else None
                if written is not None and not written.committed:  # done again: so is this one
                    unit = self.ledger.begin()
                    outcomes = self.decide(unit, batch)
                self.start(ahead, unit, batch, outcomes)
                if done is not None:
                    yield done
            if (last := ahead.settle()) is not None:
                yield self.outcomes(last)
        except BaseException:  # stopped early (GeneratorExit too)
            ahead.abandon()
            raise
        finally:
            ahead.close()

    def decide(self, unit: UnitOfWork, batch: ScreenedBatch) -> list[Outcome]:
        messages, _, screened = batch
        return self.intake.decide_all(unit, messages, screened)

    def start(
        self,
        ahead: WriteAhead[Decided],
        unit: UnitOfWork,
        batch: ScreenedBatch,
        outcomes: list[Outcome],
    ) -> None:
        ahead.start(unit, batch[1], (batch, outcomes))

    def outcomes(self, written: Settled[Decided]) -> tuple[list[Message], list[Outcome]]:
        """A settled batch's messages and outcomes; if it lost a race, those
        of processing it again the ordinary way."""
        batch, outcomes = written.work
        messages, trackings, screened = batch
        if not written.committed:
            self.intake.on_conflict("a batch lost a race with another writer; deciding it again")
            outcomes = self.intake.process(messages, trackings, screened)
        return messages, outcomes
