"""`flask demo load`: the demo marketplace is bookable, priced and paid for as on the site."""

import re
from datetime import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from coop import clock
from coop.extensions import db as _db
from coop.extensions import limiter
from coop.marketplace import service
from coop.marketplace.models import (
    Booking,
    BookingStatus,
    Listing,
    Provider,
    ProviderStatus,
    Review,
    Session,
)
from coop.members.demo import DEMO_PASSWORD
from coop.members.models import Member
from coop.payments import ledger
from tests.conftest import empty_tables

DEMO_TITLES = (
    "Gym session",
    "Support planning",
    "Life coaching",
    "Woodwork tuition",
    "Peer support drop-in",
)


@pytest.fixture(scope="module")
def _demo_app(_app):
    """The app with the demo data, loaded once for this module through the command line into
    an empty database; every table is emptied again after the module's last test."""
    result = _app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "gym@demo.coop" in result.output
    before = _row_counts(_app)
    yield _app, before
    empty_tables(_app)


#: Signing in to look records a sign-in: that is not demo data.
NOT_DEMO_DATA = {"members_sign_ins"}


def _row_counts(app) -> dict[str, int]:
    with app.app_context():
        counts = {
            table.name: _db.session.scalar(select(func.count()).select_from(table))
            for table in _db.metadata.sorted_tables
            if table.name not in NOT_DEMO_DATA
        }
        _db.session.remove()
    return counts


@pytest.fixture
def app(_demo_app):
    """This module's `app` keeps the demo between tests (the suite's empties every table), so
    the tests here only read; each is checked to have added or removed no row."""
    demo_app, loaded = _demo_app
    yield demo_app
    limiter.reset()
    assert _row_counts(demo_app) == loaded, "a demo test changed the demo data"


@pytest.fixture
def demo(db):
    """The database holding the demo data."""
    return db


def member(db, email: str) -> Member:
    return db.session.scalars(select(Member).where(Member.email == email)).one()


def listing(db, title: str) -> Listing:
    return db.session.scalars(select(Listing).where(Listing.title == title)).one()


def coming_sessions(db, found: Listing) -> list[Session]:
    return list(
        db.session.scalars(
            select(Session)
            .where(Session.listing_id == found.id, Session.starts_at > clock.now())
            .order_by(Session.starts_at)
        )
    )


def test_demo_gym_has_half_price_off_peak_sessions_for_asha(demo):
    db = demo
    asha = member(db, "asha@demo.coop")
    gym = listing(db, "Gym session")
    assert gym.provider.name == "Riverside Community Gym"
    assert service.is_public(gym)
    assert gym.features == ["Step-free access", "Accessible toilet"]

    off_peak = [
        s
        for s in coming_sessions(db, gym)
        if s.starts_at.astimezone(clock.LONDON).time() == time(11, 0)
        and s.starts_at.astimezone(clock.LONDON).weekday() < 5
    ]
    assert off_peak, "the demo gym has no weekday 11:00 session coming up"
    price = service.price_for(gym, off_peak[0].starts_at, asha)
    assert (price.price_pence, price.base_pence) == (400, 800)
    assert price.label.startswith("Half price off-peak for co-op members")
    # Early mornings, evenings and non-members pay the full £8.00.
    assert service.price_for(gym, off_peak[0].starts_at, None).price_pence == 800
    early = next(
        s for s in coming_sessions(db, gym) if s.starts_at.astimezone(clock.LONDON).hour == 7
    )
    assert service.price_for(gym, early.starts_at, asha).price_pence == 800


def test_demo_budgets_hold_what_was_paid_in_less_what_was_spent(demo):
    db = demo
    asha, ben = member(db, "asha@demo.coop"), member(db, "ben@demo.coop")
    # Asha: £250 direct payment, less £4.00 off-peak gym, free drop-in, £35 life coaching,
    # £4.00 off-peak gym that Dev booked for her, £50 paid into the pooled fund and her
    # £4.00 share of the gym booked together.
    assert ledger.budget_balance(asha) == 250_00 - 4_00 - 35_00 - 4_00 - 50_00 - 4_00
    # Ben: £120 individual service fund, less £15 woodwork, £50 pooled and a £4.00 share.
    assert ledger.budget_balance(ben) == 120_00 - 15_00 - 50_00 - 4_00
    statement = ledger.budget_statement(asha)
    assert sorted(line.amount_pence for line in statement) == sorted(
        [250_00, -4_00, -35_00, -4_00, -50_00, -4_00]
    )
    assert ledger.all_transactions_balance()


def test_demo_providers_are_approved_and_insured_with_sessions_for_four_weeks(demo):
    db = demo
    providers = list(db.session.scalars(select(Provider).order_by(Provider.id)))
    assert len(providers) == 4
    today = clock.london_today()
    for provider in providers:
        assert provider.status is ProviderStatus.APPROVED
        assert provider.insured_on(today)
        assert provider.staff, f"{provider.name} has no staff account"
    for title in DEMO_TITLES:
        found = listing(db, title)
        assert service.is_public(found), title
        assert found.schedule_times, title
        assert [c.reason for c in found.closures] == ["Christmas Day"]
        coming = coming_sessions(db, found)
        assert coming, f"{title} has no coming sessions"
        days_ahead = (coming[-1].starts_at.astimezone(clock.LONDON).date() - today).days
        assert 14 < days_ahead <= 28, title  # a week may be lost to Christmas Day
    support = listing(db, "Support planning")
    assert (support.price_pence, support.duration_minutes, support.at_home) == (4500, 90, True)
    drop_in = listing(db, "Peer support drop-in")
    assert drop_in.price_pence == 0 and drop_in.bsl and drop_in.quiet_sessions
    assert listing(db, "Woodwork tuition").hearing_loop


def test_demo_has_attended_bookings_and_reviews_with_a_reply(demo):
    db = demo
    attended = db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.attended.is_(True), Booking.status == BookingStatus.CONFIRMED
        )
    )
    assert attended == 3
    reviews = list(db.session.scalars(select(Review).order_by(Review.id)))
    assert [r.listing.title for r in reviews] == ["Gym session", "Woodwork tuition"]
    assert reviews[0].reply and reviews[0].replied_by_id == member(db, "gym@demo.coop").id


def test_the_search_page_shows_every_demo_listing(demo, client):
    for title in DEMO_TITLES:
        page = client.get("/marketplace/?" + urlencode({"q": title}))
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f">{title}</a>" in html, title
        assert "No sessions match your search" not in html


def test_asha_sees_the_half_price_in_a_morning_gym_search(demo, client, auth):
    auth.login("asha@demo.coop", DEMO_PASSWORD)
    page = client.get("/marketplace/?category=gym_fitness&time_of_day=morning")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<strong>£4.00</strong>" in html
    assert re.search(r"Half price off-peak for co-op members, weekdays 10:00 to 15:00", html)


def test_the_gym_listing_page_shows_its_rating_and_the_reply(demo, client):
    gym = listing(demo, "Gym session")
    page = client.get(f"/marketplace/listings/{gym.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Rated 5 out of 5" in html
    assert "Reply from Riverside Community Gym" in html
    assert "Closed on 25 December" in html


def test_demo_dev_acts_for_asha_up_to_20_pounds(demo, client, auth):
    from coop.members import circles
    from coop.members.circle_models import Permission

    db = demo
    asha, dev = member(db, "asha@demo.coop"), member(db, "dev@demo.coop")
    grants = {g.permission: g for g in circles.grants_of(asha)}
    assert set(grants) == {Permission.BOOK, Permission.SEE}
    assert grants[Permission.BOOK].limit_pence == 20_00 and grants[Permission.BOOK].helper == dev
    booked = db.session.scalars(select(Booking).where(Booking.booked_by_id == dev.id)).one()
    assert booked.member == asha and booked.total_pence == 4_00
    assert ledger.payment_for(booked.id).memo.endswith("by Dev Sharma for Asha Patel")
    auth.login("dev@demo.coop", DEMO_PASSWORD)
    page = client.get("/account/helping").get_data(as_text=True)
    assert "Asha Patel" in page and "up to £20.00 a booking" in page
    auth.logout()
    auth.login("asha@demo.coop", DEMO_PASSWORD)
    statement = client.get("/payments/budget").get_data(as_text=True)
    assert "by Dev Sharma for Asha Patel" in statement
