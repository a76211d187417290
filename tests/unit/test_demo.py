"""The synthetic demo data set (rnd-ledger demo): determinism, labelling,
contract validity, deliberate imperfections and calibration (small scale)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from contract.payloads import PAYLOAD_TYPES
from contract.pii import PII_PATTERN
from demo.calibration import summarize
from demo.generate import generate, write_demo

# The contract's own definitions: the demo must satisfy the published types.
PAYLOAD_FIELDS = {name: set(cls.__struct_fields__) for name, cls in PAYLOAD_TYPES.items()}
EMITTER = {
    t: "NRF" for t in PAYLOAD_FIELDS if t.startswith(("Researcher", "Grant", "Selection", "Stage"))
}
EMITTER.update(
    FacultyCensusReported="MOE",
    RnDBudgetEnacted="MSIT",
    BlockFundingAllocated="MSIT",
    AICenterDesignated="MSIT",
    AIResearchersTrained="MSIT",
    InstituteRegistered="NST",
    InstituteBudgetReported="NST",
    InstituteEvaluated="NST",
    PerformanceBonusPaid="NST",
    BlockFundingSpent="self",
    RepresentativeResultSubmitted="self",
    SpecialHiringCompleted="self",
)
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\Z")
PII = PII_PATTERN
YEAR_FIELDS = ("year", "fiscal_year", "evaluation_year")
DATE_FIELDS = ("start_on", "held_on", "decided_on", "designated_on")


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    return list(generate("small", seed=7))


@pytest.fixture(scope="module")
def valid(lines) -> list[dict]:
    """Parsed valid lines in file order, the deliberate duplicates dropped."""
    seen, out = set(), []
    for line in lines:
        if b"-BAD-" in line or line in seen:
            continue
        seen.add(line)
        out.append(json.loads(line))
    return out


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _last_day(start_on: str, years: int) -> str:
    """end_on of a grant lasting exactly `years` years (29 Feb -> 1 Mar)."""
    d = date.fromisoformat(start_on)
    try:
        anniversary = d.replace(year=d.year + years)
    except ValueError:
        anniversary = date(d.year + years, 3, 1)
    return (anniversary - timedelta(days=1)).isoformat()


# ---------------------------------------------------------------- determinism
def test_same_seed_gives_identical_bytes(lines):
    assert list(generate("small", seed=7)) == lines


def test_different_seed_gives_different_bytes(lines):
    assert list(generate("small", seed=8)) != lines


def test_same_bytes_across_processes_and_hash_seeds(lines):
    """No dependence on str hashing or set order: other interpreters agree."""
    code = (
        "import hashlib, sys; from demo.generate import generate; "
        "sys.stdout.write(hashlib.sha256(b''.join(generate('small', seed=7))).hexdigest())"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out == hashlib.sha256(b"".join(lines)).hexdigest()


def test_unknown_scale_is_rejected():
    with pytest.raises(ValueError):
        list(generate("galactic"))


def test_write_demo_plain_gzip_and_stdout(tmp_path, lines, capsysbinary):
    plain, gz = tmp_path / "demo.jsonl", tmp_path / "demo.jsonl.gz"
    assert write_demo(str(plain), "small", 7) == len(lines)
    assert plain.read_bytes() == b"".join(lines)
    assert write_demo(str(gz), "small", 7) == len(lines)
    first = gz.read_bytes()
    assert gzip.decompress(first) == b"".join(lines)
    write_demo(str(gz), "small", 7)
    assert gz.read_bytes() == first  # no timestamp in the gzip header
    assert write_demo("-", "small", 7) == len(lines)
    assert capsysbinary.readouterr().out == b"".join(lines)


# ---------------------------------------------------------------- form
def test_every_line_is_one_json_object_except_the_bad_ones(lines):
    assert all(line.endswith(b"\n") and b"\n" not in line[:-1] for line in lines)
    broken = 0
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            assert b"-BAD-" in line
            broken += 1
    assert broken == 2


def test_every_contract_event_type_occurs(valid):
    assert set(Counter(e["event_type"] for e in valid)) == set(PAYLOAD_FIELDS)


def test_small_scale_size(lines):
    assert 4_000 <= len(lines) <= 20_000


def test_envelope_payload_and_authorization(valid):
    for e in valid:
        assert list(e) == [
            "event_id",
            "event_type",
            "schema_version",
            "occurred_at",
            "source",
            "subject_id",
            "payload",
        ]
        assert e["schema_version"] == 1
        assert ID.match(e["event_id"]) and ID.match(e["subject_id"])
        assert e["occurred_at"].endswith("+09:00")
        t, p = e["event_type"], e["payload"]
        if t == "GrantAmended":
            assert "reason" in p and set(p) <= PAYLOAD_FIELDS[t] and len(p) >= 2
        else:
            assert set(p) == PAYLOAD_FIELDS[t], e
        if t != "EventRetracted":
            want = EMITTER[t]
            assert e["source"] == (e["subject_id"] if want == "self" else want), e
        for k, v in p.items():
            if k.endswith("_krw"):
                assert isinstance(v, int) and 0 <= v < 10**16
            if k in YEAR_FIELDS:
                assert 2024 <= v <= 2030, e
            if k in DATE_FIELDS:
                assert "2024-01-01" <= v <= "2030-12-31", e


def test_ids_are_labelled_synthetic(lines, valid):
    for e in valid:
        assert e["event_id"].startswith("DEMO-")
        assert e["subject_id"].startswith(("DEMO-", "FY"))
    assert all(
        b'"event_id":"DEMO-' in x or b'"event_id": "DEMO-' in x or b'["DEMO-' in x for x in lines
    )


def test_no_personal_data_in_valid_lines(valid):
    for e in valid:
        for s in _strings(e):
            assert not PII.search(s), s


def test_event_ids_unique_except_deliberate_duplicates(lines):
    counts = Counter(json.loads(x)["event_id"] for x in lines if b"-BAD-" not in x)
    dup_ids = {k for k, n in counts.items() if n > 1}
    by_id = defaultdict(set)
    for x in lines:
        if b"-BAD-" not in x:
            by_id[json.loads(x)["event_id"]].add(x)
    assert all(len(by_id[k]) == 1 for k in dup_ids)  # exact re-sends only
    bad = sum(1 for x in lines if b"-BAD-" in x)
    assert 1 <= len(dup_ids) and bad >= 10
    assert (sum(counts[k] - 1 for k in dup_ids) + bad) / len(lines) < 0.005


def test_file_is_chronological(valid):
    stamps = [e["occurred_at"] for e in valid]
    assert stamps == sorted(stamps)


# ---------------------------------------------------------------- aggregate rules
def test_grants_obey_the_aggregate_rules(valid):
    retracted = {
        e["payload"]["retracted_event_id"] for e in valid if e["event_type"] == "EventRetracted"
    }
    award, term, paid = {}, {}, defaultdict(int)
    annual = {}
    for e in valid:
        t, g, p = e["event_type"], e["subject_id"], e["payload"]
        if e["event_id"] in retracted or not t.startswith(("Grant", "Stage")):
            continue
        if t == "GrantAwarded":
            assert g not in award
            assert p["end_on"] >= p["start_on"]
            if p["program"] == "basic_small":
                assert p["end_on"] <= _last_day(p["start_on"], 5)
            if p["program"] == "long_term_deep":
                assert p["end_on"] >= _last_day(p["start_on"], 10)
            award[g], annual[g] = p, p["annual_amount_krw"]
            continue
        assert g in award, e  # needs the award first
        assert g not in term, e  # nothing after a termination
        if t == "GrantAmended":
            if "annual_amount_krw" in p:
                annual[g] = p["annual_amount_krw"]
            if "end_on" in p and award[g]["program"] == "basic_small":
                assert p["end_on"] <= _last_day(award[g]["start_on"], 5)
        elif t == "GrantFundsDisbursed":
            paid[g, p["fiscal_year"]] += p["amount_krw"]
            assert paid[g, p["fiscal_year"]] <= annual[g], e
        elif t == "GrantTerminated":
            term[g] = p["effective_on"]
    assert len(award) > 500 and len(term) > 5


def test_amounts_are_consistent(valid):
    for e in valid:
        p = e["payload"]
        if e["event_type"] == "RnDBudgetEnacted":
            assert p["basic_research_krw"] <= p["total_government_rnd_krw"]
        elif e["event_type"] == "FacultyCensusReported":
            assert p["early_career_full_time"] <= p["full_time"]
        elif e["event_type"] == "InstituteBudgetReported":
            assert p["personnel_cost_from_contribution_krw"] <= p["personnel_cost_krw"]
            assert (
                p["basic_program_krw"] + p["strategic_program_krw"]
                <= p["institutional_contribution_krw"]
            )
        elif e["event_type"] == "SelectionEvaluationCompleted":
            assert p["decided_on"] >= p["submitted_on"]


def test_dependencies_come_first(valid):
    registered, designated, results, by_id = set(), set(), set(), {}
    for e in valid:
        t, s, p = e["event_type"], e["subject_id"], e["payload"]
        if t == "ResearcherRegistered":
            registered.add(s)
        elif t in ("ResearcherPositionChanged", "ResearcherDeparted"):
            assert s in registered
        elif t == "AICenterDesignated":
            designated.add(s)
        elif t == "AIResearchersTrained":
            assert s in designated
        elif t == "RepresentativeResultSubmitted":
            results.add((s, p["evaluation_year"], p["result_id"]))
        elif t == "InstituteEvaluated":
            assert all(
                (s, p["evaluation_year"], r) in results for r in p["representative_result_ids"]
            )
        elif t == "EventRetracted":
            target = by_id[p["retracted_event_id"]]
            assert (target["subject_id"], target["source"]) == (s, e["source"])
            assert target["event_type"] != "EventRetracted"
        by_id[e["event_id"]] = e


# ---------------------------------------------------------------- deliberate content
def test_corrections_compliance_and_data_quality_cases(valid):
    kinds = Counter()
    by_id = {e["event_id"]: e for e in valid}
    registered = {e["subject_id"] for e in valid if e["event_type"] == "ResearcherRegistered"}
    reports = Counter()
    for e in valid:
        t, p = e["event_type"], e["payload"]
        if t == "EventRetracted":
            kinds["retract " + by_id[p["retracted_event_id"]]["event_type"]] += 1
        elif t == "StageEvaluationHeld" and p["held_on"] >= "2026-01-01":
            kinds["stage after abolition"] += 1
        elif (
            t == "InstituteEvaluated"
            and p["evaluation_year"] >= 2026
            and p["system"] != "integrated"
        ):
            kinds["non-integrated evaluation"] += 1
        elif (
            t == "PerformanceBonusPaid"
            and p["scheme"] == "all_staff_integrated"
            and p["fiscal_year"] < 2027
        ):
            kinds["bonus before scheme"] += 1
        elif t == "GrantAwarded" and p["researcher_id"] not in registered:
            kinds["unregistered PI"] += 1
        if t in ("RnDBudgetEnacted", "FacultyCensusReported", "InstituteBudgetReported"):
            reports[t, e["subject_id"], p.get("year", p.get("fiscal_year"))] += 1
    for k in (
        "retract GrantFundsDisbursed",
        "retract GrantAwarded",
        "retract FacultyCensusReported",
        "retract BlockFundingSpent",
        "stage after abolition",
        "non-integrated evaluation",
        "bonus before scheme",
        "unregistered PI",
    ):
        assert kinds[k] >= 1, k
    superseded = {t for (t, _, _), n in reports.items() if n > 1}
    assert superseded == {"RnDBudgetEnacted", "FacultyCensusReported", "InstituteBudgetReported"}


def test_invalid_messages_are_labelled_and_varied(lines):
    bad = [x for x in lines if b"-BAD-" in x]
    text = b"".join(bad)
    for marker in (
        b"GrantCancelled",
        b'"schema_version": 2',
        b"@example.org",
        b"010-1234-5678",
        b'"source":"MSIT","subject_id":"DEMO-G26',
    ):
        assert marker in text, marker
    assert len(bad) >= 10


# ---------------------------------------------------------------- calibration
def test_small_scale_is_calibrated_to_the_2025_baselines(lines):
    s = summarize(lines)
    assert s["coverage_full_time"][2025] == pytest.approx(0.29, abs=0.05)
    assert s["coverage_early_career"][2025] == pytest.approx(0.63, abs=0.05)
    assert s["basic_research_share"][2025] == pytest.approx(0.098, abs=0.005)
    assert s["personnel_cost_coverage"][2025] == pytest.approx(0.55, abs=0.05)
    assert s["personnel_cost_coverage"][2030] < 1.0
    assert s["coverage_early_career"][2030] > s["coverage_early_career"][2025]
    assert s["young_ladder_researchers"][2025] == 0 < s["young_ladder_researchers"][2030]
