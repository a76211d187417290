import pytest

from tests.audit.helpers import build_sealed


@pytest.fixture
def sealed(ledger, intake):
    """A store with 12 positions: seals at 6 (covering 1-5) and 10 (covering 1-9)."""
    return build_sealed(ledger, intake)
