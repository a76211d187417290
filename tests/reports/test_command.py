"""`rnd-ledger report`: arguments reach projections.compute; clear exit 2 without it."""

import sys
import types

import pytest

import reports.render  # noqa: F401  (before the fake: it imports the real projections.parameters)
from rnd_ledger.bootstrap import open_ledger
from rnd_ledger.cli import main
from tests.reports.fixtures import report_data


@pytest.fixture
def fake_projections(monkeypatch, tmp_path):
    """projections.compute replaced; the stores the tests name exist (empty)."""
    monkeypatch.chdir(tmp_path)
    for name in ("x.db", "rnd-ledger.db"):
        open_ledger(f"sqlite:///{name}").close()
    calls = []

    def compute(
        store_url,
        *,
        as_of=None,
        position=None,
        parameters_path=None,
        checkpoint_dir=None,
        use_checkpoint=True,
    ):
        call = {"store": store_url, "as_of": as_of, "position": position}
        calls.append({**call, "params": parameters_path})
        if checkpoint_dir is not None or not use_checkpoint:
            calls[-1]["checkpoint"] = (checkpoint_dir, use_checkpoint)
        return report_data()

    module = types.ModuleType("projections")
    module.compute = compute
    module.ProjectionError = type("ProjectionError", (ValueError,), {})
    monkeypatch.setitem(sys.modules, "projections", module)
    return calls


def test_report_writes_the_file_and_says_where(fake_projections, tmp_path, capsys):
    out = tmp_path / "r.html"
    code = main(
        ["report", "--out", str(out), "--lang", "en", "--position", "42", "--store",
         "sqlite:///x.db", "--parameters", "p.toml"]
    )  # fmt: skip
    assert code == 0
    assert fake_projections == [
        {"store": "sqlite:///x.db", "as_of": None, "position": 42, "params": "p.toml"}
    ]
    html = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert str(out.resolve()) in capsys.readouterr().err


def test_report_defaults_to_korean_report_html(fake_projections, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--as-of", "2026-11-24T10:00:00Z"]) == 0
    assert fake_projections[0]["as_of"] == "2026-11-24T10:00:00Z"
    assert '<html lang="ko">' in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_checkpoint_options_reach_compute_as_for_indicators(fake_projections, tmp_path):
    """`report` computes from the checkpoint `verify` checks, wherever it is kept."""
    out = str(tmp_path / "r.html")
    assert main(["report", "--out", out, "--checkpoint-dir", "cp"]) == 0
    assert main(["report", "--out", out, "--no-checkpoint"]) == 0
    assert [call["checkpoint"] for call in fake_projections] == [("cp", True), (None, False)]


def test_as_of_and_position_exclude_each_other(fake_projections, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["report", "--as-of", "2026-01-01T00:00:00Z", "--position", "3"])
    assert stop.value.code == 2
    assert fake_projections == []


def test_unwritable_output_is_exit_2(fake_projections, tmp_path, capsys):
    code = main(["report", "--out", str(tmp_path / "missing-dir" / "r.html")])
    assert code == 2
    assert "cannot write the report" in capsys.readouterr().err


def test_projection_errors_are_exit_2(fake_projections, monkeypatch, tmp_path, capsys):
    module = sys.modules["projections"]

    def refuse(store_url, **kwargs):
        raise module.ProjectionError("cannot read parameters file p.toml: No such file")

    monkeypatch.setattr(module, "compute", refuse)
    code = main(["report", "--out", str(tmp_path / "r.html"), "--parameters", "p.toml"])
    assert code == 2
    assert "cannot read parameters file p.toml" in capsys.readouterr().err
