"""Shared pieces of the benchmarks: timing, tables, demo data in bulk."""

import os
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo.generate import generate


@dataclass
class Row:
    measurement: str
    count: int
    seconds: float
    ceiling_seconds: float | None
    goal: str
    met: bool | None

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> str:
        if not self.ceiling_seconds:
            return "-"
        return f"{self.ceiling_seconds / self.seconds:.2f}"


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds `action` took, and its result. Files written before (the data,
    an earlier measurement's database) are flushed first: otherwise the
    kernel writes them back during the timed run, and it pays for them."""
    os.sync()
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def print_table(title: str, rows: Sequence[Row]) -> None:
    print(f"\n### {title}\n")
    print("| measurement | count | seconds | per second | ratio to ceiling | goal | met |")
    print("|---|---:|---:|---:|---:|---|---|")
    for row in rows:
        met = "-" if row.met is None else ("yes" if row.met else "**no**")
        print(
            f"| {row.measurement} | {row.count:,} | {row.seconds:.2f} | {row.rate:,.0f} | "
            f"{row.ratio} | {row.goal} | {met} |"
        )


def demo_lines(count: int, seed: int = 0) -> Iterator[bytes]:
    """`count` contract lines from the national demo; past its end, copies whose
    ids are relabelled (DEMO- → DEMOn-) so every copy is new to the ledger."""
    produced, copy = 0, 0
    while produced < count:
        prefix = b"DEMO-" if copy == 0 else f"DEMO{copy}-".encode()
        for line in generate("national", seed):
            if produced == count:
                return
            yield line if copy == 0 else line.replace(b"DEMO-", prefix)
            produced += 1
        copy += 1


def write_lines(path: Path, lines: Iterator[bytes]) -> int:
    written = 0
    with path.open("wb") as handle:
        for line in lines:
            handle.write(line)
            written += 1
    return written


def child_peak_rss_mb() -> float:
    """Peak RSS of the largest child process waited for so far (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
