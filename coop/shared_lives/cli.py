"""Shared Lives jobs: `flask shared-lives send-reminders` (daily), `payments MONTH`, rates."""

from datetime import date, datetime

import click
from flask.cli import AppGroup

shared_lives_cli = AppGroup(
    "shared-lives", help="Shared Lives jobs: reminders of what falls due, and carer payments."
)


def send_reminders_now() -> str:
    """Send what `send-reminders` sends and say how many (the worker runs it daily)."""
    from coop.extensions import db
    from coop.shared_lives import reminders

    sent = reminders.send_reminders()
    db.session.commit()
    return f"Sent {sent} reminder{'s' if sent != 1 else ''}."


@shared_lives_cli.command("send-reminders")
def send_reminders() -> None:
    """Email each reminder of a check, training, review or arrangement review that is overdue
    or falls due in the next 30 days, and of each introduction's answer falling due or
    overdue, once. The worker runs it daily."""
    click.echo(send_reminders_now())


@shared_lives_cli.command("payments")
@click.argument("month")
def payments(month: str) -> None:
    """Work out and post each household's carer payment for MONTH (like 2027-03), once."""
    from coop.extensions import db
    from coop.shared_lives import payment_run

    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise click.BadParameter("Give the month like 2027-03", param_hint="MONTH") from None
    try:
        result = payment_run.run(first, None)
    except payment_run.service.SharedLivesError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    for payment in result.paid:
        click.echo(f"Paid {payment.household.name}: {payment.total_pence / 100:.2f}")
    for name in result.already_paid:
        click.echo(f"Already paid for {month}: {name}")
    for problem in result.refused:
        click.echo(f"Not paid: {problem}", err=True)
    click.echo(f"{len(result.paid)} paid, {len(result.already_paid)} already paid.")


@shared_lives_cli.command("set-rates")
@click.option("--from", "starts_on", default=None, help="First day, YYYY-MM-DD (today)")
@click.option("--by", "email", required=True, help="Email of the coordinator setting them")
@click.option("--bands", required=True, help="Weekly long-term pence for bands 1-4: a,b,c,d")
@click.option("--night", type=int, required=True, help="Short break pence a night")
@click.option("--day", required=True, help="Day support pence for 4, 6 and 8 hours: a,b,c")
def set_rates(starts_on, email, bands, night, day) -> None:
    """Set the carer rates from a date; earlier rates are kept."""
    from coop import clock
    from coop.extensions import db
    from coop.members.service import find_by_email
    from coop.shared_lives import payment_run

    band = [int(x) for x in bands.split(",")]
    days = [int(x) for x in day.split(",")]
    if len(band) != 4 or len(days) != 3:
        raise click.BadParameter("Give 4 bands and 3 day rates")
    first = date.fromisoformat(starts_on) if starts_on else clock.london_today()
    try:
        payment_run.set_rates(
            find_by_email(email), first,
            band_1_weekly_pence=band[0], band_2_weekly_pence=band[1],
            band_3_weekly_pence=band[2], band_4_weekly_pence=band[3],
            short_break_nightly_pence=night,
            day_4h_pence=days[0], day_6h_pence=days[1], day_8h_pence=days[2],
        )  # fmt: skip
    except payment_run.service.SharedLivesError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Rates set from {first:%d/%m/%Y}.")
