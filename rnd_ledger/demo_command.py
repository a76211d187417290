"""`rnd-ledger demo`: write the synthetic, clearly labelled demo data set."""

import argparse
import time

from rnd_ledger.arguments import add_unused_store
from rnd_ledger.output import status, writing_to

DEFAULT_OUT = "demo-events.jsonl"


def register(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser(
        "demo",
        help="write a synthetic demo data set (contract JSONL)",
        description="Write a synthetic, clearly labelled (DEMO- ids) data set in contract JSONL "
        "covering 2024-2030, calibrated to Korea's published baselines, with some "
        "retractions, superseding reports, duplicates and invalid messages. Same seed, same bytes.",
    )
    add_unused_store(demo)
    demo.add_argument(
        "--scale",
        choices=["small", "national"],
        default="small",
        help="small (default: about 12,000 events) or national (about 518,000, as make demo)",
    )
    demo.add_argument(
        "--seed", type=int, default=0, help="random seed (default 0): the same seed, the same bytes"
    )
    demo.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="FILE",
        help=f"output file, .gz to compress, - for stdout (default {DEFAULT_OUT})",
    )
    demo.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from demo.generate import write_demo  # here: not every command's start-up

    started = time.monotonic()
    with writing_to(args.out, "the demo data"):
        lines = write_demo(args.out, args.scale, args.seed)
    if args.out != "-":
        status(
            f"Wrote {lines:,} synthetic events ({args.scale}, seed {args.seed}) to {args.out} "
            f"in {time.monotonic() - started:.1f} s"
        )
    return 0
