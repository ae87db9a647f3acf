"""A provider whose insurance runs out is hidden, told once by the daily job, and warned."""

from datetime import date, timedelta

from coop import clock
from coop.marketplace.models import Provider
from tests.pages import text


def test_the_daily_check_tells_each_lapsed_provider_once(
    app, db, runner, mailbox, make_member, make_provider
):
    today = clock.london_today()
    staff = make_member("provider", email="gita@example.org", name="Gita")
    lapsed = make_provider(
        staff,
        name="Riverside Gym",
        email="hello@riverside.example",
        insurance_expires_on=today - timedelta(days=1),
    )
    make_provider(email="covered@example.org", insurance_expires_on=today)
    make_provider(
        status="applied",
        email="waiting@example.org",
        insurance_expires_on=today - timedelta(days=10),
    )

    result = runner.invoke(args=["marketplace", "check-insurance"])
    assert result.exit_code == 0, result.output
    assert "Told 1 provider their insurance has run out." in result.output
    assert {m["To"] for m in mailbox.messages} == {"hello@riverside.example", "gita@example.org"}
    message = mailbox.to("hello@riverside.example")[0]
    assert message["Subject"].startswith("Your insurance has run out")
    body = mailbox.body(message)
    assert "hidden from members" in body
    assert f"/marketplace/provider/{lapsed.id}/details" in body
    db.session.expire_all()
    assert db.session.get(Provider, lapsed.id).insurance_lapse_notified_for == (
        today - timedelta(days=1)
    )

    # Running again tells nobody.
    mailbox.messages.clear()
    result = runner.invoke(args=["marketplace", "check-insurance"])
    assert "Told 0 providers" in result.output
    assert mailbox.messages == []

    # Insured again: nothing to tell.
    provider = db.session.get(Provider, lapsed.id)
    provider.insurance_expires_on = today
    db.session.commit()
    assert "Told 0 providers" in runner.invoke(args=["marketplace", "check-insurance"]).output
    # Another expiry date that has run out is a new lapse, and they are told again.
    provider = db.session.get(Provider, lapsed.id)
    provider.insurance_expires_on = today - timedelta(days=2)
    db.session.commit()
    result = runner.invoke(args=["marketplace", "check-insurance"])
    assert "Told 1 provider" in result.output
    assert len(mailbox.to("hello@riverside.example")) == 1


def test_a_provider_that_cannot_be_emailed_is_tried_again(
    app, db, runner, mailbox, make_provider, monkeypatch
):
    lapsed = make_provider(
        email="hello@riverside.example",
        insurance_expires_on=clock.london_today() - timedelta(days=3),
    )
    # The mail server refuses everything: the notice is kept in the outbox, not lost.
    monkeypatch.setattr(mailbox.server, "refuse_with", "451 Try again later")
    result = runner.invoke(args=["marketplace", "check-insurance"])
    assert "Told 1 provider" in result.output
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    assert mailbox.received == []
    db.session.expire_all()
    assert db.session.get(Provider, lapsed.id).insurance_lapse_notified_for is not None
    # Checking again does not tell them twice; once the server takes mail, it arrives once.
    assert "Told 0 providers" in runner.invoke(args=["marketplace", "check-insurance"]).output
    monkeypatch.setattr(mailbox.server, "refuse_with", None)
    assert len(mailbox.to("hello@riverside.example")) == 1
    assert len(mailbox.to("hello@riverside.example")) == 1


def test_the_dashboard_warns_before_and_after_insurance_runs_out(
    client, db, auth, make_member, make_provider
):
    staff = make_member("provider", email="gita@example.org")
    provider = make_provider(staff, insurance_expires_on=clock.london_today() + timedelta(days=60))
    auth.login("gita@example.org")
    url = f"/marketplace/provider/{provider.id}"
    assert "Your public liability insurance" not in text(client.get(url))

    provider.insurance_expires_on = clock.london_today() + timedelta(days=10)
    db.session.commit()
    words = text(client.get(url))
    assert "Your public liability insurance runs out on" in words and "(in 10 days)" in words

    provider.insurance_expires_on = clock.london_today() - timedelta(days=1)
    db.session.commit()
    words = text(client.get(url))
    assert "Your public liability insurance ran out on" in words
    assert "Your listings are hidden from members until you give a new expiry date" in words


def test_a_lapsed_providers_listing_is_hidden_until_a_new_date_is_given(
    app, client, db, auth, make_member, make_provider, make_listing
):
    staff = make_member("provider", email="gita@example.org")
    provider = make_provider(staff, insurance_expires_on=clock.london_today() - timedelta(days=1))
    listing = make_listing(provider, title="Morning swim")
    listing_url = f"/marketplace/listings/{listing.id}"
    assert client.get(listing_url).status_code == 404

    auth.login("gita@example.org")
    new_date = date.today() + timedelta(days=365)
    form = {
        "name": provider.name,
        "kind": provider.kind.value,
        "description": provider.description,
        "email": provider.email,
        "phone": provider.phone,
        "address_line_1": provider.address_line_1,
        "town": provider.town,
        "postcode": provider.postcode,
        "insurance_expires_on": [str(new_date.day), str(new_date.month), str(new_date.year)],
    }
    response = client.post(f"/marketplace/provider/{provider.id}/details", data=form)
    assert response.status_code == 302
    auth.logout()
    assert "Morning swim" in text(client.get(listing_url))
