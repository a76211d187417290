"""What `consume` tells its consumer group about offsets, and the lag it reports.

The ledger holds the true positions; offsets committed to the group are for
monitoring tools only, so failing to commit them is logged and harmless.
"""

from collections.abc import Callable, Mapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

COMMIT_TIMEOUT_MS = 5_000


class GroupOffsets:
    def __init__(self, consumer: KafkaConsumer, log: Callable[[str], None]) -> None:
        self.consumer = consumer
        self.log = log

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
        if isinstance(response, Exception):
            where = ", ".join(f"{tp.topic}:{tp.partition}" for tp in offsets)
            self.log(
                f"offset commit to the group failed for {where} ({type(response).__name__}); "
                "harmless: the ledger holds the positions"
            )

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
