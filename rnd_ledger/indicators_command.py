"""`rnd-ledger indicators [--as-of T | --position N] [--format json|csv|table] [--parameters F]`."""

import argparse
import csv
import sys
from typing import Any

from rnd_ledger.arguments import add_store
from rnd_ledger.figure_arguments import (
    add_checkpoint,
    add_cut,
    add_parameters,
    compute_from,
    proof,
)
from rnd_ledger.output import format_cell, json_document, table


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
    add_parameters(parser)
    add_checkpoint(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from projections import SPEC_KEYS

    result = compute_from(args)
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
