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


def send_password_reset(member: Member) -> bool:
    token = tokens.make_token(
        current_app.config["SECRET_KEY"], tokens.RESET_SALT, member.id, member.password_hash
    )
    link = email.external_url("members.reset_password", token=token)
    return email.send(
        member.email,
        "Reset your password",
        f"Hello {member.name},\n\n"
        f"To choose a new password, open this link:\n\n{link}\n\n"
        "The link works for 2 hours and only once. If you did not ask to reset your password, "
        "you can ignore this email: your password has not changed.\n",
    )


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
