"""Argument helpers shared by the command modules."""

import argparse
import os
import re

from contract.pii import contains_pii
from contract.types import ID_PATTERN
from rnd_ledger.errors import CommandError
from store.url import environment_for, sqlite_path

STORE_FILES = ("", "-wal", "-shm", "-journal", ".ingest-lock")  # a SQLite store's own

# What an interrupted ingest or consume kept (rnd_ledger.cli.main says it).
BATCHES_KEPT = "interrupted; committed batches are kept, re-run to resume"


def add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="URL",
        help="the ledger's store: sqlite:///path.db or postgresql://user@host:port/db "
        "(default: env RND_LEDGER_STORE, else sqlite:///rnd-ledger.db)",
    )


def add_unused_store(parser: argparse.ArgumentParser) -> None:
    """cli.md: every subcommand takes --store. One that uses no store accepts
    it too, so a script may pass the same options to every command."""
    parser.add_argument(
        "--store", metavar="URL", help="accepted as by every command; this one uses no store"
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return seconds


def add_policy(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policy", metavar="FILE", help="authorization policy TOML (default: the contract's)"
    )


def refuse_store_as_output(out: str, url: str, what: str) -> None:
    """`--out` naming the SQLite store (or a link to it, or its WAL) would be
    opened for writing, which empties the ledger before anything is read."""
    database = sqlite_path(environment_for(url))
    if out == "-" or not database:
        return
    target = os.path.realpath(out)
    for suffix in STORE_FILES:
        if target == os.path.realpath(database + suffix):
            raise CommandError(
                f"--out {out} is the store's own file ({database}{suffix}): "
                f"write {what} to another file"
            )


def check_agency(agency: str, option: str) -> str:
    """An agency named on the command line (--source, --topic-owner) is a
    source as messages carry it, and is quoted in every rejection it causes:
    no control characters for the terminal, no personal data for the store."""
    if not re.fullmatch(ID_PATTERN, agency) or contains_pii(agency):
        raise CommandError(
            f"{option} {agency!r}: an agency is named as a message's source is: 1-128 of "
            "A-Z a-z 0-9 . _ : -, starting with a letter or digit (e.g. NRF)"
        )
    return agency
