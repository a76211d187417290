"""The auditor's replay: export → ingest into an empty store gives the same accepted history."""

import re

import orjson

from domain.history import accepted_facts
from rnd_ledger.bootstrap import open_ledger
from rnd_ledger.cli import main


def facts(url: str) -> list[bytes]:
    """Accepted facts without what a replay legitimately changes (time, position, origin)."""
    ledger = open_ledger(url)
    try:
        kept = ("event_id", "event_type", "source", "subject_id", "occurred_at", "payload")
        return [orjson.dumps({k: s[k] for k in kept}) for _, s in accepted_facts(ledger)]
    finally:
        ledger.close()


def test_export_then_ingest_reproduces_the_demo_history(tmp_path, capsys):
    demo, exported, again = (tmp_path / n for n in ("demo.jsonl", "export.jsonl", "again.jsonl"))
    original, replay = (f"sqlite:///{tmp_path / n}" for n in ("original.db", "replay.db"))
    assert main(["demo", "--scale", "small", "--out", str(demo)]) == 0
    assert main(["ingest", str(demo), "--store", original]) == 0
    assert main(["export", "--store", original, "--out", str(exported)]) == 0
    capsys.readouterr()
    assert main(["ingest", str(exported), "--store", replay]) == 0
    summary = capsys.readouterr().out
    lines = exported.read_bytes().count(b"\n")
    assert lines > 10_000
    accepted = re.search(r"^accepted\s+([\d,]+)$", summary, re.M)
    assert accepted and int(accepted[1].replace(",", "")) == lines, summary
    assert main(["export", "--store", replay, "--out", str(again)]) == 0
    assert exported.read_bytes() == again.read_bytes()
    assert facts(original) == facts(replay)
    for url in (original, replay):
        assert main(["verify", "--store", url]) == 0
