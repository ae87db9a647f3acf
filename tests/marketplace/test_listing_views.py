"""A provider's pages for its listings (details, publishing, the weekly schedule, closures,
off-peak prices) and sessions (who is coming, attendance, cancelling), as staff see them."""

import html
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from coop import clock
from coop.marketplace import bookings
from coop.marketplace.models import (
    BookingStatus,
    Closure,
    Concession,
    Listing,
    ListingStatus,
    Session,
)
from coop.marketplace.schedule import MONDAY
from coop.payments import ledger
from tests.marketplace.provider_pages import LISTING_FORM, as_, base, count
from tests.pages import error_summary, page, text

# --- Listings, schedule, closures and pricing through the pages ---------------------------


def test_a_listing_is_made_scheduled_priced_and_published(client, db, gym, gym_staff):
    as_(client, gym_staff)
    response = client.post(f"{base(gym)}/listings/new", data=LISTING_FORM | {"price": "7.50"})
    assert response.status_code == 302
    listing = db.session.scalars(select(Listing)).one()
    assert (listing.price_pence, listing.status) == (750, ListingStatus.DRAFT)
    assert listing.step_free and listing.hearing_loop and not listing.bsl
    assert response.location.endswith(f"/listings/{listing.id}/schedule")

    listing_url = f"{base(gym)}/listings/{listing.id}"
    # Publishing with no schedule is refused, with a reason.
    response = client.post(f"{listing_url}/status", data={"action": "publish"})
    words = text(client.get(response.location))
    assert "Add at least one day and start time" in words
    assert listing.status is ListingStatus.DRAFT

    body = page(client.post(f"{listing_url}/schedule", data={"starts_at": "25:00"}))
    summary = error_summary(body)
    assert ("days", "Choose at least one day") in summary
    assert ("starts_at", "Enter the start time as a 24-hour time, like 10:00 or 17:30") in summary
    response = client.post(
        f"{listing_url}/schedule", data={"days": ["0", "2"], "starts_at": "10:00"}
    )
    assert response.status_code == 302
    assert "Mondays and Wednesdays at 10:00" in text(client.get(response.location))

    response = client.post(f"{listing_url}/status", data={"action": "publish"})
    assert "The listing is published" in text(client.get(response.location))
    db.session.refresh(listing)
    assert listing.status is ListingStatus.PUBLISHED
    sessions = db.session.scalars(select(Session).where(Session.listing_id == listing.id)).all()
    assert 16 <= len(sessions) <= 17
    assert {s.starts_at.astimezone(clock.LONDON).time() for s in sessions} == {time(10, 0)}

    # Off-peak price: mistakes are explained, then the rule is shown in words.
    body = page(
        client.post(
            f"{listing_url}/pricing",
            data={
                "days": ["0"],
                "window_start": "15:00",
                "window_end": "10:00",
                "percent_off": "50",
            },
        )
    )
    assert ("window_end", "The cheaper price must end after it starts") in error_summary(body)
    assert 'value="15:00"' in body
    client.post(
        f"{listing_url}/pricing",
        data={
            "days": ["0", "1", "2", "3", "4"],
            "window_start": "10:00",
            "window_end": "15:00",
            "percent_off": "50",
            "members_only": "y",
        },
    )
    assert count(db, Concession) == 1
    words = text(client.get(listing_url))
    assert "Half price off-peak for co-op members, weekdays 10:00 to 15:00" in words

    # Back to draft, and archived.
    client.post(f"{listing_url}/status", data={"action": "archive"})
    db.session.refresh(listing)
    assert listing.status is ListingStatus.ARCHIVED


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("title", "", "Enter a title"),
        ("price", "", "Enter the price of one place, or 0 if it is free"),
        ("price", "eight", "Enter the price in pounds, like 8 or 7.50"),
        ("price", "-5", "Enter the price in pounds"),
        ("duration_minutes", "0", "Length of a session in minutes must be between 1 and 1,440"),
        ("places", "lots", "Places in each session must be a whole number"),
        ("venue_address", "", "Enter the address where the sessions happen"),
        ("members_discount_percent", "150", "must be between 1 and 100"),
        ("category", "", "Choose the type of service"),
    ],
)
def test_listing_mistakes_are_explained_and_what_was_typed_is_kept(
    client, db, gym, gym_staff, field, value, message
):
    as_(client, gym_staff)
    response = client.post(f"{base(gym)}/listings/new", data=LISTING_FORM | {field: value})
    body = page(response)
    assert response.status_code == 200
    assert any(message in m for _t, m in error_summary(body)), error_summary(body)
    for kept in ("title", "venue_address"):
        if kept != field:
            assert f'value="{html.escape(LISTING_FORM[kept])}"' in body
    assert count(db, Listing) == 0


def test_a_free_at_home_listing(client, db, gym, gym_staff):
    as_(client, gym_staff)
    data = LISTING_FORM | {"price": "0", "where": "home", "venue_address": ""}
    assert client.post(f"{base(gym)}/listings/new", data=data).status_code == 302
    listing = db.session.scalars(select(Listing)).one()
    assert listing.price_pence == 0 and listing.at_home
    words = text(client.get(f"{base(gym)}/listings/{listing.id}"))
    assert "Free" in words and "At the person's home" in words


def test_a_waiting_provider_prepares_drafts_but_cannot_publish(
    client, db, make_provider, make_listing, gym_staff
):
    waiting = make_provider(gym_staff, status="applied")
    draft = make_listing(waiting, status="draft")
    as_(client, gym_staff)
    response = client.post(
        f"{base(waiting)}/listings/{draft.id}/status", data={"action": "publish"}
    )
    words = text(client.get(response.location))
    assert "once the secretary has approved your provider" in words
    assert (
        "Members cannot see a draft. Publish it once it has at least one day and start time, "
        f"and the secretary has approved {waiting.name}." in words
    )
    db.session.refresh(draft)
    assert draft.status is ListingStatus.DRAFT and count(db, Session) == 0


def test_editing_a_listing_keeps_its_values(client, db, gym, gym_staff, make_listing):
    listing = make_listing(gym, price_pence=1250, members_discount_percent=10)
    as_(client, gym_staff)
    form = page(client.get(f"{base(gym)}/listings/{listing.id}/edit"))
    assert 'value="12.50"' in form and 'value="10"' in form
    response = client.post(
        f"{base(gym)}/listings/{listing.id}/edit", data=LISTING_FORM | {"title": "Gym, renamed"}
    )
    assert response.status_code == 302
    db.session.refresh(listing)
    assert listing.title == "Gym, renamed" and listing.price_pence == 800


def _monday_sessions(db, listing):
    return db.session.scalars(
        select(Session).where(Session.listing_id == listing.id).order_by(Session.starts_at)
    ).all()


def test_a_closure_removes_free_sessions_and_lists_booked_ones_to_cancel(
    client, db, gym, gym_staff, make_listing, holder
):
    from coop.marketplace import listings

    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)),))
    listings.generate_sessions(listing)
    db.session.commit()
    first, second = _monday_sessions(db, listing)[1:3]
    bookings.book(holder, second)
    db.session.commit()

    as_(client, gym_staff)
    day1 = first.starts_at.astimezone(clock.LONDON).date()
    day2 = second.starts_at.astimezone(clock.LONDON).date()
    url = f"{base(gym)}/listings/{listing.id}/closures"
    body = page(client.post(url, data={"first_day": ["1", "1", "2020"], "reason": "Oops"}))
    assert any("end today or later" in m for _t, m in error_summary(body))
    response = client.post(
        url,
        data={
            "first_day": [str(day1.day), str(day1.month), str(day1.year)],
            "last_day": [str(day2.day), str(day2.month), str(day2.year)],
            "reason": "Refurbishment",
        },
    )
    assert response.location.endswith(f"/listings/{listing.id}")
    words = text(client.get(response.location))
    assert "1 session that nobody had booked removed" in words
    assert "1 session on those days already has bookings" in words
    assert "Cancel the session on" in words
    assert db.session.get(Session, first.id) is None
    assert db.session.get(Session, second.id).cancelled_at is None
    assert count(db, Closure) == 1
    assert "Refurbishment" in text(client.get(url))


# --- Sessions: who is coming, attendance, cancelling --------------------------------------


def test_the_session_page_shows_who_is_coming_and_cancelling_refunds_everyone(
    client, db, gym, gym_staff, booked, holder, mailbox
):
    session, booking = booked
    as_(client, gym_staff)
    url = f"{base(gym)}/sessions/{session.id}"
    words = text(client.get(url))
    assert "Asha Holder 2 " + booking.reference in words
    assert "You can mark who came once the session has started" in words
    assert "Places booked 2 of 10" in words

    words = text(client.get(f"{url}/cancel"))
    assert "1 booking will be cancelled and refunded in full" in words
    body = page(client.post(f"{url}/cancel", data={"reason": ""}))
    assert any("Say why the session is cancelled" in m for _t, m in error_summary(body))
    assert ledger.budget_balance(holder) == 3400

    response = client.post(f"{url}/cancel", data={"reason": "The instructor is ill"})
    assert response.status_code == 302
    assert "1 booking refunded in full" in text(client.get(response.location))
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CANCELLED_BY_PROVIDER
    assert ledger.budget_balance(holder) == 5000
    message = mailbox.to("asha@example.org")[0]
    assert "The instructor is ill" in mailbox.body(message)
    # Cancelling again is not offered, and is refused.
    assert "Cancel this session" not in text(client.get(url))
    assert "This session is already cancelled" in text(client.get(f"{url}/cancel"))
    words = text(client.post(f"{url}/cancel", data={"reason": "Again"}))
    assert "This session is already cancelled" in words
    assert len(mailbox.to("asha@example.org")) == 1


def test_attendance_is_marked_once_the_session_has_started(
    client, db, gym, gym_staff, make_listing, make_session, holder
):
    listing = make_listing(gym, price_pence=0)
    started = datetime.now(UTC) - timedelta(minutes=30)
    session = make_session(listing, starts_at=started)
    booking = bookings.book(holder, session, now=started - timedelta(days=1))
    db.session.commit()

    as_(client, gym_staff)
    url = f"{base(gym)}/sessions/{session.id}"
    assert "Not marked" in text(client.get(url))
    response = client.post(f"{url}/bookings/{booking.id}/attendance", data={"attended": "yes"})
    words = text(client.get(response.location))
    assert f"Asha Holder ({booking.reference}) is marked as came" in words
    db.session.refresh(booking)
    assert booking.attended is True
    client.post(f"{url}/bookings/{booking.id}/attendance", data={"attended": "no"})
    db.session.refresh(booking)
    assert booking.attended is False


def test_attendance_cannot_be_marked_before_the_start(client, db, gym, gym_staff, booked):
    session, booking = booked
    as_(client, gym_staff)
    url = f"{base(gym)}/sessions/{session.id}/bookings/{booking.id}/attendance"
    response = client.post(url, data={"attended": "yes"})
    assert "once the session has started" in text(client.get(response.location))
    db.session.refresh(booking)
    assert booking.attended is None
