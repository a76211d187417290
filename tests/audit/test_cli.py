"""rnd-ledger seal / verify / ingest's seal as users meet them: output and exit codes."""

import re
import subprocess
import sys

import pytest

from rnd_ledger import output
from rnd_ledger.cli import main
from tests.audit.helpers import execute, fetch_state
from tests.builders import event, jsonl

SEAL_LINE = re.compile(r"(\d+):([0-9a-f]{64})")


@pytest.fixture
def ingested(tmp_path, store_url, capsys):
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl([event("ResearcherRegistered", f"R{i}") for i in range(3)]))
    assert main(["ingest", str(path), "--store", store_url]) == 0
    out = capsys.readouterr().out
    sealed = re.search(r"^Sealed (\d+):([0-9a-f]{64})$", out, re.M)
    assert sealed and sealed[1] == "3", out
    return store_url, f"{sealed[1]}:{sealed[2]}"


def test_seal_prints_position_and_head(ingested, capsys):
    store_url, _ = ingested
    assert main(["seal", "--store", store_url]) == 0
    printed = capsys.readouterr().out.strip()
    assert SEAL_LINE.fullmatch(printed) and printed.startswith("4:")  # 3 facts + ingest's seal


def test_verify_intact_store_exits_0_with_a_summary(ingested, capsys):
    store_url, kept = ingested
    assert main(["verify", "--store", store_url, "--expect", kept]) == 0
    out = capsys.readouterr().out
    summary = "verify: OK 4 records (positions 1-4), 1 seal, 1 expected seal; head 4:"
    assert out.startswith(summary) and "no seals" not in out


def test_verify_tampered_store_exits_1_naming_the_seal(ingested, capsys):
    store_url, kept = ingested
    state = fetch_state(store_url, 2).replace(b'"R1"', b'"R7"')
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 2", (state,))
    assert main(["verify", "--store", store_url, "--expect", kept]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "verify: FAILED seal 1 at position 4 covering positions 1-3: chain head differs"
    )
    assert lines[1].startswith("verify: FAILED --expect 3:")
    assert lines[2].startswith("verify: FAILED the duplicate index has a wrong row")  # R1 → R7
    assert lines[-1].startswith("verify: 3 failure(s); 4 records, 1 seal and 1 expected seal")


def test_a_rerun_that_stores_nothing_says_its_seal_is_the_one_recorded(ingested, tmp_path, capsys):
    store_url, kept = ingested
    assert main(["ingest", str(tmp_path / "in.jsonl"), "--store", store_url]) == 0
    out = capsys.readouterr().out
    assert "Note: nothing new to seal: the seal below is the one already recorded" in out
    assert re.search(r"^Sealed (\d+:[0-9a-f]{64})$", out, re.M)[1] == kept
    assert "Ingested 0 messages" in out and "Ledger position is now 4." in out


def test_ingest_no_seal(tmp_path, sqlite_url, capsys):
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl([event("ResearcherRegistered", "R1")]))
    assert main(["ingest", str(path), "--store", sqlite_url, "--no-seal"]) == 0
    out = capsys.readouterr().out
    assert "Sealed" not in out and "Ledger position is now 1." in out


@pytest.mark.parametrize("bad", ["12", "12:abc", "x:" + "0" * 64])
def test_bad_expect_exits_2_with_one_line(tmp_path, bad):
    result = subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", "verify", "--store", "sqlite:///x.db"]
        + ["--expect", bad],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"rnd-ledger: verify --expect: {bad!r} is not a seal: expected N:HEX (64 hex digits)"
    )
    assert not (tmp_path / "x.db").exists(), "a bad argument must not create a store"


def test_verify_of_a_missing_sqlite_file_exits_2_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "typo.db"
    assert main(["verify", "--store", f"sqlite:///{missing}"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"rnd-ledger: verify: no ledger at {missing}: nothing to verify"
    )
    assert not missing.exists()


def test_verify_reports_progress_on_stderr(ingested, capsys, monkeypatch):
    store_url, _ = ingested
    monkeypatch.setattr(output, "PROGRESS_EVERY_SECONDS", 0.0)
    assert main(["verify", "--store", store_url]) == 0
    assert "verify: position 4 of 4 (100%)" in capsys.readouterr().err


def test_seal_refuses_a_broken_chain(tmp_path, sqlite_url, capsys):
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl([event("ResearcherRegistered", f"R{i}") for i in range(3)]))
    assert main(["ingest", str(path), "--store", sqlite_url, "--no-seal"]) == 0
    execute(sqlite_url, "UPDATE {t} SET originator_id = 'nope' WHERE {pos} = 2")
    capsys.readouterr()
    assert main(["seal", "--store", sqlite_url]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("seal: FAILED at position 2: originator_id 'nope'")
    assert out[-1].startswith("seal: not sealed: the stored history does not agree")


def test_seal_refuses_history_changed_under_a_stored_seal(ingested, capsys):
    """Continuing from the stored seal would vouch for the changed record."""
    store_url, _ = ingested
    state = fetch_state(store_url, 2).replace(b'"R1"', b'"R9"')
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 2", (state,))
    capsys.readouterr()
    assert main(["seal", "--store", store_url]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("seal: FAILED seal 1 at position 4 covering positions 1-3")
    assert main(["verify", "--store", store_url, "--no-checkpoint"]) == 1  # nothing was sealed
    assert "1 seal and 0 expected seals checked" in capsys.readouterr().out


def test_verify_without_any_seal_says_so(tmp_path, sqlite_url, capsys):
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl([event("ResearcherRegistered", "R1")]))
    assert main(["ingest", str(path), "--store", sqlite_url, "--no-seal"]) == 0
    capsys.readouterr()
    assert main(["verify", "--store", sqlite_url]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "verify: no seals to check against: keep one outside the store (rnd-ledger seal)"
    )


def test_verify_on_postgres_says_whose_checkpoint_it_looked_for(
    tmp_path, postgres_url, capsys, monkeypatch
):
    """The checkpoint of a PostgreSQL store is in each user's cache: an
    auditor under another account finds none, and must be told so."""
    monkeypatch.delenv("RND_LEDGER_PROJECTIONS_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl([event("ResearcherRegistered", "R1")]))
    assert main(["ingest", str(path), "--store", postgres_url]) == 0
    capsys.readouterr()
    assert main(["verify", "--store", postgres_url]) == 0
    out = capsys.readouterr().out
    assert "verify: no checkpoint of this store in " in out and "(this user's cache)" in out
    assert main(["indicators", "--store", postgres_url]) == 0
    spelled_otherwise = postgres_url.replace("postgresql://", "postgres://")
    capsys.readouterr()
    assert main(["verify", "--store", spelled_otherwise]) == 0
    assert "agrees with the history" in capsys.readouterr().out
