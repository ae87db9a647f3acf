"""Pooled bookings: budget holders book one session together and split the cost.

The organiser picks the session, the places, the people (by email address or member number)
and the split, checks it, and sends it. Each person (or someone in their circle of support
with permission to book for them, within its limit) agrees to their share. When the last one
agrees, or the organiser tries again later, every share is charged and the places are taken in
one transaction (a savepoint), or nothing is: if any budget does not cover its share, nobody is
charged, the others are told one share is not covered (never whose, never any balance) and
the person short is told how much more they need. Cancelling refunds each share to the budget
it came from, by the one cancellation rule. Nothing here commits: the view does, once.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from coop import clock
from coop.email import external_url
from coop.extensions import db
from coop.marketplace import bookings, cancellation
from coop.marketplace.models import Booking, BookingStatus, Session, WaitlistEntry
from coop.marketplace.pooled_models import PooledBooking, PooledShare, PooledStatus, SplitKind
from coop.marketplace.service import is_staff_of, price_for
from coop.members import circles, lookup
from coop.members.circle_models import CircleGrant, Permission
from coop.members.letters import notify
from coop.members.models import Member
from coop.members.roles import is_budget_holder
from coop.money import format_pence
from coop.payments import pools
from coop.voting.service import commission_rate

#: The most people one pooled booking may be split between.
MAX_PEOPLE = 10


class PooledError(bookings.BookingError):
    """A pooled booking that cannot be set up, agreed or cancelled; the message says why."""


@dataclass
class Outcome:
    """What happened when booking was tried: booked, or why not, and the waiting-list offers
    to email (after a cancellation)."""

    booked: bool = False
    not_covered: bool = False
    called_off: str | None = None
    offers: list[WaitlistEntry] = field(default_factory=list)


# --- Finding people ----------------------------------------------------------------------


def read_people(organiser: Member, lines: list[str]) -> list[Member]:
    """The people named, one a line, with the organiser first; refused with a reason naming
    the line when someone cannot share a booking."""
    people = [organiser]
    for line in lines:
        text = line.strip()
        if not text:
            continue
        found = lookup.by_email_or_number(text)
        if found is None or not is_budget_holder(found):
            raise PooledError(
                f"We could not find a budget holder with the email address or member number "
                f"“{text}”. Check it with them: each person must be a budget holder of the co-op.",
                field="people",
            )
        if any(person.id == found.id for person in people):
            if found.id == organiser.id:
                raise PooledError(
                    "You are in the booking already: list only the other people.", "people"
                )
            raise PooledError(f"“{text}” is listed twice.", field="people")
        people.append(found)
    if len(people) < 2:
        raise PooledError(
            "Add at least one other budget holder to share the booking with.", "people"
        )
    if len(people) > MAX_PEOPLE:
        raise PooledError(
            f"A booking can be shared between up to {MAX_PEOPLE} people.", field="people"
        )
    return people


# --- Setting one up ----------------------------------------------------------------------


def propose(
    organiser: Member,
    session: Session,
    people_lines: list[str],
    places: int,
    split: SplitKind,
    now: datetime | None = None,
) -> PooledBooking:
    """Set up a pooled booking (not sent yet), split equally to begin with."""
    now = now or clock.now()
    if not is_budget_holder(organiser):
        raise PooledError("Only approved budget holders can share a booking.")
    reason = bookings.why_not_bookable(session, now)
    if reason:
        raise PooledError(reason)
    if isinstance(places, bool) or not isinstance(places, int) or places < 1:
        raise PooledError("Book at least 1 place.", field="places")
    if places > bookings.MAX_PLACES_PER_BOOKING:
        raise PooledError(
            f"You can book up to {bookings.MAX_PLACES_PER_BOOKING} places at a time.", "places"
        )
    listing = session.listing
    if not listing.direct_payments_allowed:
        raise PooledError(
            "Budgets cannot be spent on this listing, because the provider says direct "
            "payments may not pay for it."
        )
    people = read_people(organiser, people_lines)
    for person in people:
        if is_staff_of(person, listing.provider):
            who = "You are" if person.id == organiser.id else f"{person.name} is"
            raise PooledError(
                f"{who} one of {listing.provider.name}'s staff, so cannot pay for its "
                "sessions from a budget.",
                field="people",
            )
    price = price_for(listing, session.starts_at, organiser)
    if price.price_pence == 0:
        raise PooledError("This session is free, so there is nothing to share: book it yourself.")
    pooled = PooledBooking(
        session=session,
        organiser=organiser,
        places=places,
        price_each_pence=price.price_pence,
        base_price_each_pence=price.base_pence,
        discount_label=(price.label or "")[:80],
        total_pence=price.price_pence * places,
        split=split,
        status=PooledStatus.DRAFT,
        created_at=now,
    )
    amounts = pools.split_equally(pooled.total_pence, len(people))
    for position, (person, amount) in enumerate(zip(people, amounts, strict=True)):
        pooled.shares.append(PooledShare(member=person, position=position, amount_pence=amount))
    if any(share.amount_pence < 1 for share in pooled.shares):
        raise PooledError(
            f"{format_pence(pooled.total_pence)} cannot be split between {len(people)} people.",
            field="people",
        )
    db.session.add(pooled)
    db.session.flush()
    return pooled


def set_shares(pooled: PooledBooking, by: Member, amounts: dict[int, int]) -> PooledBooking:
    """The organiser sets each person's share before sending; they must add up to the total."""
    _organiser_only(pooled, by)
    if pooled.status is not PooledStatus.DRAFT:
        raise PooledError("The shares cannot be changed once the booking has been sent.")
    if set(amounts) != {share.member_id for share in pooled.shares}:
        raise PooledError("Enter a share for everyone.", field="shares")
    for share in pooled.shares:
        amount = amounts[share.member_id]
        if amount is None or amount < 1:
            raise PooledError(
                f"Enter a share of at least 1p for {share.member.name}.", field="shares"
            )
    total = sum(amounts.values())
    if total != pooled.total_pence:
        difference = total - pooled.total_pence
        more_or_less = "more" if difference > 0 else "less"
        raise PooledError(
            f"The shares add up to {format_pence(total)}, which is "
            f"{format_pence(abs(difference))} {more_or_less} than the total of "
            f"{format_pence(pooled.total_pence)}. Make them add up to the total.",
            field="shares",
        )
    for share in pooled.shares:
        share.amount_pence = amounts[share.member_id]
    pooled.split = SplitKind.SHARES
    return pooled


def send(pooled: PooledBooking, by: Member, now: datetime | None = None) -> PooledBooking:
    """Send the pooled booking to everyone to agree; the organiser agrees to their own share."""
    now = now or clock.now()
    pooled = _lock(pooled)
    _organiser_only(pooled, by)
    if pooled.status is not PooledStatus.DRAFT:
        raise PooledError("This shared booking has already been sent.")
    reason = bookings.why_not_bookable(pooled.session, now)
    if reason:
        raise PooledError(reason)
    pooled.status = PooledStatus.WAITING
    pooled.sent_at = now
    pooled.shares[0].agreed_at = now
    listing = pooled.session.listing
    link = external_url("marketplace.pooled_booking", pooled_id=pooled.id)
    for share in pooled.shares[1:]:
        notify(
            share.member,
            f"{pooled.organiser.name} asks you to share a booking",
            f"{pooled.organiser.name} wants to book {listing.title} on "
            f"{clock.format_moment(pooled.session.starts_at)} together, for {pooled.places} "
            f"place{'s' if pooled.places != 1 else ''}. Your share would be "
            f"{format_pence(share.amount_pence)}, paid from your budget.\n\n"
            f"Nothing is booked or paid until everyone agrees. Say yes or no here:\n{link}\n",
            now=now,
        )
    return pooled


def call_off(pooled: PooledBooking, by: Member, now: datetime | None = None) -> PooledBooking:
    """The organiser calls off a pooled booking that is not booked yet; everyone is told."""
    now = now or clock.now()
    pooled = _lock(pooled)
    _organiser_only(pooled, by)
    if pooled.status not in (PooledStatus.DRAFT, PooledStatus.WAITING):
        raise PooledError("Only a shared booking that is not booked yet can be called off.")
    _end(pooled, PooledStatus.CALLED_OFF, f"{by.name} called it off.", now)
    return pooled


# --- Agreeing ----------------------------------------------------------------------------


def agree(
    pooled: PooledBooking, person: Member, by: Member, now: datetime | None = None
) -> Outcome:
    """``person`` agrees to pay their share (``by`` is them, or someone acting for them with
    permission to book up to the share). When everyone has agreed, booking is tried."""
    now = now or clock.now()
    pooled = _lock(pooled)
    share = _live_share(pooled, person, now)
    circles.require(by, person, Permission.BOOK, now, amount_pence=share.amount_pence)
    if share.agreed_at is not None and share.short_pence is None:
        raise PooledError(f"{_you(person, by)} already agreed to this share.")
    share.agreed_at = now
    share.agreed_by_id = by.id if by.id != person.id else None
    circles.record_act(
        by,
        person,
        Permission.BOOK,
        f"Agreed to pay {format_pence(share.amount_pence)} of the shared booking of "
        f"{pooled.session.listing.title} on {clock.format_moment(pooled.session.starts_at)}",
        now,
    )
    if pooled.all_agreed:
        return settle(pooled, now, by=by)
    return Outcome()


def decline(
    pooled: PooledBooking, person: Member, by: Member, now: datetime | None = None
) -> PooledBooking:
    """``person`` (or someone acting for them) says no: the booking is called off, and
    everyone is told, so the organiser can set it up again without them."""
    now = now or clock.now()
    pooled = _lock(pooled)
    share = _live_share(pooled, person, now)
    if share.position == 0:
        raise PooledError("You set this booking up: call it off instead.")
    circles.require(by, person, Permission.BOOK, now)
    circles.record_act(
        by, person, Permission.BOOK, f"Said no to the shared booking of {_title(pooled)}", now
    )
    _end(pooled, PooledStatus.CALLED_OFF, f"{person.name} is not able to share it.", now)
    return pooled


def try_again(pooled: PooledBooking, by: Member, now: datetime | None = None) -> Outcome:
    """The organiser tries booking again once everyone has agreed (after a share was short)."""
    now = now or clock.now()
    pooled = _lock(pooled)
    _organiser_only(pooled, by)
    if pooled.status is not PooledStatus.WAITING:
        raise PooledError("This shared booking is not waiting to be booked.")
    if not pooled.all_agreed:
        raise PooledError("Not everyone has agreed yet.")
    return settle(pooled, now, by=by)


def settle(pooled: PooledBooking, now: datetime, by: Member | None = None) -> Outcome:
    """Charge every share and take the places in one savepoint, or do nothing at all.

    Every budget is locked first in one order (``pools.charge_shares``) and every balance
    checked before anything is posted; the places are taken by the same conditional UPDATE
    as any booking. If any of it fails the savepoint is rolled back whole: nobody is charged
    and no place is taken. What failed is then recorded and told, outside the savepoint.
    """
    session = pooled.session
    short: dict[int, int] = {}
    problem = None
    try:
        with db.session.begin_nested():
            reason = bookings.why_not_bookable(session, now)
            if reason:
                raise PooledError(reason)
            if bookings.live_booking(session, pooled.organiser) is not None:
                raise PooledError(f"{pooled.organiser.name} already has a booking in this session.")
            booking = Booking(
                reference=bookings.new_reference(),
                session=session,
                member=pooled.organiser,
                places=pooled.places,
                price_each_pence=pooled.price_each_pence,
                base_price_each_pence=pooled.base_price_each_pence,
                total_pence=pooled.total_pence,
                discount_label=pooled.discount_label,
                cancellation_notice_hours=session.listing.cancellation_notice_hours,
                status=BookingStatus.CONFIRMED,
                booked_at=now,
                refund_pence=0,
            )
            db.session.add(booking)
            db.session.flush()
            posted = pools.charge_shares(
                [
                    pools.Share(share.member, share.amount_pence, share.agreed_by)
                    for share in pooled.shares
                ],
                session.listing.provider_id,
                booking.id,
                f"{booking.reference}: {session.listing.title}",
                commission_rate(now),
                now,
            )
            bookings._take_places(session, pooled.places, from_hold=False)
            for share, payment in zip(pooled.shares, posted, strict=True):
                share.transaction_id = payment.id
                share.short_pence = None
            pooled.booking = booking
            pooled.status = PooledStatus.BOOKED
            pooled.booked_at = now
    except pools.SharesNotCovered as not_covered:
        short = not_covered.short
    except bookings.BookingError as error:
        problem = error.message
    if problem is not None:
        db.session.expire(pooled)
        _end(pooled, PooledStatus.CALLED_OFF, f"It could not be booked: {problem}", now)
        return Outcome(called_off=problem)
    if short:
        db.session.expire(pooled)
        _tell_not_covered(pooled, short, now)
        return Outcome(not_covered=True)
    _tell_booked(pooled, now)
    return Outcome(booked=True)


# --- Cancelling --------------------------------------------------------------------------


def can_cancel(pooled: PooledBooking, now: datetime) -> bool:
    return (
        pooled.status is PooledStatus.BOOKED
        and pooled.booking is not None
        and pooled.booking.is_confirmed
        and cancellation.can_cancel(pooled.session.starts_at, now)
    )


def refund_due(pooled: PooledBooking, share: PooledShare, now: datetime) -> int:
    """What cancelling now gives back to this share's budget, by the one cancellation rule."""
    return cancellation.refund_due(
        share.amount_pence,
        pooled.session.starts_at,
        pooled.booking.cancellation_notice_hours,
        now,
    )


def cancel(pooled: PooledBooking, by: Member, now: datetime | None = None) -> Outcome:
    """The organiser cancels a booked pooled booking: each share is refunded to the budget it
    came from when the cancellation rule gives a refund; the places are freed for the waiting
    list; everyone is told."""
    now = now or clock.now()
    pooled = _lock(pooled)
    _organiser_only(pooled, by)
    if pooled.status is not PooledStatus.BOOKED:
        raise PooledError("Only a booked shared booking can be cancelled.")
    booking = bookings._locked(pooled.booking)
    if not booking.is_confirmed:
        raise PooledError("This booking has already been cancelled.")
    if not cancellation.can_cancel(booking.session.starts_at, now):
        raise PooledError("This session has already started, so it cannot be cancelled.")
    refunds = {share.id: refund_due(pooled, share, now) for share in pooled.shares}
    bookings._move(booking, BookingStatus.CANCELLED, now)
    booking.refund_pence = sum(refunds.values())
    bookings._release_places(booking.session, booking.places)
    if booking.refund_pence:
        # The rule gives all or nothing, so every share is refunded whole, to its own budget.
        pools.refund_booking_payments(
            booking.id, f"Refund {booking.reference}: shared booking cancelled", by, now
        )
    for share in pooled.shares:
        share.refund_pence = refunds[share.id]
    _end(pooled, PooledStatus.CANCELLED, f"{by.name} cancelled it.", now, refunds=refunds)
    return Outcome(offers=bookings.offer_places(booking.session, now))


# --- What people see ---------------------------------------------------------------------


def pooled_of(viewer: Member, pooled_id: int, now: datetime | None = None) -> PooledBooking | None:
    """The pooled booking if the viewer is in it or helps someone in it; else None (a 404)."""
    pooled = db.session.get(PooledBooking, pooled_id)
    if pooled is None or viewer is None or not viewer.is_authenticated:
        return None
    if any(share.member_id == viewer.id for share in pooled.shares):
        return pooled
    if pooled.status is not PooledStatus.DRAFT and acting_for(viewer, pooled, now):
        return pooled
    return None


def acting_for(helper: Member, pooled: PooledBooking, now: datetime | None = None) -> list:
    """The people in this pooled booking whose share ``helper`` may agree to (not themselves)."""
    return [
        share
        for share in pooled.shares
        if share.member_id != helper.id
        and circles.may_act(helper, share.member, Permission.BOOK, now)
    ]


def pooled_for(member: Member, now: datetime | None = None) -> list[PooledBooking]:
    """Pooled bookings the member is in, or helps someone in, soonest session first."""
    now = now or clock.now()
    helped = select(CircleGrant.person_id).where(
        CircleGrant.helper_id == member.id,
        CircleGrant.permission == Permission.BOOK,
        CircleGrant.withdrawn_at.is_(None),
    )
    in_it = select(PooledShare.pooled_id).where(
        or_(
            PooledShare.member_id == member.id,
            PooledShare.member_id.in_(helped),
        )
    )
    found = db.session.scalars(
        select(PooledBooking)
        .join(Session)
        .where(PooledBooking.id.in_(in_it))
        .options(selectinload(PooledBooking.shares))
        .order_by(Session.starts_at, PooledBooking.id)
    ).all()
    return [pooled for pooled in found if pooled_of(member, pooled.id, now) is not None]


def is_lapsed(pooled: PooledBooking, now: datetime) -> bool:
    """A pooled booking still waiting when the session starts can never be booked."""
    return (
        pooled.status
        in (
            PooledStatus.DRAFT,
            PooledStatus.WAITING,
        )
        and pooled.session.starts_at <= now
    )


# --- Helpers -----------------------------------------------------------------------------


def _lock(pooled: PooledBooking) -> PooledBooking:
    """Lock the pooled booking until the transaction ends and read it and its shares afresh,
    so two people agreeing at once are decided one after the other, and the last one books."""
    db.session.flush()  # nothing done so far is lost by reading afresh
    for share in pooled.shares:
        db.session.expire(share)
    db.session.expire(pooled)
    db.session.scalars(
        select(PooledBooking).where(PooledBooking.id == pooled.id).with_for_update()
    ).one()
    return pooled


def _organiser_only(pooled: PooledBooking, by: Member) -> None:
    if by is None or by.id != pooled.organiser_id:
        raise PooledError("Only the person who set up this shared booking can do that.")


def _live_share(pooled: PooledBooking, person: Member, now: datetime) -> PooledShare:
    share = pooled.share_of(person)
    if share is None:
        raise PooledError(f"{person.name} is not in this shared booking.")
    if pooled.status is not PooledStatus.WAITING:
        raise PooledError(f"This shared booking is {pooled.status.label.lower()}.")
    if is_lapsed(pooled, now):
        raise PooledError("The session has started, so it can no longer be booked.")
    return share


def _you(person: Member, by: Member) -> str:
    return "You" if person.id == by.id else person.name


def _title(pooled: PooledBooking) -> str:
    return f"{pooled.session.listing.title} on {clock.format_moment(pooled.session.starts_at)}"


def _end(
    pooled: PooledBooking,
    status: PooledStatus,
    reason: str,
    now: datetime,
    refunds: dict[int, int] | None = None,
) -> None:
    was_sent = pooled.status is not PooledStatus.DRAFT
    pooled.status = status
    pooled.ended_at = now
    pooled.end_reason = reason[:300]
    if not was_sent:
        return
    link = external_url("marketplace.pooled_booking", pooled_id=pooled.id)
    word = "cancelled" if status is PooledStatus.CANCELLED else "called off"
    for share in pooled.shares:
        money = "Nothing was charged."
        if refunds is not None:
            back = refunds.get(share.id, 0)
            money = (
                f"Your share of {format_pence(share.amount_pence)} has been refunded to your "
                "budget."
                if back
                else "It was too late for a refund, so your share is not refunded."
            )
        notify(
            share.member,
            f"Shared booking {word}: {pooled.session.listing.title}",
            f"The shared booking of {_title(pooled)} has been {word}. {reason}\n\n{money}\n\n"
            f"{link}\n",
            now=now,
        )


def _tell_not_covered(pooled: PooledBooking, short: dict[int, int], now: datetime) -> None:
    """Record who was short and tell everyone: the person short how much more they need,
    the others only that one share is not covered (never whose, never a balance)."""
    pooled.not_covered_at = now
    link = external_url("marketplace.pooled_booking", pooled_id=pooled.id)
    for share in pooled.shares:
        share.short_pence = short.get(share.member_id)
        if share.short_pence:
            notify(
                share.member,
                f"Your budget needs {format_pence(share.short_pence)} more",
                f"Everyone has agreed to share {_title(pooled)}, but your budget does not "
                f"cover your share of {format_pence(share.amount_pence)}: it needs "
                f"{format_pence(share.short_pence)} more. Nothing has been booked and nobody "
                "has been charged.\n\nWhen the money is in your budget, agree again here, or "
                f"ask {pooled.organiser.name} to try again:\n{link}\n",
                now=now,
            )
        else:
            notify(
                share.member,
                f"Shared booking not made yet: {pooled.session.listing.title}",
                f"Everyone has agreed to share {_title(pooled)}, but one share is not covered "
                "yet, so nothing has been booked and nobody has been charged. We have told "
                "the person whose share it is. The booking can be tried again once it is "
                f"covered:\n{link}\n",
                now=now,
            )


def _tell_booked(pooled: PooledBooking, now: datetime) -> None:
    link = external_url("marketplace.pooled_booking", pooled_id=pooled.id)
    for share in pooled.shares:
        notify(
            share.member,
            f"Booked together: {pooled.session.listing.title}",
            f"{_title(pooled)} is booked for {pooled.places} place"
            f"{'s' if pooled.places != 1 else ''} (reference {pooled.booking.reference}). "
            f"Your share of {format_pence(share.amount_pence)} has been paid from your budget.\n"
            f"{cancellation.policy(pooled.booking.cancellation_notice_hours)}\n\n{link}\n",
            now=now,
        )
