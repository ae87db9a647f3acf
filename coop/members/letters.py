"""Reaching a member: by email when they have an address, otherwise a letter for the secretary
to post. Every place that messages a member goes through :func:`notify`, so a member without
email never breaks a page or a command and never silently misses a message."""

from datetime import datetime

from sqlalchemy import select

from coop import clock, email
from coop.extensions import db
from coop.members import service
from coop.members.models import Member
from coop.members.paper_models import Letter

#: How many posted letters the secretary's list shows, newest first.
POSTED_SHOWN = 50


class LetterError(service.MembershipError):
    """A letter cannot be marked as posted; the message says why."""


def notify(
    member: Member, subject: str, body: str, attachments: tuple = (), now: datetime | None = None
) -> bool:
    """Email the member, or, if they have no email address, record a letter to post them.

    The letter is added to the caller's transaction (nothing here commits), so it stands or
    falls with the change it tells the member about. ``attachments`` (such as a booking's
    calendar file) go only with emails; the letter's text says what they would have said.
    Returns whether the message went (or is waiting in the letters list).
    """
    if member.email:
        return email.send(member.email, subject, body, attachments)
    if attachments:
        names = ", ".join(name for name, _type, _data in attachments)
        body += (
            f"\n(The emailed version of this message carries a file, {names}, not printed here.)\n"
        )
    db.session.add(
        Letter(member_id=member.id, subject=subject, body=body, created_at=now or clock.now())
    )
    db.session.flush()
    return True


def can_manage_letters(actor: Member | None) -> bool:
    """The secretary prints and posts letters, as they keep the register of addresses."""
    return service.can_manage_membership(actor)


def letters_to_send() -> list[Letter]:
    """Letters not yet posted, oldest first, so they go out in the order they were written."""
    return list(
        db.session.scalars(
            select(Letter).where(Letter.posted_at.is_(None)).order_by(Letter.created_at, Letter.id)
        )
    )


def letters_posted(limit: int = POSTED_SHOWN) -> list[Letter]:
    """The most recently posted letters, newest first."""
    return list(
        db.session.scalars(
            select(Letter)
            .where(Letter.posted_at.is_not(None))
            .order_by(Letter.posted_at.desc(), Letter.id.desc())
            .limit(limit)
        )
    )


def letters_for(member: Member) -> list[Letter]:
    """Every letter written to a member, newest first."""
    return list(
        db.session.scalars(
            select(Letter)
            .where(Letter.member_id == member.id)
            .order_by(Letter.created_at.desc(), Letter.id.desc())
        )
    )


def mark_posted(letter: Letter, by: Member, now: datetime | None = None) -> Letter:
    """The secretary has put the letter in the post."""
    if not can_manage_letters(by):
        raise LetterError("Only the secretary can post letters")
    if letter.posted_at is not None:
        raise LetterError(
            f"That letter was already marked as posted on {clock.format_date(letter.posted_at)}"
        )
    letter.posted_at = now or clock.now()
    letter.posted_by_id = by.id
    db.session.flush()
    return letter
