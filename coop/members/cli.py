"""`flask members ...`: commands for whoever runs the co-op's server."""

import click
from flask.cli import AppGroup

from coop.extensions import db
from coop.members import service
from coop.members.models import MemberClass

members_cli = AppGroup("members", help="Manage members from the command line.")

CLASSES = [c.value for c in MemberClass]


@members_cli.command("create-secretary")
@click.argument("email")
@click.option("--name", help="Full name (asked for if missing).")
@click.option("--member-class", type=click.Choice(CLASSES), help="Asked for if missing.")
@click.option("--address", "address_line_1", help="Address line 1 (asked for if missing).")
@click.option("--town", help="Town or city (asked for if missing).")
@click.option("--postcode", help="UK postcode (asked for if missing).")
@click.option("--password", help="At least 12 characters (asked for, hidden, if missing).")
def create_secretary(email, name, member_class, address_line_1, town, postcode, password):
    """Make EMAIL the co-op's secretary, creating the member if they have no account yet."""
    member = service.find_by_email(email)
    try:
        if member is None:
            member = service.apply(
                service.Application(
                    member_class=MemberClass(
                        member_class or click.prompt("Member class", type=click.Choice(CLASSES))
                    ),
                    name=name or click.prompt("Full name"),
                    email=email,
                    password=password
                    or click.prompt("Password", hide_input=True, confirmation_prompt=True),
                    address_line_1=address_line_1 or click.prompt("Address line 1"),
                    town=town or click.prompt("Town or city"),
                    postcode=postcode or click.prompt("Postcode"),
                )
            )
        service.make_secretary(member)
        db.session.commit()
    except service.MembershipError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(f"{member.name} <{member.email}> is the secretary (member {member.member_number}).")
