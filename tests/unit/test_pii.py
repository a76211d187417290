"""The PII guard's fast path finds exactly what its patterns find."""

import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract.pii import PII_PATTERN, contains_pii, may_hold_pii, redact

ROOT = Path(__file__).resolve().parents[2]

PIECES = st.sampled_from(
    ["0", "1", "4", "7", "9", "01", "010", "-", " ", "a", "@", "\n", "T", "9001011234567"]
)
TEXTS = st.lists(PIECES, max_size=40).map("".join)


@given(st.lists(TEXTS, min_size=1, max_size=4))
@settings(max_examples=3000)
def test_the_fast_filter_never_misses_what_the_patterns_find(texts):
    """No false negative, whatever the values and however JSON writes them."""
    raw = orjson.dumps({"a": texts, "b": texts[0]})
    if any(contains_pii(text) for text in texts):
        assert may_hold_pii(raw)
        assert may_hold_pii(json.dumps(texts, ensure_ascii=True).encode())  # \\u escapes


def test_the_number_shapes_of_the_contract_are_found():
    for text in ["id 900101-1234567 x", "9001011234567", "010-1234-5678", "tel:01012345678"]:
        assert may_hold_pii(text.encode()), text
        assert contains_pii(text)
    for text in ["2024-01-02T09:00:16+09:00", "DEMO-NRF-000005379", "19001011234567"]:
        assert not contains_pii(text), text
    assert not may_hold_pii(b'{"occurred_at":"2024-01-02T09:00:16+09:00","n":123456789}')
    assert not may_hold_pii(b'{"title":"a \\"quoted\\" word\\n","path":"C:\\\\x"}')  # no \\u
    assert may_hold_pii(b'{"title":"\\n then \\u0040"}')  # a later escape counts
    assert not contains_pii("９００１０１1２３４５６７")  # digits are 0-9 (re.ASCII), as in ECMA


@pytest.mark.parametrize("text", ["홍길동@example.com", "홍길동@mail.example.co.kr", "a_b@x.kr"])
def test_email_addresses_named_in_any_script_are_personal_data(text):
    assert contains_pii(f"reason: {text}.") and PII_PATTERN.search(text)
    assert redact(f"by {text}") == "by [redacted]"


@pytest.mark.parametrize("text", ["세미나@본관.3층", "연구@2025.03", "발표@서울.코엑스", "1@2"])
def test_korean_text_with_an_at_sign_is_not_an_email_address(text):
    assert not contains_pii(text) and not PII_PATTERN.search(text)


EMAIL_PIECES = st.sampled_from(
    ["a", "Z", "0", ".", "-", "_", "%", "+", "@", " ", "!", "x.y", "@a.b", "홍", "例", "·", "@a.bc"]
)


@given(st.lists(EMAIL_PIECES, max_size=30).map("".join))
@settings(max_examples=3000)
def test_the_linear_search_finds_what_the_contracts_pattern_finds(text):
    assert contains_pii(text) == (PII_PATTERN.search(text) is not None)
    if contains_pii(text):
        assert may_hold_pii(text.encode())
    redacted = redact(text)
    assert PII_PATTERN.search(redacted) is None
    assert (redacted == text) == (PII_PATTERN.search(text) is None)


def test_an_unknown_field_named_by_a_huge_run_is_redacted_in_linear_time():
    """Not a timing: redacting the name (for the rejection's message) with the
    contract's pattern as written took 4.7 s for one 64 KiB message."""
    code = (
        "from contract.screen import screen; "
        "assert screen(b'{\"' + b'a' * 65400 + b'\":1}').envelope_reason == 'schema_invalid'"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=3, capture_output=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("piece", "times"),
    [("x", 1_500_000), ("a.@", 300_000), ("홍", 1_500_000), ("가.@", 300_000), ("가@a.", 300_000)],
)
def test_a_huge_text_without_an_email_is_searched_in_linear_time(piece, times):
    """Not a timing: with the contract's pattern as written, these take hours
    (a run of local-part characters tried from each of its positions)."""
    code = f"from contract.pii import contains_pii; assert not contains_pii({piece!r} * {times})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60, capture_output=True)
    assert done.returncode == 0, done.stderr
