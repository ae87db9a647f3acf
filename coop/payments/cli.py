"""Command-line jobs for the ledger, run by the scheduler: `flask payments ...`."""

import click
from flask.cli import AppGroup

payments_cli = AppGroup("payments", help="Money jobs: repeating payments from funds.")


@payments_cli.command("post-repeating")
def post_repeating() -> None:
    """Post repeating payments from individual service funds that are due today or earlier.

    A payment that would overdraw its fund is not made; it stays due, and the treasurer is
    emailed. Safe to run more than once a day: each date is paid once (a UNIQUE key).
    """
    from coop.extensions import db
    from coop.payments import funds

    report = funds.post_repeating()
    db.session.commit()
    told = funds.tell_treasurer(report.refused)
    click.echo(
        f"Paid {len(report.paid)} repeating payment{'' if len(report.paid) == 1 else 's'}; "
        f"{len(report.refused)} not paid because the fund was short"
        + (
            f" (the treasurer was emailed {told} time{'' if told == 1 else 's'})."
            if report.refused
            else "."
        )
    )
