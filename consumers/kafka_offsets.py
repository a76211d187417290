"""What `consume` tells its consumer group about offsets, the lag it reports,
and how it hears of the group's rebalances.

The ledger holds the true positions; offsets committed to the group are for
monitoring tools only, so failing to commit them is logged and harmless.
"""

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

COMMIT_TIMEOUT_MS = 5_000
SAY_FAILURES_EVERY_SECONDS = 10.0  # as kafka-python's own warnings are condensed


Partitions = Sequence[TopicPartition]


class Rebalances(ConsumerRebalanceListener):
    """Hands the group's rebalances (which kafka-python runs inside poll) to the
    consume loop, which seeks assigned partitions to the ledger's positions."""

    def __init__(
        self, assigned: Callable[[Partitions], None], revoked: Callable[[Partitions], None]
    ) -> None:
        self.assigned, self.revoked = assigned, revoked

    def on_partitions_revoked(self, revoked: Partitions) -> None:
        self.revoked(revoked)

    def on_partitions_assigned(self, assigned: Partitions) -> None:
        self.assigned(assigned)


class GroupOffsets:
    def __init__(self, consumer: KafkaConsumer, log: Callable[[str], None]) -> None:
        self.consumer = consumer
        self.log = log
        self.unsaid = 0  # failed commits since the last line about them
        self.said_at: float | None = None

    def commit(self, next_offsets: Mapping[TopicPartition, int]) -> None:
        """Tell the group how far we are, for lag monitors; asynchronously, since
        the ledger already holds the positions and a slow broker must not stall us."""
        if not next_offsets:
            return
        offsets = {tp: OffsetAndMetadata(o, "", -1) for tp, o in next_offsets.items()}
        try:
            self.consumer.commit_async(offsets, callback=self.committed)
        except KafkaError as error:
            self.committed(offsets, error)

    def committed(self, offsets: Mapping[TopicPartition, Any], response: Any) -> None:
        """A failed commit is said at most once per SAY_FAILURES_EVERY_SECONDS: right
        after an assignment a coordinator not yet ready fails dozens in a second."""
        if not isinstance(response, Exception):
            return
        now = time.monotonic()
        if self.said_at is not None and now - self.said_at < SAY_FAILURES_EVERY_SECONDS:
            self.unsaid += 1
            return
        where = ", ".join(f"{tp.topic}:{tp.partition}" for tp in offsets)
        more = f"; {self.unsaid:,} more since the last such line" if self.unsaid else ""
        self.log(
            f"offset commit to the group failed for {where} ({type(response).__name__}){more}; "
            "harmless: the ledger holds the positions"
        )
        self.said_at, self.unsaid = now, 0

    def commit_final(self, positions: Mapping[TopicPartition, int]) -> None:
        """At shutdown: the positions of the partitions still ours, synchronously."""
        try:
            assigned = self.consumer.assignment()
        except KafkaError:
            return
        offsets = {
            tp: OffsetAndMetadata(o, "", -1) for tp, o in positions.items() if tp in assigned
        }
        if not offsets:
            return
        try:
            self.consumer.commit(offsets, timeout_ms=COMMIT_TIMEOUT_MS)
        except KafkaError as error:
            self.committed(offsets, error)

    def lag(self, positions: Mapping[TopicPartition, int]) -> dict[TopicPartition, int | None]:
        """Per partition: records behind the high watermark of the last fetch;
        negative when the partition ends before the ledger's position (`Progress`)."""
        lags: dict[TopicPartition, int | None] = {}
        for tp, position in sorted(positions.items()):
            try:
                high = self.consumer.highwater(tp)
            except KafkaError:
                high = None
            lags[tp] = None if high is None else high - position
        return lags
