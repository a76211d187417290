"""Refresh the README's screenshots: docs/report-en.png and docs/report-ko.png.

    python -m tests.reports.screenshots [--store sqlite:///national.db] [--height 2300]

With --store, the report of that ledger (e.g. the national demo); without it,
the test fixture. Captures the top of the page (cover, scorecard and the first
charts) at 60 % scale so each PNG stays well under 500 KB.
"""

import argparse
import tempfile
from pathlib import Path

from reports.render import render_report
from tests.reports.cdp import Browser, find_chromium
from tests.reports.fixtures import report_data

DOCS = Path(__file__).resolve().parents[2] / "docs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="ledger store URL (default: the test fixture)")
    parser.add_argument("--height", type=int, default=2300, help="CSS pixels from the top")
    parser.add_argument("--scale", type=float, default=0.6)
    args = parser.parse_args()
    if args.store:
        from projections import compute

        data = compute(args.store)
    else:
        data = report_data()
    executable = find_chromium()
    if executable is None:
        raise SystemExit("chromium is not installed")
    browser = Browser(executable)
    try:
        with tempfile.TemporaryDirectory() as folder:
            for lang in ("en", "ko"):
                page_file = Path(folder) / f"report-{lang}.html"
                page_file.write_text(render_report(data, lang), encoding="utf-8")
                page = browser.open_page(page_file)
                shot = page.screenshot(
                    DOCS / f"report-{lang}.png", height=args.height, scale=args.scale
                )
                print(f"{shot}: {shot.stat().st_size:,} bytes")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
