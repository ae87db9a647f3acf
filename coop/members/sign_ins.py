"""Sign-ins: one row per signed-in browser, checked on every request, ended one or all at once."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from coop import clock
from coop.extensions import db
from coop.members.models import Member, SignIn

#: 256 random bits: the part of a sign-in key that only the browser holds.
TOKEN_BYTES = 32


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _split(key: str | None) -> tuple[int, str] | None:
    """(member id, token) from a key "member id:token", or None for anything else (such as the
    bare member id that sessions held before sign-ins were recorded)."""
    member_id, sep, token = (key or "").partition(":")
    if not sep or not member_id.isdigit() or not token:
        return None
    return int(member_id), token


def lifetime() -> timedelta:
    """How long a sign-in lasts at most: as long as the remember cookie (30 days)."""
    return current_app.config["REMEMBER_COOKIE_DURATION"]


def start(member: Member, *, remember: bool, now: datetime | None = None) -> str:
    """Record a new sign-in for one browser and return its key, which Flask-Login then keeps
    in the session (and the remember cookie). The member's lapsed sign-ins are cleared away."""
    now = now or clock.now()
    db.session.execute(
        delete(SignIn).where(SignIn.member_id == member.id, SignIn.expires_at <= now)
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(
        SignIn(
            member_id=member.id,
            token_hash=_hash(token),
            signed_in_at=now,
            expires_at=now + lifetime(),
            remembered=remember,
        )
    )
    db.session.flush()
    member.sign_in_key = f"{member.id}:{token}"
    return member.sign_in_key


def _live(key: str | None, now: datetime | None):
    """The conditions a key's sign-in meets if it has not been ended and has not lapsed."""
    parts = _split(key)
    if parts is None:
        return None
    member_id, token = parts
    return (
        SignIn.token_hash == _hash(token),
        SignIn.member_id == member_id,
        SignIn.expires_at > (now or clock.now()),
    )


def find(key: str | None, now: datetime | None = None) -> SignIn | None:
    """The sign-in a browser's key belongs to, if it has not been ended and has not lapsed."""
    live = _live(key, now)
    return None if live is None else db.session.scalar(select(SignIn).where(*live))


def member_for(key: str | None, now: datetime | None = None) -> Member | None:
    """The member a browser's key signs in, or None: checked on every request, in one query
    that only reads."""
    live = _live(key, now)
    if live is None:
        return None
    member = db.session.scalar(
        select(Member).join(SignIn, SignIn.member_id == Member.id).where(*live)
    )
    if member is not None:
        member.sign_in_key = key
    return member


def end(key: str | None) -> bool:
    """End one browser's sign-in (signing out); False if it had already ended."""
    parts = _split(key)
    if parts is None:
        return False
    member_id, token = parts
    result = db.session.execute(
        delete(SignIn).where(SignIn.token_hash == _hash(token), SignIn.member_id == member_id)
    )
    return result.rowcount > 0


def end_all(member: Member) -> int:
    """End every sign-in the member has, on every browser; returns how many there were."""
    result = db.session.execute(delete(SignIn).where(SignIn.member_id == member.id))
    return result.rowcount


def count(member: Member, now: datetime | None = None) -> int:
    """How many browsers the member is signed in on now."""
    return db.session.scalar(
        select(func.count(SignIn.id)).where(
            SignIn.member_id == member.id, SignIn.expires_at > (now or clock.now())
        )
    )
