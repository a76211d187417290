"""Deciding one batch while the one before it is written.

Writing a batch is mostly the database's own work (B-tree inserts, the WAL),
and sqlite3 and psycopg release the GIL while they do it; deciding a batch is
Python. So a writer thread writes batch N while the caller's thread decides
batch N+1, on the state batch N left in the aggregate cache:

- batch N's event ids count as known to batch N+1 (`Ledger.begin(after=...)`),
- subjects batch N touched stay cached until it is written (`Ledger.unsaved`),
- a batch's outcomes are reported only once its transaction has committed,
- if batch N's write fails on a conflict (another writer got there first),
  nothing decided after it stands: the cache is dropped, batch N is processed
  again the ordinary way (with its retries), then batch N+1 is decided again.

Batches are still committed one at a time and in order, each with its input
positions, so a crash leaves the same prefix as the sequential path would.
"""

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from eventsourcing.persistence import Tracking

from consumers.intake import Intake, Message, Outcome
from contract.screen import Screened
from domain.ledger import ConcurrentWrite, UnitOfWork

Batch = tuple[list[Message], list[Tracking], list[Screened]]


@dataclass
class Written:
    """A decided batch whose transaction is running in the writer thread."""

    batch: Batch
    unit: UnitOfWork
    outcomes: list[Outcome]
    future: "Future[None]"


class PipelinedIntake:
    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        self.ledger = intake.ledger

    def run(self, batches: Iterable[Batch]) -> Iterator[tuple[list[Message], list[Outcome]]]:
        """Each batch's messages and outcomes, in order, once it is committed."""
        with ThreadPoolExecutor(1, thread_name_prefix="ledger-writer") as writer:
            pending: Written | None = None
            try:
                for batch in batches:
                    unit, outcomes = self.decide(batch, after=pending)
                    written = None
                    if pending is not None:
                        done = self.settle(pending)
                        if done is not pending.outcomes:  # it was done again: so is this one
                            unit, outcomes = self.decide(batch, after=None)
                        written = pending.batch[0], done
                    pending = self.start(writer, batch, unit, outcomes)
                    if written is not None:
                        yield written
                if pending is not None:
                    last, pending = pending, None
                    yield last.batch[0], self.settle(last)
            except BaseException:  # stopped early (GeneratorExit too): the cache may be
                if pending is not None:  # ahead of the store; let the write end first
                    pending.future.exception()
                self.ledger.forget_all()
                raise

    def decide(self, batch: Batch, after: Written | None) -> tuple[UnitOfWork, list[Outcome]]:
        messages, _, screened = batch
        unit = self.ledger.begin(after=after.unit if after is not None else None)
        return unit, self.intake.decide_all(unit, messages, screened)

    def start(
        self, writer: ThreadPoolExecutor, batch: Batch, unit: UnitOfWork, outcomes: list[Outcome]
    ) -> Written:
        return Written(batch, unit, outcomes, writer.submit(unit.write, batch[1]))

    def settle(self, pending: Written) -> list[Outcome]:
        """Wait for a batch's write; its outcomes, or those of doing it again."""
        try:
            pending.future.result()
        except ConcurrentWrite:
            self.ledger.forget_all()  # it holds state decided on the failed write
            messages, trackings, screened = pending.batch
            return self.intake.process(messages, trackings, screened)
        except BaseException:
            self.ledger.forget_all()
            raise
        pending.unit.release()
        return pending.outcomes
