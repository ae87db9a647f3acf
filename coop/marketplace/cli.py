"""Command-line jobs for the marketplace, run daily from cron: `flask marketplace ...`."""

import click
from flask.cli import AppGroup

marketplace_cli = AppGroup("marketplace", help="Marketplace jobs: insurance checks and sessions.")


@marketplace_cli.command("check-insurance")
def check_insurance() -> None:
    """Tell providers whose insurance has run out that their listings are hidden.

    Each provider is told once for each lapse: giving a new expiry date and letting that one
    run out too tells them again. Run it daily.
    """
    from coop.extensions import db
    from coop.marketplace import providers

    told = 0
    for provider in providers.lapsed_providers():
        claimed = providers.claim_lapse_notice(provider)
        db.session.commit()
        if not claimed:
            continue
        if providers.send_insurance_lapsed(provider):
            told += 1
        else:
            providers.forget_lapse_notice(provider)
            db.session.commit()
            click.echo(f"Could not email {provider.name}; it will be tried again.", err=True)
    click.echo(f"Told {told} provider{'s' if told != 1 else ''} their insurance has run out.")


@marketplace_cli.command("generate-sessions")
def generate_sessions() -> None:
    """Make bookable sessions for every published listing for the next 8 weeks. Run it daily."""
    from coop.extensions import db
    from coop.marketplace import listings

    made = listings.top_up_sessions()
    db.session.commit()
    click.echo(f"Made {made} new session{'s' if made != 1 else ''}.")


@marketplace_cli.command("process-waitlist")
def process_waitlist() -> None:
    """Pass places whose waiting-list offer ran out to the next person. Run it every few minutes.

    Pages showing a session do this too; the job makes sure nobody waits for a page view.
    """
    from coop.extensions import db
    from coop.marketplace import bookings, emails

    offers = bookings.expire_offers()
    db.session.commit()
    sent = emails.send_offers(offers)
    db.session.commit()  # letters to members without email are recorded by the sends
    click.echo(f"Offered {len(offers)} place{'s' if len(offers) != 1 else ''}; emailed {sent}.")
