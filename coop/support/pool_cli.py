"""Pooled fund jobs: members whose notice has ended leave and get their money back."""

import click
from flask.cli import with_appcontext

pools_cli = click.Group("pools", help="Pooled funds: members whose notice has ended leave.")


def settle_leavers_now() -> str:
    """Everyone whose notice has ended leaves; their unspent contribution goes back."""
    from coop.extensions import db
    from coop.support import pools

    left = pools.settle_leavers()
    db.session.commit()
    return f"{len(left)} member{'' if len(left) == 1 else 's'} left a pool."


@pools_cli.command("settle-leavers")
@with_appcontext
def settle_leavers() -> None:
    """Members whose notice has ended leave their pool and get their money back."""
    click.echo(settle_leavers_now())
