"""`rnd-ledger report`: the self-contained HTML report for policymakers (ko / en)."""

import argparse
import sys
import time
from pathlib import Path

from rnd_ledger.arguments import add_store, refuse_store_as_output
from rnd_ledger.figure_arguments import add_checkpoint, add_cut, add_parameters, compute_from
from rnd_ledger.output import status, writing_to
from store.url import store_url

DEFAULT_OUT = "report.html"


def register(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="write the HTML report for policymakers",
        description="Write one self-contained HTML file (inline CSS and SVG charts, no scripts, "
        "no network) with the scorecard of the 2030 targets, basic research, institutes, "
        "compliance and data-quality findings, and the methodology, in Korean or English.",
    )
    add_store(report)
    report.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="FILE",
        help=f"output file, - for stdout (default {DEFAULT_OUT})",
    )
    report.add_argument(
        "--lang", choices=["ko", "en"], default="ko", help="report language (default ko)"
    )
    add_cut(report)
    add_parameters(report)
    add_checkpoint(report)  # as `indicators`: the same figures, from the same checkpoint
    report.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    refuse_store_as_output(args.out, store_url(args.store), "the report")
    data = compute_from(args)
    computed = time.monotonic()
    from reports.render import render_report

    html = render_report(data, args.lang)
    if args.out == "-":
        sys.stdout.write(html)
        return 0
    out = Path(args.out)
    with writing_to(args.out, "the report"):
        out.write_text(html, encoding="utf-8")
    done = time.monotonic()
    status(
        f"Wrote the {args.lang} report ({len(html.encode('utf-8')):,} bytes) to {out.resolve()} "
        f"— indicators {computed - started:.1f} s, rendering {done - computed:.1f} s"
    )
    return 0
