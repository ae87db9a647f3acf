"""Demo data: a pooled fund of three families sharing a PA, and a peer support buddy pair."""

from datetime import datetime, timedelta

from coop import clock
from coop.members.models import Member
from coop.payments import ledger
from coop.payments.models import FundingKind
from coop.support import buddies, pools
from coop.support.buddy_models import Topic, Way
from coop.support.pool_models import ContributionRule, Pool


def load(people: dict[str, Member], now: datetime | None = None) -> Pool:
    """Asha, Ben and Chloe pool £50 each to share Femi's hours; £60 was spent on cover with
    two of three agreeing, and Ben proposes more. Erin (a carer who has employed PAs for
    years) is Asha's buddy; Chloe asks for support too, so Erin is suggested her."""
    now = now or clock.now()
    week_ago = now - timedelta(days=7)
    secretary = people["secretary@demo.coop"]
    asha, ben, chloe = (people[f"{n}@demo.coop"] for n in ("asha", "ben", "chloe"))
    ledger.record_funding(
        chloe,
        15_000,
        FundingKind.DIRECT_PAYMENT,
        clock.london_today(week_ago),
        "DP-DERBY-0533",
        secretary,
        week_ago,
    )
    pool = pools.create(
        asha,
        "Sharing Femi's hours",
        "Asha, Ben and Chloe share Femi as a PA, and pool money for cover and trips out.",
        ContributionRule.EQUAL,
        28,
        [pools.Invitee(ben.email), pools.Invitee(chloe.email)],
        equal_amount_pence=5_000,
        now=week_ago,
    )
    for member in (ben, chloe):
        pools.join(pool, member, week_ago + timedelta(hours=1))
    for member in (asha, ben, chloe):
        pools.pay_in(pool, member, week_ago + timedelta(hours=2))
    cover = pools.propose_spend(
        pool, asha, "Femi Adeyemi", 6_000, "Cover while Asha's PA was off sick", week_ago
    )
    pools.vote(cover, ben, True, week_ago + timedelta(hours=3))
    pools.propose_spend(
        pool, ben, "Peak District day trip", 4_500, "Minibus for a day out together", now
    )

    erin = people["erin@demo.coop"]
    buddies.save_profile(
        erin,
        offers=True,
        asks=False,
        topics={Topic.EMPLOYING_PAS, Topic.YOUNG_ADULT, Topic.NEW_TO_DIRECT_PAYMENTS},
        ways={Way.PHONE, Way.MEETING},
        about="I have employed PAs for my son for eight years.",
        phone="07700 900123",
        now=week_ago,
    )
    buddies.save_profile(
        asha,
        offers=False,
        asks=True,
        topics={Topic.EMPLOYING_PAS},
        ways={Way.PHONE},
        phone="07700 900456",
        now=week_ago,
    )
    buddies.save_profile(
        chloe,
        offers=False,
        asks=True,
        topics={Topic.NEW_TO_DIRECT_PAYMENTS},
        ways={Way.MEETING, Way.ONLINE},
        now=week_ago,
    )
    pair = buddies.ask(asha, erin.id, week_ago)
    buddies.answer(pair, erin, True, week_ago + timedelta(hours=5))
    return pool
