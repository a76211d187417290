"""The PII guard's fast path finds exactly what its patterns find."""

from hypothesis import given, settings
from hypothesis import strategies as st

from contract.pii import NUMBER_PATTERN, PII_PATTERN, may_contain_pii

PIECES = st.sampled_from(
    ["0", "1", "4", "7", "9", "01", "010", "-", " ", "a", "@", "\n", "T", "9001011234567"]
)
TEXTS = st.lists(PIECES, max_size=40).map("".join)


@given(st.lists(TEXTS, min_size=1, max_size=4))
@settings(max_examples=3000)
def test_searching_digit_runs_finds_what_the_whole_text_search_finds(texts):
    joined = "\n".join(texts)
    assert may_contain_pii(texts) == (PII_PATTERN.search(joined) is not None)


def test_the_number_shapes_of_the_contract_are_found():
    for text in ["id 900101-1234567 x", "9001011234567", "010-1234-5678", "tel:01012345678"]:
        assert may_contain_pii([text]), text
        assert NUMBER_PATTERN.search(text)
    for text in ["2024-01-02T09:00:16+09:00", "DEMO-NRF-000005379", "19001011234567"]:
        assert not may_contain_pii([text]), text
