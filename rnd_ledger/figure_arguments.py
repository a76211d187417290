"""What the commands that compute figures share (indicators, report, lineage;
verify checks the same checkpoint): which history (--as-of or --position),
which parameters, the checkpoint, and the proof a figure states."""

import argparse
import os
from typing import Any

from audit.seal import format_seal
from rnd_ledger.bootstrap import require_ledger
from rnd_ledger.errors import CommandError
from store.url import store_url

MAX_POSITION = 2**63 - 1  # the stores' positions are signed 64-bit integers

CHECKPOINT_DIR_HELP = (
    "where incremental fact tables are kept (default: <db>.projections/ for "
    "SQLite, the user cache for PostgreSQL; env RND_LEDGER_PROJECTIONS_DIR)"
)
NO_CHECKPOINT_HELP = "rebuild from the whole history; neither read nor write a checkpoint"


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
    """--as-of or --position (one of them): the prefix of the log to compute from."""
    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--as-of",
        metavar="TIMESTAMP",
        help="only events recorded at or before this time (RFC 3339 with offset)",
    )
    when.add_argument("--position", metavar="N", help="only events stored at positions ≤ N")


def add_parameters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--parameters", metavar="FILE", help="policy parameters TOML (default: the shipped file)"
    )


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


def compute_from(args: argparse.Namespace) -> dict[str, Any]:
    """projections.compute for the store, cut, parameters and checkpoint given."""
    # Imported here, not at the top: Polars costs every other command 0.25 s of start-up.
    from projections import ProjectionError, compute

    require_ledger(store_url(args.store))
    try:
        return compute(
            store_url(args.store),
            as_of=args.as_of,
            position=position_of(args.position),
            parameters_path=args.parameters,
            checkpoint_dir=args.checkpoint_dir,
            use_checkpoint=not args.no_checkpoint,
        )
    except ProjectionError as error:
        raise CommandError(str(error)) from None


def proof(as_of: dict[str, Any]) -> str:
    """The position:head a figure states, as `verify --expect` takes it."""
    return format_seal(as_of["position"], as_of["chain_head"])
