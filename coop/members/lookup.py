"""Finding a member from what someone typed: an email address, or a member number."""

from sqlalchemy import select

from coop.extensions import db
from coop.members.models import Member


def by_email_or_number(text: str) -> Member | None:
    """The member with this email address (any case) or member number ('12' or '#12')."""
    text = (text or "").strip()
    if not text:
        return None
    if "@" in text:
        return db.session.scalar(select(Member).where(Member.email == text.lower()))
    number = text.lstrip("#").strip()
    if number.isascii() and number.isdigit() and len(number) <= 9:
        return db.session.scalar(select(Member).where(Member.member_number == int(number)))
    return None
