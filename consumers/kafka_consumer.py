"""`rnd-ledger consume`: Kafka topics into the ledger, exactly once in effect.

The ledger, not the broker, is the truth about what was consumed. Each batch
of records is decided and written in one transaction together with one
tracking position per topic-partition (`kafka:<topic>:<partition>` =
offset + 1 of the last record applied). When partitions are assigned, each is
sought to the position the ledger recorded; Kafka offsets are committed after
the ledger commit, for monitoring tools only. A record delivered twice
(redelivery, rebalance, restart, or the same event by file) has no effect:
its event_id is already in the ledger.

While batch N is decided and written, batch N+1 is already collected and
screened in a worker process (`consumers.screening`); a rebalance in between
drops it, since every partition is then sought back to the ledger's position.

The loop follows Quix Streams': commit only after success; the error policy
is the intake's (every message ends accepted, duplicate or rejected); every
log line about a record names topic, partition and offset.
"""

import gc
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import PersistenceError
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from consumers.conflicts import Attempts, worth_a_line
from consumers.dead_letters import DeadLetters, Interrupted
from consumers.intake import Intake, Outcome, Summary
from consumers.kafka_batch import (
    Batch,
    Floor,
    Held,
    InFlight,
    Pending,
    raws,
    skipped,
    tracking_name,
)
from consumers.kafka_common import BrokerTrouble, ConsumeSettings, connect, idle_line
from consumers.kafka_offsets import GroupOffsets, Rebalances
from consumers.kafka_progress import Progress
from consumers.pipeline import WriteAhead
from consumers.screening import AheadScreener
from domain.ledger import ConcurrentWrite

POLL_MS = 200
JOIN_GRACE_SECONDS = 30.0  # --until-idle: how long to wait for a first assignment


class KafkaIngest:
    """The consume loop: collect a batch, decide, dead-letter, commit, repeat."""

    def __init__(
        self,
        intake: Intake,
        settings: ConsumeSettings,
        log: Callable[[str], None],
        seal: Callable[[], object] | None = None,
        seal_every: int = 10_000,
    ) -> None:
        self.intake = intake
        self.settings = settings
        self.log = log
        # Hook for audit: called after every `seal_every` stored records and at shutdown.
        self.seal = seal
        self.seal_every = seal_every
        self.summary = Summary()
        self.stopping = False
        self.incomplete = False  # stopped with a batch decided but not committed
        self.hurry = False  # a second SIGINT: leave without waiting for the broker
        self.failure: PersistenceError | None = None  # the store failed in a rebalance
        self.trouble = BrokerTrouble(log, lambda: self.stopping)
        self.generation = 0
        self.assigned_once = False
        self.positions: dict[TopicPartition, int] = {}
        self.started = self.last_activity = time.monotonic()
        self.first_record_at: float | None = None
        self.last_commit_at: float | None = None
        self.unsealed = 0
        self.batches = 0
        self.progress = Progress(self, settings.log_every)
        self.screener = AheadScreener()
        self.ahead: WriteAhead[InFlight] = WriteAhead(intake.ledger)
        self.consumer: KafkaConsumer = connect(
            KafkaConsumer, settings.bootstrap_servers, **settings.consumer_settings()
        )
        self.offsets = GroupOffsets(self.consumer, log)
        self.dead_letters: DeadLetters | None = None
        if settings.dead_letter_topic:
            producer = connect(
                KafkaProducer, settings.bootstrap_servers, **settings.producer_settings()
            )
            self.dead_letters = DeadLetters(
                producer, settings.dead_letter_topic, log, lambda: self.stopping
            )

    # Control ---------------------------------------------------------------------
    def stop(self) -> None:
        """Finish the batch in hand, commit, and return from `run` (signal-safe)."""
        self.stopping = True

    def run(self) -> Summary:
        """Collect batch N+1 (its screening starts in the worker), then apply batch N."""
        self.consumer.subscribe(
            list(self.settings.topics), listener=Rebalances(self.assigned, self.revoked)
        )
        self.screener.warm_up()  # while the group forms
        pending: Pending | None = None
        try:
            while not self.stopping:
                held = self.collect()
                screening = self.screener.start(raws(held)) if held else None
                ahead = Pending(held, screening, self.generation)
                if pending is not None:
                    self.apply_pending(pending)
                pending = ahead if held else None
                if not held:  # quiet: account for the write in flight now (offsets, lag)
                    self.settle()
                if pending is None and self.idle():
                    self.log(idle_line(self.settings, self.assigned_once, JOIN_GRACE_SECONDS))
                    break
                self.progress.maybe_log()
            if self.failure is not None:
                raise self.failure
            if pending is not None:  # the batch in hand
                self.apply_pending(pending)
            self.settle()
        except Interrupted as interrupted:
            self.incomplete = True
            self.log(
                f"stopped before the batch in hand was committed ({interrupted}); "
                "it will be read again on the next run"
            )
        except KeyboardInterrupt:
            self.hurry = True
            raise
        finally:
            self.drain()
            self.progress.log_line()
            self.maybe_seal(final=True)
            if not self.hurry:  # the group's offsets are for monitors: not worth a wait
                self.offsets.commit_final(self.positions)
            self.close()
        return self.summary

    def close(self) -> None:
        self.ahead.close()
        self.screener.close()
        try:
            self.consumer.close(autocommit=False, timeout_ms=0 if self.hurry else None)
        except KafkaError as error:  # leaving the group needs the broker; the ledger does not
            self.log(f"closing the consumer: {type(error).__name__} (harmless)")
        finally:
            if self.dead_letters:
                self.dead_letters.close(0 if self.hurry else None)

    @property
    def busy_seconds(self) -> float | None:
        """From the first message read to the last batch committed (None if
        none was): the run less its wait for the group and its idle end."""
        if self.first_record_at is None or self.last_commit_at is None:
            return None
        return self.last_commit_at - self.first_record_at

    def idle(self) -> bool:
        if self.settings.until_idle is None:
            return False
        waited = time.monotonic() - self.last_activity
        limit = self.settings.until_idle
        return waited >= (limit if self.assigned_once else limit + JOIN_GRACE_SECONDS)

    # Rebalance (called from inside poll) ------------------------------------------
    def assigned(self, partitions: Sequence[TopicPartition]) -> None:
        self.generation += 1
        self.assigned_once = True
        self.last_activity = time.monotonic()
        self.positions = {}
        try:
            for tp in partitions:
                position = self.intake.ledger.resume_point(tracking_name(*tp))
                if position:
                    self.consumer.seek(tp, position)
                else:
                    self.consumer.seek_to_beginning(tp)
                self.positions[tp] = position
        except PersistenceError as error:
            # No exception may leave a rebalance callback; stop and report it from run.
            # (Whatever is fetched meanwhile is checked against the ledger before use.)
            self.failure = error
            self.stopping = True
            return
        where = ", ".join(f"{tp.topic}:{tp.partition}@{p}" for tp, p in self.positions.items())
        self.log(f"assigned {where or 'no partitions'} (positions from the ledger)")

    def revoked(self, partitions: Sequence[TopicPartition]) -> None:
        # A batch decided before may still be written meanwhile: it commits with
        # its positions, so whoever reads these partitions next skips it. A batch
        # collected but not yet applied is dropped (apply_pending: new generation).
        self.generation += 1
        self.positions = {}
        if partitions:
            self.log(f"revoked {', '.join(f'{tp.topic}:{tp.partition}' for tp in partitions)}")

    # The batch ------------------------------------------------------------------------
    def collect(self) -> dict[TopicPartition, list[Any]]:
        """Poll until a batch is full or no more records came within batch_wait."""
        held: dict[TopicPartition, list[Any]] = {}
        count = 0
        deadline: float | None = None
        generation = self.generation
        while count < self.settings.batch_size and not self.stopping:
            timeout = POLL_MS if deadline is None else max(0, deadline - time.monotonic()) * 1000
            try:
                polled = self.consumer.poll(
                    timeout_ms=int(timeout), max_records=self.settings.batch_size - count
                )
            except KafkaError as error:
                if not getattr(error, "retriable", False):
                    raise
                self.trouble.wait(error)  # the broker is away: wait, keep what is held
                break
            self.trouble.reset()
            if self.generation != generation:  # a rebalance re-sought every partition
                held, count, generation = {}, 0, self.generation
            if not polled:
                break
            for tp, records in polled.items():
                held.setdefault(tp, []).extend(records)
                count += len(records)
            now = time.monotonic()
            self.last_activity = now
            if self.first_record_at is None:
                self.first_record_at = now
            deadline = deadline or now + self.settings.batch_wait
            if now >= deadline:
                break
        return held

    def apply_pending(self, pending: "Pending") -> None:
        if pending.generation != self.generation:
            # A rebalance since: every partition was sought back to the ledger's
            # position, so these records come again (to us or to another member).
            if pending.screening is not None:
                pending.screening.cancel()
            return
        raws_held = raws(pending.held)
        self.apply_ahead(pending.held, self.screener.result(pending.screening, raws_held))

    def apply(
        self,
        held: Held,
        screened: Sequence[Any] | None = None,
        forwarded: set[tuple[str, int, int]] | None = None,
    ) -> None:
        """Decide, dead-letter and commit one batch. Records the ledger already has
        (another consumer of the group got there first in a rebalance) are skipped;
        a batch that loses a race with another writer is decided again."""
        if screened is None:
            screened = self.screener.result(None, raws(held))
        forwarded = set() if forwarded is None else forwarded
        attempts, conflict = Attempts(lambda: self.stopping, math.inf), None
        for attempt in attempts:
            floor = self.recorded(held)
            batch = self.unrecorded(held, floor, screened)
            if not batch.messages:
                outcomes: list[Outcome] = []
                break
            unit = self.intake.ledger.begin()
            outcomes = self.intake.decide_all(unit, batch.messages, batch.screened)
            try:
                self.forward(batch.records, outcomes, forwarded)
            except BaseException:
                unit.rollback()  # forget the aggregates this batch changed in the cache
                raise
            try:
                unit.commit(batch.trackings)
                break
            except ConcurrentWrite as error:
                conflict = error
                if worth_a_line(attempt):
                    self.log(f"batch conflicted with another writer (attempt {attempt}); retrying")
        else:  # only a stop ends the attempts: not committed, read again next time
            raise Interrupted(f"it kept losing races with another writer: {conflict}")
        self.account(batch, floor, outcomes)

    def apply_ahead(self, held: Held, screened: Sequence[Any]) -> None:
        """`apply`, pipelined as `ingest` is (consumers/pipeline.py): this batch is
        decided while the one before is written in the writer thread, then its own
        write starts and this returns. Dead letters go out once the batch before
        has committed; if that one lost a race, both are applied again in turn."""
        floor = self.recorded(held)
        if (in_flight := self.ahead.work) is not None:  # its positions are not in the ledger yet
            for tp, offset in in_flight.batch.next_offsets.items():
                if tp in floor:
                    floor[tp] = max(floor[tp], offset)
        batch = self.unrecorded(held, floor, screened)
        unit = self.ahead.begin()
        outcomes = self.intake.decide_all(unit, batch.messages, batch.screened)
        if not self.settle():  # the batch before was applied again: so is this one
            self.apply(held, screened)
            return
        if not batch.messages:
            self.account(batch, floor, outcomes)
            return
        forwarded: set[tuple[str, int, int]] = set()
        try:
            self.forward(batch.records, outcomes, forwarded)
        except BaseException:
            self.intake.ledger.forget_all()
            raise
        self.ahead.start(
            unit, batch.trackings, InFlight(held, screened, batch, floor, outcomes, forwarded)
        )

    def unrecorded(self, held: Held, floor: Floor, screened: Sequence[Any]) -> Batch:
        """The batch of the held records past `floor` (what the ledger has);
        those before it are logged as skipped."""
        for text in skipped(held, floor):
            self.log(text)
        return Batch.of(held, self.settings.topic_owners, floor, screened)

    def settle(self) -> bool:
        """Wait for the write in flight and account for it. False if it lost a
        race with another writer and was therefore applied again (`apply`)."""
        written = self.ahead.settle()
        if written is None:
            return True
        in_flight = written.work
        if not written.committed:
            self.log("batch conflicted with another writer; deciding it again")
            self.apply(in_flight.held, in_flight.screened, in_flight.forwarded)
            return False
        self.account(in_flight.batch, in_flight.floor, in_flight.outcomes)
        return True

    def drain(self) -> None:
        """On the way out: let a write in flight finish, and count it if it did."""
        try:
            self.settle()
        except (Exception, Interrupted) as error:  # reported by whoever stopped us
            self.incomplete = True
            self.log(f"the last batch was not committed ({type(error).__name__})")

    def account(self, batch: Batch, floor: Floor, outcomes: list[Outcome]) -> None:
        """After a batch's commit: counts, positions, offsets, seals, garbage."""
        self.summary.add(outcomes)
        self.progress.count(outcomes)
        self.positions.update(floor)
        self.positions.update(batch.next_offsets)
        self.last_commit_at = self.last_activity = time.monotonic()
        self.offsets.commit(batch.next_offsets)
        self.unsealed += sum(1 for o in outcomes if o.status != "duplicate")  # stored records
        self.maybe_seal()
        self.collect_garbage()

    def collect_garbage(self) -> None:
        """The young generation once per batch (what the batch left alive), the
        next one every 100 batches: cheap, and any cycle made is still freed."""
        self.batches += 1
        gc.collect(1 if self.batches % 100 == 0 else 0)

    def forward(
        self, records: list[Any], outcomes: list[Outcome], done: set[tuple[str, int, int]]
    ) -> None:
        if self.dead_letters is None:
            return
        pairs = [
            (r, o)
            for r, o in zip(records, outcomes, strict=True)
            if o.status == "rejected" and (r.topic, r.partition, r.offset) not in done
        ]
        if pairs:
            self.dead_letters.send([r for r, _ in pairs], [o for _, o in pairs])
            done.update((r.topic, r.partition, r.offset) for r, _ in pairs)

    def recorded(self, held: Held) -> dict[TopicPartition, int]:
        return {tp: self.intake.ledger.resume_point(tracking_name(*tp)) for tp in held}

    def maybe_seal(self, final: bool = False) -> None:
        if self.seal is None or not self.unsealed:
            return
        if final or self.unsealed >= self.seal_every:
            self.seal()
            self.unsealed = 0
