"""Marketplace jobs, run on a schedule by the worker or by hand: `flask marketplace ...`."""

import click
from flask.cli import AppGroup

marketplace_cli = AppGroup("marketplace", help="Marketplace jobs: insurance checks and sessions.")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def check_insurance_now() -> str:
    """Tell providers whose insurance has run out that their listings are hidden; say how many.

    Each provider is told once for each lapse: the notice is claimed (the provider's row
    locked) and its emails put in the outbox in one transaction, so two runs at once tell a
    provider once, and an email the mail server cannot take yet is kept and sent later.
    """
    from coop.extensions import db
    from coop.marketplace import providers

    told = 0
    for provider in providers.lapsed_providers():
        if providers.claim_lapse_notice(provider):
            providers.send_insurance_lapsed(provider)
            told += 1
        db.session.commit()
    return f"Told {_plural(told, 'provider')} their insurance has run out."


def generate_sessions_now() -> str:
    """Make bookable sessions for every published listing for the next 8 weeks."""
    from coop.extensions import db
    from coop.marketplace import listings

    made = listings.top_up_sessions()
    db.session.commit()
    return f"Made {_plural(made, 'new session')}."


def process_waitlist_now() -> str:
    """Pass places whose waiting-list offer ran out to the next person, and email them; let
    card holds that ran out go too, cancelling their PaymentIntents."""
    from coop.extensions import db
    from coop.marketplace import bookings, emails

    card_offers, unpaid = _expire_card_holds()
    offers = card_offers + bookings.expire_offers()
    sent = emails.send_offers(offers)
    db.session.commit()
    _cancel_payment_intents(unpaid)
    let_go = f" Let {_plural(len(unpaid), 'unpaid card hold')} go." if unpaid else ""
    return f"Offered {_plural(len(offers), 'place')}; emailed {sent}.{let_go}"


def _expire_card_holds():
    from coop.marketplace import card_bookings

    return card_bookings.expire_holds()


def _cancel_payment_intents(stripe_ids) -> None:
    from coop.extensions import db
    from coop.payments import card
    from coop.payments import stripe_gateway as gateway

    if stripe_ids and gateway.enabled():
        card.cancel_at_stripe(stripe_ids)
        db.session.commit()


def expire_card_holds_now() -> str:
    """Let card holds whose time ran out go: places back, PaymentIntents cancelled."""
    from coop.extensions import db
    from coop.marketplace import emails

    offers, unpaid = _expire_card_holds()
    emails.send_offers(offers)
    db.session.commit()
    _cancel_payment_intents(unpaid)
    return f"Let {_plural(len(unpaid), 'unpaid card hold')} go."


@marketplace_cli.command("check-insurance")
def check_insurance() -> None:
    """Tell providers whose insurance has run out that their listings are hidden.

    Each provider is told once for each lapse: giving a new expiry date and letting that one
    run out too tells them again. The worker runs it every hour.
    """
    click.echo(check_insurance_now())


@marketplace_cli.command("generate-sessions")
def generate_sessions() -> None:
    """Make bookable sessions for every published listing for the next 8 weeks.

    The worker runs it every six hours."""
    click.echo(generate_sessions_now())


@marketplace_cli.command("process-waitlist")
def process_waitlist() -> None:
    """Pass places whose waiting-list offer ran out to the next person, and let card holds
    whose time ran out go (cancelling their PaymentIntents).

    The worker runs it every five minutes; pages treat a lapsed offer as lapsed meanwhile.
    """
    click.echo(process_waitlist_now())


@marketplace_cli.command("expire-card-holds")
def expire_card_holds() -> None:
    """Let card holds whose time ran out go. The worker runs it every minute."""
    click.echo(expire_card_holds_now())
