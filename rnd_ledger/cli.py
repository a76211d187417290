"""The `rnd-ledger` command: a thin entry point that parses and dispatches.

Each command lives in its own module with a `register(commands)` function
that adds its subparser and sets `handler`; this file only lists them.
"""

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

from eventsourcing.persistence import PersistenceError

from consumers.conflicts import WriterContention
from consumers.files import InputError
from contract.policy import PolicyError
from domain.history import UnreadableRecord
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
from rnd_ledger.process_exit import exit_process, forget_left
from store.drivers import first_line
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

Every command takes --store URL (those that use no store accept it too; default:
env RND_LEDGER_STORE, else sqlite:///rnd-ledger.db in the working directory):
  sqlite:///relative/path.db, sqlite:////absolute/path.db   embedded default
  postgresql://user:password@host:port/dbname               production
"""

EPILOG = """\
exit codes: 0 success; 1 the command found a problem it reports;
2 usage or configuration error (bad URL, unreachable store, unreadable file);
130 or 143 stopped by Ctrl-C or SIGTERM (committed batches are kept).
"""


class OneLineErrors(argparse.ArgumentParser):
    """A usage error is one line on stderr, as for every other error
    (cli.md), with where to read more; the subcommands' parsers are made by
    this class too, so their errors name the subcommand."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrors(
        prog="rnd-ledger",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def entry() -> NoReturn:
    """The console command: `main`, then exit (`process_exit`)."""
    exit_process(main())


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager stopping the command, `kill`): stopped as
    Ctrl-C stops it, committed batches kept, instead of dying mid-batch with
    the screening worker's semaphores left behind. `consume` has its own."""


def raise_terminated(signum: int, frame: object) -> NoReturn:
    raise Terminated


@contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM raises Terminated while a command runs (main thread only: a
    test may call `main` from another)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments; one the command does not know is that command's error,
    pointing to its own --help (argparse leaves it to the top parser)."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        given = list(sys.argv[1:] if argv is None else argv)
        before_command = given[: given.index(args.command)] if args.command in given else given
        if any(token in before_command for token in unknown):  # `rnd-ledger --bogus verify`
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    forget_left()
    args = parse(argv)
    try:
        with terminated_as_interrupt():
            code = int(args.handler(args))
        sys.stdout.flush()  # a full disk or closed pipe shows here, not at exit
        return code
    except (
        StoreError,
        PolicyError,
        InputError,
        CommandError,
        UnreadableRecord,
        WriterContention,
    ) as error:
        print(f"rnd-ledger: {error}", file=sys.stderr)
        return 2
    except PersistenceError as error:  # e.g. disk full, or the database went away mid-run
        print(f"rnd-ledger: {store_failure(error)}", file=sys.stderr)
        return 2
    except OSError as error:  # writing the output: a full disk, a directory, no permission
        if error.filename is None and isinstance(error, BrokenPipeError):
            return closed_pipe()
        if error.filename is None:
            discard_stdout()
        where = f"{error.filename}: " if error.filename is not None else "writing the output: "
        print(f"rnd-ledger: {where}{error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:
        # What was kept depends on the command (`on_interrupt` in its parser's defaults).
        print(f"rnd-ledger: {getattr(args, 'on_interrupt', 'interrupted')}", file=sys.stderr)
        return 128 + (signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT)


# How PostgreSQL and psycopg say the server went away (a restart, a network cut).
CONNECTION_LOST = (
    "terminating connection",
    "server closed the connection",
    "connection refused",
    "connection is lost",
    "couldn't get a connection",
    "the connection is closed",
)


def store_failure(error: PersistenceError) -> str:
    """One line on a store that failed mid-run, with what to do about it."""
    reason = first_line(error)
    if "permission denied" in reason.lower():  # PostgreSQL: the role lacks a privilege
        return (
            f"the store refused this database role ({reason}): grant it what the command "
            "needs (SELECT on the ledger's tables to read; ingest, consume and seal also "
            "INSERT and UPDATE, which the library's table lock asks for, and USAGE on "
            "their sequences), or use a role that has it"
        )
    if "readonly" in reason or "read-only" in reason:
        advice = "check that you may write the store file and its directory"
    elif any(sign in reason.lower() for sign in CONNECTION_LOST):
        advice = "check that the database server is running and reachable"
    else:
        advice = "free disk space or restore the database"
    return (
        f"the store could not be written or read ({reason}); committed batches are kept: "
        f"{advice}, then re-run to resume"
    )


def closed_pipe() -> int:
    """The output's reader went away (`rnd-ledger export | head`): end
    quietly with the status of a command stopped by SIGPIPE, as Unix
    commands do. Caught as an error, not by restoring SIGPIPE's default
    action: that would also kill the process on a write to a socket whose
    peer went away (a Kafka broker restarting under `consume`), which the
    client library handles by reconnecting."""
    discard_stdout()
    return 128 + signal.SIGPIPE


def discard_stdout() -> None:
    """Point stdout at /dev/null, so that the exit's flush of what could not
    be written does not print a second error (Python's advice for pipes)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    entry()
