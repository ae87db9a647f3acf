"""Membership rules: joining, approval, leaving, the registers, and who may do what."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from coop import clock
from coop.extensions import db
from coop.members import roles, sign_ins
from coop.members.models import (
    Member,
    MemberClass,
    MembershipStatus,
    Office,
    Officer,
    StatusChange,
)
from coop.members.paper_models import PaperApplication
from coop.money import format_pence
from coop.postcodes import normalise_postcode
from coop.spreadsheet import safe_cell
from coop.urls import parse_id

#: Each member holds one £1 share, paid on approval.
SHARE_VALUE_PENCE = 100
MIN_PASSWORD_LENGTH = 12

#: The moves a membership may make; anything else is refused.
ALLOWED_MOVES: frozenset[tuple[MembershipStatus, MembershipStatus]] = frozenset(
    {
        (MembershipStatus.APPLIED, MembershipStatus.APPROVED),
        (MembershipStatus.APPLIED, MembershipStatus.REJECTED),
        (MembershipStatus.APPROVED, MembershipStatus.LEFT),
    }
)


class MembershipError(Exception):
    """A membership rule was broken; the message says so in plain English."""


class EmailTaken(MembershipError):
    """Someone has already registered with this email address."""


def normalise_email(raw: str) -> str:
    """Lower-case and trim an email address, so it is stored and compared one way."""
    return (raw or "").strip().lower()


@dataclass(frozen=True)
class Application:
    """What a person gives when they apply to join."""

    member_class: MemberClass
    name: str
    email: str
    password: str
    address_line_1: str
    town: str
    postcode: str
    address_line_2: str = ""
    organisation_name: str | None = None


def find_by_email(email: str) -> Member | None:
    return db.session.scalar(select(Member).where(Member.email == normalise_email(email)))


def apply(application: Application, now: datetime | None = None) -> Member:
    """Record an application to join. Raises EmailTaken if the address is already used."""
    now = now or clock.now()
    postcode = normalise_postcode(application.postcode)
    if postcode is None:
        raise MembershipError("Enter a real UK postcode, like DE1 3AB")
    if len(application.password) < MIN_PASSWORD_LENGTH:
        raise MembershipError(f"Your password must be at least {MIN_PASSWORD_LENGTH} characters")
    if application.member_class is MemberClass.PROVIDER and not application.organisation_name:
        raise MembershipError("Enter the name of your organisation")
    member = Member(
        email=normalise_email(application.email),
        password_hash=hash_password(application.password),
        name=application.name.strip(),
        organisation_name=(application.organisation_name or "").strip() or None
        if application.member_class is MemberClass.PROVIDER
        else None,
        address_line_1=application.address_line_1.strip(),
        address_line_2=application.address_line_2.strip(),
        town=application.town.strip(),
        postcode=postcode,
        member_class=application.member_class,
        status=MembershipStatus.APPLIED,
        applied_at=now,
        agreed_rules_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(member)
            db.session.flush()
    except IntegrityError as error:
        raise EmailTaken("An account with this email address already exists") from error
    _record(member, None, MembershipStatus.APPLIED, now, None, "")
    return member


def _record(member, from_status, to_status, now, by, reason) -> None:
    db.session.add(
        StatusChange(
            member=member,
            from_status=from_status,
            to_status=to_status,
            changed_at=now,
            changed_by=by,
            reason=reason,
        )
    )


def can_move(from_status: MembershipStatus, to_status: MembershipStatus) -> bool:
    """True when the rules allow a membership to move between these states."""
    return (from_status, to_status) in ALLOWED_MOVES


def _move(member: Member, to_status: MembershipStatus, now, by, reason="") -> None:
    if not can_move(member.status, to_status):
        raise MembershipError(
            f"This membership is {member.status.label.lower()}, so it cannot be "
            f"changed to {to_status.label.lower()}"
        )
    from_status = member.status
    member.status = to_status
    _record(member, from_status, to_status, now, by, reason)


def next_member_number() -> int:
    return (db.session.scalar(select(func.max(Member.member_number))) or 0) + 1


def approve(member: Member, by: Member, now: datetime | None = None) -> Member:
    """The secretary admits an applicant whose email address is confirmed."""
    if not can_manage_membership(by):
        raise MembershipError("Only the secretary can approve applications")
    if (
        member.status is MembershipStatus.APPLIED
        and member.email_confirmed_at is None
        and not identity_confirmed_in_person(member)
    ):
        if not member.email:
            raise MembershipError(
                "Confirm the applicant's identity in person before approving the application"
            )
        raise MembershipError(
            "The applicant has not confirmed their email address yet, so it cannot be approved"
        )
    return admit(member, now or clock.now(), by)


def identity_confirmed_in_person(member: Member) -> bool:
    """True when the secretary met or spoke to the applicant and confirmed who they are,
    which stands in for an emailed confirmation (see members.paper)."""
    return (
        db.session.scalar(
            select(PaperApplication.identity_confirmed_at).where(
                PaperApplication.member_id == member.id
            )
        )
        is not None
    )


def admit(member: Member, now: datetime, by: Member | None, reason: str = "") -> Member:
    """Make an applicant a member: a member number, a joining date and their £1 share.

    It checks no permission, so callers decide who may: approve() lets the secretary,
    make_secretary() the server's operator, and a member who joined before the co-op kept
    its register here (or a test's member) is admitted with no one approving them.
    """
    number = next_member_number()  # before the move, so no flush sees a number-less member
    _move(member, MembershipStatus.APPROVED, now, by, reason)
    member.member_number = number
    member.approved_at = now
    member.joined_on = now.date()
    member.shares_held = 1
    member.share_capital_paid_pence = SHARE_VALUE_PENCE
    db.session.flush()
    return member


def make_secretary(member: Member, now: datetime | None = None) -> Member:
    """Set up a secretary from the server's command line.

    The first secretary has nobody to approve them, so whoever runs the server stands in:
    the member is confirmed, admitted if need be, and appointed secretary.
    """
    now = now or clock.now()
    confirm_email(member, now)
    if member.status is MembershipStatus.APPLIED:
        admit(member, now, None, "Made secretary from the server's command line")
    appoint(member, Office.SECRETARY, now.date())
    return member


def reject(member: Member, by: Member, reason: str, now: datetime | None = None) -> Member:
    """Turn down an application, with the reason the applicant will be told."""
    now = now or clock.now()
    if not can_manage_membership(by):
        raise MembershipError("Only the secretary can reject applications")
    reason = (reason or "").strip()
    if not reason:
        raise MembershipError("Enter the reason for not accepting this application")
    _move(member, MembershipStatus.REJECTED, now, by, reason)
    member.rejection_reason = reason
    db.session.flush()
    return member


def leave(member: Member, now: datetime | None = None) -> Member:
    """A member leaves the co-op; they stay in the register with the date they left."""
    now = now or clock.now()
    _move(member, MembershipStatus.LEFT, now, None)
    member.left_on = now.date()
    for office in member.offices:
        if office.ended_on is None:
            office.ended_on = now.date()
    sign_ins.end_all(member)
    db.session.flush()
    return member


def confirm_email(member: Member, now: datetime | None = None) -> bool:
    """Mark the member's email as confirmed; False if it already was."""
    if member.email_confirmed_at is not None:
        return False
    member.email_confirmed_at = now or clock.now()
    return True


def hash_password(password: str) -> str:
    """The password hashed by the app's PASSWORD_HASH_METHOD (scrypt in production)."""
    return generate_password_hash(password, method=_hash_method())


def _hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"


def check_password(member: Member | None, password: str) -> bool:
    """True when the password is the member's; the same work is done for unknown members."""
    if member is None:
        check_password_hash(_dummy_hash(_hash_method()), password or "")
        return False
    return check_password_hash(member.password_hash, password or "")


@cache
def _dummy_hash(method: str) -> str:
    # Made when first needed, not at import, so that commands do not pay for a scrypt hash.
    return generate_password_hash("not a real password, used for timing", method=method)


def set_password(member: Member, password: str) -> None:
    """Change the password (by the member, or through a reset link) and end every sign-in,
    so whoever knew the old password is signed out everywhere."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise MembershipError(f"Your password must be at least {MIN_PASSWORD_LENGTH} characters")
    member.password_hash = hash_password(password)
    sign_ins.end_all(member)


def sign_out_everywhere(member: Member) -> int:
    """The member ends every sign-in of theirs, on every device; returns how many ended."""
    return sign_ins.end_all(member)


def sign_member_out(member: Member, by: Member) -> int:
    """The secretary signs a member out on every device (a lost phone, a worried carer)."""
    if not can_sign_members_out(by):
        raise MembershipError("Only the secretary can sign a member out")
    return sign_ins.end_all(member)


def update_details(member: Member, **details: str) -> list[str]:
    """Change a member's contact details; returns the names of what changed.

    A changed email address must be confirmed again.
    """
    changed = []
    if "postcode" in details:
        postcode = normalise_postcode(details["postcode"])
        if postcode is None:
            raise MembershipError("Enter a real UK postcode, like DE1 3AB")
        details["postcode"] = postcode
    if "email" in details:
        details["email"] = normalise_email(details["email"])
        other = find_by_email(details["email"])
        if other is not None and other.id != member.id:
            raise EmailTaken("Another account already uses this email address")
    for field, value in details.items():
        if field == "organisation_name" and member.member_class is not MemberClass.PROVIDER:
            continue
        value = (value or "").strip()
        if getattr(member, field) != value:
            setattr(member, field, value)
            changed.append(field)
    if "email" in changed:
        member.email_confirmed_at = None
    db.session.flush()
    return changed


# --- Who may do what -------------------------------------------------------------------


def can_manage_membership(actor: Member | None) -> bool:
    """Only the serving secretary approves, rejects and keeps the registers."""
    return roles.is_secretary(actor)


def can_sign_members_out(actor: Member | None) -> bool:
    """Only the serving secretary may end another member's sign-ins."""
    return can_manage_membership(actor)


def can_see_register(actor: Member | None) -> bool:
    return can_manage_membership(actor)


def can_act_as_member(actor: Member | None) -> bool:
    """Voting, booking and listing are for approved members only."""
    return roles.is_member(actor)


# --- Officers --------------------------------------------------------------------------


def appoint(member: Member, office: Office, started_on: date) -> Officer:
    """Record a member taking up an office."""
    if not member.is_approved:
        raise MembershipError("Only a current member can hold an office")
    if any(o.office is office and o.ended_on is None for o in member.offices):
        raise MembershipError(f"{member.name} is already {office.label.lower()}")
    officer = Officer(member=member, office=office, started_on=started_on)
    db.session.add(officer)
    db.session.flush()
    return officer


def _serving_secretaries() -> int:
    return db.session.scalar(
        select(func.count(Officer.id)).where(
            Officer.office == Office.SECRETARY, Officer.ended_on.is_(None)
        )
    )


def end_term(officer: Officer, ended_on: date) -> Officer:
    if officer.ended_on is not None:
        raise MembershipError("That term of office has already ended")
    if ended_on < officer.started_on:
        raise MembershipError("A term cannot end before it started")
    if officer.office is Office.SECRETARY and _serving_secretaries() <= 1:
        raise MembershipError(
            "The co-op must always have a secretary. Appoint the new secretary first"
        )
    officer.ended_on = ended_on
    db.session.flush()
    return officer


# --- The registers ---------------------------------------------------------------------

REGISTER_STATUSES = (MembershipStatus.APPROVED, MembershipStatus.LEFT)


def register_query(search: str = "", member_class: MemberClass | None = None):
    """Members and former members, as the register of members lists them."""
    query = select(Member).where(Member.status.in_(REGISTER_STATUSES))
    if member_class is not None:
        query = query.where(Member.member_class == member_class)
    search = (search or "").strip()
    number = parse_id(search)
    if number is not None:
        query = query.where(Member.member_number == number)
    elif search:
        # autoescape: a % or _ typed is looked for as itself, not as a wildcard.
        text = search.lower()
        query = query.where(
            or_(
                func.lower(Member.name).contains(text, autoescape=True),
                func.lower(Member.email).contains(text, autoescape=True),
                func.lower(func.coalesce(Member.organisation_name, "")).contains(
                    text, autoescape=True
                ),
                func.lower(Member.postcode).contains(text, autoescape=True),
            )
        )
    return query.order_by(Member.member_number)


def applications_query():
    return (
        select(Member).where(Member.status == MembershipStatus.APPLIED).order_by(Member.applied_at)
    )


REGISTER_COLUMNS = [
    "Member number",
    "Name",
    "Organisation",
    "Postal address",
    "Email address",
    "Contact preference",
    "Member class",
    "Shares held",
    "Amount paid on shares",
    "Other property held in the society",
    "Date joined",
    "Date left",
]

OFFICER_COLUMNS = ["Name", "Member number", "Office", "Date appointed", "Date ceased"]


def _csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def register_csv(members: list[Member]) -> str:
    """The register of members (Co-operative and Community Benefit Societies Act 2014, s.30)."""
    return _csv(
        REGISTER_COLUMNS,
        [
            [
                m.member_number,
                m.name,
                m.organisation_name or "",
                m.postal_address,
                m.email or "",
                m.contact_preference,
                m.member_class.label,
                m.shares_held,
                format_pence(m.share_capital_paid_pence),
                m.other_property or "None",
                m.joined_on.isoformat() if m.joined_on else "",
                m.left_on.isoformat() if m.left_on else "",
            ]
            for m in members
        ],
    )


def officers_query():
    return select(Officer).join(Officer.member).order_by(Officer.started_on, Officer.id)


def officers_csv(officers: list[Officer]) -> str:
    """The register of officers: who held which office, from when until when."""
    return _csv(
        OFFICER_COLUMNS,
        [
            [
                o.member.name,
                o.member.member_number,
                o.office.label,
                o.started_on.isoformat(),
                o.ended_on.isoformat() if o.ended_on else "",
            ]
            for o in officers
        ],
    )


def personal_data(member: Member) -> dict:
    """Everything the co-op holds about a member, for them to download."""
    return {
        "name": member.name,
        "organisation_name": member.organisation_name,
        "email": member.email,
        "email_confirmed_at": _iso(member.email_confirmed_at),
        "postal_address": {
            "address_line_1": member.address_line_1,
            "address_line_2": member.address_line_2,
            "town": member.town,
            "postcode": member.postcode,
        },
        "member_class": member.member_class.value,
        "membership": {
            "status": member.status.value,
            "member_number": member.member_number,
            "applied_at": _iso(member.applied_at),
            "agreed_rules_and_privacy_notice_at": _iso(member.agreed_rules_at),
            "joined_on": _iso(member.joined_on),
            "left_on": _iso(member.left_on),
            "rejection_reason": member.rejection_reason,
            "shares_held": member.shares_held,
            "share_capital_paid_pence": member.share_capital_paid_pence,
            "other_property": member.other_property,
            "history": [
                {
                    "from": c.from_status.value if c.from_status else None,
                    "to": c.to_status.value,
                    "at": _iso(c.changed_at),
                    "reason": c.reason,
                }
                for c in member.status_changes
            ],
        },
        "offices": [
            {
                "office": o.office.value,
                "started_on": _iso(o.started_on),
                "ended_on": _iso(o.ended_on),
            }
            for o in member.offices
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
