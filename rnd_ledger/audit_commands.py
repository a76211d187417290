"""`rnd-ledger seal` and `rnd-ledger verify [--expect N:HEX…]` (docs/hash-chain.md)."""

import argparse
import os
from pathlib import Path

from audit.rows import open_rows
from audit.seal import format_seal, parse_seal, store_seal
from audit.verify import OnPosition, Result, verify, verify_chain
from rnd_ledger.arguments import add_store
from rnd_ledger.bootstrap import open_existing_ledger
from rnd_ledger.errors import CommandError
from rnd_ledger.figure_arguments import add_checkpoint
from rnd_ledger.output import Pace, status
from store.url import environment_for, is_postgres, sqlite_path, store_url


def register(commands: argparse._SubParsersAction) -> None:
    seal = commands.add_parser(
        "seal",
        help="record a seal (position N and the hash-chain head) and print N:HEX",
        description="Compute the SHA-256 hash-chain head over every stored record at positions "
        "≤ N (N = the newest position), from the first record on, record it in the ledger as "
        "a seal (stored at a position after N) and print it as N:HEX. Keep it outside the "
        "database to check later with verify --expect. Records others write meanwhile are "
        "not covered. Exit 1, sealing nothing, if the history does not agree with the seals "
        "already stored.",
    )
    add_store(seal)
    seal.set_defaults(handler=run_seal)

    check = commands.add_parser(
        "verify",
        help="recompute the hash chain and check every seal",
        description="Recompute the hash chain over the whole history and check it against "
        "every recorded seal and every --expect N:HEX (a seal kept outside the database), "
        "then the checkpoint files the figures are computed from against that history. "
        "Exit 0 if all agree; exit 1 naming the first failing seal and the positions it covers, "
        "or the checkpoint tables that disagree.",
    )
    add_store(check)
    check.add_argument(
        "--expect",
        action="extend",
        nargs="+",
        default=[],
        metavar="N:HEX",
        help="a seal kept outside the database (repeatable)",
    )
    add_checkpoint(
        check,
        "the checkpoint to check (default: the one indicators and report use)",
        "check the history only, not the checkpoint",
    )
    check.set_defaults(handler=run_verify)


def run_seal(args: argparse.Namespace) -> int:
    """The head over every record, computed from the first (not continued from
    the newest stored seal, as ingest and consume do for speed): a seal an
    auditor asks for must not vouch for history altered under an earlier one."""
    ledger = open_existing_ledger(store_url(args.store))
    try:
        rows = open_rows(ledger)
        try:
            chain = verify_chain(rows, progress=progress_printer("seal"))
        finally:
            rows.close()
        if not chain.ok:
            for failure in chain.failures[:10]:
                print(f"seal: {failure.message}")
            print(
                "seal: not sealed: the stored history does not agree with its seals or cannot "
                "be chained; see rnd-ledger verify"
            )
            return 1
        position, head = store_seal(ledger, chain.last_position, chain.head)
    finally:
        ledger.close()
    print(format_seal(position, head))
    return 0


def run_verify(args: argparse.Namespace) -> int:
    try:
        expects = [parse_seal(text) for text in args.expect]
    except ValueError as error:
        raise CommandError(f"verify --expect: {error}") from None
    url = store_url(args.store)
    database = sqlite_path(environment_for(url))
    if database and not Path(database).is_file():
        raise CommandError(f"verify: no ledger at {database}: nothing to verify")
    open_existing_ledger(url).close()  # checks the URL and the store, as others do
    rows = open_rows(url)
    try:
        result = verify(rows, expects, progress_printer())
    finally:
        rows.close()
    print_result(result)
    if result.ok and not args.no_checkpoint:
        return check_checkpoint_files(url, args.checkpoint_dir)
    return 0 if result.ok else 1


def check_checkpoint_files(url: str, directory: str | None) -> int:
    """The checkpoint is outside the chain: recompute what it holds from the
    verified history (`projections.checkpoint_check`)."""
    from projections import ProjectionError  # Polars: only here
    from projections.checkpoint import DIR_ENV
    from projections.checkpoint_check import check_checkpoint

    try:
        checked = check_checkpoint(url, directory)
    except ProjectionError as error:  # e.g. $RND_LEDGER_PROJECTIONS_DIR names a file
        raise CommandError(f"verify: {error}") from None
    if checked.position is None:
        if directory is not None or checked.directory.exists():
            print(
                f"verify: no usable checkpoint in {checked.directory}, so nothing to check "
                "there: indicators and report rebuild from the history"
            )
        elif is_postgres(environment_for(url)):  # a per-user cache
            whose = "as $" + DIR_ENV + " says" if os.environ.get(DIR_ENV) else "this user's cache"
            print(
                f"verify: no checkpoint of this store in {checked.directory} ({whose}); for "
                "figures computed under another account, run verify there or give its "
                "directory with --checkpoint-dir"
            )
        return 0
    where = f"checkpoint {checked.directory} (up to position {checked.position:,})"
    if checked.ok:
        print(f"verify: OK {where} agrees with the history")
        return 0
    print(
        f"verify: {where} disagrees with the history in {', '.join(checked.differing)}: "
        f"figures computed from it are wrong; delete {checked.directory} (the next run "
        "rebuilds it from the history)"
    )
    return 1


def print_result(result: Result) -> None:
    if result.failures:
        for failure in result.failures[:10]:
            print(f"verify: {failure.message}")
        if len(result.failures) > 10:
            print(f"verify: … and {len(result.failures) - 10:,} more failures")
        print(
            f"verify: {len(result.failures):,} failure(s); {counted(result.records, 'record')}, "
            f"{counted(result.seals, 'seal')} and {counted(result.expected, 'expected seal')} "
            "checked"
        )
        return
    skipped = ""
    if result.skipped_positions:
        skipped = f" ({result.skipped_positions:,} positions unused by rolled-back writes)"
    print(
        f"verify: OK {counted(result.records, 'record')} (positions 1-{result.last_position:,})"
        f"{skipped}, {counted(result.seals, 'seal')}, {counted(result.expected, 'expected seal')}; "
        f"head {format_seal(result.last_position, result.head)}"
    )
    if not result.seals and not result.expected:
        print("verify: no seals to check against: keep one outside the store (rnd-ledger seal)")


def counted(number: int, noun: str) -> str:
    """`1 seal`, `2 seals`: an auditor reads these lines."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def progress_printer(command: str = "verify") -> OnPosition:
    """A stderr progress line every couple of seconds on long runs."""
    pace = Pace()

    def report(position: int, total: int) -> None:
        if pace.due():
            share = 100 * position / total if total else 100.0
            rate = pace.rate(position)
            status(f"{command}: position {position:,} of {total:,} ({share:.0f}%), {rate:,.0f}/s")

    return report
