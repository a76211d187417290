"""The `rnd-ledger` command: a thin entry point that parses and dispatches."""

import argparse
import signal
import sys
from collections.abc import Callable, Sequence

from consumers.files import InputError
from contract.policy import PolicyError
from rnd_ledger import history_commands, ingest_command
from store.url import StoreError

Command = Callable[[argparse.Namespace], int]

DESCRIPTION = """\
rnd-ledger keeps the facts of Korea's national R&D policy (basic research and
government-funded institutes) in an event-sourced ledger, and computes the
policy indicators from them.

Every command takes --store URL (default: env RND_LEDGER_STORE, else
sqlite:///rnd-ledger.db in the working directory):
  sqlite:///relative/path.db, sqlite:////absolute/path.db   embedded default
  postgresql://user:password@host:port/dbname               production
"""

EPILOG = """\
exit codes: 0 success; 1 the command found a problem it reports;
2 usage or configuration error (bad URL, unreachable store, unreadable file).
"""


def common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="URL", help="the ledger's store (see rnd-ledger --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnd-ledger",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser(
        "ingest",
        help="validate JSONL files of contract events and record them",
        description="Read JSONL files (- for stdin, .gz too), validate every message against "
        "the contract, record accepted events and rejections, and print a summary. "
        "Re-running the same file accepts nothing twice; an interrupted run resumes.",
    )
    common(ingest)
    ingest.add_argument(
        "files", nargs="+", metavar="FILE", help="JSONL file, .gz file or - for stdin"
    )
    ingest.add_argument("--source", metavar="AGENCY", help="every message's source must equal this")
    ingest.add_argument(
        "--policy", metavar="FILE", help="authorization policy TOML (default: the contract's)"
    )
    ingest.set_defaults(handler=ingest_command.run)

    rejections = commands.add_parser(
        "rejections", help="list the rejection log", description="The rejection log, oldest first."
    )
    common(rejections)
    rejections.add_argument("--format", choices=["json", "table"], default="table")
    rejections.set_defaults(handler=history_commands.run_rejections)

    export = commands.add_parser(
        "export",
        help="write the accepted history as contract JSONL",
        description="The whole accepted history (retractions included) as contract JSONL in "
        "recorded order. Ingesting it into an empty store gives the same indicators.",
    )
    common(export)
    export.add_argument("--out", default="-", metavar="FILE", help="output file (default: stdout)")
    export.set_defaults(handler=history_commands.run_export)

    schema = commands.add_parser(
        "schema",
        help="print the contract's JSON Schema",
        description="Print the published JSON Schema (draft 2020-12) of one event type, "
        "of the envelope, or of all of them.",
    )
    schema.add_argument(
        "event_type", nargs="?", metavar="EVENT_TYPE", help="e.g. GrantAwarded or envelope"
    )
    schema.set_defaults(handler=history_commands.run_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (StoreError, PolicyError, InputError) as error:
        print(f"rnd-ledger: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "rnd-ledger: interrupted; committed batches are kept, re-run to resume", file=sys.stderr
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
