"""Demo governance: an open motion members can vote on, and a closed one with its results."""

from datetime import datetime, timedelta

from coop import clock
from coop.members.models import Member
from coop.voting import service
from coop.voting.models import Choice, Resolution


def load(members: dict[str, Member], now: datetime | None = None) -> None:
    """Add the demo motions, with votes cast by the demo members."""
    now = now or clock.now()
    secretary = members["secretary@demo.coop"]
    closed = service.put_motion(
        secretary,
        service.MotionDraft(
            title="Raise the PA rate paid through the co-op to £14 an hour",
            summary="Personal assistants booked through the co-op would be paid at least £14 "
            "an hour, paid for from the surplus rather than from budget holders' budgets.",
            full_text="That from 1 April the co-op pays personal assistants booked through "
            "its marketplace at least £14.00 an hour.\n\nThat the difference between that "
            "rate and what a budget holder's plan pays is met from the co-op's surplus.",
            proposer=members["femi@demo.coop"],
            seconder=members["dev@demo.coop"],
            resolution=Resolution.ORDINARY,
            opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=23),
            quorum_percent=20,
            class_quorums={},
        ),
        now=now - timedelta(days=31),
    )
    votes = {
        "asha@demo.coop": Choice.FOR,
        "ben@demo.coop": Choice.AGAINST,
        "chloe@demo.coop": Choice.FOR,
        "dev@demo.coop": Choice.FOR,
        "erin@demo.coop": Choice.ABSTAIN,
        "femi@demo.coop": Choice.FOR,
        "grace@demo.coop": Choice.FOR,
        "gym@demo.coop": Choice.AGAINST,
    }
    for i, (address, choice) in enumerate(votes.items()):
        voter = members[address]
        service.cast_vote(closed, voter, choice, by=voter, now=now - timedelta(days=29, hours=-i))
    closed.opening_sent_at = closed.reminder_sent_at = closed.result_sent_at = now

    open_motion = service.put_motion(
        secretary,
        service.MotionDraft(
            title="Start a carers' respite fund",
            summary="Set aside part of each year's surplus for short breaks for family carers.",
            full_text="That the co-op creates a respite fund for its carer members.\n\n"
            "That members decide each year, when they vote on the surplus, how much goes to it.",
            proposer=members["dev@demo.coop"],
            seconder=members["asha@demo.coop"],
            resolution=Resolution.SPECIAL,
            opens_at=now - timedelta(days=2),
            closes_at=now + timedelta(days=12),
            quorum_percent=20,
            class_quorums={"budget_holder": 25},
        ),
        now=now - timedelta(days=3),
    )
    for address in ("erin@demo.coop", "grace@demo.coop"):
        voter = members[address]
        service.cast_vote(open_motion, voter, Choice.FOR, by=voter, now=now - timedelta(days=1))
    open_motion.opening_sent_at = now


def load_surplus(members: dict[str, Member], now: datetime | None = None) -> None:
    """A closed surplus ballot with its results, and next year's open for proposals."""
    from coop.voting import surplus

    now = now or clock.now()
    secretary = members["secretary@demo.coop"]
    last_year = surplus.open_ballot(
        secretary,
        financial_year="2025 to 2026",
        amount_pence=600_000,
        proposals_close_at=now - timedelta(days=60),
        opens_at=now - timedelta(days=50),
        closes_at=now - timedelta(days=40),
        now=now - timedelta(days=70),
    )
    ideas = [
        (
            "femi@demo.coop",
            "Raise PA pay by 50p an hour",
            400_000,
            "Personal assistants",
            "Top up the hourly rate of PAs booked through the co-op for a year.",
        ),
        (
            "dev@demo.coop",
            "Carers' respite fund",
            250_000,
            "Family carers",
            "Short breaks for carer members, up to £250 each.",
        ),
        (
            "asha@demo.coop",
            "Peer support group",
            120_000,
            "Budget holders",
            "A fortnightly peer support group run by budget holders, with transport paid.",
        ),
        (
            "chloe@demo.coop",
            "Accessible minibus hire",
            300_000,
            "Everyone",
            "Hire an accessible minibus for members' trips and appointments.",
        ),
    ]
    proposals = {}
    for address, title, cost, helps, description in ideas:
        proposal = surplus.submit_proposal(
            last_year,
            members[address],
            title=title,
            description=description,
            cost_pence=cost,
            helps=helps,
            now=now - timedelta(days=65),
        )
        surplus.decide_proposal(secretary, proposal, True, now=now - timedelta(days=58))
        proposals[title] = proposal.id
    backing = {
        "asha@demo.coop": ["Peer support group", "Accessible minibus hire"],
        "ben@demo.coop": ["Accessible minibus hire"],
        "chloe@demo.coop": ["Peer support group", "Carers' respite fund"],
        "dev@demo.coop": ["Carers' respite fund"],
        "erin@demo.coop": ["Carers' respite fund", "Peer support group"],
        "femi@demo.coop": ["Raise PA pay by 50p an hour"],
        "grace@demo.coop": ["Raise PA pay by 50p an hour", "Carers' respite fund"],
    }
    for address, titles in backing.items():
        surplus.cast_approvals(
            last_year,
            members[address],
            {proposals[t] for t in titles},
            now=now - timedelta(days=45),
        )
    surplus.open_ballot(
        secretary,
        financial_year="2026 to 2027",
        amount_pence=850_000,
        proposals_close_at=now + timedelta(days=20),
        opens_at=now + timedelta(days=25),
        closes_at=now + timedelta(days=39),
        now=now,
    )
