"""Telling members about motions: when voting opens, a reminder, and the result."""

from datetime import datetime

from coop import clock, email
from coop.members.letters import notify
from coop.voting import service
from coop.voting.models import Motion


def _link(motion: Motion, endpoint: str = "voting.motion") -> str:
    return email.external_url(endpoint, motion_id=motion.id)


def _opening(motion: Motion) -> tuple[str, str]:
    return (
        f"Vote now: {motion.title}",
        "Voting is open on a motion put to the members:\n\n"
        f"{motion.title}\n\n{motion.summary}\n\n"
        f"Voting closes {_when(motion.closes_at)}. Read the motion and vote at:\n"
        f"{_link(motion)}\n\n"
        "If you cannot vote yourself, you can appoint another member as your proxy.\n",
    )


def _reminder(motion: Motion) -> tuple[str, str]:
    return (
        f"Reminder: voting closes soon on {motion.title}",
        f"You have not voted yet on:\n\n{motion.title}\n\n"
        f"Voting closes {_when(motion.closes_at)}. Vote at:\n{_link(motion)}\n",
    )


def _result(motion: Motion) -> tuple[str, str]:
    result = service.count(motion)
    lines = "\n".join(result.summary)
    return (
        f"Result: {motion.title}",
        f"Voting has closed on:\n\n{motion.title}\n\n{lines}\n\n"
        f"See the full results, and check your vote by its receipt code, at:\n"
        f"{_link(motion, 'voting.results')}\n",
    )


def _when(moment: datetime) -> str:

    return clock.format_moment(moment)


def send_due_notices(now: datetime | None = None) -> dict[str, int]:
    """Send every notice that is due; returns how many emails of each kind went out.

    Each motion's notice is marked sent in the same transaction that finds it due, so a
    second run (or a second server running the same job) sends nothing twice.
    """
    notices = service.due_notices(now)
    sent = {"opening": 0, "reminder": 0, "result": 0}
    for kind, batch, compose in (
        ("opening", notices.opening, _opening),
        ("reminder", notices.reminders, _reminder),
        ("result", notices.results, _result),
    ):
        for motion, members in batch:
            subject, body = compose(motion)
            for member in members:
                if notify(member, subject, f"Hello {member.name},\n\n{body}"):
                    sent[kind] += 1
    return sent
