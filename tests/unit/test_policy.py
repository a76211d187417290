import pytest

from contract.payloads import PAYLOAD_TYPES
from contract.policy import PolicyError, load_policy
from contract.validation import ContractViolation
from tests.builders import DEFAULT_SOURCES

SELF_TYPES = {"BlockFundingSpent", "RepresentativeResultSubmitted", "SpecialHiringCompleted"}
AGENCIES = ["NRF", "MSIT", "MOE", "NST", "U1"]


def test_default_policy_covers_every_type():
    assert set(load_policy().emitters) == set(PAYLOAD_TYPES)


@pytest.mark.parametrize("event_type", sorted(set(PAYLOAD_TYPES) - {"EventRetracted"}))
@pytest.mark.parametrize("source", AGENCIES)
def test_every_source_and_type_pair(event_type, source):
    policy = load_policy()
    subject = "U1"
    allowed = (
        source == subject if event_type in SELF_TYPES else source == DEFAULT_SOURCES[event_type]
    )
    if allowed:
        policy.check(event_type, source, subject)
    else:
        with pytest.raises(ContractViolation) as caught:
            policy.check(event_type, source, subject)
        assert caught.value.reason == "unauthorized_source"


def test_self_means_the_subject_itself():
    policy = load_policy()
    policy.check("SpecialHiringCompleted", "KIST", "KIST")
    with pytest.raises(ContractViolation):
        policy.check("SpecialHiringCompleted", "KRISS", "KIST")


def test_a_policy_file_with_errors_is_refused(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[emitters\n")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(broken)
    partial = tmp_path / "partial.toml"
    partial.write_text('[emitters]\nGrantAwarded = ["NRF"]\n')
    with pytest.raises(PolicyError, match="no emitters for"):
        load_policy(partial)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[emitters]\nGrantInvented = ["NRF"]\n')
    with pytest.raises(PolicyError, match="unknown event types"):
        load_policy(unknown)
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.toml")


def test_retracted_is_refused_for_any_type_but_retractions(tmp_path):
    """It lets any source through `check` (the ledger checks the retracted
    event's source); on GrantAwarded nothing would, and anyone could award."""
    text = (load_policy.__globals__["DEFAULT_POLICY_FILE"]).read_text()
    loose = tmp_path / "loose.toml"
    loose.write_text(text.replace('GrantAwarded = ["NRF"]', 'GrantAwarded = ["retracted"]'))
    with pytest.raises(PolicyError, match='GrantAwarded: "retracted" is for EventRetracted only'):
        load_policy(loose)


def test_a_user_policy_replaces_the_default(tmp_path):
    text = (load_policy.__globals__["DEFAULT_POLICY_FILE"]).read_text()
    custom = tmp_path / "custom.toml"
    custom.write_text(text.replace('GrantAwarded = ["NRF"]', 'GrantAwarded = ["NRF", "MSIT"]'))
    load_policy(custom).check("GrantAwarded", "MSIT", "G1")


def test_an_owner_the_policy_does_not_name_is_warned_about():
    policy = load_policy()
    assert policy.agencies == ["MOE", "MSIT", "NRF", "NST"]
    assert policy.owner_warning("NRF", "--source NRF") is None
    typo = policy.owner_warning("nrf", "--source nrf")
    assert typo is not None and "did you mean NRF?" in typo and "'nrf'" in typo
    institution = policy.owner_warning("U-01", "--source U-01")
    assert institution is not None and "did you mean" not in institution
    assert "MOE, MSIT, NRF, NST" in institution
