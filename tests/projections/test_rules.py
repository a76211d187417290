"""Smaller histories for single rules of indicators.md."""

import json

from domain.facts import Fact
from rnd_ledger.cli import main
from tests.builders import event, retraction
from tests.integration.helpers import send
from tests.projections.conftest import series


def award(gid, rid, start, end, program="mid_career"):
    payload = {
        "researcher_id": rid,
        "institution_id": "U1",
        "program": program,
        "field": "engineering",
        "start_on": start,
        "end_on": end,
        "annual_amount_krw": 1,
    }
    return event("GrantAwarded", gid, payload=payload)


def test_a_new_award_after_a_retracted_one_is_not_cut_by_the_old_amendment(
    intake, store_url, compute_in
):
    first = award("G10", "R1", "2026-01-01", "2030-12-31", "basic_small")
    send(
        intake, first, event("GrantAmended", "G10", payload={"end_on": "2026-12-31", "reason": "x"})
    )
    send(intake, retraction(first), award("G10", "R1", "2026-01-01", "2028-12-31", "basic_small"))
    result = compute_in(store_url)
    assert series(result, "longterm.basic_small_active") == [1, 1, 1, 0, 0]  # 2026..2030


def test_retracted_registration_makes_the_researcher_unknown(intake, store_url, compute_in):
    registered = event("ResearcherRegistered", "R1")
    census = event("FacultyCensusReported", "U1")  # 2026: 100 full-time
    send(intake, registered, census, award("G1", "R1", "2026-01-01", "2026-12-31"))
    before = compute_in(store_url, use_checkpoint=False)
    send(intake, retraction(registered))
    after = compute_in(store_url)
    assert series(before, "coverage.full_time")[0] == (1, 100, 0.01)
    assert series(after, "coverage.full_time")[0] == (0, 100, 0.0)
    assert series(after, "dq.grants_unknown_researcher") == [1, 0, 0, 0, 0]
    assert after == compute_in(store_url, use_checkpoint=False)


def test_an_empty_store_has_no_rows_and_no_data(store_url, ledger, compute_in):
    result = compute_in(store_url)
    assert result["as_of"] == {"position": 0, "recorded_at": None, "chain_head": "0" * 64}
    assert result["indicators"] == [] and result["breakdowns"] == []
    assert result["summary"]["first_year"] is None
    assert {t["status"] for t in result["targets"]} == {"insufficient_data"}


def test_years_run_to_the_latest_year_named_past_2030(intake, store_url, compute_in):
    send(intake, event("SpecialHiringCompleted", "K1", payload={"year": 2032, "hires": 2}))
    result = compute_in(store_url)
    assert series(result, "institutes.special_hires") == [2]
    assert {r["year"] for r in result["indicators"]} == {2032}


def test_an_institution_with_a_census_and_no_pi_has_coverage_zero(intake, store_url, compute_in):
    """Ratios are null only where the denominator is 0 or missing (indicators.md)."""
    send(
        intake,
        event("FacultyCensusReported", "U1"),
        event("FacultyCensusReported", "U2"),
        event("ResearcherRegistered", "R1"),
        award("G1", "R1", "2026-01-01", "2026-12-31"),
    )
    rows = {
        (r["key"], r["year"]): r
        for r in compute_in(store_url)["breakdowns"]
        if r["id"] == "coverage.full_time" and r["by"] == "institution"
    }
    u2 = rows[("U2", 2026)]
    assert (u2["value"], u2["numerator"]) == (0.0, 0) and u2["denominator"] > 0
    assert rows[("U1", 2026)]["value"] == 1 / rows[("U1", 2026)]["denominator"]


def budget(basic: int, occurred_at: str) -> dict:
    payload = {"fiscal_year": 2026, "total_government_rnd_krw": 1000, "basic_research_krw": basic}
    return event("RnDBudgetEnacted", "FY2026", payload=payload, occurred_at=occurred_at)


def test_latest_report_wins_to_the_nanosecond(intake, store_url, compute_in):
    """RFC 3339 allows nine fraction digits; Python's datetime keeps six."""
    send(
        intake,
        budget(100, "2026-01-01T00:00:00.0000002Z"),  # the later report, stored first
        budget(200, "2026-01-01T00:00:00.0000001Z"),
    )
    assert series(compute_in(store_url), "budget.basic_research_share")[0] == (100, 1000, 0.1)


def test_records_stored_with_six_fraction_digits_still_sort_as_instants(
    ledger, store_url, compute_in
):
    """Before nanoseconds were kept, occurred_at_utc had six digits; history
    is never rewritten, so both forms meet in one store."""
    unit = ledger.begin()
    for basic, occurred_at, utc in [
        (200, "2026-01-01T00:00:00.0000001Z", "2026-01-01T00:00:00.000000100Z"),
        (100, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.000000Z"),  # the old form, 100 ns before
    ]:
        message = budget(basic, occurred_at)
        fields = {k: message[k] for k in ("event_id", "event_type", "source", "subject_id")}
        unit.accept(
            Fact(
                timestamp="2026-11-25T00:00:00+00:00",
                occurred_at=occurred_at,
                occurred_at_utc=utc,
                payload=message["payload"],
                origin={"file": "x.jsonl", "line": basic},
                sha256="ab" * 32,
                **fields,
            )
        )
    unit.commit()
    assert series(compute_in(store_url), "budget.basic_research_share")[0] == (200, 1000, 0.2)


def test_sums_of_money_do_not_wrap_round_at_64_bits(
    intake, store_url, compute_in, tmp_path, capsys
):
    """The contract allows 10^16 - 1 KRW per field: 2,000 such allocations sum
    past 2^64, which 64-bit sums wrapped round to a negative figure, and
    which orjson cannot write (the JSON output ended in a traceback)."""
    most = 10**16 - 1
    allocations = [
        event("BlockFundingAllocated", f"U{i}", payload_update={"amount_krw": most})
        for i in range(2_000)
    ]
    fields = ("institutional_contribution_krw", "project_revenue_krw")
    budgets = [
        event("InstituteBudgetReported", f"I{i}", payload_update=dict.fromkeys(fields, most))
        for i in range(600)
    ]
    send(intake, *allocations, *budgets)
    result = compute_in(store_url)
    assert series(result, "ruf.block_funding_krw")[0] == 2_000 * most > 2**64
    assert series(result, "institutes.pbs_dependency")[0] == (600 * most, 1_200 * most, 0.5)
    funded = [b for b in result["breakdowns"] if b["id"] == "ruf.block_funding_krw"]
    assert funded and all(b["value"] == most for b in funded)
    capsys.readouterr()
    argv = ["indicators", "--format", "json", "--checkpoint-dir", str(tmp_path / "ck")]
    assert main([*argv, "--store", store_url]) == 0
    printed = json.loads(capsys.readouterr().out)["indicators"]
    assert {r["value"] for r in printed if r["id"] == "ruf.block_funding_krw"} >= {2_000 * most}
