"""Running a provider: registration and approval, staff, insurance, and its bookings and money.

Every change takes the acting member and checks :func:`can_manage_provider` itself, so a
view cannot forget; nothing here commits. A provider's listings, schedules and sessions are
in :mod:`coop.marketplace.listings`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from coop import clock, email
from coop.extensions import db
from coop.marketplace.models import (
    Booking,
    Closure,
    Concession,
    Listing,
    Provider,
    ProviderKind,
    ProviderStaff,
    ProviderStatus,
    Review,
    ScheduleTime,
    Session,
)
from coop.marketplace.service import MarketplaceError, is_staff_of
from coop.marketplace.staff_models import InvitationStatus, StaffInvitation
from coop.members import roles
from coop.members.letters import notify
from coop.members.models import Member, MemberClass, MembershipStatus
from coop.members.service import normalise_email
from coop.money import format_pence
from coop.payments import ledger
from coop.postcodes import normalise_postcode
from coop.spreadsheet import safe_cell

#: Providers are warned this many days before their insurance runs out.
INSURANCE_WARNING_DAYS = 30

#: The moves a provider may make with the secretary; anything else is refused.
PROVIDER_MOVES: frozenset[tuple[ProviderStatus, ProviderStatus]] = frozenset(
    {
        (ProviderStatus.APPLIED, ProviderStatus.APPROVED),
        (ProviderStatus.APPLIED, ProviderStatus.REJECTED),
        (ProviderStatus.REJECTED, ProviderStatus.APPLIED),
    }
)


class ProviderError(MarketplaceError):
    """A provider, listing or session change that cannot be made; the message says why."""


# --- Who may do what ---------------------------------------------------------------------


def can_register_provider(actor: Member | None) -> bool:
    """An approved member of the provider class may register a provider."""
    return (
        actor is not None
        and actor.is_authenticated
        and actor.is_approved
        and actor.member_class is MemberClass.PROVIDER
    )


def can_manage_provider(actor: Member | None, provider: Provider) -> bool:
    """Only the provider's own staff run it: not another provider, not even the secretary."""
    return is_staff_of(actor, provider)


def can_decide_providers(actor: Member | None) -> bool:
    """The secretary approves or rejects providers."""
    return roles.is_secretary(actor)


def can_view_provider(actor: Member | None, provider: Provider) -> bool:
    """The provider's staff, and the secretary (to decide), may see its details."""
    return can_manage_provider(actor, provider) or can_decide_providers(actor)


def require_staff(actor: Member, provider: Provider) -> None:
    """Refuse anyone but the provider's own staff; every change to a provider calls it."""
    if not can_manage_provider(actor, provider):
        raise ProviderError("Only the provider's own staff can do that.")


def can_move_provider(from_status: ProviderStatus, to_status: ProviderStatus) -> bool:
    return (from_status, to_status) in PROVIDER_MOVES


# --- Registering and approving providers -------------------------------------------------


@dataclass(frozen=True)
class ProviderDetails:
    """What a provider tells the co-op about itself."""

    name: str
    kind: ProviderKind
    description: str
    email: str
    phone: str
    address_line_1: str
    town: str
    postcode: str
    insurance_expires_on: date
    website: str = ""
    address_line_2: str = ""
    premises_accessibility: str = ""
    dbs_checked_on: date | None = None


def _checked(details: ProviderDetails, today: date) -> dict:
    """The details as column values, or ProviderError naming the field that is wrong."""
    postcode = normalise_postcode(details.postcode)
    if postcode is None:
        raise ProviderError("Enter a real UK postcode, like DE1 3AB", "postcode")
    if details.insurance_expires_on < today:
        raise ProviderError(
            "The insurance expiry date must be today or in the future. Give the date your "
            "current public liability insurance runs out",
            "insurance_expires_on",
        )
    if details.dbs_checked_on is not None and details.dbs_checked_on > today:
        raise ProviderError(
            "The date of the DBS check must be today or in the past", "dbs_checked_on"
        )
    for name in ("name", "description", "email", "phone", "address_line_1", "town"):
        if not (getattr(details, name) or "").strip():
            raise ProviderError("This cannot be left empty", name)
    return {
        "name": details.name.strip(),
        "kind": details.kind,
        "description": details.description.strip(),
        "email": normalise_email(details.email),
        "phone": details.phone.strip(),
        "website": (details.website or "").strip(),
        "address_line_1": details.address_line_1.strip(),
        "address_line_2": (details.address_line_2 or "").strip(),
        "town": details.town.strip(),
        "postcode": postcode,
        "premises_accessibility": (details.premises_accessibility or "").strip(),
        "insurance_expires_on": details.insurance_expires_on,
        "dbs_checked_on": details.dbs_checked_on,
    }


def register_provider(
    actor: Member, details: ProviderDetails, now: datetime | None = None
) -> Provider:
    """A provider member registers a provider and becomes its first staff account.

    It waits for the secretary's approval; until then it can prepare draft listings.
    """
    now = now or clock.now()
    if not can_register_provider(actor):
        raise ProviderError("Only approved members who joined as providers can register one.")
    provider = Provider(
        **_checked(details, clock.london_today(now)),
        status=ProviderStatus.APPLIED,
        applied_at=now,
    )
    db.session.add(provider)
    db.session.flush()
    db.session.add(ProviderStaff(provider=provider, member_id=actor.id, added_at=now))
    db.session.flush()
    return provider


def update_provider(
    provider: Provider, details: ProviderDetails, by: Member, now: datetime | None = None
) -> Provider:
    """The provider's staff change its details, e.g. give a new insurance expiry date.

    A new expiry date makes its listings public again (if it is approved).
    """
    now = now or clock.now()
    require_staff(by, provider)
    for name, value in _checked(details, clock.london_today(now)).items():
        setattr(provider, name, value)
    db.session.flush()
    return provider


def _move_provider(provider: Provider, to_status: ProviderStatus) -> None:
    if not can_move_provider(provider.status, to_status):
        raise ProviderError(
            f"This provider is {provider.status.label.lower()}, so it cannot be "
            f"changed to {to_status.label.lower()}."
        )
    provider.status = to_status


def approve_provider(provider: Provider, by: Member, now: datetime | None = None) -> Provider:
    """The secretary approves a provider: its published listings can then be seen and booked."""
    now = now or clock.now()
    if not can_decide_providers(by):
        raise ProviderError("Only the secretary can approve providers.")
    _move_provider(provider, ProviderStatus.APPROVED)
    provider.approved_at = now
    provider.decided_by_id = by.id
    db.session.flush()
    return provider


def reject_provider(
    provider: Provider, by: Member, reason: str, now: datetime | None = None
) -> Provider:
    """The secretary turns a provider down, saying why; the provider is told the reason."""
    if not can_decide_providers(by):
        raise ProviderError("Only the secretary can reject providers.")
    reason = (reason or "").strip()
    if not reason:
        raise ProviderError("Enter the reason the provider is not accepted", "reason")
    _move_provider(provider, ProviderStatus.REJECTED)
    provider.rejection_reason = reason
    provider.decided_by_id = by.id
    db.session.flush()
    return provider


def apply_again(provider: Provider, by: Member, now: datetime | None = None) -> Provider:
    """After a rejection, the provider puts things right and asks the secretary again."""
    now = now or clock.now()
    require_staff(by, provider)
    _move_provider(provider, ProviderStatus.APPLIED)
    provider.applied_at = now
    db.session.flush()
    return provider


def waiting_providers() -> list[Provider]:
    """Providers waiting for the secretary's decision, oldest first."""
    return list(
        db.session.scalars(
            select(Provider)
            .where(Provider.status == ProviderStatus.APPLIED)
            .order_by(Provider.applied_at, Provider.id)
        )
    )


def all_providers() -> list[Provider]:
    """Every provider, by name, for the secretary."""
    return list(db.session.scalars(select(Provider).order_by(Provider.name, Provider.id)))


def _recipients(provider: Provider) -> list[str]:
    """The provider's contact address and its staff's, each once."""
    addresses = [provider.email] + [staff.member.email for staff in provider.staff]
    return list(dict.fromkeys(a for a in addresses if a))


def send_decision(provider: Provider) -> int:
    """Email the provider's contact (and staff) the secretary's decision, with it."""
    if provider.status is ProviderStatus.APPROVED:
        subject = f"{provider.name} is approved"
        body = (
            f"{provider.name} is approved to sell through the co-op's marketplace.\n\n"
            "Your published listings can now be found and booked. Publish a listing once it "
            "has at least one day and start time.\n\n"
            f"Your provider pages: "
            f"{email.external_url('marketplace.provider_dashboard', provider_id=provider.id)}\n"
        )
    elif provider.status is ProviderStatus.REJECTED:
        subject = f"{provider.name} was not accepted"
        body = (
            f"The co-op's secretary has not accepted {provider.name} as a provider.\n\n"
            f"The reason given: {provider.rejection_reason}\n\n"
            "You can change your details and ask again from your provider pages:\n"
            f"{email.external_url('marketplace.provider_dashboard', provider_id=provider.id)}\n"
        )
    else:
        return 0
    return sum(1 for to in _recipients(provider) if email.send(to, subject, body))


# --- Staff -------------------------------------------------------------------------------


#: How long a member has to accept an invitation to join a provider's staff.
INVITATION_LASTS = timedelta(days=14)


def invite_staff(
    provider: Provider, email_address: str, by: Member, now: datetime | None = None
) -> StaffInvitation:
    """A provider's staff invite another approved member (found by email) to join them.

    Nobody becomes staff without agreeing: the member is emailed, sees the invitation on their
    account page, and is staff only once they accept it, within 14 days. Inviting someone
    again replaces an invitation still waiting (and sends a new email).
    """
    now = now or clock.now()
    require_staff(by, provider)
    member = db.session.scalar(select(Member).where(Member.email == normalise_email(email_address)))
    if member is None or member.status is not MembershipStatus.APPROVED:
        raise ProviderError(
            "There is no approved member with that email address. They must join the co-op "
            "and be approved first",
            "email",
        )
    if any(staff.member_id == member.id for staff in provider.staff):
        raise ProviderError(f"{member.name} is already one of your staff", "email")
    for earlier in db.session.scalars(
        select(StaffInvitation).where(
            StaffInvitation.provider_id == provider.id,
            StaffInvitation.member_id == member.id,
            StaffInvitation.status == InvitationStatus.PENDING,
        )
    ):
        earlier.status = (
            InvitationStatus.EXPIRED if earlier.expires_at <= now else InvitationStatus.WITHDRAWN
        )
        earlier.answered_at = now
    try:
        with db.session.begin_nested():
            invitation = StaffInvitation(
                provider_id=provider.id,
                member_id=member.id,
                invited_by_id=by.id,
                invited_at=now,
                expires_at=now + INVITATION_LASTS,
                status=InvitationStatus.PENDING,
            )
            db.session.add(invitation)
    except IntegrityError:
        raise ProviderError(
            f"{member.name} has just been invited by someone else. Refresh the page", "email"
        ) from None
    return invitation


def send_invitation(invitation: StaffInvitation) -> bool:
    """Email the invited member (call after commit); a member without email gets a letter."""
    provider = invitation.provider
    body = (
        f"Hello {invitation.member.name},\n\n"
        f"{invitation.invited_by.name} has invited you to join {provider.name}'s staff on the "
        "co-op's marketplace. Staff can change its listings, see its bookings and cancel its "
        "sessions.\n\n"
        "You are not one of its staff unless you accept. You can accept or decline on your "
        f"account page until {clock.format_moment(invitation.expires_at)}:\n"
        f"{email.external_url('members.account')}\n\n"
        "Staff cannot pay for their own provider's sessions from a budget.\n"
        "If you were not expecting this, decline it or ignore it.\n"
    )
    return notify(invitation.member, f"Invitation to join {provider.name}'s staff", body)


def _open_invitations(where, now: datetime | None, *order) -> list[StaffInvitation]:
    """Invitations still waiting for an answer (pending, not expired) that match ``where``."""
    return list(
        db.session.scalars(
            select(StaffInvitation)
            .where(
                where,
                StaffInvitation.status == InvitationStatus.PENDING,
                StaffInvitation.expires_at > (now or clock.now()),
            )
            .order_by(*order)
        )
    )


def open_invitations_for(member: Member, now: datetime | None = None) -> list[StaffInvitation]:
    """Invitations the member can still accept or decline, newest first."""
    if member is None or not getattr(member, "is_authenticated", False):
        return []
    return _open_invitations(
        StaffInvitation.member_id == member.id,
        now,
        StaffInvitation.invited_at.desc(),
        StaffInvitation.id.desc(),
    )


def open_invitations_of(provider: Provider, now: datetime | None = None) -> list[StaffInvitation]:
    """The provider's invitations still waiting for an answer, for its staff page."""
    return _open_invitations(
        StaffInvitation.provider_id == provider.id,
        now,
        StaffInvitation.invited_at,
        StaffInvitation.id,
    )


def invitation_of(member: Member, invitation_id: int) -> StaffInvitation | None:
    """The member's own invitation with this id; anyone else's is None, whatever its id."""
    return db.session.scalar(
        select(StaffInvitation).where(
            StaffInvitation.id == invitation_id, StaffInvitation.member_id == member.id
        )
    )


def _answerable(invitation: StaffInvitation, member: Member, now: datetime) -> StaffInvitation:
    """The invitation, locked, if this member may still answer it; else ProviderError."""
    if invitation.member_id != member.id:
        raise ProviderError("That invitation is not yours.")
    locked = db.session.scalars(
        select(StaffInvitation)
        .where(StaffInvitation.id == invitation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if locked.status is not InvitationStatus.PENDING:
        raise ProviderError(f"This invitation was already {locked.status.label.lower()}.")
    if locked.expires_at <= now:
        raise ProviderError(
            "This invitation has expired. Ask the provider's staff to invite you again."
        )
    return locked


def accept_invitation(
    invitation: StaffInvitation, member: Member, now: datetime | None = None
) -> ProviderStaff:
    """The invited member agrees to join the provider's staff; only now are they staff."""
    now = now or clock.now()
    if not roles.is_member(member):
        raise ProviderError("Only approved members can join a provider's staff.")
    invitation = _answerable(invitation, member, now)
    provider = invitation.provider
    invitation.status = InvitationStatus.ACCEPTED
    invitation.answered_at = now
    if any(staff.member_id == member.id for staff in provider.staff):
        raise ProviderError(f"You are already one of {provider.name}'s staff.")
    try:
        with db.session.begin_nested():
            added = ProviderStaff(provider=provider, member_id=member.id, added_at=now)
            db.session.add(added)
    except IntegrityError:
        raise ProviderError(f"You are already one of {provider.name}'s staff.") from None
    db.session.refresh(provider, ["staff"])
    return added


def decline_invitation(
    invitation: StaffInvitation, member: Member, now: datetime | None = None
) -> StaffInvitation:
    """The invited member says no; the provider's staff see it is no longer waiting."""
    now = now or clock.now()
    invitation = _answerable(invitation, member, now)
    invitation.status = InvitationStatus.DECLINED
    invitation.answered_at = now
    db.session.flush()
    return invitation


def withdraw_invitation(
    invitation: StaffInvitation, by: Member, now: datetime | None = None
) -> StaffInvitation:
    """The provider's staff take back an invitation that has not been answered."""
    now = now or clock.now()
    require_staff(by, invitation.provider)
    if not invitation.is_open(now):
        raise ProviderError("That invitation is no longer waiting for an answer.")
    invitation.status = InvitationStatus.WITHDRAWN
    invitation.answered_at = now
    db.session.flush()
    return invitation


def remove_staff(
    provider: Provider,
    staff_row_or_member: ProviderStaff | Member,
    by: Member,
    now: datetime | None = None,
) -> Member:
    """A provider's staff take someone (themselves included) off the staff; returns who.

    A provider always keeps at least one staff account, or nobody could run it. The
    provider's row is locked before the staff are counted, so two staff removing each other
    at the same moment cannot leave it with none (SQLite's BEGIN IMMEDIATE does the same).
    """
    require_staff(by, provider)
    db.session.scalar(select(Provider.id).where(Provider.id == provider.id).with_for_update())
    rows = list(
        db.session.scalars(
            select(ProviderStaff)
            .where(ProviderStaff.provider_id == provider.id)
            .order_by(ProviderStaff.id)
            .execution_options(populate_existing=True)
        )
    )
    # Decided again on what the lock lets us see: someone may have removed `by` meanwhile.
    if not any(row.member_id == by.id for row in rows):
        raise ProviderError("Only the provider's own staff can do that.")
    if isinstance(staff_row_or_member, ProviderStaff):
        row = next((r for r in rows if r.id == staff_row_or_member.id), None)
    else:
        row = next((r for r in rows if r.member_id == staff_row_or_member.id), None)
    if row is None:
        raise ProviderError(f"That person is not one of {provider.name}'s staff.")
    member = row.member
    yourself = member.id == by.id
    if len(rows) == 1:
        raise ProviderError(
            "A provider needs at least one staff account. Add someone else before removing "
            + ("yourself." if yourself else f"{member.name}.")
        )
    db.session.delete(row)
    db.session.flush()
    db.session.refresh(provider, ["staff"])
    return member


# --- Insurance ---------------------------------------------------------------------------


def insurance_warning(provider: Provider, today: date | None = None) -> str | None:
    """A warning for the provider's dashboard when insurance has run out or soon will."""
    today = today or clock.london_today()
    expires = provider.insurance_expires_on
    when = clock.format_date(expires)
    if expires < today:
        return (
            f"Your public liability insurance ran out on {when}. Your listings are hidden "
            "from members until you give a new expiry date."
        )
    days = (expires - today).days
    if days <= INSURANCE_WARNING_DAYS:
        left = "today" if days == 0 else f"in {days} day" + ("s" if days != 1 else "")
        return (
            f"Your public liability insurance runs out on {when} ({left}). Renew it and give "
            "the new expiry date, or your listings will be hidden."
        )
    return None


def lapsed_providers(today: date | None = None) -> list[Provider]:
    """Approved providers whose insurance has run out and who have not been told about it."""
    today = today or clock.london_today()
    return list(
        db.session.scalars(
            select(Provider)
            .where(
                Provider.status == ProviderStatus.APPROVED,
                Provider.insurance_expires_on < today,
                or_(
                    Provider.insurance_lapse_notified_for.is_(None),
                    Provider.insurance_lapse_notified_for != Provider.insurance_expires_on,
                ),
            )
            .order_by(Provider.id)
        )
    )


def send_insurance_lapsed(provider: Provider) -> int:
    """Tell the provider's contact and staff that its listings are hidden; returns how many."""
    when = clock.format_date(provider.insurance_expires_on)
    link = email.external_url("marketplace.provider_details", provider_id=provider.id)
    body = (
        f"The public liability insurance we have on record for {provider.name} ran out on "
        f"{when}.\n\n"
        "Your listings are hidden from members, and cannot be booked, until you give us a "
        "new expiry date. Bookings already made are not affected.\n\n"
        f"Give the new expiry date here:\n{link}\n"
    )
    subject = f"Your insurance has run out: {provider.name}'s listings are hidden"
    return sum(1 for to in _recipients(provider) if email.send(to, subject, body))


def claim_lapse_notice(provider: Provider) -> bool:
    """Record that the provider is being told its insurance has lapsed; False if it was told.

    The provider's row is locked first, so two runs at once cannot both claim it. The caller
    puts the emails in the outbox before committing, so the claim and the emails are kept or
    lost together.
    """
    locked = db.session.scalars(
        select(Provider)
        .where(Provider.id == provider.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if locked.insurance_lapse_notified_for == locked.insurance_expires_on:
        return False
    locked.insurance_lapse_notified_for = locked.insurance_expires_on
    db.session.flush()
    return True


# --- Finding a provider's own things (anything else is None, so a 404) --------------------


def provider_for(actor: Member, provider_id: int) -> Provider | None:
    """The provider, if the member is one of its staff."""
    return db.session.scalar(
        select(Provider)
        .join(ProviderStaff)
        .where(Provider.id == provider_id, ProviderStaff.member_id == actor.id)
    )


#: The way from each kind of thing a provider owns to the column naming its provider: the
#: relationships joined on the way, then that column. Nothing else loads as a provider's own.
OWNER_PATHS: dict[type, tuple[tuple[Any, ...], Any]] = {
    ProviderStaff: ((), ProviderStaff.provider_id),
    StaffInvitation: ((), StaffInvitation.provider_id),
    Listing: ((), Listing.provider_id),
    ScheduleTime: ((ScheduleTime.listing,), Listing.provider_id),
    Closure: ((Closure.listing,), Listing.provider_id),
    Concession: ((Concession.listing,), Listing.provider_id),
    Session: ((Session.listing,), Listing.provider_id),
    Booking: ((Booking.session, Session.listing), Listing.provider_id),
    Review: ((Review.listing,), Listing.provider_id),
}

#: The column by which a thing belongs to a listing or a session it is loaded ``within``.
_WITHIN_KEYS = {Listing: "listing_id", Session: "session_id"}

Owned = TypeVar("Owned")


def load_owned(
    model: type[Owned],
    object_id: int,
    provider: Provider,
    within: Listing | Session | None = None,
) -> Owned | None:
    """One of the provider's own things by its id: None for another provider's, or no such thing.

    Every lookup of a provider's staff account, listing, schedule time, closure, off-peak
    price, session, booking or review goes through here, scoped by a join to the provider, so
    one provider can never reach another's whatever the id. ``within`` narrows it further to
    the things of one listing or session (a closure of this listing, a booking in this session).
    """
    joins, provider_column = OWNER_PATHS[model]
    query = select(model)
    for relationship in joins:
        query = query.join(relationship)
    query = query.where(model.id == object_id, provider_column == provider.id)
    if within is not None:
        query = query.where(getattr(model, _WITHIN_KEYS[type(within)]) == within.id)
    return db.session.scalar(query)


# --- Bookings and reviews ----------------------------------------------------------------


def bookings_for(provider: Provider) -> list[Booking]:
    """Every booking of the provider's sessions, latest session first."""
    return list(
        db.session.scalars(
            select(Booking)
            .join(Session)
            .join(Listing)
            .where(Listing.provider_id == provider.id)
            .order_by(Session.starts_at.desc(), Booking.id)
        )
    )


def reviews_for(provider: Provider) -> list[Review]:
    """Reviews of the provider's listings, newest first."""
    return list(
        db.session.scalars(
            select(Review)
            .join(Listing, Review.listing_id == Listing.id)
            .where(Listing.provider_id == provider.id)
            .order_by(Review.created_at.desc(), Review.id.desc())
        )
    )


# --- Money -------------------------------------------------------------------------------


def earnings_by_booking(provider: Provider) -> dict[int, ledger.Earnings]:
    """Each of the provider's bookings' money, as the ledger keeps it: payments less refunds."""
    return ledger.earnings_by_booking(provider.id)


def earnings(provider: Provider) -> ledger.Earnings:
    """The provider's takings from the ledger: gross, the co-op's commission, and net."""
    total = ledger.Earnings()
    for part in earnings_by_booking(provider).values():
        total = total + part
    return total


BOOKING_COLUMNS = [
    "Date booked",
    "Listing",
    "Session start",
    "Reference",
    "Member name",
    "Places",
    "Gross",
    "Commission",
    "Net",
    "Status",
    "Refund",
]


def bookings_csv(provider: Provider) -> str:
    """The provider's bookings as CSV, one row a booking, safe to open in a spreadsheet."""

    money = earnings_by_booking(provider)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BOOKING_COLUMNS)
    for booking in bookings_for(provider):
        paid = money.get(booking.id, ledger.Earnings())
        row = [
            booking.booked_at.astimezone(clock.LONDON).date().isoformat(),
            booking.session.listing.title,
            clock.format_moment(booking.session.starts_at),
            booking.reference,
            booking.member.name,
            booking.places,
            format_pence(paid.gross_pence),
            format_pence(paid.commission_pence),
            format_pence(paid.net_pence),
            booking.status.label,
            format_pence(booking.refund_pence),
        ]
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
