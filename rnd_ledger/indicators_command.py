"""`rnd-ledger indicators [--as-of T | --position N] [--format json|csv|table] [--parameters F]`."""

import argparse
import csv
import os
import sys
from typing import Any

from audit.seal import format_seal
from rnd_ledger.arguments import add_store
from rnd_ledger.bootstrap import require_ledger
from rnd_ledger.errors import CommandError
from rnd_ledger.output import format_cell, json_document, table
from store.url import store_url

MAX_POSITION = 2**63 - 1  # the stores' positions are signed 64-bit integers


def position_of(text: str | None) -> int | None:
    """--position N: a whole number ≥ 0 (checked here for a one-line message)."""
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise CommandError(f"--position {text!r} is not a whole number") from None
    if value < 0:
        raise CommandError(f"--position {value} must be 0 or more")
    return min(value, MAX_POSITION)  # beyond any store's last position: all of it


def add_cut(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        metavar="TIMESTAMP",
        help="only events recorded at or before this time (RFC 3339 with offset)",
    )
    parser.add_argument(
        "--position", metavar="N", help="only events stored at positions ≤ N (not with --as-of)"
    )


CHECKPOINT_DIR_HELP = (
    "where incremental fact tables are kept (default: <db>.projections/ for "
    "SQLite, the user cache for PostgreSQL; env RND_LEDGER_PROJECTIONS_DIR)"
)
NO_CHECKPOINT_HELP = "rebuild from the whole history; neither read nor write a checkpoint"


def checkpoint_directory(text: str) -> str:
    """A directory, or a path to make one at: a file there would make every
    run skip the checkpoint without a word (it is only a cache)."""
    if os.path.exists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a directory")
    return text


def add_checkpoint(
    parser: argparse.ArgumentParser,
    dir_help: str = CHECKPOINT_DIR_HELP,
    skip_help: str = NO_CHECKPOINT_HELP,
) -> None:
    parser.add_argument("--checkpoint-dir", metavar="DIR", type=checkpoint_directory, help=dir_help)
    parser.add_argument("--no-checkpoint", action="store_true", help=skip_help)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "indicators",
        help="compute the policy indicators, targets and breakdowns",
        description="Every indicator of indicators.md per year, with targets, gap, forecast and "
        "status, from the accepted, non-retracted events.",
    )
    add_store(parser)
    add_cut(parser)
    parser.add_argument(
        "--format",
        choices=["json", "csv", "table"],
        default="table",
        help="table (default: targets and status first, then every value), json (the full "
        "result of indicators.md), or csv (one row per indicator and year: value, numerator, "
        "denominator, position, chain_head; targets are in json and table, breakdowns in json and "
        "the report)",
    )
    parser.add_argument(
        "--parameters", metavar="FILE", help="policy parameters TOML (default: the shipped file)"
    )
    add_checkpoint(parser)
    parser.set_defaults(handler=run)


def run_compute(args: argparse.Namespace) -> dict[str, Any]:
    # Imported here, not at the top: Polars costs every other command 0.25 s of start-up.
    from projections import ProjectionError, compute

    require_ledger(store_url(args.store))
    try:
        return compute(
            store_url(args.store),
            as_of=args.as_of,
            position=position_of(args.position),
            parameters_path=getattr(args, "parameters", None),
            checkpoint_dir=args.checkpoint_dir,
            use_checkpoint=not args.no_checkpoint,
        )
    except ProjectionError as error:
        raise CommandError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    from projections import SPEC_KEYS

    result = run_compute(args)
    if args.format == "json":
        spec = {key: result[key] for key in SPEC_KEYS}
        sys.stdout.buffer.write(json_document(spec))
    elif args.format == "csv":
        write_csv(result["indicators"], result["as_of"])
    else:
        print_tables(result)
    return 0


def write_csv(rows: list[dict[str, Any]], as_of: dict[str, Any]) -> None:
    """One line per indicator row; each carries the position and chain head
    it was computed at, so a row cut out of the file still states its proof."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", "year", "value", "numerator", "denominator", "position", "chain_head"])
    for row in rows:
        writer.writerow(
            [
                row["id"],
                row["year"],
                "" if row["value"] is None else row["value"],
                row.get("numerator", ""),
                "" if row.get("denominator") is None else row["denominator"],
                as_of["position"],
                as_of["chain_head"],
            ]
        )


def proof(as_of: dict[str, Any]) -> str:
    """The position:head a figure states, as `verify --expect` takes it."""
    return format_seal(as_of["position"], as_of["chain_head"])


def print_tables(result: dict[str, Any]) -> None:
    as_of = result["as_of"]
    when = as_of["recorded_at"]
    recorded = f" (recorded {when})" if when else " (nothing recorded)"
    print(f"Indicators as of position {as_of['position']:,}{recorded}")
    print(f"Chain head: {proof(as_of)} (rnd-ledger verify --expect checks it)")
    print(f"Parameters: {result['parameters']['file']}\n")
    print("Targets")
    table(
        ["indicator", "target", "by", "latest year", "latest", "gap", "forecast", "status"],
        [
            (
                t["id"],
                t["target"],
                str(t["target_year"]),
                str(t["latest_year"] or "-"),
                t["latest_value"],
                t["gap"],
                t["forecast"],
                t["status"],
            )
            for t in result["targets"]
        ],
    )
    years = sorted({row["year"] for row in result["indicators"]})
    values: dict[str, dict[int, Any]] = {}
    for row in result["indicators"]:
        values.setdefault(row["id"], {})[row["year"]] = row["value"]
    print("\nIndicators by year")
    table(
        ["indicator", *map(str, years)],
        [(key, *(format_cell(v.get(y)) for y in years)) for key, v in values.items()],
    )
    findings = result["findings"]
    if findings:
        print("\nCompliance exceptions and data-quality findings")
        table(
            ["finding", "year", "count", "first events"],
            [(f["id"], str(f["year"]), f["count"], ", ".join(f["event_ids"])) for f in findings],
        )
