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


def test_until_idle_says_when_no_partition_was_ever_assigned():
    """A group stuck in its broker (or every partition held by another member)
    stopped with 'no message for 2 s', as if the topic were empty."""
    from consumers.kafka_common import ConsumeSettings, idle_line

    settings = ConsumeSettings("127.0.0.1:9092", ["t"], "ledger", until_idle=2.0)
    assert idle_line(settings, True, 30.0) == "no message for 2 s: stopping"
    assert idle_line(settings, False, 30.0) == (
        "no partition was assigned to this consumer within 32 s: stopping (does another "
        "member of group 'ledger' hold them all, or is the group stuck in the broker?)"
    )
