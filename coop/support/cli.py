"""Cover jobs the worker runs (and anyone can run by hand): `flask support tell-banks`,
`flag-unfilled` and `extend-calendars`."""

import click
from flask.cli import AppGroup

support_cli = AppGroup("support", help="PA cover jobs: tell the bank, flag unfilled cover.")


def tell_banks_now() -> str:
    from coop.support import cover

    return cover.tell_banks_now()


def flag_unfilled_now() -> str:
    from coop.support import cover

    return cover.flag_unfilled_now()


def extend_calendars_now() -> str:
    from coop.support import shared_pas

    return shared_pas.extend_calendars_now()


@support_cli.command("tell-banks")
def tell_banks() -> None:
    """Email the whole bank of PAs about cover whose own-PA delay has passed."""
    click.echo(tell_banks_now())


@support_cli.command("flag-unfilled")
def flag_unfilled() -> None:
    """Tell the coordinators about cover still open two hours before it starts."""
    click.echo(flag_unfilled_now())


@support_cli.command("extend-calendars")
def extend_calendars() -> None:
    """Write the coming weeks of regular shifts into PAs' calendars."""
    click.echo(extend_calendars_now())
