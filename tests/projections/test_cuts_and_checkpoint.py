"""--position / --as-of equal a store that only ever held those events, and an
incremental (checkpointed) run equals a full rebuild — also after retractions
and superseding reports that arrive after the checkpoint."""

import json

import pytest

import projections.engine
from projections.checkpoint import MAX_PARTS
from projections.source import open_store, record_at
from tests.builders import event, retraction
from tests.projections.conftest import fill

COMPARED = ("indicators", "targets", "breakdowns", "findings", "distributions", "institutes")


def comparable(result):
    """Everything except when the records were written (recorded_at differs per store)."""
    return {key: result[key] for key in (*COMPARED, "summary")} | {
        "position": result["as_of"]["position"]
    }


def reference(tmp_path, messages, name, compute_in):
    """A fresh SQLite store that only ever held `messages` (one batch)."""
    url = f"sqlite:///{tmp_path / name}"
    fill(url, [messages])
    return compute_in(url, use_checkpoint=False)


@pytest.mark.parametrize("cut_batches", [1, 3])
def test_position_equals_a_store_that_only_held_those_events(
    store_url, scenario_batches, compute_in, tmp_path, cut_batches
):
    positions = fill(store_url, scenario_batches)
    cut = compute_in(store_url, position=positions[cut_batches - 1])
    held = [m for batch in scenario_batches[:cut_batches] for m in batch]
    assert comparable(cut) == comparable(reference(tmp_path, held, "ref.db", compute_in))
    assert cut["as_of"]["position"] == positions[cut_batches - 1]


def test_position_inside_a_batch(store_url, scenario_batches, compute_in, tmp_path):
    fill(store_url, scenario_batches)
    flat = [m for batch in scenario_batches for m in batch]
    cut = compute_in(store_url, position=40)
    assert comparable(cut) == comparable(reference(tmp_path, flat[:40], "ref.db", compute_in))


def test_as_of_equals_position_of_the_last_record_at_that_time(
    store_url, scenario_batches, compute_in, tmp_path
):
    positions = fill(store_url, scenario_batches)
    recorded = record_at(open_store(store_url), positions[1])
    by_time = compute_in(store_url, as_of=recorded)
    by_position = compute_in(store_url, position=positions[1])
    assert by_time == by_position
    stated = {k: v for k, v in by_time["as_of"].items() if k != "chain_head"}
    assert stated == {"position": positions[1], "recorded_at": recorded}
    held = [m for batch in scenario_batches[:2] for m in batch]
    assert comparable(by_time) == comparable(reference(tmp_path, held, "ref.db", compute_in))


def test_as_of_before_everything_is_empty(filled, compute_in):
    result = compute_in(filled, as_of="2000-01-01T00:00:00Z")
    assert result["as_of"] == {"position": 0, "recorded_at": None, "chain_head": "0" * 64}
    assert result["indicators"] == []
    assert {t["status"] for t in result["targets"]} == {"insufficient_data"}


def later_events(batches):
    """Arrive after the checkpoint: a retraction of an early award, a superseding
    census report and a superseding institute budget."""
    g1 = next(
        m for m in batches[1] if m["event_type"] == "GrantAwarded" and m["subject_id"] == "G1"
    )
    census = event(
        "FacultyCensusReported",
        "U1",
        payload={"year": 2026, "full_time": 30, "non_full_time": 10, "early_career_full_time": 6},
        occurred_at="2026-06-01T09:00:00+09:00",
    )
    return [retraction(g1), census]


def test_incremental_equals_full_rebuild(store_url, scenario_batches, compute_in, monkeypatch):
    fill(store_url, scenario_batches[:2])
    first = compute_in(store_url)
    decoded = []
    real = projections.engine.decode_chunk

    def counting(chunk):
        decoded.append(chunk.height)
        return real(chunk)

    monkeypatch.setattr(projections.engine, "decode_chunk", counting)
    positions = fill(store_url, [*scenario_batches[2:], later_events(scenario_batches)])
    incremental = compute_in(store_url)
    assert sum(decoded) == positions[-1] - first["as_of"]["position"]  # only new records
    full = compute_in(store_url, use_checkpoint=False)
    assert incremental == full
    basic_small = [
        r["value"] for r in full["indicators"] if r["id"] == "longterm.basic_small_active"
    ]
    assert basic_small == [0] * 6  # G1 retracted after the checkpoint
    coverage = [r for r in full["indicators"] if r["id"] == "coverage.full_time"]
    assert coverage[1]["denominator"] == 38  # superseding U1 2026 census: 30 + 8


def test_checkpoint_ignored_when_the_cut_is_below_it(
    store_url, scenario_batches, compute_in, tmp_path
):
    positions = fill(store_url, scenario_batches)
    compute_in(store_url)  # checkpoint at the end
    cut = compute_in(store_url, position=positions[0])
    held = scenario_batches[0]
    assert comparable(cut) == comparable(reference(tmp_path, held, "ref.db", compute_in))


def test_checkpoint_of_another_history_is_not_used(scenario_batches, compute_in, tmp_path):
    first, second = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    fill(first, scenario_batches)
    fill(second, scenario_batches[:1] + scenario_batches[2:])
    compute_in(first)
    assert compute_in(second) == compute_in(second, use_checkpoint=False)


def test_checkpoint_keeps_parts_and_compacts(filled, compute_in, tmp_path):
    compute_in(filled)
    manifest = json.loads((tmp_path / "checkpoint" / "manifest.json").read_text())
    assert manifest["position"] == 78
    assert manifest["parts"]["GrantAwarded"] == ["GrantAwarded-0-78.parquet"]
    for _ in range(MAX_PARTS + 2):  # a part per run; the 8th run compacts to one part
        hires = event("SpecialHiringCompleted", "K1", payload={"year": 2026, "hires": 1})
        fill(filled, [[hires]])
        compute_in(filled)
    manifest = json.loads((tmp_path / "checkpoint" / "manifest.json").read_text())
    parts = manifest["parts"]["SpecialHiringCompleted"]
    assert len(parts) == 3 and parts[0].startswith("SpecialHiringCompleted-0-")
    assert sorted(p.name for p in (tmp_path / "checkpoint").glob("SpecialHiring*")) == sorted(parts)
    assert manifest["parts"]["GrantAwarded"] == ["GrantAwarded-0-78.parquet"]
    assert compute_in(filled) == compute_in(filled, use_checkpoint=False)
    hires = [
        r["value"]
        for r in compute_in(filled)["indicators"]
        if r["id"] == "institutes.special_hires"
    ]
    assert hires[1] == 5 + MAX_PARTS + 2


def test_as_of_ends_at_a_record_written_later_at_a_lower_position(
    sqlite_url, scenario_batches, compute_in
):
    """Concurrent writers can record a little out of time order: --as-of takes
    the longest prefix of the log recorded by then, so its figures are those of
    --position N and the chain head it states covers exactly them."""
    import sqlite3

    positions = fill(sqlite_url, scenario_batches)
    store = open_store(sqlite_url)
    late = record_at(store, positions[3])
    (g9,) = [m for m in scenario_batches[1] if m.get("subject_id") == "G9"]
    with sqlite3.connect(store.target) as connection:
        (g9_position,) = connection.execute(
            "SELECT rowid FROM stored_events WHERE json_extract(CAST(state AS TEXT), "
            "'$.event_id') = ?",
            (g9["event_id"],),
        ).fetchone()
        connection.execute(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
            "json_extract(CAST(state AS TEXT), '$.timestamp'), ?) AS BLOB) WHERE rowid = ?",
            (late, g9_position),
        )
    assert positions[0] < g9_position < positions[1]
    compute_in(sqlite_url)  # a checkpoint past the cut must not be used either
    by_time = compute_in(sqlite_url, as_of=record_at(store, positions[1]))
    by_position = compute_in(sqlite_url, position=g9_position - 1)
    assert by_time["as_of"]["position"] == g9_position - 1
    assert by_time == by_position  # chain head included
    assert compute_in(sqlite_url, as_of=late)["as_of"]["position"] == positions[3]


def test_incremental_from_any_checkpoint_equals_full_rebuild(store_url, scenario_batches, tmp_path):
    """A checkpoint at every 6th position (written by a run cut there), then a run
    over the rest: retractions and superseding reports fall on both sides."""
    from projections import compute

    positions = fill(store_url, scenario_batches)
    full = compute(store_url, use_checkpoint=False)
    for cut in range(1, positions[-1], 6):
        directory = tmp_path / f"ck{cut}"
        compute(store_url, position=cut, checkpoint_dir=directory)
        assert json.loads((directory / "manifest.json").read_text())["position"] == cut
        assert compute(store_url, checkpoint_dir=directory) == full, cut


def test_verify_checks_the_checkpoint_against_the_history(
    store_url, scenario_batches, tmp_path, capsys
):
    """Checkpoint files are outside the chain: a figure changed in one must not
    pass under a chain head that verifies (verify recomputes the tables)."""
    import polars as pl

    from rnd_ledger.cli import main

    positions = fill(store_url, scenario_batches)
    directory = tmp_path / "checkpoint"
    compute = ["--store", store_url, "--checkpoint-dir", str(directory)]
    assert main(["indicators", "--position", str(positions[1]), *compute]) == 0
    assert main(["indicators", *compute]) == 0  # a second run adds its own parts
    capsys.readouterr()
    assert main(["verify", *compute]) == 0
    assert "agrees with the history" in capsys.readouterr().out
    (part, *_) = sorted(directory.glob("GrantAwarded-*.parquet"))
    pl.read_parquet(part).with_columns(pl.col("annual_amount_krw") * 2).write_parquet(part)
    assert main(["verify", *compute]) == 1
    out = capsys.readouterr().out
    assert "disagrees with the history in GrantAwarded: figures computed from it are wrong" in out
    assert main(["verify", "--no-checkpoint", "--store", store_url]) == 0


@pytest.mark.parametrize(
    "manifest", ['{"format": "%s"}', '{"format": "%s", "position": "7", "recorded_at": null, '
                 '"rejections": 0, "parts": {}}', "[1, 2]", "not json"]
)  # fmt: skip
def test_a_manifest_edited_by_hand_is_not_used_and_no_traceback(
    sqlite_url, scenario_batches, tmp_path, capsys, manifest
):
    from projections.checkpoint import FORMAT
    from rnd_ledger.cli import main

    fill(sqlite_url, scenario_batches)
    directory = tmp_path / "checkpoint"
    args = ["--store", sqlite_url, "--checkpoint-dir", str(directory)]
    assert main(["indicators", *args]) == 0
    (directory / "manifest.json").write_text(manifest.replace("%s", FORMAT))
    capsys.readouterr()
    assert main(["verify", *args]) == 0
    assert "no usable checkpoint in" in capsys.readouterr().out
    assert main(["indicators", "--format", "json", *args]) == 0  # rebuilt from the history
    assert main(["verify", *args]) == 0
    assert "agrees with the history" in capsys.readouterr().out


def test_a_part_with_other_column_types_is_not_used_and_no_traceback(
    sqlite_url, scenario_batches, tmp_path, capsys
):
    """A part whose position column was rewritten as text stopped indicators,
    lineage and report in a Polars SchemaError: it is rebuilt instead."""
    import polars as pl

    from rnd_ledger.cli import main

    fill(sqlite_url, scenario_batches)
    directory = tmp_path / "checkpoint"
    args = ["--store", sqlite_url, "--checkpoint-dir", str(directory)]
    assert main(["indicators", "--format", "json", *args]) == 0
    expected = capsys.readouterr().out
    (part,) = directory.glob("GrantAwarded-*.parquet")
    frame = pl.read_parquet(part)
    frame.with_columns(pl.col("position").cast(pl.String)).write_parquet(part)
    assert main(["indicators", "--format", "json", *args]) == 0
    assert capsys.readouterr().out == expected
