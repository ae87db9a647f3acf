"""The people the pooled fund and buddy tests share."""

from datetime import date

import pytest


@pytest.fixture
def fund(db, make_member):
    """`fund(member, pence)`: the secretary records a direct payment into the member's budget."""
    from coop.payments import ledger
    from coop.payments.models import FundingKind

    state = {}

    def pay_in(member, pence):
        if "secretary" not in state:
            state["secretary"] = make_member(secretary=True, email="treasury@example.org")
        state["n"] = state.get("n", 0) + 1
        ledger.record_funding(
            db.session.merge(member),
            pence,
            FundingKind.DIRECT_PAYMENT,
            date.today(),
            f"DP-POOL-{state['n']}",
            by=db.session.merge(state["secretary"]),
        )
        db.session.commit()

    return pay_in


@pytest.fixture
def families(db, make_member, fund):
    """Asha, Ben and Chloe: three budget holders with £100 each."""
    made = {}
    for name in ("Asha", "Ben", "Chloe"):
        member = make_member(name=f"{name} Holder", email=f"{name.lower()}@example.org")
        fund(member, 10000)
        made[name] = db.session.merge(member)
    return made
