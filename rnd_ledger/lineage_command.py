"""`rnd-ledger lineage INDICATOR_ID --year Y`: the events behind one value."""

import argparse
import sys

from rnd_ledger.arguments import add_store
from rnd_ledger.bootstrap import require_ledger
from rnd_ledger.errors import CommandError
from rnd_ledger.figure_arguments import (
    add_checkpoint,
    add_cut,
    add_parameters,
    position_of,
    proof,
)
from rnd_ledger.output import format_cell, json_document, table
from store.url import store_url


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "lineage",
        help="list the events one indicator value depends on",
        description="The accepted, non-retracted events that one indicator's value for one "
        "year depends on (event_id, type, subject, position, role), and the "
        "numerator/denominator they make.",
    )
    parser.add_argument("indicator", metavar="INDICATOR_ID", help="e.g. coverage.full_time")
    parser.add_argument(
        "--year", type=int, required=True, metavar="Y", help="the year of the value, e.g. 2026"
    )
    add_store(parser)
    add_cut(parser)
    parser.add_argument(
        "--format", choices=["json", "table"], default="table", help="default: table"
    )
    add_parameters(parser)
    add_checkpoint(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: Polars would cost every other command its start-up time.
    from audit.seal import stated_head
    from projections import ProjectionError
    from projections.engine import load_facts
    from projections.lineage import lineage
    from projections.model import Model
    from projections.parameters import load_parameters

    require_ledger(store_url(args.store))
    try:
        facts = load_facts(
            store_url(args.store),
            args.as_of,
            position_of(args.position),
            args.checkpoint_dir,
            not args.no_checkpoint,
        )
        model = Model(facts, load_parameters(args.parameters))
        lineage_result = lineage(model, args.indicator, args.year)
    except ProjectionError as error:
        raise CommandError(str(error)) from None
    # The history the events were found in, and its proof, as `indicators` states them.
    as_of = {"position": facts.position, "recorded_at": facts.recorded_at}
    result = {"as_of": {**as_of, "chain_head": stated_head(store_url(args.store), facts.position)}}
    result |= lineage_result
    if args.format == "json":
        sys.stdout.buffer.write(json_document(result))
        return 0
    value = f"{result['id']} {result['year']}: value {format_cell(result['value'])}"
    if "numerator" in result:
        value += f" = {format_cell(result['numerator'])} / {format_cell(result['denominator'])}"
    print(f"As of position {facts.position:,}; chain head {proof(result['as_of'])}")
    print(value)
    events = result["events"]
    table(
        ["position", "event_id", "event_type", "subject_id", "role"],
        [
            (e["position"], e["event_id"], e["event_type"], e["subject_id"], e["role"])
            for e in events
        ],
    )
    print(f"{len(events):,} events.")
    return 0
