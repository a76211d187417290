"""The `rnd-ledger` command: a thin entry point that parses and dispatches.

Each command lives in its own module with a `register(commands)` function
that adds its subparser and sets `handler`; this file only lists them.
"""

import argparse
import signal
import sys
from collections.abc import Sequence

from eventsourcing.persistence import PersistenceError

from consumers.files import InputError
from contract.policy import PolicyError
from rnd_ledger import (
    audit_commands,
    demo_command,
    history_commands,
    indicators_command,
    ingest_command,
    kafka_commands,
    lineage_command,
    report_command,
)
from rnd_ledger.errors import CommandError
from store.url import StoreError

# In the order --help lists them: taking facts in, computing, auditing, tools.
COMMAND_MODULES = [
    ingest_command,
    kafka_commands,
    indicators_command,
    report_command,
    lineage_command,
    history_commands,
    audit_commands,
    demo_command,
]

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnd-ledger",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (StoreError, PolicyError, InputError, CommandError) as error:
        print(f"rnd-ledger: {error}", file=sys.stderr)
        return 2
    except PersistenceError as error:  # e.g. disk full, or the database went away mid-run
        lines = str(error).strip().splitlines()
        print(
            f"rnd-ledger: the store could not be written or read "
            f"({lines[0] if lines else type(error).__name__}); committed batches are kept: "
            "free disk space or restore the database, then re-run to resume",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(
            "rnd-ledger: interrupted; committed batches are kept, re-run to resume", file=sys.stderr
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
