"""Failed offset commits (harmless: the ledger holds the positions) are said,
not shouted: right after an assignment they come dozens a second."""

from kafka import TopicPartition
from kafka.errors import NodeNotReadyError

from consumers import kafka_offsets
from consumers.kafka_offsets import GroupOffsets


def test_failed_commits_are_said_once_per_interval(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(kafka_offsets.time, "monotonic", lambda: now[0])
    lines: list[str] = []
    offsets = GroupOffsets(consumer=None, log=lines.append)  # type: ignore[arg-type]
    partition = {TopicPartition("t", 5): 7}
    for _ in range(25):
        offsets.committed(partition, NodeNotReadyError())
    offsets.committed(partition, None)  # a success says nothing
    assert lines == [
        "offset commit to the group failed for t:5 (NodeNotReadyError); "
        "harmless: the ledger holds the positions"
    ]
    now[0] += kafka_offsets.SAY_FAILURES_EVERY_SECONDS
    offsets.committed(partition, NodeNotReadyError())
    assert lines[1] == (
        "offset commit to the group failed for t:5 (NodeNotReadyError); 24 more since the "
        "last such line; harmless: the ledger holds the positions"
    )
