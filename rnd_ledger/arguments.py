"""Argument helpers shared by the command modules."""

import argparse


def add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="URL",
        help="the ledger's store: sqlite:///path.db or postgresql://user@host:port/db "
        "(default: env RND_LEDGER_STORE, else sqlite:///rnd-ledger.db)",
    )


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_policy(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policy", metavar="FILE", help="authorization policy TOML (default: the contract's)"
    )
