"""Authorization through the real intake on a store: every (source, event_type)
pair of the default policy, `self` rules, retractions, --source, topic owners,
and policy files with errors refused at start."""

import os
import subprocess
import sys

import pytest

from contract.policy import RETRACTED, SELF, load_policy
from tests.builders import event, jsonl, retraction
from tests.integration.helpers import reasons, send
from tests.kafka.helpers import FAST_GROUP, new_topic, produce, summary_counts

SOURCES = ["NRF", "MSIT", "MOE", "NST", "U1", "KIST"]  # agencies, an institution, an institute
SUBJECT = {
    "BlockFundingSpent": "U1",  # an institution reports about itself
    "RepresentativeResultSubmitted": "KIST",  # an institute reports about itself
    "SpecialHiringCompleted": "KIST",
}
PREREQUISITES = {
    "ResearcherPositionChanged": [("ResearcherRegistered", "R1")],
    "ResearcherDeparted": [("ResearcherRegistered", "R1")],
    "GrantAmended": [("GrantAwarded", "G1")],
    "GrantFundsDisbursed": [("GrantAwarded", "G1")],
    "GrantTerminated": [("GrantAwarded", "G1")],
    "StageEvaluationHeld": [("GrantAwarded", "G1")],
    "AIResearchersTrained": [("AICenterDesignated", "C1")],
    "InstituteEvaluated": [("RepresentativeResultSubmitted", "KIST")],
}
POLICY = load_policy()
TYPES = sorted(t for t in POLICY.emitters if t != "EventRetracted")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", *args], capture_output=True, text=True, timeout=60
    )


def allowed(event_type: str, source: str, subject: str) -> bool:
    emitters = POLICY.emitters[event_type]
    return source in emitters or (SELF in emitters and source == subject)


@pytest.mark.parametrize("event_type", TYPES)
def test_every_source_and_type_pair_through_the_intake(intake, event_type):
    for prerequisite, subject in PREREQUISITES.get(event_type, []):
        assert reasons(send(intake, event(prerequisite, subject))) == ["accepted"]
    subject = SUBJECT.get(event_type)
    messages = [event(event_type, subject, source=source) for source in SOURCES]
    subject = messages[0]["subject_id"]
    expected = [
        "accepted" if allowed(event_type, s, subject) else "unauthorized_source" for s in SOURCES
    ]
    assert expected.count("accepted") == 1, "the default policy names one emitter per type"
    assert reasons(send(intake, *messages)) == expected


def test_self_means_the_subject_itself(intake):
    sent = [
        event("BlockFundingSpent", "U2", source="U1"),
        event("BlockFundingSpent", "U2", source="U2"),
        event("SpecialHiringCompleted", "KRISS", source="KIST"),
        event("SpecialHiringCompleted", "KRISS", source="KRISS"),
        event("RepresentativeResultSubmitted", "KIST", source="kist"),  # ids are case-sensitive
    ]
    assert reasons(send(intake, *sent)) == [
        "unauthorized_source",
        "accepted",
        "unauthorized_source",
        "accepted",
        "unauthorized_source",
    ]


def test_only_the_source_of_the_retracted_event_may_retract_it(intake):
    assert POLICY.emitters["EventRetracted"] == frozenset({RETRACTED})
    award = event("GrantAwarded", "G1")
    assert reasons(send(intake, award)) == ["accepted"]
    others = [retraction(award, source=s) for s in SOURCES if s != "NRF"]
    assert set(reasons(send(intake, *others))) == {"unauthorized_source"}
    assert reasons(send(intake, retraction(award))) == ["accepted"]


def test_ingest_source_flag_admits_only_that_source(tmp_path, sqlite_url):
    data = tmp_path / "nrf.jsonl"
    data.write_bytes(
        jsonl(
            [event("GrantAwarded", "G1"), event("RnDBudgetEnacted"), event("ResearcherRegistered")]
        )
    )
    done = cli("ingest", str(data), "--source", "NRF", "--store", sqlite_url)
    assert done.returncode == 0, done.stderr
    counts = summary_counts(done.stdout)
    assert counts["accepted"] == 2 and counts["unauthorized_source"] == 1
    assert "warning" not in done.stderr


def test_ingest_warns_of_a_source_no_policy_agency_has(tmp_path, sqlite_url):
    data = tmp_path / "nrf.jsonl"
    data.write_bytes(jsonl([event("GrantAwarded", "G1")]))
    done = cli("ingest", str(data), "--source", "nrf", "--store", sqlite_url)
    assert done.returncode == 0, done.stderr
    assert "warning: --source nrf: 'nrf' is none of the policy's agencies" in done.stderr
    assert "did you mean NRF?" in done.stderr
    assert summary_counts(done.stdout)["unauthorized_source"] == 1


@pytest.mark.kafka
def test_topic_owner_mismatch_through_consume(broker, sqlite_url):
    owned, open_topic = new_topic(broker), new_topic(broker)
    messages = [event("GrantAwarded", "G1"), event("RnDBudgetEnacted"), event("GrantAwarded", "G2")]
    produce(broker, owned, messages)
    produce(broker, open_topic, [event("GrantAwarded", "G3")])
    done = cli(
        "consume", "--bootstrap-servers", broker, "--store", sqlite_url,
        "--topic", owned, "--topic", open_topic, "--topic-owner", f"{owned}=MSIT",
        "--group", "g-owner", "--until-idle", "1", *FAST_GROUP,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    counts = summary_counts(done.stdout)
    # On the MSIT topic only MSIT's message; the topic without an owner follows the policy.
    assert counts["accepted"] == 2 and counts["unauthorized_source"] == 2
    rejected = cli("rejections", "--store", sqlite_url, "--format", "json").stdout
    assert rejected.count('"unauthorized_source"') == 2


BROKEN_POLICIES = {
    "missing": None,
    "not-toml": "[emitters\n",
    "no-table": 'GrantAwarded = ["NRF"]\n',
    "unknown-type": "[emitters]\nGrantInvented = ['NRF']\n",
    "missing-types": "[emitters]\nGrantAwarded = ['NRF']\n",
    "not-a-list": "\n".join(["[emitters]", *(f'{t} = "NRF"' for t in POLICY.emitters)]),
    "empty-source": "\n".join(["[emitters]", *(f"{t} = ['']" for t in POLICY.emitters)]),
    "not-utf8": None,
}


CASES = [("ingest", case) for case in sorted(BROKEN_POLICIES)]
CASES += [(command, case) for command in ("consume", "publish") for case in ("missing", "not-toml")]


@pytest.mark.parametrize(("command", "case"), CASES)
def test_a_policy_file_with_an_error_is_refused_at_start(tmp_path, sqlite_url, case, command):
    policy = tmp_path / "policy.toml"
    if case == "not-utf8":
        policy.write_bytes(b"[emitters]\nGrantAwarded = ['\xff']\n")
    elif BROKEN_POLICIES[case] is not None:
        policy.write_text(BROKEN_POLICIES[case])
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl([event("GrantAwarded", "G1")]))
    kafka = ["--bootstrap-servers", "127.0.0.1:9", "--connect-timeout", "1"]
    args = {
        "ingest": ["ingest", str(data), "--store", sqlite_url],
        "consume": ["consume", *kafka, "--topic", "t", "--group", "g", "--store", sqlite_url],
        "publish": ["publish", *kafka, "--topic", "t", str(data)],
    }[command]
    done = cli(*args, "--policy", str(policy))
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnd-ledger: "), done.stderr
    assert "policy" in lines[0] and str(policy) in lines[0]
    assert "Traceback" not in done.stderr and "Ingested" not in done.stdout


def test_the_policy_named_by_env_rnd_ledger_policy_applies(tmp_path, sqlite_url):
    """authorization.toml says env RND_LEDGER_POLICY replaces it; it was ignored,
    so a stricter policy set that way silently let the default emitters in."""
    strict = dict(POLICY.emitters, GrantAwarded=frozenset({"MSIT"}))
    policy = tmp_path / "strict.toml"
    policy.write_text("[emitters]\n" + "".join(f"{t} = {sorted(s)!r}\n" for t, s in strict.items()))
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl([event("GrantAwarded", "G1")]))
    env = {**os.environ, "RND_LEDGER_POLICY": str(policy)}
    done = subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", "ingest", str(data), "--store", sqlite_url],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert summary_counts(done.stdout).get("unauthorized_source") == 1
