"""Options every command shares (cli.md)."""

import argparse

import pytest

from rnd_ledger.arguments import positive_int
from rnd_ledger.cli import build_parser, main
from tests.builders import event, jsonl


def subcommands() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_subcommand_takes_store(name):
    """cli.md: 'Every subcommand takes --store URL'."""
    options = {o for a in subcommands()[name]._actions for o in a.option_strings}
    assert "--store" in options


def test_a_count_that_is_no_number_is_named_plainly():
    with pytest.raises(argparse.ArgumentTypeError, match="'abc' is not a whole number"):
        positive_int("abc")


def test_an_unknown_option_points_to_its_commands_help(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["rejections", "--fmt", "json"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "rnd-ledger rejections: unrecognized arguments: --fmt json "
        "(see rnd-ledger rejections --help)\n"
    )


def test_a_checkpoint_dir_that_is_a_file_is_refused(tmp_path, capsys):
    """It was skipped without a word: every run then rebuilt from the whole history."""
    afile = tmp_path / "afile"
    afile.touch()
    with pytest.raises(SystemExit) as stopped:
        main(["indicators", "--checkpoint-dir", str(afile)])
    assert stopped.value.code == 2
    assert "is a file, not a directory" in capsys.readouterr().err


def test_an_unknown_option_before_the_command_is_the_top_commands_error(capsys):
    with pytest.raises(SystemExit):
        main(["--bogus", "verify"])
    assert capsys.readouterr().err.startswith("rnd-ledger: unrecognized arguments: --bogus (see")


def test_a_checkpoint_dir_from_the_environment_that_is_a_file_is_refused(
    tmp_path, capsys, monkeypatch
):
    afile = tmp_path / "afile"
    afile.touch()
    monkeypatch.setenv("RND_LEDGER_PROJECTIONS_DIR", str(afile))
    store = tmp_path / "s.db"
    facts = tmp_path / "in.jsonl"
    facts.write_bytes(jsonl([event("ResearcherRegistered", "R1")]))
    assert main(["ingest", str(facts), "--store", f"sqlite:///{store}"]) == 0
    for command in ("indicators", "verify"):  # verify ended in a traceback
        assert main([command, "--store", f"sqlite:///{store}"]) == 2
        assert "$RND_LEDGER_PROJECTIONS_DIR" in capsys.readouterr().err


def test_an_interrupted_command_that_writes_nothing_claims_no_kept_batches(monkeypatch, capsys):
    """Ctrl-C in `schema`, `verify` or `indicators` said 'committed batches are
    kept, re-run to resume': those commit nothing."""
    from rnd_ledger.cli import main

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("rnd_ledger.history_commands.bundled_schema", interrupted)
    assert main(["schema"]) == 130
    assert capsys.readouterr().err == "rnd-ledger: interrupted\n"
