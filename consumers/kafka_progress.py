"""The progress line of `consume`: on stderr at a steady interval, with the
rate, the outcome counts so far, consumer lag per partition, and how many
warnings kafka-python logged since the last line (a lost broker shows there)."""

import time
from typing import TYPE_CHECKING

from kafka import TopicPartition

from consumers.intake import Outcome
from consumers.kafka_common import kafka_warnings

if TYPE_CHECKING:
    from consumers.kafka_consumer import KafkaIngest


class Progress:
    """A stderr line at a steady interval: rate, outcome counts, lag per partition."""

    def __init__(self, ingest: "KafkaIngest", every: float) -> None:
        self.ingest = ingest
        self.every = every
        self.last = time.monotonic()
        self.since_last = 0
        self.warnings = kafka_warnings()
        self.behind: set[TopicPartition] = set()  # partitions shorter than the ledger's position

    def count(self, outcomes: list[Outcome]) -> None:
        self.since_last += len(outcomes)

    def maybe_log(self) -> None:
        if time.monotonic() - self.last >= self.every:
            self.log_line()

    def log_line(self) -> None:
        now = time.monotonic()
        rate = self.since_last / max(now - self.last, 1e-9)
        s = self.ingest.summary
        lags = self.ingest.offsets.lag(self.ingest.positions)
        lag = " ".join(
            f"{tp.topic}:{tp.partition}={'?' if n is None else f'{n:,}'}" for tp, n in lags.items()
        )
        for tp, n in lags.items():
            if n is not None and n < 0 and tp not in self.behind:
                self.behind.add(tp)
                self.warn_shorter(tp, self.ingest.positions[tp] + n)
        warnings, self.warnings = kafka_warnings() - self.warnings, kafka_warnings()
        trouble = f"; {warnings:,} kafka warnings (connection?)" if warnings else ""
        self.ingest.log(
            f"consume: {rate:,.0f} events/s; total {s.total:,}: accepted {s.accepted:,}, "
            f"duplicate {s.duplicate:,}, rejected {sum(s.rejected.values()):,}; "
            f"lag {lag or '-'}{trouble}"
        )
        self.last, self.since_last = now, 0

    def warn_shorter(self, tp: TopicPartition, end: int) -> None:
        """A partition that ends before the offset the ledger recorded for it
        was re-created, or its broker lost data: its records below that offset
        are not read (they count as recorded), which must not pass unsaid."""
        recorded = self.ingest.positions[tp]
        self.ingest.log(
            f"{tp.topic}:{tp.partition}: WARNING: the partition ends at offset {end:,}, but the "
            f"ledger has recorded it through offset {recorded - 1:,}: the topic was re-created "
            f"or the broker lost data; records below offset {recorded:,} are not read, so "
            "send new messages to a new topic"
        )
