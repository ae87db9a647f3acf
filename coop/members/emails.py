"""The emails members receive about their membership."""

from flask import current_app

from coop import email
from coop.members import tokens
from coop.members.letters import notify
from coop.members.models import Member


def send_confirmation(member: Member) -> bool:
    token = tokens.make_token(
        current_app.config["SECRET_KEY"], tokens.CONFIRM_SALT, member.id, member.email
    )
    link = email.external_url("members.confirm_email", token=token)
    return email.send(
        member.email,
        "Confirm your email address",
        f"Hello {member.name},\n\n"
        "Thank you for applying to join. To confirm this is your email address, open this link:\n\n"
        f"{link}\n\n"
        "The link works for 7 days. If you did not apply, you can ignore this email.\n",
    )


def _password_reset(member_id: int, bound_to: str, name: str) -> tuple[str, str]:
    """The subject and body of a password reset email, with its signed single-use link."""
    token = tokens.make_token(
        current_app.config["SECRET_KEY"], tokens.RESET_SALT, member_id, bound_to
    )
    link = email.external_url("members.reset_password", token=token)
    return (
        "Reset your password",
        f"Hello {name},\n\n"
        f"To choose a new password, open this link:\n\n{link}\n\n"
        "The link works for 2 hours and only once. If you did not ask to reset your password, "
        "you can ignore this email: your password has not changed.\n",
    )


def send_password_reset(member: Member) -> bool:
    subject, body = _password_reset(member.id, member.password_hash, member.name)
    return email.send(member.email, subject, body)


#: Stands in for a password hash when an address belongs to no one (never a real hash).
_NOBODY = "nobody"


def compose_password_reset_for_nobody() -> None:
    """For an address with no account: make the same signed link and message as for a real
    one, and send nothing, so both answers take the same work. (Once email goes through the
    outbox, sending is a row written in the same way.)"""
    _password_reset(0, _NOBODY, "")


def send_registration_attempt(member: Member) -> bool:
    """Someone applied with an address that already has an account: tell its owner, who may
    simply have forgotten, how to sign in or reset the password. The form said nothing."""
    body = (
        f"Hello {member.name},\n\n"
        "Someone has just tried to apply to join the co-op with this email address, which "
        "already has an account with us. We have not made a second account.\n\n"
        f"If it was you, sign in here:\n\n{email.external_url('members.login')}\n\n"
        "If you have forgotten your password, choose a new one here:\n\n"
        f"{email.external_url('members.reset_request')}\n\n"
        "If it was not you, you can ignore this email: nothing about your account has "
        "changed.\n"
    )
    return email.send(member.email, "Someone tried to join with your email address", body)


def send_decision(member: Member) -> bool:
    """Tell the applicant the secretary's decision: by email, or by letter if they have none."""
    if member.is_approved:
        if member.email:
            how = f"You can sign in at {email.external_url('members.login')}\n"
        else:
            how = (
                "We will write to you by post. If you would like to use the website, ask the "
                "secretary to add your email address.\n"
            )
        body = (
            f"Hello {member.name},\n\nWelcome: your application has been approved. "
            f"Your member number is {member.member_number}, and you hold one £1 share.\n\n{how}"
        )
        return notify(member, "You are now a member", body)
    body = (
        f"Hello {member.name},\n\nThe secretary could not accept your application. "
        f"The reason given was:\n\n{member.rejection_reason}\n\n"
        + (
            "If you have questions, reply to this email.\n"
            if member.email
            else "If you have questions, write to or phone the co-op's secretary.\n"
        )
    )
    return notify(member, "About your application", body)
