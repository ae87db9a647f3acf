"""Booking places and paying from a budget; cancelling; the waiting list; reviews.

Places and money are limited, so the database decides them: a conditional UPDATE takes
places only while some are left, and the budget account is locked while money leaves it.
Nothing here commits: the view commits once, so a booking and its payment happen together
or not at all.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from coop import clock
from coop.extensions import db
from coop.marketplace import cancellation
from coop.marketplace.card_models import CardHold, CardHoldStatus
from coop.marketplace.models import (
    Booking,
    BookingStatus,
    Review,
    Session,
    WaitlistEntry,
    WaitlistStatus,
)
from coop.marketplace.pooled_models import PooledBooking
from coop.marketplace.service import (
    MarketplaceError,
    is_public,
    is_staff_of,
    price_for,
)
from coop.marketplace.staff_models import RefusedOwnBooking
from coop.members import circles
from coop.members.circle_models import Permission
from coop.members.models import Member, MemberClass
from coop.members.roles import is_budget_holder, is_member
from coop.money import format_pence
from coop.payments import card, ledger, pools, postings
from coop.payments import stripe_gateway as gateway
from coop.voting.service import commission_rate

#: The most places one booking may take.
MAX_PLACES_PER_BOOKING = 10

#: How long a place offered from the waiting list is held, unless COOP_WAITLIST_HOLD_HOURS
#: says otherwise.
DEFAULT_OFFER_HOLD = timedelta(hours=12)

#: The moves a booking may make; every other move is refused.
ALLOWED_MOVES = {
    (BookingStatus.CONFIRMED, BookingStatus.CANCELLED),
    (BookingStatus.CONFIRMED, BookingStatus.CANCELLED_BY_PROVIDER),
}


class BookingError(MarketplaceError):
    """A booking, cancellation or review that cannot be made; the message says why."""


class SessionFull(BookingError):
    """No places are left in the session."""


class NotEnoughMoney(BookingError):
    """The budget holds less than the booking costs."""

    def __init__(self, message: str, shortfall_pence: int):
        super().__init__(message, field="places")
        self.shortfall_pence = shortfall_pence


class OwnProviderBooking(BookingError):
    """The member is one of the provider's staff, so may not pay it from their budget."""

    def __init__(self, message: str, member: Member, session: Session, total_pence: int):
        super().__init__(message)
        self.member = member
        self.session = session
        self.total_pence = total_pence


class ActingRefused(BookingError):
    """Someone acting for a member may not do this for them (never chosen, withdrawn, past
    the end date, over the limit); a page answers 403 and nothing has changed."""


def _require(helper: Member, person: Member, permission: Permission, now, amount=None, why=""):
    """Check a helper's permission in this transaction (locking the grant), or refuse."""
    try:
        circles.require(helper, person, permission, now, amount_pence=amount)
    except circles.NotPermitted as refused:
        raise ActingRefused(f"{why}{refused} Nothing has been changed.") from None


def acting_for(by: Member | None, member: Member) -> bool:
    """Whether ``by`` is someone else acting for ``member``."""
    return by is not None and by.id != member.id


class PriceChanged(BookingError):
    """The price to be charged is not the price the person saw."""

    def __init__(self, message: str, price_pence: int):
        super().__init__(message)
        self.price_pence = price_pence


def can_move(from_status: BookingStatus, to_status: BookingStatus) -> bool:
    return (from_status, to_status) in ALLOWED_MOVES


def _move(booking: Booking, to_status: BookingStatus, now: datetime) -> None:
    if not can_move(booking.status, to_status):
        raise BookingError("This booking has already been cancelled.")
    booking.status = to_status
    booking.cancelled_at = now


def new_reference() -> str:
    """A booking reference people can read out: no 0/O or 1/I to confuse."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "BK-" + "".join(secrets.choice(alphabet) for _ in range(8))


def offer_hold() -> timedelta:
    hours = current_app.config.get("WAITLIST_HOLD_HOURS")
    return timedelta(hours=float(hours)) if hours else DEFAULT_OFFER_HOLD


# --- Who can book ------------------------------------------------------------------------


@dataclass(frozen=True)
class CannotBook:
    """Why someone cannot book at all, and what they can do instead, in plain English.

    ``who`` names the kind of person (``signed_out``, ``applicant``, ``not_accepted``,
    ``left``, ``carer``, ``pa``, ``provider``), so a page can add the links that fit.
    """

    who: str
    reason: str
    instead: str


#: Carers and PAs cannot pay from a budget; card payments will let them book.
_NOT_A_BUDGET_HOLDER = (
    "Booking is for budget holders paying from their own personal budget for now. "
    "Card payments are coming, and then you will be able to book and pay by card."
)


def why_cannot_book(member: Member | None) -> CannotBook | None:
    """Why this person cannot book any session, and what they can do instead; None if they can.

    Only approved budget holders book, because for now every booking is paid from a budget.
    Pages use this to explain instead of offering a Book button that would be refused.
    """
    if is_budget_holder(member):
        return None
    if is_member(member) and gateway.enabled():
        return None  # carers, PAs and providers' staff book for themselves by card
    if member is None or not member.is_authenticated:
        return CannotBook(
            "signed_out",
            "You need to be a member of the co-op, and signed in, to book.",
            "Sign in if you are a member, or join the co-op. Budget holders book and pay "
            "from their personal budget.",
        )
    if member.is_applicant:
        after = (
            "Once you are approved you can book and pay from your budget."
            if member.member_class is MemberClass.BUDGET_HOLDER
            else _NOT_A_BUDGET_HOLDER
        )
        return CannotBook(
            "applicant",
            "Your application to join is waiting for the secretary to approve it, so you "
            "cannot book yet.",
            f"{after} We will email you when the secretary has decided. If you have not "
            "confirmed your email address yet, use the link we emailed you.",
        )
    if member.is_rejected:
        return CannotBook(
            "not_accepted",
            "Your application to join was not accepted, so you cannot book.",
            "If you think this is wrong, contact the co-op's secretary.",
        )
    if member.has_left:
        return CannotBook(
            "left",
            "You have left the co-op, so you cannot book.",
            "If you want to rejoin, contact the co-op's secretary.",
        )
    if member.member_class is MemberClass.PROVIDER:
        return CannotBook(
            "provider",
            "Provider accounts cannot book: booking is for budget holders paying from their "
            "own personal budget.",
            "You can offer your own sessions from your provider pages.",
        )
    return CannotBook(
        member.member_class.value,
        _NOT_A_BUDGET_HOLDER,
        "The budget holder you support can book from their own account, and you can help "
        "them do it.",
    )


def why_cannot_book_anyone(member: Member | None) -> CannotBook | None:
    """Like `why_cannot_book`, but None too for someone who may book for a member who chose
    them in their circle of support, so pages offer them the Book buttons."""
    cannot = why_cannot_book(member)
    helps = is_member(member) and circles.people_helped_by(member, Permission.BOOK)
    return None if cannot is not None and helps else cannot


# --- What a booking would cost -----------------------------------------------------------


def why_not_bookable(session: Session, now: datetime) -> str | None:
    """Why nobody can book this session now, in plain English; None if they can."""
    if session.cancelled_at is not None:
        return "This session has been cancelled by the provider, so it cannot be booked."
    if session.starts_at <= now:
        return "This session has already started or finished, so it cannot be booked."
    if not is_public(session.listing, clock.london_today(now)):
        return "This listing is not available to book at the moment."
    return None


def refund_deadline(booking: Booking) -> datetime:
    """The last moment cancelling this booking gets a full refund."""
    return cancellation.deadline(booking.session.starts_at, booking.cancellation_notice_hours)


def refund_due(booking: Booking, now: datetime) -> int:
    """What cancelling this booking now gives back, by the one cancellation rule."""
    return cancellation.refund_due(
        booking.total_pence, booking.session.starts_at, booking.cancellation_notice_hours, now
    )


def can_cancel(booking: Booking, now: datetime) -> bool:
    """Whether the budget holder can still cancel: confirmed, and the session not started.
    A booking shared with others is cancelled from its shared booking page instead."""
    return (
        booking.is_confirmed
        and cancellation.can_cancel(booking.session.starts_at, now)
        and not _is_pooled(booking)
    )


def _is_pooled(booking: Booking) -> bool:
    return (
        db.session.scalar(select(PooledBooking.id).where(PooledBooking.booking_id == booking.id))
        is not None
    )


def live_booking(session: Session, member: Member) -> Booking | None:
    """The member's confirmed booking in this session, if they have one."""
    return db.session.scalar(
        select(Booking).where(
            Booking.session_id == session.id,
            Booking.member_id == member.id,
            Booking.status == BookingStatus.CONFIRMED,
        )
    )


# --- Booking -----------------------------------------------------------------------------


def book(
    member: Member,
    session: Session,
    *,
    places: int = 1,
    expected_price_pence: int | None = None,
    now: datetime | None = None,
    by: Member | None = None,
) -> Booking:
    """Book places in a session and pay for them from the member's budget.

    ``expected_price_pence`` is the price of one place the person was shown; if the price
    to be charged differs (a changed rule, or a tampered form) nothing is booked. A place
    held for the member by a waiting-list offer is used before any free place. ``by`` is
    someone in the member's circle of support booking for them: their permission (and its
    limit per booking) is checked here, in the booking's own transaction, and the booking,
    the ledger and the member's record of what was done for them all say who booked.
    """
    now = now or clock.now()
    acting = acting_for(by, member)
    if not is_budget_holder(member):
        raise BookingError("Only approved budget holders can book and pay from a budget.")
    price = checked_price(member, session, places, expected_price_pence, now)
    listing = session.listing
    total = price.price_pence * places
    if acting:
        _require(by, member, Permission.BOOK, now, total)
        if total and is_staff_of(by, listing.provider):
            raise ActingRefused(
                f"You are one of {listing.provider.name}'s staff, so you cannot pay it from "
                f"{member.name}'s budget. Nothing has been booked."
            )
    if total and not listing.direct_payments_allowed:
        raise BookingError(
            "Budgets cannot be spent on this listing, because the provider says direct "
            "payments may not pay for it. Ask the provider how else to pay."
        )
    if total and is_staff_of(member, listing.provider):
        raise OwnProviderBooking(own_provider_reason(listing.provider), member, session, total)
    already = (
        f"{member.name} has already booked this session."
        if acting
        else "You have already booked this session. See My bookings."
    )
    if live_booking(session, member) is not None:
        raise BookingError(already)

    if total:
        budget = ledger.lock_budget(member)  # money first, always in this order
        available = ledger.balance_of(budget)
        if available < total:
            raise _short(available, total, member if acting else None)

    offer = _live_offer(session, member, now)
    if offer is not None and places != 1:
        raise BookingError("The place held for you is for 1 person.", field="places")
    _take_places(session, places, from_hold=offer is not None)
    if offer is not None:
        offer.status = WaitlistStatus.BOOKED

    try:
        with db.session.begin_nested():
            booking = Booking(
                reference=new_reference(),
                session=session,
                member=member,
                booked_by_id=by.id if acting else None,
                places=places,
                price_each_pence=price.price_pence,
                base_price_each_pence=price.base_pence,
                total_pence=total,
                discount_label=price.label,
                cancellation_notice_hours=listing.cancellation_notice_hours,
                status=BookingStatus.CONFIRMED,
                booked_at=now,
                refund_pence=0,
            )
            db.session.add(booking)
    except IntegrityError:
        raise BookingError(already) from None

    label = circles.acting_label(by, member)
    if total:
        try:
            ledger.pay_for_booking(
                member,
                listing.provider_id,
                total,
                booking.id,
                f"{booking.reference}: {listing.title}" + (f", {label}" if label else ""),
                commission_rate(now),
                now,
                by=by if acting else None,
            )
        except postings.InsufficientFunds as short:
            raise _short(short.available_pence, total, member if acting else None) from None
    if acting:
        circles.record_act(
            by,
            member,
            Permission.BOOK,
            f"Booked {listing.title} on {clock.format_moment(session.starts_at)}, "
            f"{format_pence(total) if total else 'free'} ({booking.reference})",
            now,
        )
    return booking


def checked_price(
    member: Member,
    session: Session,
    places: int,
    expected_price_pence: int | None,
    now: datetime,
):
    """The price of a place for this member, once the session can be booked now, the number
    of places is sensible and the price is the one the page showed (else BookingError)."""
    reason = why_not_bookable(session, now)
    if reason:
        raise BookingError(reason)
    if isinstance(places, bool) or not isinstance(places, int) or places < 1:
        raise BookingError("Book at least 1 place.", field="places")
    if places > MAX_PLACES_PER_BOOKING:
        raise BookingError(
            f"You can book up to {MAX_PLACES_PER_BOOKING} places at a time.", field="places"
        )
    price = price_for(session.listing, session.starts_at, member)
    if expected_price_pence is not None and expected_price_pence != price.price_pence:
        raise PriceChanged(
            f"The price of a place is {format_pence(price.price_pence)}, not the "
            f"{format_pence(expected_price_pence)} on the page you sent. Nothing has been "
            "booked. Check the price below and book again.",
            price.price_pence,
        )
    return price


def own_provider_reason(provider) -> str:
    """Why a provider's own staff cannot pay it from their budget, in plain English."""
    return (
        f"You are one of {provider.name}'s staff, so you cannot pay for its sessions from "
        "your budget: a budget must never pay its holder's own business. Nothing has been "
        "booked. If you think this is wrong, ask the co-op's secretary."
    )


def why_member_cannot_book(member: Member, session: Session) -> str | None:
    """Why this member in particular may not book this session from their budget; None if
    nothing about them stands in the way. Pages use it to say so instead of offering a button."""
    listing = session.listing
    price = price_for(listing, session.starts_at, member).price_pence
    if price and is_staff_of(member, listing.provider):
        return own_provider_reason(listing.provider)
    return None


def record_refused_own_booking(
    refused: OwnProviderBooking, now: datetime | None = None
) -> RefusedOwnBooking:
    """Keep a refused attempt to book one's own provider for the secretary to see.

    Called after the failed booking's transaction is rolled back, in a transaction of its own.
    """
    attempt = RefusedOwnBooking(
        member_id=refused.member.id,
        provider_id=refused.session.listing.provider_id,
        session_id=refused.session.id,
        total_pence=refused.total_pence,
        attempted_at=now or clock.now(),
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def refused_own_bookings(limit: int = 200) -> list[RefusedOwnBooking]:
    """Refused attempts by providers' staff to pay their own provider, newest first."""
    return list(
        db.session.scalars(
            select(RefusedOwnBooking)
            .order_by(RefusedOwnBooking.attempted_at.desc(), RefusedOwnBooking.id.desc())
            .limit(limit)
        )
    )


def _short(available: int, total: int, whose: Member | None = None) -> NotEnoughMoney:
    budget = f"{whose.name}'s budget" if whose is not None else "Your budget"
    return NotEnoughMoney(
        f"{budget} holds {format_pence(available)} but this booking costs "
        f"{format_pence(total)}, so it is {format_pence(total - available)} short. "
        "Nothing has been booked.",
        total - available,
    )


def _take_places(session: Session, places: int, *, from_hold: bool) -> None:
    """Take places in one conditional UPDATE, so two requests can never both get the last."""
    query = update(Session).where(Session.id == session.id, Session.cancelled_at.is_(None))
    if from_hold:
        query = query.where(Session.held >= places, Session.booked + places <= Session.places)
        query = query.values(booked=Session.booked + places, held=Session.held - places)
    else:
        query = query.where(Session.booked + Session.held + places <= Session.places)
        query = query.values(booked=Session.booked + places)
    taken = db.session.execute(query.execution_options(synchronize_session=False)).rowcount
    db.session.expire(session, ["booked", "held"])
    if taken != 1:
        if places > 1 and session.places_left > 0:
            raise SessionFull(
                f"Only {session.places_left} of the places you asked for are left.",
                field="places",
            )
        raise SessionFull(
            "This session is full. Nothing has been booked. You can join the waiting list "
            "and we will email you if a place comes free."
        )


# --- Cancelling --------------------------------------------------------------------------


@dataclass
class Cancellation:
    booking: Booking
    refund_pence: int
    #: Waiting-list offers made with the places freed, to email after commit.
    offers: list[WaitlistEntry] = field(default_factory=list)


def _locked(booking: Booking) -> Booking:
    return db.session.scalars(
        select(Booking)
        .where(Booking.id == booking.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def cancel(booking: Booking, by: Member, now: datetime | None = None) -> Cancellation:
    """The budget holder, or someone in their circle who may book for them, cancels: a full
    refund before the notice period, none after."""
    now = now or clock.now()
    if _is_pooled(booking):
        raise BookingError(
            "This booking is shared with other budget holders: cancel it from its shared "
            "booking page, so everyone's share is refunded and everyone is told."
        )
    acting = acting_for(by, booking.member)
    if acting:
        _require(
            by,
            booking.member,
            Permission.BOOK,
            now,
            why="You can only cancel your own bookings, or those of someone who lets you book "
            "for them. ",
        )
    booking = _locked(booking)
    if not booking.is_confirmed:
        raise BookingError("This booking has already been cancelled.")
    session = booking.session
    if not can_cancel(booking, now):
        raise BookingError("This session has already started, so it cannot be cancelled.")
    refund = refund_due(booking, now)
    _move(booking, BookingStatus.CANCELLED, now)
    booking.refund_pence = refund
    _release_places(session, booking.places)
    label = circles.acting_label(by, booking.member)
    if refund:
        why = f"Cancelled {label}" if acting else "Cancelled by the budget holder"
        _refund(booking, by, now, why)
    if acting:
        circles.record_act(
            by,
            booking.member,
            Permission.BOOK,
            f"Cancelled {session.listing.title} on {clock.format_moment(session.starts_at)}"
            f" ({booking.reference}), {format_pence(refund)} refunded",
            now,
        )
    return Cancellation(booking, refund, offer_places(session, now))


def _release_places(session: Session, places: int) -> None:
    db.session.execute(
        update(Session)
        .where(Session.id == session.id, Session.booked >= places)
        .values(booked=Session.booked - places)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["booked", "held"])


def _refund(booking: Booking, by: Member | None, now: datetime, why: str) -> None:
    """Give a cancelled booking's money back: each payment (one per share when it was shared)
    to the budget it came from now, or to the card through Stripe's Refunds API (asked for here,
    sent after the commit; the ledger is reversed when Stripe says the refund succeeded)."""
    if booking.paid_by_card:
        paid = card.payment_of_booking(booking.id)
        if paid is not None:
            card.request_refund(paid, f"Refund {booking.reference}: {why}", by, now)
        return
    pools.refund_booking_payments(booking.id, f"Refund {booking.reference}: {why}", by, now)


def cancel_session(
    session: Session, by: Member, reason: str, now: datetime | None = None
) -> list[Booking]:
    """The provider cancels a session: everyone booked gets all their money back."""
    now = now or clock.now()
    if not is_staff_of(by, session.listing.provider):
        raise BookingError("Only the provider's staff can cancel its sessions.")
    reason = (reason or "").strip()
    if not reason:
        raise BookingError("Say why the session is cancelled; everyone booked is told.", "reason")
    session = db.session.scalars(
        select(Session)
        .where(Session.id == session.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if session.cancelled_at is not None:
        raise BookingError("This session is already cancelled.")
    if not cancellation.can_cancel(session.starts_at, now):
        raise BookingError("This session has already started, so it cannot be cancelled.")
    session.cancelled_at = now
    session.cancel_reason = reason
    cancelled = []
    for booking in session.bookings:
        if booking.status is BookingStatus.CONFIRMED:
            _move(booking, BookingStatus.CANCELLED_BY_PROVIDER, now)
            booking.refund_pence = booking.total_pence
            _refund(booking, by, now, "Session cancelled by the provider")
            cancelled.append(booking)
    session.booked = 0
    session.held = 0
    for entry in _entries(session, WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
        entry.status = WaitlistStatus.CLOSED
    db.session.flush()
    return cancelled


def mark_attendance(
    booking: Booking, attended: bool, by: Member, now: datetime | None = None
) -> Booking:
    """The provider records whether someone came, once the session has started."""
    now = now or clock.now()
    if not is_staff_of(by, booking.session.listing.provider):
        raise BookingError("Only the provider's staff can mark attendance.")
    if booking.status is not BookingStatus.CONFIRMED:
        raise BookingError("This booking was cancelled, so there is no attendance to mark.")
    if booking.session.starts_at > now:
        raise BookingError("Attendance can be marked once the session has started.")
    booking.attended = bool(attended)
    return booking


# --- The waiting list --------------------------------------------------------------------


def _entries(session: Session, *statuses: WaitlistStatus) -> list[WaitlistEntry]:
    return list(
        db.session.scalars(
            select(WaitlistEntry)
            .where(WaitlistEntry.session_id == session.id, WaitlistEntry.status.in_(statuses))
            .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
        )
    )


def waitlist_entry(session: Session, member: Member) -> WaitlistEntry | None:
    """The member's live place on the session's waiting list (waiting or offered)."""
    return db.session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.session_id == session.id,
            WaitlistEntry.member_id == member.id,
            WaitlistEntry.status.in_([WaitlistStatus.WAITING, WaitlistStatus.OFFERED]),
        )
    )


def _live_offer(session: Session, member: Member, now: datetime) -> WaitlistEntry | None:
    entry = waitlist_entry(session, member)
    if entry and entry.status is WaitlistStatus.OFFERED and entry.offer_expires_at > now:
        return entry
    return None


def places_left(session: Session, now: datetime) -> int:
    """Places anyone could take now: a hold whose offer (or card payment time) ran out no
    longer counts as held.

    The scheduled job passes such a place on later; until then a page reading this treats it as
    free, without writing anything.
    """
    lapsed = db.session.scalar(
        select(func.count())
        .select_from(WaitlistEntry)
        .where(
            WaitlistEntry.session_id == session.id,
            WaitlistEntry.status == WaitlistStatus.OFFERED,
            WaitlistEntry.offer_expires_at <= now,
        )
    )
    lapsed_card = db.session.scalar(
        select(func.coalesce(func.sum(CardHold.places), 0)).where(
            CardHold.session_id == session.id,
            CardHold.status == CardHoldStatus.HELD,
            CardHold.expires_at <= now,
        )
    )
    return max(session.places_left + min(lapsed + int(lapsed_card), session.held), 0)


def position(entry: WaitlistEntry) -> int:
    """Where the member is on the waiting list: 1 is next."""
    ahead = [e for e in _entries(entry.session, WaitlistStatus.WAITING) if e.id != entry.id]
    return 1 + sum(1 for e in ahead if (e.joined_at, e.id) < (entry.joined_at, entry.id))


def join_waitlist(member: Member, session: Session, now: datetime | None = None) -> WaitlistEntry:
    """Join a full session's waiting list."""
    now = now or clock.now()
    if not is_budget_holder(member):
        raise BookingError("Only approved budget holders can join a waiting list.")
    reason = why_not_bookable(session, now) or why_member_cannot_book(member, session)
    if reason:
        raise BookingError(reason)
    if live_booking(session, member) is not None:
        raise BookingError("You have already booked this session.")
    if session.places_left > 0:
        raise BookingError("There are places left in this session, so you can book one now.")
    entry = WaitlistEntry(session=session, member=member, joined_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        raise BookingError("You are already on the waiting list for this session.") from None
    return entry


def leave_waitlist(
    entry: WaitlistEntry, member: Member, now: datetime | None = None
) -> list[WaitlistEntry]:
    """Leave the waiting list; a place held for you goes to the next person."""
    now = now or clock.now()
    if entry.member_id != member.id:
        raise BookingError("You can only leave your own place on a waiting list.")
    if entry.status not in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
        raise BookingError("You are no longer on this waiting list.")
    was_offered = entry.status is WaitlistStatus.OFFERED
    entry.status = WaitlistStatus.LEFT
    if was_offered:
        _release_hold(entry.session)
        return offer_places(entry.session, now)
    return []


def _release_hold(session: Session) -> None:
    db.session.execute(
        update(Session)
        .where(Session.id == session.id, Session.held >= 1)
        .values(held=Session.held - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["booked", "held"])


def offer_places(session: Session, now: datetime | None = None) -> list[WaitlistEntry]:
    """Offer every free place in the session to the next people waiting, holding each one.

    A held place counts as taken, so nobody else can book it while the offer stands.
    """
    now = now or clock.now()
    offers = []
    if session.cancelled_at is not None or session.starts_at <= now:
        return offers
    for entry in _entries(session, WaitlistStatus.WAITING):
        held = db.session.execute(
            update(Session)
            .where(Session.id == session.id, Session.booked + Session.held < Session.places)
            .values(held=Session.held + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if held != 1:
            break
        entry.status = WaitlistStatus.OFFERED
        entry.offered_at = now
        entry.offer_expires_at = min(now + offer_hold(), session.starts_at)
        offers.append(entry)
    db.session.expire(session, ["booked", "held"])
    return offers


def expire_offers(
    now: datetime | None = None, session: Session | None = None
) -> list[WaitlistEntry]:
    """Let offers that ran out go, and offer those places to the next people waiting.

    Run by the scheduled job (``flask marketplace process-waitlist``) for every session, and
    by a booking request for its own session, so a lapsed hold never blocks a booking. Pages
    that only show a session never call it: they treat a lapsed offer as lapsed
    (``WaitlistEntry.offer_lapsed``). Returns the new offers, to email after commit.
    """
    now = now or clock.now()
    query = select(WaitlistEntry).where(
        WaitlistEntry.status == WaitlistStatus.OFFERED,
        WaitlistEntry.offer_expires_at <= now,
    )
    if session is not None:
        query = query.where(WaitlistEntry.session_id == session.id)
    ran_out = list(db.session.scalars(query.with_for_update(skip_locked=True)))
    sessions = {}
    for entry in ran_out:
        entry.status = WaitlistStatus.EXPIRED
        _release_hold(entry.session)
        sessions[entry.session_id] = entry.session
    offers = []
    for session in sessions.values():
        offers.extend(offer_places(session, now))
    return offers


# --- Reviews -----------------------------------------------------------------------------


def can_review(booking: Booking, member: Member) -> bool:
    """The budget holder may review a session once they attended it, once."""
    return (
        booking.member_id == member.id
        and booking.status is BookingStatus.CONFIRMED
        and booking.attended is True
        and booking.review is None
    )


def review(
    booking: Booking, member: Member, rating: int, comment: str, now: datetime | None = None
) -> Review:
    """Rate an attended session from 1 to 5, with a comment."""
    now = now or clock.now()
    if booking.member_id != member.id:
        raise BookingError("You can only review your own bookings.")
    if booking.review is not None:
        raise BookingError("You have already reviewed this session.")
    if booking.attended is not True:
        raise BookingError("You can review a session once the provider has marked you as there.")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise BookingError("Choose a rating from 1 to 5 stars.", field="rating")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise BookingError("Keep the comment to 2,000 characters or fewer.", field="comment")
    try:
        with db.session.begin_nested():
            made = Review(
                booking=booking,
                listing_id=booking.session.listing_id,
                rating=rating,
                comment=comment,
                created_at=now,
            )
            db.session.add(made)
    except IntegrityError:
        raise BookingError("You have already reviewed this session.") from None
    return made


def reply_to_review(review: Review, text: str, by: Member, now: datetime | None = None) -> Review:
    """The provider replies to a review, once; the reply shows under it on the listing."""
    now = now or clock.now()
    if not is_staff_of(by, review.listing.provider):
        raise BookingError("Only the provider's staff can reply to its reviews.")
    text = (text or "").strip()
    if not text:
        raise BookingError("Enter your reply.", field="reply")
    if len(text) > 2000:
        raise BookingError("Keep the reply to 2,000 characters or fewer.", field="reply")
    if review.reply:
        raise BookingError("You have already replied to this review.")
    review.reply = text
    review.replied_at = now
    review.replied_by_id = by.id
    return review


# --- What a member sees ------------------------------------------------------------------


def booking_seen_by(viewer: Member, booking_id: int) -> Booking | None:
    """A booking the viewer may be shown: their own, one of a member who lets them see their
    bookings, or one they made for someone (whether they may still act is checked by
    `may_view`); anyone else's is None, whatever its id."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.member_id == viewer.id or booking.booked_by_id == viewer.id:
        return booking
    return booking if circles.can_see_for(viewer, booking.member) else None


def may_view(viewer: Member, booking: Booking, now: datetime | None = None) -> bool:
    """Whether the viewer may look at this booking now: their own, or they may see the
    member's bookings, or they made it and may still book for the member."""
    return (
        booking.member_id == viewer.id
        or circles.can_see_for(viewer, booking.member, now)
        or (
            booking.booked_by_id == viewer.id
            and circles.may_act(viewer, booking.member, Permission.BOOK, now)
        )
    )


def bookings_seen_by(
    viewer: Member, member: Member, now: datetime | None = None
) -> tuple[list[Booking], list[Booking]] | None:
    """A member's bookings as a helper may see them: all of them with permission to see,
    those the helper made with permission to book, or None with neither."""
    if circles.can_see_for(viewer, member, now):
        return bookings_of(member, now)
    if circles.may_act(viewer, member, Permission.BOOK, now):
        coming, past = bookings_of(member, now)
        return (
            [b for b in coming if b.booked_by_id == viewer.id],
            [b for b in past if b.booked_by_id == viewer.id],
        )
    return None


def acting_label_of(booking: Booking, transaction) -> str:
    """ "by Dev for Asha" when someone in the member's circle paid for (or cancelled and
    refunded) this booking for them; "" when the member did it, or the provider cancelled."""
    who = booking.booked_by
    if transaction.kind.is_refund:
        who = transaction.posted_by
        if who is not None and is_staff_of(who, booking.session.listing.provider):
            return ""
    return circles.acting_label(who, booking.member)


def booking_of(member: Member, booking_id: int) -> Booking | None:
    """The member's own booking with this id; anyone else's is None, whatever its id."""
    return db.session.scalar(
        select(Booking).where(Booking.id == booking_id, Booking.member_id == member.id)
    )


def bookings_by_id(ids) -> dict[int, Booking]:
    """Bookings by id, with their sessions and listings, in one query."""
    if not ids:
        return {}
    found = db.session.scalars(
        select(Booking)
        .where(Booking.id.in_(ids))
        .options(joinedload(Booking.session).joinedload(Session.listing))
    )
    return {booking.id: booking for booking in found}


def waitlist_entry_of(member: Member, entry_id: int) -> WaitlistEntry | None:
    """The member's own waiting-list place with this id, or None."""
    return db.session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.id == entry_id, WaitlistEntry.member_id == member.id
        )
    )


def bookings_of(member: Member, now: datetime | None = None) -> tuple[list[Booking], list[Booking]]:
    """The member's bookings: (coming up, soonest first; past and cancelled, latest first)."""
    now = now or clock.now()
    rows = list(
        db.session.scalars(
            select(Booking)
            .join(Session)
            .where(Booking.member_id == member.id)
            .order_by(Session.starts_at)
        )
    )
    coming = [b for b in rows if b.status is BookingStatus.CONFIRMED and b.session.ends_at > now]
    past = [b for b in rows if b not in coming]
    past.reverse()
    return coming, past


def waitlists_of(member: Member) -> list[WaitlistEntry]:
    """The member's live waiting-list places and offers, soonest session first."""
    return list(
        db.session.scalars(
            select(WaitlistEntry)
            .join(Session)
            .where(
                WaitlistEntry.member_id == member.id,
                WaitlistEntry.status.in_([WaitlistStatus.WAITING, WaitlistStatus.OFFERED]),
            )
            .order_by(Session.starts_at)
        )
    )


from coop.marketplace.emails import send_session_cancelled  # noqa: E402,F401 - for providers
