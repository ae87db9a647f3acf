"""Pooled funds: joining, paying in, spending by majority, leaving with notice."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coop import clock
from coop.outbox import OutboxMessage
from coop.payments import ledger
from coop.payments import pools as money
from coop.support import pools
from coop.support.pool_models import ContributionRule, SpendStatus


def _pool(db, families, rule=ContributionRule.EQUAL, notice_days=14, **amounts):
    pool = pools.create(
        families["Asha"],
        "Sharing Femi",
        "Three families sharing a PA",
        rule,
        notice_days,
        [
            pools.Invitee("ben@example.org", amounts.get("ben")),
            pools.Invitee(str(families["Chloe"].member_number), amounts.get("chloe")),
        ],
        equal_amount_pence=3000 if rule is ContributionRule.EQUAL else None,
        founder_amount_pence=amounts.get("asha"),
    )
    db.session.commit()
    return pool


def _joined(db, families, **kwargs):
    pool = _pool(db, families, **kwargs)
    pools.join(pool, families["Ben"])
    pools.join(pool, families["Chloe"])
    db.session.commit()
    return pool


def _invariant(pool):
    """What of each current member is unspent adds up to what the pool holds."""
    assert sum(m.unspent_pence for m in pool.current) == pools.balance(pool)
    assert ledger.all_transactions_balance()


@pytest.mark.parametrize(
    ("agrees", "against", "members", "expected"),
    [
        (1, 0, 3, SpendStatus.OPEN),
        (2, 0, 3, SpendStatus.AGREED),
        (1, 1, 3, SpendStatus.OPEN),
        (1, 2, 3, SpendStatus.REFUSED),
        (2, 0, 4, SpendStatus.OPEN),  # exactly half is not more than half
        (3, 0, 4, SpendStatus.AGREED),
        (1, 2, 4, SpendStatus.REFUSED),  # at most 2 of 4 can now agree
        (1, 0, 1, SpendStatus.AGREED),
    ],
)
def test_spending_needs_more_than_half_of_the_members(agrees, against, members, expected):
    assert pools.decision(agrees, against, members) is expected


def test_setting_up_invites_the_others_who_must_join(db, families):
    pool = _pool(db, families)
    assert [m.member.name for m in pool.current] == ["Asha Holder"]
    assert sorted(db.session.scalars(select(OutboxMessage.recipient))) == [
        "ben@example.org",
        "chloe@example.org",
    ]
    pools.join(pool, families["Ben"])
    pools.decline(pool, families["Chloe"])
    db.session.commit()
    assert [m.member.name for m in pool.current] == ["Asha Holder", "Ben Holder"]
    assert pools.pool_of(families["Chloe"], pool.id) is None


def test_fixed_amounts_need_an_amount_for_everyone(db, families):
    with pytest.raises(pools.PoolError, match="Ben Holder's amount"):
        _pool(db, families, rule=ContributionRule.FIXED, asha=2000, chloe=1000)


def test_paying_in_moves_money_from_the_budget_to_the_pool(db, families):
    pool = _joined(db, families, rule=ContributionRule.FIXED, asha=2000, ben=1000, chloe=500)
    for name in ("Asha", "Ben", "Chloe"):
        pools.pay_in(pool, families[name])
    db.session.commit()
    assert pools.balance(pool) == 3500
    assert ledger.budget_balance(families["Ben"]) == 9000
    assert [m.paid_in_pence for m in pool.current] == [2000, 1000, 500]
    _invariant(pool)


def test_a_budget_that_cannot_cover_the_contribution_pays_nothing(db, families, make_member):
    pool = _joined(db, families)
    poor = families["Chloe"]
    money.contribute(poor, pool.id, 9000, "Earlier", None)  # leaves Chloe £10
    db.session.commit()
    membership = pools.membership_of(pool, poor)
    membership.paid_in_pence = 9000
    db.session.commit()
    with pytest.raises(pools.PoolError, match="needs £20.00 more"):
        pools.pay_in(pool, poor)
    db.session.rollback()
    assert ledger.budget_balance(poor) == 1000


def test_a_majority_agrees_and_the_spend_is_paid_and_shared_by_what_each_has_in(db, families):
    pool = _joined(db, families, rule=ContributionRule.FIXED, asha=4000, ben=2000, chloe=2000)
    for name in ("Asha", "Ben", "Chloe"):
        pools.pay_in(pool, families[name])
    spend = pools.propose_spend(pool, families["Asha"], "Femi Adeyemi", 4000, "Cover in August")
    db.session.commit()
    assert spend.status is SpendStatus.OPEN  # one of three agrees: not yet
    assert pools.balance(pool) == 8000
    with pytest.raises(pools.PoolError, match="already said yes or no"):
        pools.vote(spend, families["Asha"], True)
    db.session.rollback()
    pools.vote(spend, families["Ben"], True)
    db.session.commit()
    assert spend.status is SpendStatus.PAID
    assert pools.balance(pool) == 4000
    assert [m.spent_pence for m in pool.current] == [2000, 1000, 1000]
    _invariant(pool)
    with pytest.raises(pools.PoolError, match="already been decided"):
        pools.vote(spend, families["Chloe"], False)


def test_two_noes_of_three_refuse_it_and_nothing_is_spent(db, families):
    pool = _joined(db, families)
    for name in ("Asha", "Ben", "Chloe"):
        pools.pay_in(pool, families[name])
    spend = pools.propose_spend(pool, families["Asha"], "Gym", 1000, "Gym passes")
    pools.vote(spend, families["Ben"], False)
    pools.vote(spend, families["Chloe"], False)
    db.session.commit()
    assert spend.status is SpendStatus.REFUSED
    assert pools.balance(pool) == 9000


def test_a_spend_above_what_the_pool_holds_is_refused(db, families):
    pool = _joined(db, families)
    pools.pay_in(pool, families["Asha"])
    with pytest.raises(pools.PoolError, match="The pool holds £30.00"):
        pools.propose_spend(pool, families["Asha"], "Trip", 3001, "A day out")


def test_an_outsider_or_invitee_cannot_pay_in_propose_or_vote(db, families, make_member):
    pool = _pool(db, families)
    with pytest.raises(pools.PoolError, match="current members"):
        pools.pay_in(pool, families["Ben"])
    stranger = db.session.merge(make_member(email="eve@example.org"))
    assert pools.pool_of(stranger, pool.id) is None
    with pytest.raises(pools.PoolError, match="not in this pool"):
        pools.propose_spend(pool, stranger, "Me", 100, "Mine")


def test_leaving_after_notice_returns_the_unspent_contribution_in_proportion(
    db, families, monkeypatch
):
    pool = _joined(db, families, rule=ContributionRule.FIXED, asha=6000, ben=3000, chloe=3000)
    for name in ("Asha", "Ben", "Chloe"):
        pools.pay_in(pool, families[name])
    spend = pools.propose_spend(pool, families["Asha"], "Femi", 3000, "Cover")
    pools.vote(spend, families["Ben"], True)
    db.session.commit()
    # 12,000 paid in, 3,000 spent: Asha had half in, so bore half; Ben a quarter.
    assert [m.unspent_pence for m in pool.current] == [4500, 2250, 2250]

    ben = pools.give_notice(pool, families["Ben"])
    db.session.commit()
    assert ben.leaves_on == clock.london_today() + timedelta(days=14)
    # The others are shown the new split before it takes effect, and told by email.
    after = pools.split_after(pool, [ben])
    assert [(p.name, p.unspent_pence, p.per_mille) for p in after] == [
        ("Asha Holder", 4500, 666),
        ("Chloe Holder", 2250, 333),
    ]
    mail = {m.recipient: m.body for m in db.session.scalars(select(OutboxMessage))}
    assert "Asha Holder: £45.00 (66.6%)" in mail["chloe@example.org"]

    assert pools.settle_leavers() == []  # not yet
    later = clock.now() + timedelta(days=15)
    left = pools.settle_leavers(later)
    db.session.commit()
    assert [m.member.name for m in left] == ["Ben Holder"]
    assert ledger.budget_balance(families["Ben"]) == 10000 - 3000 + 2250
    assert [m.member.name for m in pool.current] == ["Asha Holder", "Chloe Holder"]
    _invariant(pool)
    assert pools.balance(pool) == 6750


def test_a_pool_never_pays_out_more_than_it_holds():
    with pytest.raises(money.postings.InsufficientFunds):
        money.spend_from_pool(1, 501, available_pence=500, bank=("bank", "client"), memo="x")
    with pytest.raises(money.postings.InsufficientFunds):
        money.return_from_pool(1, 2, 501, available_pence=500, memo="x")
    posted = money.pay_into_pool(2, 1, 500, available_pence=500, memo="In")
    assert sum(entry.amount_pence for entry in posted.entries) == 0
