"""The people the payments tests share."""

import pytest


@pytest.fixture
def holder(db, make_member):
    """Bea, an approved budget holder whose budget has had nothing paid in."""
    return make_member("budget_holder", name="Bea Budget", email="bea@example.org")
