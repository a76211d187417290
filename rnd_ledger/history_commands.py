"""`rnd-ledger rejections`, `rnd-ledger export` and `rnd-ledger schema`."""

import argparse
import sys
from contextlib import nullcontext
from typing import IO, Any

import orjson

from contract.payloads import PAYLOAD_TYPES
from contract.schema import all_schemas, bundled_schema, render
from domain.history import accepted_facts, contract_form, rejections
from rnd_ledger.arguments import add_store, add_unused_store, refuse_store_as_output
from rnd_ledger.bootstrap import open_existing_ledger
from rnd_ledger.output import json_document, status, table, whole_or_nothing, writing_to
from store.url import store_url


def register(commands: argparse._SubParsersAction) -> None:
    rejections = commands.add_parser(
        "rejections", help="list the rejection log", description="The rejection log, oldest first."
    )
    add_store(rejections)
    rejections.add_argument(
        "--format",
        choices=["json", "table"],
        default="table",
        help="table (default: where each came from, as file:line or topic:partition@offset, "
        "and why) or json (every field, recorded_at included)",
    )
    rejections.set_defaults(handler=run_rejections)

    export = commands.add_parser(
        "export",
        help="write the accepted history as contract JSONL",
        description="The whole accepted history (retractions included) as contract JSONL in "
        "recorded order. Ingesting it into an empty store gives the same indicators.",
    )
    add_store(export)
    export.add_argument("--out", default="-", metavar="FILE", help="output file (default: stdout)")
    export.set_defaults(handler=run_export)

    schema = commands.add_parser(
        "schema",
        help="print the contract's JSON Schema",
        description="Print the published JSON Schema (draft 2020-12) of one event type, "
        "of the envelope, or (without EVENT_TYPE) of any contract message: one file that "
        "holds every event type's schema and accepts exactly one of them.",
    )
    schema.add_argument(
        "event_type",
        nargs="?",
        metavar="EVENT_TYPE",
        help="e.g. GrantAwarded, envelope or message",
    )
    add_unused_store(schema)
    schema.set_defaults(handler=run_schema)


def origin_text(origin: Any) -> str:
    """Where the message came from, to find and correct it: file:line, or
    topic:partition@offset (json has the full origin and recorded_at)."""
    if isinstance(origin, dict) and "line" in origin:
        return f"{origin.get('file')}:{origin['line']}"
    if isinstance(origin, dict) and "offset" in origin:
        return f"{origin.get('topic')}:{origin.get('partition')}@{origin['offset']}"
    return str(origin)


def run_rejections(args: argparse.Namespace) -> int:
    records = list(rejections(open_existing_ledger(store_url(args.store))))
    if args.format == "json":
        sys.stdout.buffer.write(json_document(records))
        return 0
    rows = [
        (
            r["position"],
            origin_text(r["origin"]),
            r["event_id"],
            r["event_type"],
            r["source"],
            r["subject_id"],
            r["reason"],
            r["recorded_at"],
            r["message"],
        )
        for r in records
    ]
    headers = ["position", "origin", "event_id", "event_type", "source", "subject_id", "reason"]
    table([*headers, "recorded_at", "message"], rows)
    print(f"{len(records):,} rejected messages.")
    return 0


def run_export(args: argparse.Namespace) -> int:
    url = store_url(args.store)
    refuse_store_as_output(args.out, url, "the export")
    ledger = open_existing_ledger(url)
    target: IO[bytes]
    with (
        writing_to(args.out, "the export"),
        whole_or_nothing(args.out) if args.out != "-" else nullcontext(sys.stdout.buffer) as target,
    ):
        count = 0
        for position, state in accepted_facts(ledger):
            target.write(orjson.dumps(contract_form(position, state)) + b"\n")
            count += 1
    if args.out != "-":
        status(f"Exported {count:,} accepted events to {args.out}")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    schemas = all_schemas()
    if args.event_type in (None, "message"):  # with what it refers to, to use on its own
        sys.stdout.write(render(bundled_schema()))
        return 0
    if args.event_type not in schemas:
        known = ", ".join(["envelope", "message", *sorted(PAYLOAD_TYPES)])
        print(
            f"rnd-ledger: unknown event type {args.event_type!r}; known: {known}", file=sys.stderr
        )
        return 2
    sys.stdout.write(render(schemas[args.event_type]))
    return 0
