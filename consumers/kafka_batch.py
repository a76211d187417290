"""A Kafka batch as the intake sees it: messages with their origins, one
tracking position per topic-partition, and (if done ahead) their screening."""

from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Tracking
from kafka import TopicPartition

from consumers.intake import Message, Outcome
from contract.screen import Screened

# Records as polled, by topic-partition (kafka-python's ConsumerRecords).
Held = Mapping[TopicPartition, Sequence[Any]]
# The next offset the ledger has recorded, by topic-partition.
Floor = Mapping[TopicPartition, int]


def tracking_name(topic: str, partition: int) -> str:
    return f"kafka:{topic}:{partition}"


@dataclass
class Batch:
    """Records of several partitions, as messages with their tracking positions."""

    records: list[Any]
    messages: list[Message]
    trackings: list[Tracking]
    next_offsets: dict[TopicPartition, int]
    screened: list[Screened]  # the messages' ledger-free checks

    @classmethod
    def of(
        cls,
        held: Held,
        owners: Mapping[str, str],
        floor: Mapping[TopicPartition, int],
        screened: Sequence[Screened],
    ) -> "Batch":
        """`floor`: per partition, the first offset not yet in the ledger;
        `screened`: one per held record, in the order of `held`."""
        batch = cls([], [], [], {}, [])
        start = 0
        for tp, records in held.items():
            low = floor.get(tp, 0)
            if records and records[0].offset >= low:  # the usual case: all of them are new
                fresh, kept = list(records), screened[start : start + len(records)]
            else:
                keep = [i for i, r in enumerate(records) if r.offset >= low]
                fresh, kept = [records[i] for i in keep], [screened[start + i] for i in keep]
            start += len(records)
            if not fresh:
                continue
            batch.screened.extend(kept)
            topic, partition, owner = tp.topic, tp.partition, owners.get(tp.topic)
            for r in fresh:
                where = {"topic": topic, "partition": partition, "offset": r.offset}
                batch.messages.append(Message(r.value or b"", where, owner))
            batch.records.extend(fresh)
            batch.next_offsets[tp] = fresh[-1].offset + 1
            batch.trackings.append(Tracking(tracking_name(*tp), fresh[-1].offset + 1))
        return batch


def skipped(held: Held, floor: Floor) -> list[str]:
    """Log lines for records below the ledger's positions (`Batch.of` leaves them out)."""
    lines = []
    for tp, records in held.items():
        if not records or records[0].offset >= floor[tp]:
            continue
        count = sum(1 for r in records if r.offset < floor[tp])
        lines.append(
            f"{tp.topic}:{tp.partition}: skipped {count:,} records below offset "
            f"{floor[tp]:,}, which the ledger has already recorded"
        )
    return lines


def raws(held: Held) -> list[bytes]:
    return [r.value or b"" for records in held.values() for r in records]


@dataclass
class Pending:
    """A collected batch waiting for the one before it to be written."""

    held: Held
    screening: "Future[bytes] | None"
    generation: int


@dataclass
class InFlight:
    """A decided batch being written (`WriteAhead`), with what it takes to
    account for it, or to apply it again if it lost a race."""

    held: Held
    screened: Sequence[Screened]
    batch: Batch
    floor: Mapping[TopicPartition, int]
    outcomes: list[Outcome]
    forwarded: set[tuple[str, int, int]]
