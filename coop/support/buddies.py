"""Peer support buddies: opting in, suggested pairs with their reasons, asking and answering.

Suggesting is a pure rule (:func:`suggest`): plain values in, suggestions with reasons out.
Contact details are shown only once both people have said yes; either can end it; someone who
said no can ask the other later. Nothing here commits.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from coop import clock
from coop.email import external_url
from coop.extensions import db
from coop.members.letters import notify
from coop.members.models import Member
from coop.members.roles import is_member
from coop.support.buddy_models import BuddyPair, BuddyProfile, PairStatus, Topic, Way

#: The most suggestions shown at once.
MOST_SUGGESTIONS = 10


class BuddyError(Exception):
    """Something refused; the message says why in plain English."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- The pure rule -----------------------------------------------------------------------

SUPPORTS_YOU = "supports"
ASKS_YOU = "asks"


@dataclass(frozen=True)
class Wish:
    """What one member chose: offering, asking, the topics and the ways."""

    member_id: int
    name: str
    offers: bool
    asks: bool
    topics: frozenset[Topic]
    ways: frozenset[Way]


@dataclass(frozen=True)
class Suggestion:
    member_id: int
    name: str
    #: SUPPORTS_YOU (they offer what you ask for) or ASKS_YOU (they ask for what you offer).
    direction: str
    reasons: tuple[str, ...]
    score: int


def _listed(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _match(me: Wish, other: Wish, direction: str) -> Suggestion | None:
    topics = [topic for topic in Topic if topic in me.topics and topic in other.topics]
    ways = [way for way in Way if way in me.ways and way in other.ways]
    if not topics or not ways:
        return None
    role = (
        f"{other.name} offers support on"
        if direction == SUPPORTS_YOU
        else f"{other.name} asks for support on"
    )
    reasons = (
        f"{role} {_listed([t.label.lower() if i else t.label for i, t in enumerate(topics)])}, "
        "as you chose.",
        f"You could both meet {_listed([w.label.lower() for w in ways])}.",
    )
    return Suggestion(other.member_id, other.name, direction, reasons, 2 * len(topics) + len(ways))


def suggest(me: Wish, others: list[Wish]) -> list[Suggestion]:
    """The people who fit ``me``, best first, each with the reasons in plain English.

    Someone fits when one offers what the other asks for, on at least one topic both chose,
    and both can meet at least one way. A topic in common counts twice a way in common.
    Asking for support comes first: if both directions fit, the pair is suggested once, as
    someone who can support you.
    """
    found = []
    for other in others:
        if other.member_id == me.member_id:
            continue
        suggestion = None
        if me.asks and other.offers:
            suggestion = _match(me, other, SUPPORTS_YOU)
        if suggestion is None and me.offers and other.asks:
            suggestion = _match(me, other, ASKS_YOU)
        if suggestion is not None:
            found.append(suggestion)
    found.sort(key=lambda s: (-s.score, s.name, s.member_id))
    return found


# --- Opting in ---------------------------------------------------------------------------


def profile_of(member: Member) -> BuddyProfile | None:
    return db.session.scalar(select(BuddyProfile).where(BuddyProfile.member_id == member.id))


def save_profile(
    member: Member,
    *,
    offers: bool,
    asks: bool,
    topics: set[Topic],
    ways: set[Way],
    about: str = "",
    phone: str = "",
    now: datetime | None = None,
) -> BuddyProfile:
    """Opt in (or change what you chose)."""
    now = now or clock.now()
    if not is_member(member):
        raise BuddyError("Peer support is for members of the co-op.")
    if not (offers or asks):
        raise BuddyError("Choose whether you offer support, ask for it, or both.", "role")
    if not topics:
        raise BuddyError("Choose at least one topic.", "topics")
    if not ways:
        raise BuddyError("Choose at least one way to meet.", "ways")
    profile = profile_of(member) or BuddyProfile(member_id=member.id)
    profile.offers, profile.asks = bool(offers), bool(asks)
    profile.topics, profile.ways = topics, ways
    profile.about = (about or "").strip()[:500]
    profile.phone = (phone or "").strip()[:30]
    profile.active = True
    profile.updated_at = now
    db.session.add(profile)
    db.session.flush()
    return profile


def stop(member: Member, now: datetime | None = None) -> BuddyProfile:
    """Take a break: nobody is suggested you. Buddies you have stay until one of you ends it."""
    profile = profile_of(member)
    if profile is None or not profile.active:
        raise BuddyError("You are not offering or asking for peer support now.")
    profile.active = False
    profile.updated_at = now or clock.now()
    return profile


def _wish(profile: BuddyProfile) -> Wish:
    return Wish(
        profile.member_id,
        profile.member.name,
        profile.offers,
        profile.asks,
        profile.topics,
        profile.ways,
    )


# --- Pairs -------------------------------------------------------------------------------


def pairs_of(member: Member) -> list[BuddyPair]:
    return list(
        db.session.scalars(
            select(BuddyPair)
            .where(or_(BuddyPair.asker_id == member.id, BuddyPair.offerer_id == member.id))
            .order_by(BuddyPair.asked_at.desc(), BuddyPair.id.desc())
        )
    )


def pair_of(member: Member, pair_id: int) -> BuddyPair | None:
    """The member's own pair with this id; anyone else's is None (a 404)."""
    pair = db.session.get(BuddyPair, pair_id)
    return pair if pair is not None and pair.has(member) else None


def _between(a_id: int, b_id: int) -> BuddyPair | None:
    return db.session.scalar(
        select(BuddyPair).where(
            or_(
                (BuddyPair.asker_id == a_id) & (BuddyPair.offerer_id == b_id),
                (BuddyPair.asker_id == b_id) & (BuddyPair.offerer_id == a_id),
            )
        )
    )


def _may_be_suggested(member: Member, pair: BuddyPair | None) -> bool:
    """Nobody is suggested twice while asked or paired, nor someone who said no to you (they
    may ask you later); someone you said no to is suggested again, so you can ask later."""
    if pair is None or pair.status is PairStatus.ENDED:
        return True
    if pair.status is PairStatus.DECLINED:
        return pair.declined_by_id == member.id
    return False


def suggestions_for(member: Member) -> list[Suggestion]:
    """Suggested buddies for the member, with the reasons; none until they opt in."""
    mine = profile_of(member)
    if mine is None or not mine.active:
        return []
    others = db.session.scalars(
        select(BuddyProfile).where(
            BuddyProfile.active.is_(True), BuddyProfile.member_id != member.id
        )
    ).all()
    others = [profile for profile in others if is_member(profile.member)]
    pairs = {pair.other(member).id: pair for pair in pairs_of(member)}
    found = suggest(_wish(mine), [_wish(profile) for profile in others])
    return [s for s in found if _may_be_suggested(member, pairs.get(s.member_id))][
        :MOST_SUGGESTIONS
    ]


def ask(member: Member, other_id: int, now: datetime | None = None) -> BuddyPair:
    """Ask a suggested member to be buddies; they are told and answer yes or no."""
    now = now or clock.now()
    suggestion = next((s for s in suggestions_for(member) if s.member_id == other_id), None)
    if suggestion is None:
        raise BuddyError(
            "You can only ask someone the site suggests for you now. They may have changed "
            "what they chose, or you may have asked them already."
        )
    if suggestion.direction == SUPPORTS_YOU:
        asker_id, offerer_id = member.id, other_id
    else:
        asker_id, offerer_id = other_id, member.id
    pair = _between(member.id, other_id)
    if pair is None:
        pair = BuddyPair(asker_id=asker_id, offerer_id=offerer_id)
        db.session.add(pair)
    pair.asker_id, pair.offerer_id = asker_id, offerer_id
    pair.status = PairStatus.ASKED
    pair.asked_by_id = member.id
    pair.asked_at = now
    pair.answered_at = None
    pair.ended_at = None
    pair.ended_by_id = None
    pair.reasons = " ".join(suggestion.reasons)[:300]
    db.session.flush()
    other = db.session.get(Member, other_id)
    link = external_url("support.buddy_pair", pair_id=pair.id)
    wants = (
        "to be their peer support buddy"
        if suggestion.direction == ASKS_YOU
        else ("if you would be their peer support buddy")
    )
    notify(
        other,
        f"{member.name} asks you about peer support",
        f"{member.name} asks {wants}. {pair.reasons}\n\nYour contact details are shared only "
        f"if you say yes. Say yes or no here:\n{link}\n",
        now=now,
    )
    return pair


def answer(pair: BuddyPair, member: Member, yes: bool, now: datetime | None = None) -> BuddyPair:
    """The one asked says yes (contact details are then shown to both) or no."""
    now = now or clock.now()
    if not pair.has(member) or pair.asked_by_id == member.id:
        raise BuddyError("Only the person who was asked can answer.")
    if pair.status is not PairStatus.ASKED:
        raise BuddyError(f"This has already been answered: {pair.status.label.lower()}.")
    pair.answered_at = now
    other = pair.other(member)
    link = external_url("support.buddy_pair", pair_id=pair.id)
    if yes:
        pair.status = PairStatus.ACTIVE
        pair.declined_by_id = None
        notify(
            other,
            f"{member.name} said yes to peer support",
            f"{member.name} said yes. You can now see each other's contact details:\n{link}\n",
            now=now,
        )
    else:
        pair.status = PairStatus.DECLINED
        pair.declined_by_id = member.id
        notify(
            other,
            "About your peer support request",
            f"{member.name} cannot be buddies right now. Nothing of yours was shared. They can "
            "ask you later if things change, and the site will suggest other people.\n",
            now=now,
        )
    return pair


def end(pair: BuddyPair, member: Member, now: datetime | None = None) -> BuddyPair:
    """Either person ends the pairing (or withdraws their own request); the other is told."""
    now = now or clock.now()
    if not pair.has(member):
        raise BuddyError("This is not your pairing.")
    if pair.status is PairStatus.ASKED and pair.asked_by_id != member.id:
        raise BuddyError("Answer yes or no instead.")
    if pair.status not in (PairStatus.ACTIVE, PairStatus.ASKED):
        raise BuddyError("This pairing has already ended.")
    was_active = pair.status is PairStatus.ACTIVE
    pair.status = PairStatus.ENDED
    pair.ended_at = now
    pair.ended_by_id = member.id
    if was_active:
        notify(
            pair.other(member),
            "Peer support pairing ended",
            f"{member.name} has ended your peer support pairing. Thank you for taking part. "
            "The site can suggest someone else.\n",
            now=now,
        )
    return pair


def contact_shown(pair: BuddyPair) -> bool:
    """Contact details are exchanged only once both have said yes."""
    return pair.status is PairStatus.ACTIVE


def phone_of(member: Member) -> str:
    profile = profile_of(member)
    return profile.phone if profile is not None else ""
