"""`rnd-ledger ingest FILE… [--source AGENCY]`."""

import argparse
import gc
import os
import shlex
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from audit.seal import ChainFollower, format_seal
from consumers.files import (
    BATCH_LINES,
    STDIN,
    FileProgress,
    check_not_shorter,
    ingest_file,
    is_regular_file,
    open_input,
)
from consumers.intake import Intake, Summary
from contract.policy import load_policy
from rnd_ledger.arguments import (
    BATCHES_KEPT,
    add_policy,
    add_store,
    check_agency,
    positive_int,
)
from rnd_ledger.bootstrap import open_ledger
from rnd_ledger.errors import CommandError
from rnd_ledger.output import Pace, status, table
from rnd_ledger.process_exit import leave_to_the_os
from store.url import redact_password, store_url

# What the waiting run is told, by what the running one holds (store.input_locks).
WAITING = {
    "file": "another ingest of this file into this store is running; "
    "waiting for it to finish, then resuming after what it recorded",
    "store": "another ingest into this store is running (SQLite takes one at a time); "
    "waiting for it to finish, then going on (after what it recorded, if it read this file)",
}


class ProgressLine:
    """Reports lines done and the rate every couple of seconds on long files."""

    def __init__(self) -> None:
        self.pace = Pace()

    def __call__(self, progress: FileProgress) -> None:
        if not self.pace.due():
            return
        rate = self.pace.rate(progress.lines)
        share = ""
        if progress.bytes_total:
            share = f" ({100 * progress.bytes_read / progress.bytes_total:.0f}%)"
        status(f"  {progress.name}: line {progress.lines:,}{share}, {rate:,.0f} lines/s")


def register(commands: argparse._SubParsersAction) -> None:
    ingest = commands.add_parser(
        "ingest",
        help="validate JSONL files of contract events and record them",
        description="Read JSONL files (- for stdin, .gz too), validate every message against "
        "the contract, record accepted events and rejections, and print a summary. "
        "Re-running the same file accepts nothing twice; an interrupted run resumes.",
    )
    add_store(ingest)
    ingest.add_argument(
        "files", nargs="+", metavar="FILE", help="JSONL file, .gz file or - for stdin"
    )
    ingest.add_argument("--source", metavar="AGENCY", help="every message's source must equal this")
    add_policy(ingest)
    ingest.add_argument(
        "--batch-size",
        type=positive_int,
        default=BATCH_LINES,
        metavar="N",
        help=f"lines per transaction (default {BATCH_LINES}; smaller commits more often)",
    )
    ingest.add_argument(
        "--from-start",
        action="store_true",
        help="read the files from their first line, even lines an earlier run recorded "
        "(after correcting rejected lines in place): accepted events come back as "
        "duplicates, rejected ones are evaluated again",
    )
    ingest.add_argument(
        "--no-seal",
        action="store_true",
        help="do not record a seal at the end (by default: prints Sealed N:HEX)",
    )
    ingest.set_defaults(handler=run, on_interrupt=BATCHES_KEPT)


def run(args: argparse.Namespace) -> int:
    url = store_url(args.store)
    check_inputs(args.files)
    if args.source is not None:
        check_agency(args.source, "--source")
    policy = load_policy(args.policy)  # every configuration error before the store is made
    if args.source and (warning := policy.owner_warning(args.source, f"--source {args.source}")):
        status(warning)
    ledger = open_ledger(url)
    for path in args.files:  # before anything is stored, as check_inputs
        check_not_shorter(ledger, path)
    intake = Intake(ledger, policy)
    intake.on_conflict = lambda text: status(f"ingest: {text}")
    summary = Summary()
    chain = None if args.no_seal else ChainFollower(ledger)
    if chain is not None:
        ledger.on_commit = chain.remember
    started = time.monotonic()
    with cyclic_collector_paused():
        for path in args.files:
            before = summary.total
            done = batch_done(ProgressLine(), chain)
            resumed = ingest_file(
                intake,
                path,
                summary,
                args.source,
                done,
                args.batch_size,
                args.from_start,
                waiting=lambda held, path=path: status(f"{path}: {WAITING[held]}"),
            )
            skipped = (
                f" (lines 1-{resumed:,} were recorded by an earlier run; "
                "after correcting lines in place, add --from-start)"
                if resumed
                else ""
            )
            read = summary.total - before
            status(f"{path}: {read:,} message{'' if read == 1 else 's'} read{skipped}")
        elapsed = time.monotonic() - started
        sealed = None if chain is None else chain.seal()
    if chain is not None and chain.raced:
        summary.notes.append(
            "another run sealed the same position at the same moment: the seal below is its"
        )
    elif chain is not None and not chain.stored:  # the last record is a seal over all before it
        summary.notes.append("nothing new to seal: the seal below is the one already recorded")
    print_summary(summary, elapsed, redact_password(url), ledger.position(), sealed=sealed)
    ledger.close()
    leave_to_the_os(ledger)  # its aggregate cache (rnd_ledger/process_exit.py)
    return 0


def check_inputs(paths: list[str]) -> None:
    """Every input readable before anything is stored: a typo in the last of
    several files should not leave the first ones ingested without a summary."""
    if paths.count(STDIN) > 1:
        raise CommandError("standard input (-) can be read only once: name it once")
    for path in paths:
        # A pipe must not be read ahead: its bytes would be lost. A directory
        # is opened only to be refused.
        if is_regular_file(path) or os.path.isdir(path):
            open_input(path).close()
        elif path == STDIN:
            open_input(path)  # looks at its first bytes (UTF-16? gzip?) without taking them


def batch_done(
    progress_line: ProgressLine, chain: ChainFollower | None
) -> Callable[[FileProgress], None]:
    """What runs after each committed batch: the progress line, and the chain
    head kept up (while the next batch is being written)."""

    def done(progress: FileProgress) -> None:
        progress_line(progress)
        if chain is not None:
            chain.keep_up()

    return done


@contextmanager
def cyclic_collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while files are ingested. The ingest makes
    no reference cycles (reference counting frees what it drops), and each
    collection rescans the batch's young objects that live on in the cache:
    1.2 s of the main process's 8 s for 200,000 events (timed with
    gc.callbacks). `consume` runs for days: see `tune_garbage_collector`.

    What the run made is frozen too before collection resumes: the first
    collection after `gc.enable` would otherwise scan every object made
    during the run (0.22 s after 200,000 events, at the end of the command)."""
    tune_garbage_collector()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def tune_garbage_collector() -> None:
    """Collect once, freeze what lives, and stop automatic cyclic collection,
    whose passes over every batch's surviving objects cost about a tenth of
    the time. `consume`, which runs for days, collects the young generation
    after each batch instead (`KafkaIngest.collect_garbage`), so a cycle made
    anywhere is still freed."""
    gc.collect()
    gc.freeze()
    gc.disable()


def print_summary(
    summary: Summary,
    elapsed: float,
    where: str,
    position: int,
    timed: str = "",
    sealed: tuple[int, str] | None = None,
) -> None:
    """`timed`: what `elapsed` spans, when it is not the whole command;
    `sealed`: the seal the run recorded last, printed for the auditor to keep."""
    rate = summary.total / elapsed if elapsed > 0 else 0.0
    print(
        f"Ingested {summary.total:,} message{'' if summary.total == 1 else 's'} into {where} "
        f"in {elapsed:.1f} s "
        f"({rate:,.0f}/s){timed}"
    )
    rows: list[tuple[str, int]] = [("accepted", summary.accepted), ("duplicate", summary.duplicate)]
    rows.append(("rejected", sum(summary.rejected.values())))
    rows.extend((f"  {reason}", count) for reason, count in sorted(summary.rejected.items()))
    table(["outcome", "messages"], rows)
    print(f"Ledger position is now {position:,}.")
    for note in summary.notes:
        print(f"Note: {note}")
    if summary.rejected:  # the command to copy, for the store just written
        default = redact_password(store_url(None))  # what the command reads without --store
        store = "" if where == default else f" --store {shlex.quote(where)}"
        print(f"See why with: rnd-ledger rejections{store}")
    if sealed:
        print(f"Sealed {format_seal(*sealed)}")
