"""Applications received on paper, by phone or in person, for people who have no email address
or cannot use one: the secretary records them, confirms the person's identity in person, and
may later give them a sign-in by adding an email address they then confirm.

Nothing here commits; every change checks the secretary itself.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coop import clock, email
from coop.extensions import db
from coop.members import service, tokens
from coop.members.models import Member, MemberClass, MembershipStatus, StatusChange
from coop.members.paper_models import PaperApplication, ReceivedBy
from coop.postcodes import normalise_postcode

ADDED_EMAIL_SALT = "coop.members.confirm-added-email"

#: The longest note about how someone's identity was checked.
MAX_NOTE = 500


@dataclass(frozen=True)
class PaperDetails:
    """What the secretary copies from a paper form or a phone call: the online form's details,
    with the email address optional and no password."""

    member_class: MemberClass
    name: str
    address_line_1: str
    town: str
    postcode: str
    received_by: ReceivedBy
    received_on: date
    address_line_2: str = ""
    organisation_name: str | None = None
    email: str = ""


def record_of(member: Member) -> PaperApplication | None:
    """How the member's application was received off the website, if it was."""
    return db.session.scalar(
        select(PaperApplication).where(PaperApplication.member_id == member.id)
    )


def record_application(
    details: PaperDetails, by: Member, now: datetime | None = None
) -> tuple[Member, PaperApplication]:
    """The secretary records an application made on paper, by phone or in person.

    The applicant has no password, so nobody can sign in as them. An email address, if they
    gave one, waits (as for :func:`add_email`) until they confirm it; until then they are
    sent letters. They agreed to the rules on the form, or out loud to the secretary.
    """
    now = now or clock.now()
    if not service.can_manage_membership(by):
        raise service.MembershipError("Only the secretary can record applications")
    postcode = normalise_postcode(details.postcode)
    if postcode is None:
        raise service.MembershipError("Enter a real UK postcode, like DE1 3AB")
    if details.member_class is MemberClass.PROVIDER and not (details.organisation_name or ""):
        raise service.MembershipError("Enter the name of the organisation")
    if details.received_on > clock.london_today(now):
        raise service.MembershipError("The date it was received must be today or in the past")
    pending = service.normalise_email(details.email) or None
    if pending is not None and service.find_by_email(pending) is not None:
        raise service.EmailTaken("Another member already uses this email address")
    member = Member(
        email=None,
        # Nobody knows this password, so nobody can sign in until the member chooses one.
        password_hash=service.hash_password(secrets.token_urlsafe(32)),
        name=details.name.strip(),
        organisation_name=(details.organisation_name or "").strip() or None
        if details.member_class is MemberClass.PROVIDER
        else None,
        address_line_1=details.address_line_1.strip(),
        address_line_2=(details.address_line_2 or "").strip(),
        town=details.town.strip(),
        postcode=postcode,
        member_class=details.member_class,
        status=MembershipStatus.APPLIED,
        applied_at=now,
        agreed_rules_at=now,
    )
    db.session.add(member)
    db.session.flush()
    db.session.add(
        StatusChange(
            member=member,
            from_status=None,
            to_status=MembershipStatus.APPLIED,
            changed_at=now,
            changed_by=by,
            reason=f"Application received {details.received_by.label.lower()}",
        )
    )
    record = PaperApplication(
        member_id=member.id,
        received_by=details.received_by,
        received_on=details.received_on,
        recorded_at=now,
        recorded_by_id=by.id,
        identity_note="",
        pending_email=pending,
        pending_email_added_at=now if pending else None,
    )
    db.session.add(record)
    db.session.flush()
    return member, record


def confirm_identity(
    member: Member, by: Member, note: str = "", now: datetime | None = None
) -> PaperApplication:
    """The secretary met or spoke to the applicant and is satisfied who they are.

    It stands in for an emailed confirmation: the application can then be approved.
    """
    if not service.can_manage_membership(by):
        raise service.MembershipError("Only the secretary can confirm an applicant's identity")
    record = record_of(member)
    if record is None:
        raise service.MembershipError(
            "This application came through the website: the applicant confirms their email"
        )
    if not member.is_applicant:
        raise service.MembershipError("This application has already been decided")
    if record.identity_confirmed_at is not None:
        raise service.MembershipError("The applicant's identity is already confirmed")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise service.MembershipError(f"Keep the note to {MAX_NOTE} characters or fewer")
    record.identity_confirmed_at = now or clock.now()
    record.identity_confirmed_by_id = by.id
    record.identity_note = note
    db.session.flush()
    return record


def can_add_email(member: Member) -> bool:
    """A member who is sent letters may be given an email address (and so a sign-in)."""
    return not member.email and record_of(member) is not None and not member.is_rejected


def add_email(member: Member, address: str, by: Member, now: datetime | None = None) -> str:
    """The secretary adds an email address for a member who has none; returns it.

    It is not the member's address until they open the emailed link and choose a password,
    so a mistyped address never receives their letters.
    """
    if not service.can_manage_membership(by):
        raise service.MembershipError("Only the secretary can add an email address")
    record = record_of(member)
    if record is None or member.email:
        raise service.MembershipError(f"{member.name} already has an email address")
    address = service.normalise_email(address)
    if not address:
        raise service.MembershipError("Enter an email address")
    if service.find_by_email(address) is not None:
        raise service.EmailTaken("Another member already uses this email address")
    record.pending_email = address
    record.pending_email_added_at = now or clock.now()
    db.session.flush()
    return address


def send_added_email_link(member: Member) -> bool:
    """Email the address the secretary added a link to confirm it and choose a password.

    Sent to the new address itself (the member has no other), after commit.
    """
    record = record_of(member)
    if record is None or not record.pending_email:
        return False
    token = tokens.make_token(
        current_app.config["SECRET_KEY"], ADDED_EMAIL_SALT, member.id, record.pending_email
    )
    link = email.external_url("members.confirm_added_email", token=token)
    return email.send(
        record.pending_email,
        "Set up your sign-in",
        f"Hello {member.name},\n\n"
        "The co-op's secretary has added this email address to your membership. To confirm it "
        f"and choose a password, open this link:\n\n{link}\n\n"
        "The link works for 7 days. Until you confirm, we will keep writing to you by post. "
        "If you did not ask for this, you can ignore this email.\n",
    )


def member_from_added_email_token(token: str) -> tuple[Member | None, bool]:
    """(member, expired) for a link sent by :func:`send_added_email_link`.

    The link is bound to the address waiting to be confirmed, so it works once.
    """
    try:
        member_id, fingerprint = tokens.read_token(
            current_app.config["SECRET_KEY"],
            ADDED_EMAIL_SALT,
            token,
            current_app.config["EMAIL_CONFIRM_MAX_AGE"],
        )
    except tokens.TokenError as error:
        return None, error.expired
    member = db.session.get(Member, member_id)
    record = record_of(member) if member is not None else None
    if record is None or not record.pending_email:
        return None, False
    if not tokens.matches(fingerprint, record.pending_email):
        return None, False
    return member, False


def confirm_added_email(member: Member, password: str, now: datetime | None = None) -> Member:
    """The member confirms the address the secretary added and chooses a password.

    From now on they are emailed, not sent letters, and can sign in.
    """
    now = now or clock.now()
    record = record_of(member)
    if record is None or not record.pending_email:
        raise service.MembershipError("There is no email address waiting to be confirmed")
    service.set_password(member, password)
    member.email = record.pending_email
    member.email_confirmed_at = now
    record.pending_email = None
    record.pending_email_added_at = None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise service.EmailTaken(
            "Another member already uses this email address. Ask the secretary for help"
        ) from None
    return member
