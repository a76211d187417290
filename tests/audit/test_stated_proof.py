"""Reports carry their proof: the position and chain head stated by
`indicators --format json` and by the HTML report are the ones `verify` checks."""

import json
import subprocess
import sys

from tests.builders import event, jsonl


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_json_and_report_state_what_verify_accepts(tmp_path, store_url):
    data = tmp_path / "in.jsonl"
    data.write_bytes(
        jsonl([event("ResearcherRegistered", "R1"), event("GrantAwarded", "G1")]) + b"oops\n"
    )
    assert cli("ingest", str(data), "--store", store_url).returncode == 0

    stated = json.loads(cli("indicators", "--store", store_url, "--format", "json").stdout)
    position, head = stated["as_of"]["position"], stated["as_of"]["chain_head"]
    assert position == 4  # two facts, one rejection, one seal
    assert cli("verify", "--store", store_url, "--expect", f"{position}:{head}").returncode == 0
    wrong = f"{position}:{'0' * 64}"
    assert cli("verify", "--store", store_url, "--expect", wrong).returncode == 1

    report = tmp_path / "report.html"
    assert cli("report", "--store", store_url, "--out", str(report), "--lang", "en").returncode == 0
    assert f"{position}:{head}" in report.read_text()


def test_an_earlier_position_states_the_head_of_that_prefix(tmp_path, store_url):
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl([event("FacultyCensusReported", f"U{i}") for i in range(5)]))
    cli("ingest", str(data), "--store", store_url)
    earlier = json.loads(
        cli("indicators", "--store", store_url, "--format", "json", "--position", "3").stdout
    )
    head = earlier["as_of"]["chain_head"]
    assert earlier["as_of"]["position"] == 3
    assert cli("verify", "--store", store_url, "--expect", f"3:{head}").returncode == 0
