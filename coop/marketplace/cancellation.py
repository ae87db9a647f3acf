"""The cancellation rule, in one place: the deadline, the refund due, and the sentence saying so.

A booking cancelled at least its notice period before the session starts is refunded in full;
later, nothing is refunded; once the session has started it cannot be cancelled at all. Pure:
plain values in, plain values out, so every page, email and service says the same thing.
"""

from datetime import datetime, timedelta


def deadline(starts_at: datetime, notice_hours: int) -> datetime:
    """The last moment a cancellation gets a full refund."""
    return starts_at - timedelta(hours=notice_hours)


def can_cancel(starts_at: datetime, now: datetime) -> bool:
    """Whether a booking (or a session) can still be cancelled: only before it starts."""
    return now < starts_at


def refund_due(total_pence: int, starts_at: datetime, notice_hours: int, now: datetime) -> int:
    """What cancelling at ``now`` gives back: everything up to the deadline, else nothing."""
    if not can_cancel(starts_at, now):
        return 0
    return total_pence if now <= deadline(starts_at, notice_hours) else 0


def policy(notice_hours: int) -> str:
    """The rule in one plain-English sentence (or two), shown before booking and after."""
    if notice_hours == 0:
        return "You can cancel at any time before the start for a full refund."
    hours = "hour" if notice_hours == 1 else "hours"
    return (
        f"Cancel at least {notice_hours} {hours} before the start for a full refund. "
        "If you cancel later you will not get a refund."
    )
