"""`flask demo load`: fill an empty database with demo data from every domain."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from coop.extensions import db
from coop.marketplace import circle_demo, pooled_demo
from coop.marketplace import demo as marketplace_demo
from coop.members import demo as members_demo
from coop.members.models import Member
from coop.shared_lives import demo as shared_lives_demo
from coop.support import demo as support_demo
from coop.support import pool_demo
from coop.voting import demo as voting_demo

demo_cli = AppGroup("demo", help="Demo data for trying the site out.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) if there are members.")
def load(if_empty: bool):
    """Load demo members (and, as the site grows, listings, motions and more)."""
    if db.session.scalar(select(func.count(Member.id))):
        message = "The database already has members, so the demo data was not loaded."
        if if_empty:
            click.echo(message)
            return
        raise click.ClickException(message)
    members = members_demo.load()
    voting_demo.load(members)
    voting_demo.load_surplus(members)
    marketplace_demo.load(members)
    circle_demo.load(members)  # Dev acting for Asha, up to £20 a booking
    shared_lives_demo.load(members)
    support_demo.load(members)
    pool_demo.load(members)  # a pooled fund of three families, and a buddy pair
    pooled_demo.load(members)  # a pooled gym booking (Chloe's budget is paid into above)
    db.session.commit()
    click.echo(
        f"Loaded demo data. Sign in as secretary@demo.coop (the secretary), asha@demo.coop "
        f"(a budget holder), dev@demo.coop (Asha's carer, who may book for her), "
        f"femi@demo.coop (a PA), gym@demo.coop (a provider) or kim@demo.coop (the Shared "
        f"Lives coordinator); every demo password is "
        f"{members_demo.DEMO_PASSWORD}"
    )
