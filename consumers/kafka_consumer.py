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

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eventsourcing.persistence import PersistenceError
from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from consumers.dead_letters import DeadLetters, Interrupted
from consumers.intake import Intake, Outcome, Summary
from consumers.kafka_batch import Batch, Pending, raws, tracking_name
from consumers.kafka_common import ConsumeSettings, connect
from consumers.kafka_progress import Progress
from consumers.screening import AheadScreener
from domain.ledger import ConcurrentWrite

MAX_ATTEMPTS = 5
POLL_MS = 200
JOIN_GRACE_SECONDS = 30.0  # --until-idle: how long to wait for a first assignment
COMMIT_TIMEOUT_MS = 5_000
RETRY_FIRST_SECONDS = 0.2  # poll failing while the broker is away: back off up to
RETRY_MAX_SECONDS = 5.0
LOG_TROUBLE_SECONDS = 10.0


class LedgerPositions(ConsumerRebalanceListener):
    """Seeks assigned partitions to the ledger's positions (runs inside poll)."""

    def __init__(self, ingest: "KafkaIngest") -> None:
        self.ingest = ingest

    def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        self.ingest.revoked(revoked)

    def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        self.ingest.assigned(assigned)


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
        self.failure: PersistenceError | None = None  # the store failed in a rebalance
        self.backoff = RETRY_FIRST_SECONDS
        self.trouble_logged = float("-inf")
        self.generation = 0
        self.assigned_once = False
        self.positions: dict[TopicPartition, int] = {}
        self.started = self.last_activity = time.monotonic()
        self.first_record_at: float | None = None
        self.last_commit_at: float | None = None
        self.unsealed = 0
        self.progress = Progress(self, settings.log_every)
        self.screener = AheadScreener()
        self.consumer: KafkaConsumer = connect(
            KafkaConsumer, settings.bootstrap_servers, **settings.consumer_settings()
        )
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
        self.consumer.subscribe(list(self.settings.topics), listener=LedgerPositions(self))
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
                if pending is None and self.idle():
                    self.log(f"no message for {self.settings.until_idle:g} s: stopping")
                    break
                self.progress.maybe_log()
            if self.failure is not None:
                raise self.failure
            if pending is not None:  # the batch in hand
                self.apply_pending(pending)
        except Interrupted as interrupted:
            self.incomplete = True
            self.log(
                f"stopped before the batch in hand was committed ({interrupted}); "
                "it will be read again on the next run"
            )
        finally:
            self.progress.log_line()
            self.maybe_seal(final=True)
            self.commit_final()
            self.close()
        return self.summary

    def close(self) -> None:
        self.screener.close()
        try:
            self.consumer.close(autocommit=False)
        except KafkaError as error:  # leaving the group needs the broker; the ledger does not
            self.log(f"closing the consumer: {type(error).__name__} (harmless)")
        finally:
            if self.dead_letters:
                self.dead_letters.close()

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
        # Nothing decided is in hand: batches are applied between polls. A batch
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
                self.broker_trouble(error)  # the broker is away: wait, keep what is held
                break
            self.backoff = RETRY_FIRST_SECONDS
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

    def broker_trouble(self, error: KafkaError) -> None:
        """A retriable error from poll (kafka-python 3 raises them while the broker
        is unreachable): log at most every LOG_TROUBLE_SECONDS, back off, go on."""
        now = time.monotonic()
        if now - self.trouble_logged >= LOG_TROUBLE_SECONDS:
            self.trouble_logged = now
            reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            self.log(f"broker: {reason}; retrying (nothing is lost: the ledger keeps positions)")
        deadline = now + self.backoff
        while time.monotonic() < deadline and not self.stopping:
            time.sleep(0.05)
        self.backoff = min(self.backoff * 2, RETRY_MAX_SECONDS)

    def apply_pending(self, pending: "Pending") -> None:
        if pending.generation != self.generation:
            # A rebalance since: every partition was sought back to the ledger's
            # position, so these records come again (to us or to another member).
            if pending.screening is not None:
                pending.screening.cancel()
            return
        raws_held = raws(pending.held)
        self.apply(pending.held, self.screener.result(pending.screening, raws_held))

    def apply(
        self, held: Mapping[TopicPartition, Sequence[Any]], screened: Sequence[Any] | None = None
    ) -> None:
        """Decide, dead-letter and commit one batch. Records the ledger already has
        (another consumer of the group got there first in a rebalance) are skipped;
        a batch that loses a race with another writer is decided again."""
        owners = self.settings.topic_owners
        if screened is None:
            screened = self.screener.result(None, raws(held))
        forwarded: set[tuple[str, int, int]] = set()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            floor = self.recorded(held)
            self.log_skipped(held, floor)
            batch = Batch.of(held, owners, floor, screened)
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
            except ConcurrentWrite:
                if attempt == MAX_ATTEMPTS:
                    raise
                self.log(f"batch conflicted with another writer (attempt {attempt}); retrying")
        self.summary.add(outcomes)
        self.progress.count(outcomes)
        self.positions.update(floor)
        self.positions.update(batch.next_offsets)
        self.last_commit_at = self.last_activity = time.monotonic()
        self.commit_offsets(batch.next_offsets)
        self.unsealed += sum(1 for o in outcomes if o.status != "duplicate")  # stored records
        self.maybe_seal()

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

    def log_skipped(self, held: Mapping[TopicPartition, Sequence[Any]], floor: Mapping) -> None:
        for tp, records in held.items():
            if not records or records[0].offset >= floor[tp]:
                continue
            skipped = sum(1 for r in records if r.offset < floor[tp])
            if skipped:
                self.log(
                    f"{tp.topic}:{tp.partition}: skipped {skipped:,} records below offset "
                    f"{floor[tp]:,}, which the ledger has already recorded"
                )

    def recorded(self, held: Mapping[TopicPartition, Any]) -> dict[TopicPartition, int]:
        return {tp: self.intake.ledger.resume_point(tracking_name(*tp)) for tp in held}

    def commit_offsets(self, next_offsets: Mapping[TopicPartition, int]) -> None:
        """Tell the group how far we are, for lag monitors; asynchronously, since
        the ledger already holds the positions and a slow broker must not stall us."""
        if not next_offsets:
            return
        offsets = {tp: OffsetAndMetadata(o, "", -1) for tp, o in next_offsets.items()}
        try:
            self.consumer.commit_async(offsets, callback=self.offsets_committed)
        except KafkaError as error:
            self.offsets_committed(offsets, error)

    def offsets_committed(self, offsets: Mapping[TopicPartition, Any], response: Any) -> None:
        if isinstance(response, Exception):
            where = ", ".join(f"{tp.topic}:{tp.partition}" for tp in offsets)
            self.log(
                f"offset commit to the group failed for {where} ({type(response).__name__}); "
                "harmless: the ledger holds the positions"
            )

    def commit_final(self) -> None:
        """At shutdown: the positions of the partitions still ours, synchronously."""
        try:
            assigned = self.consumer.assignment()
        except KafkaError:
            return
        offsets = {
            tp: OffsetAndMetadata(o, "", -1) for tp, o in self.positions.items() if tp in assigned
        }
        if not offsets:
            return
        try:
            self.consumer.commit(offsets, timeout_ms=COMMIT_TIMEOUT_MS)
        except KafkaError as error:
            self.offsets_committed(offsets, error)

    def maybe_seal(self, final: bool = False) -> None:
        if self.seal is None or not self.unsealed:
            return
        if final or self.unsealed >= self.seal_every:
            self.seal()
            self.unsealed = 0

    def lag(self) -> dict[TopicPartition, int | None]:
        lags: dict[TopicPartition, int | None] = {}
        for tp, position in sorted(self.positions.items()):
            try:
                high = self.consumer.highwater(tp)
            except KafkaError:
                high = None
            lags[tp] = None if high is None else max(high - position, 0)
        return lags
