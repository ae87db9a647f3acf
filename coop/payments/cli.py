"""Command-line jobs for the ledger, run by the scheduler: `flask payments ...`."""

import click
from flask.cli import AppGroup

payments_cli = AppGroup(
    "payments", help="Money jobs: repeating payments from funds, card refunds, reconciling."
)


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


def send_refunds_now() -> str:
    """Send card refunds that Stripe has not taken yet (it was down, or a view stopped)."""
    from coop.payments import card
    from coop.payments import stripe_gateway as gateway

    if not gateway.enabled():
        return "Card payments are not set up."
    sent = card.send_refunds()
    return f"Sent {sent} card refund{'' if sent == 1 else 's'}."


@payments_cli.command("send-refunds")
def send_refunds() -> None:
    """Send card refunds that are waiting. The worker runs it every five minutes."""
    click.echo(send_refunds_now())


@payments_cli.command("reconcile")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only PaymentIntents made on or after this date (YYYY-MM-DD).",
)
def reconcile(since) -> None:
    """List every PaymentIntent the ledger and Stripe disagree about; exit 1 if there is one."""
    from coop import clock
    from coop.payments import card
    from coop.payments import stripe_gateway as gateway

    if not gateway.enabled():
        raise click.ClickException("Card payments are not set up (no STRIPE_SECRET_KEY).")
    start = None
    if since is not None:
        start = since.replace(tzinfo=clock.LONDON)
    try:
        found = card.reconcile(start)
    except gateway.GatewayError as error:
        raise click.ClickException(error.message) from None
    for item in found:
        click.echo(
            f"{item.stripe_id}\t{item.reference or '-'}\t{item.problem}\t"
            f"Stripe: {item.stripe_status or '-'} {item.stripe_pence}\t"
            f"ledger: {item.ledger_pence}"
        )
    if found:
        click.echo(f"{len(found)} disagreement{'' if len(found) == 1 else 's'}.", err=True)
        raise SystemExit(1)
    click.echo("The ledger and Stripe agree about every card payment.")
