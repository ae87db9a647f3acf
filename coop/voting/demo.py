"""Demo governance: an open motion members can vote on, and a closed one with its results."""

from datetime import UTC, datetime, timedelta

from coop.members.models import Member
from coop.voting import service
from coop.voting.models import Choice, Resolution


def load(members: dict[str, Member], now: datetime | None = None) -> None:
    """Add the demo motions, with votes cast by the demo members."""
    now = now or datetime.now(UTC)
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
