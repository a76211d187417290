"""The message catalogue: both languages complete and aligned."""

import pytest

from reports.indicators import INDICATOR_IDS
from reports.messages import keys, load


def test_korean_and_english_have_the_same_keys():
    assert keys(load("ko").tree) == keys(load("en").tree)


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("indicator_id", INDICATOR_IDS)
def test_every_indicator_has_a_name_and_definition(lang, indicator_id):
    entry = load(lang).indicator(indicator_id)
    assert entry["name"] and entry["name"] != indicator_id
    assert len(entry["definition"]) > 10


def test_missing_key_raises():
    with pytest.raises(KeyError):
        load("en").text("ui.no_such_key")


def test_unknown_indicator_shows_its_id():
    assert load("ko").indicator("new.indicator") == {"name": "new.indicator", "definition": ""}


def test_korean_text_is_korean():
    assert load("ko").text("status.on_track") == "순항"
    assert load("en").text("status.on_track") == "On track"
