"""`rnd-ledger indicators` and `rnd-ledger lineage` on the scenario store."""

import json

import pytest

from rnd_ledger.cli import main
from tests.builders import event
from tests.projections.conftest import fill


@pytest.fixture
def cli(filled, tmp_path, capsys):
    def run(*argv: str) -> tuple[int, str, str]:
        code = main([*argv, "--store", filled, "--checkpoint-dir", str(tmp_path / "ck")])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_json_prints_exactly_the_spec_keys(cli, result):
    code, out, _ = cli("indicators", "--format", "json")
    assert code == 0
    printed = json.loads(out)
    assert list(printed) == ["as_of", "parameters", "indicators", "targets", "breakdowns"]
    assert printed["indicators"] == result["indicators"]
    assert printed["parameters"]["early_career_years"] == 7
    assert printed["parameters"]["targets"]["coverage.full_time"]["value"] == 0.5


def test_csv_has_one_line_per_indicator_row(cli):
    code, out, _ = cli("indicators", "--format", "csv")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "id,year,value,numerator,denominator,position,chain_head"
    assert len(lines) == 1 + 27 * 6
    proof = lines[1].split(",")[-2:]  # every row states the history it came from
    assert all(line.split(",")[-2:] == proof for line in lines[1:])
    assert int(proof[0]) > 0 and len(proof[1]) == 64
    rows = {",".join(line.split(",")[:-2]) for line in lines[1:]}
    assert "coverage.full_time,2026,0.2,4,20" in rows
    assert "coverage.full_time,2028,,3," in rows
    assert "ruf.block_funding_krw,2026,800,," in rows


def test_table_leads_with_targets_and_status(cli):
    code, out, _ = cli("indicators")
    assert code == 0
    assert out.splitlines()[1].startswith("Chain head: ")
    assert out.splitlines()[4] == "Targets"
    assert "institutes.personnel_cost_coverage" in out and "on_track" in out


def test_lineage_of_census_missing_names_the_researchers_institution(cli, scenario_batches):
    """The finding joins each active grant to its researcher's institution that
    year: the registration (or position change) naming it is listed too."""
    code, out, _ = cli("lineage", "dq.census_missing", "--year", "2028", "--format", "json")
    shown = json.loads(out)
    listed = {e["event_id"] for e in shown["events"]}
    messages = {m["event_id"]: m for batch in scenario_batches for m in batch}
    awards = [messages[e] for e in listed if messages[e]["event_type"] == "GrantAwarded"]
    assert code == 0 and shown["value"] == 2 and len(awards) == 4
    for award in awards:
        researcher = award["payload"]["researcher_id"]
        assert listed & event_ids(scenario_batches, "ResearcherRegistered", researcher)


def unknown_researchers_award(end_on: str) -> dict:
    """A grant to a researcher never registered (a dq.grants_unknown_researcher case)."""
    payload = {
        "researcher_id": "R-UNKNOWN",
        "institution_id": "U1",
        "program": "mid_career",
        "field": "engineering",
        "start_on": "2025-01-01",
        "end_on": end_on,
        "annual_amount_krw": 100,
    }
    return event("GrantAwarded", "G1", payload=payload)


def lineage_of_2026_finding(store_url: str, tmp_path, capsys, events: list[dict]) -> dict:
    fill(store_url, [events])
    argv = ["lineage", "dq.grants_unknown_researcher", "--year", "2026", "--format", "json"]
    code = main([*argv, "--store", store_url, "--checkpoint-dir", str(tmp_path / "ck")])
    shown = json.loads(capsys.readouterr().out)
    assert code == 0 and shown["value"] == 1
    return shown


def test_lineage_of_a_grant_finding_lists_what_made_the_grant_active(store_url, tmp_path, capsys):
    """Alone, the award (ending 2025) makes no grant active in 2026: the
    amendment extending it is part of the value's lineage."""
    award = unknown_researchers_award("2025-12-31")
    longer = event("GrantAmended", "G1", payload={"end_on": "2026-12-31", "reason": "extended"})
    shown = lineage_of_2026_finding(store_url, tmp_path, capsys, [award, longer])
    assert [e["event_id"] for e in shown["events"]] == [award["event_id"], longer["event_id"]]


def test_lineage_lists_the_extension_a_later_termination_cuts(store_url, tmp_path, capsys):
    """Extended to mid-2026, then terminated in March 2026: the grant is active
    in 2026 through the amendment, so both it and the termination are listed."""
    award = unknown_researchers_award("2025-06-30")
    longer = event("GrantAmended", "G1", payload={"end_on": "2026-06-30", "reason": "extended"})
    terminated = {"effective_on": "2026-03-01", "reason": "other"}
    ended = event("GrantTerminated", "G1", payload=terminated)
    shown = lineage_of_2026_finding(store_url, tmp_path, capsys, [award, longer, ended])
    listed = {e["event_id"] for e in shown["events"]}
    assert listed == {award["event_id"], longer["event_id"], ended["event_id"]}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--as-of", "yesterday"], "is not a timestamp"),
        (["--as-of", "2026-01-01T00:00:00"], "needs a UTC offset"),
        (["--parameters", "/nonexistent/p.toml"], "cannot read parameters file"),
        (["--position", "x"], "is not a whole number"),
        (["--position", "-1"], "must be 0 or more"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(cli, argv, message):
    code, out, err = cli("indicators", *argv)
    assert code == 2
    assert out == ""
    assert message in err and err.count("\n") == 1


def test_parameters_file_overrides_and_is_shown(cli, tmp_path):
    override = tmp_path / "p.toml"
    override.write_text(
        "[definitions]\nearly_career_years = 3\n"
        '[targets."coverage.full_time"]\nvalue = 0.2\ntarget_year = 2028\n'
    )
    code, out, _ = cli("indicators", "--format", "json", "--parameters", str(override))
    printed = json.loads(out)
    assert code == 0
    assert printed["parameters"]["file"] == str(override)
    assert printed["parameters"]["early_career_years"] == 3
    early = [r for r in printed["indicators"] if r["id"] == "coverage.early_career"]
    # 2026: early career needs first_appointed_on > 2023-12-31 — neither R1 nor R3
    assert (early[1]["numerator"], early[1]["denominator"]) == (0, 7)
    (full_time,) = [t for t in printed["targets"] if t["id"] == "coverage.full_time"]
    assert (full_time["target"], full_time["target_year"], full_time["status"]) == (
        0.2,
        2028,
        "on_track",
    )


def test_bad_parameter_value_exit_2(cli, tmp_path):
    override = tmp_path / "p.toml"
    override.write_text('[definitions]\nearly_career_years = "seven"\n')
    code, _, err = cli("indicators", "--parameters", str(override))
    assert code == 2 and "early_career_years" in err


def event_ids(batches, event_type, subject=None, **payload):
    return {
        m["event_id"]
        for batch in batches
        for m in batch
        if m["event_type"] == event_type
        and (subject is None or m["subject_id"] == subject)
        and all(m["payload"].get(k) == v for k, v in payload.items())
    }


def test_lineage_lists_the_events_behind_a_coverage_value(cli, scenario_batches):
    code, out, _ = cli("lineage", "coverage.full_time", "--year", "2026", "--format", "json")
    assert code == 0
    shown = json.loads(out)
    assert (shown["numerator"], shown["denominator"], shown["value"]) == (4, 20, 0.2)
    _, indicators, _ = cli("indicators", "--format", "json")
    assert shown["as_of"] == json.loads(indicators)["as_of"]  # the same stated proof
    events = {e["event_id"]: e for e in shown["events"]}
    census = event_ids(scenario_batches, "FacultyCensusReported", year=2026)
    superseded = event_ids(scenario_batches, "FacultyCensusReported", "U1", year=2026, full_time=10)
    assert {e for e in census if e in events} == census - superseded
    assert all(events[e]["role"] == "denominator" for e in census - superseded)
    awards = event_ids(scenario_batches, "GrantAwarded")
    g9 = event_ids(scenario_batches, "GrantAwarded", "G9")
    active_2026 = {
        e
        for s in ("G1", "G2", "G3", "G4", "G5")
        for e in event_ids(scenario_batches, "GrantAwarded", s)
    }
    assert {e for e in awards if e in events} == active_2026
    assert not g9 & set(events)
    assert event_ids(scenario_batches, "GrantTerminated", "G2") <= set(events)
    assert event_ids(scenario_batches, "GrantAmended", "G3") <= set(events)
    winner = event_ids(scenario_batches, "ResearcherPositionChanged", "R4", institution_id="U2")
    loser = event_ids(scenario_batches, "ResearcherPositionChanged", "R4", institution_id="U3")
    assert winner <= set(events) and not loser & set(events)
    positions = [e["position"] for e in shown["events"]]
    assert positions == sorted(positions)


def test_lineage_of_a_finding_and_a_count(cli, scenario_batches):
    code, out, _ = cli(
        "lineage", "dq.grants_unknown_researcher", "--year", "2026", "--format", "json"
    )
    shown = json.loads(out)
    assert code == 0 and shown["value"] == 1
    assert [e["event_id"] for e in shown["events"]] == sorted(
        event_ids(scenario_batches, "GrantAwarded", "G9")
    )
    code, out, _ = cli("lineage", "ruf.block_funding_krw", "--year", "2027")
    assert code == 0
    assert out.splitlines()[0].startswith("As of position 78; chain head 78:")
    assert out.splitlines()[1] == "ruf.block_funding_krw 2027: value 500"
    assert out.splitlines()[-1] == "2 events."  # the retracted allocation is not listed


@pytest.mark.parametrize(
    "argv, message",
    [
        (["lineage", "coverage.nope", "--year", "2026"], "unknown indicator"),
        (["lineage", "coverage.full_time", "--year", "1999"], "outside the indicator years"),
    ],
)
def test_lineage_bad_arguments_exit_2(cli, argv, message):
    code, _, err = cli(*argv)
    assert code == 2 and message in err


def test_every_indicator_has_lineage(cli, result):
    from projections.lineage import LINEAGE

    assert set(LINEAGE) == {r["id"] for r in result["indicators"]}


@pytest.mark.parametrize(
    "indicator, year, roles",
    [
        ("evaluation.selection_rate", 2026, {"numerator": 1, "denominator": 2}),
        ("institutes.integrated_evaluation_share", 2026, {"numerator": 1, "denominator": 1}),
        ("ai_centers.designated", 2027, {"value": 3}),
        ("institutes.special_hires", 2026, {"value": 2}),
        ("longterm.deep_active", 2027, {"value": 1}),
    ],
)
def test_lineage_roles_match_the_counts(cli, indicator, year, roles):
    code, out, _ = cli("lineage", indicator, "--year", str(year), "--format", "json")
    shown = json.loads(out)
    counted: dict[str, int] = {}
    for e in shown["events"]:
        counted[e["role"]] = counted.get(e["role"], 0) + 1
    assert code == 0 and counted == roles


def test_lineage_of_a_budget_share_is_the_winning_report(cli, scenario_batches):
    code, out, _ = cli(
        "lineage", "budget.basic_research_share", "--year", "2026", "--format", "json"
    )
    shown = json.loads(out)
    winner = event_ids(scenario_batches, "RnDBudgetEnacted", "FY2026", basic_research_krw=22)
    assert code == 0 and [e["event_id"] for e in shown["events"]] == sorted(winner)
    assert (shown["numerator"], shown["denominator"]) == (22, 200)


def test_export_then_ingest_into_an_empty_store_gives_the_same_indicators(
    filled, result, tmp_path, compute_in, capsys
):
    exported = tmp_path / "export.jsonl"
    assert main(["export", "--store", filled, "--out", str(exported)]) == 0
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    assert main(["ingest", str(exported), "--store", copy]) == 0
    capsys.readouterr()
    again = compute_in(copy, use_checkpoint=False)
    for key in ("indicators", "targets", "breakdowns", "findings", "distributions", "institutes"):
        assert again[key] == result[key], key
    assert again["summary"] == {**result["summary"], "rejections": 0}


def test_tables_show_a_missing_value_as_a_dash_not_none(cli):
    code, out, _ = cli("lineage", "coverage.full_time", "--year", "2028")
    assert code == 0 and out.splitlines()[1] == "coverage.full_time 2028: value - = 3 / -"
    code, out, _ = cli("indicators", "--position", "0")
    assert code == 0 and out.splitlines()[0] == "Indicators as of position 0 (nothing recorded)"
    assert "None" not in out


def test_lineage_lists_a_departure_that_decided_the_state_counted(store_url, tmp_path, capsys):
    """R1 leaves on the day a change to non-full-time would take effect: the
    state of 2026 is the last day in post's (full time), which the departure decides."""
    registered = event("ResearcherRegistered", "R1")
    change = event("ResearcherPositionChanged", "R1", payload_update={"institution_id": "U1"})
    left = event("ResearcherDeparted", "R1", payload={"effective_on": "2026-09-01"})
    award = event("GrantAwarded", "G1")
    census = event("FacultyCensusReported", "U1")
    fill(store_url, [[registered, change, left, award, census]])
    argv = ["lineage", "coverage.full_time", "--year", "2026", "--format", "json"]
    code = main([*argv, "--store", store_url, "--checkpoint-dir", str(tmp_path / "ck")])
    shown = json.loads(capsys.readouterr().out)
    assert code == 0 and shown["numerator"] == 1
    roles = {e["event_id"]: e["role"] for e in shown["events"]}
    assert roles[left["event_id"]] == roles[registered["event_id"]] == "numerator"
    assert change["event_id"] not in roles  # it never took effect
