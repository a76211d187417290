"""Why msgspec: every ledger-free contract check with msgspec, against the
`jsonschema` package validating the same messages with the published schemas.

python -m benchmarks.bench_validation [--messages 20000] [--repeat 3]

Each is measured `--repeat` times, in turn, and the best is compared (as in
bench_ingest: the 2-core machine varies by ±10% within minutes, and a first
pass also pays for warming up); every run is printed below the table.
"""

import argparse
import json

import jsonschema

from benchmarks.common import Row, demo_lines, print_table, timed
from contract.schema import all_schemas
from contract.screen import screen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, the best compared")
    args = parser.parse_args()
    lines = list(demo_lines(args.messages))
    validators = {
        name: jsonschema.Draft202012Validator(schema)
        for name, schema in all_schemas().items()
        if name != "envelope"
    }
    envelope = jsonschema.Draft202012Validator(all_schemas()["envelope"])

    def with_jsonschema() -> None:
        for line in lines:
            document = json.loads(line)
            validator = validators.get(document.get("event_type"), envelope)
            validator.is_valid(document)

    runs: dict[str, list[float]] = {"ceiling": [], "msgspec": [], "jsonschema": []}
    for _ in range(args.repeat):
        runs["ceiling"].append(timed(lambda: [json.loads(line) for line in lines])[0])
        runs["msgspec"].append(timed(lambda: [screen(line) for line in lines])[0])
        runs["jsonschema"].append(timed(with_jsonschema)[0])
    ceiling, msgspec_seconds, jsonschema_seconds = (min(r) for r in runs.values())
    count = len(lines)
    print_table(
        "Contract validation, one core",
        [
            Row("json.loads only (ceiling)", count, ceiling, ceiling, "-", None),
            Row(
                "msgspec: every ledger-free check + SHA-256",
                count,
                msgspec_seconds,
                ceiling,
                ">= 100,000/s",
                count / msgspec_seconds >= 100_000,
            ),
            Row("jsonschema (schema only, no PII)", count, jsonschema_seconds, ceiling, "-", None),
        ],
    )
    print(f"\nBest of {args.repeat}, measured in turn. Every run, in seconds:")
    for name, seconds in runs.items():
        print(f"- {name}: {', '.join(f'{s:.3f}' for s in seconds)}")


if __name__ == "__main__":
    main()
