"""The prices the search filters on in SQL are the prices `pricing.price_of_place` gives.

The search compares the most someone will pay with a price stored on each session (for
members and for everyone else) and picks off-peak sessions by a stored flag. Hypothesis makes
random listings, pricing rules and start times (across the spring clock change), and checks
that what is stored, and what the SQL search finds, agree with the pure pricing function, both
as made and after the provider changes the price, the members' discount or the off-peak
prices through the services the pages call.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coop.extensions import db as _db
from coop.marketplace import listings, pricing, search, service
from coop.marketplace.models import Listing, Session
from coop.marketplace.search import Criteria

#: A Saturday a week before the clock goes forward (28 March 2027), so sessions fall both sides.
NOW = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
FIRST_DAY, LAST_DAY = date(2027, 3, 20), date(2027, 4, 10)


class Member:
    """An approved member, as the search and pricing see one."""

    is_authenticated = True
    is_approved = True


MEMBER = Member()

times = st.integers(0, 24 * 4 - 1).map(lambda n: time(n // 4, 15 * (n % 4)))
windows = st.builds(
    lambda days, a, b, percent, members_only: (days, min(a, b), max(a, b), percent, members_only),
    st.sets(st.integers(0, 6), min_size=1),
    times,
    times,
    st.integers(1, 100),
    st.booleans(),
).filter(lambda w: w[1] < w[2])
rules = st.fixed_dictionaries(
    {
        "price": st.sampled_from([0, 1, 10, 99, 150, 500, 800, 1000, 2500]) | st.integers(0, 9999),
        "members_percent": st.none() | st.integers(1, 100),
        "windows": st.lists(windows, max_size=3),
    }
)
starts = st.lists(
    st.integers(1, (LAST_DAY - FIRST_DAY).days * 24 * 4 - 1).map(
        lambda n: NOW.replace(hour=0) + timedelta(minutes=15 * n)
    ),
    min_size=1,
    max_size=6,
    unique=True,
).map(lambda found: [s for s in found if s > NOW] or [NOW + timedelta(hours=1)])


def _expected(listing: Listing, starts_at: datetime, is_member: bool) -> pricing.PlacePrice:
    return pricing.price_of_place(
        listing.price_pence, service.pricing_rules(listing), starts_at, is_member=is_member
    )


def _check(listing: Listing) -> None:
    """Stored columns and the SQL search agree with price_of_place, for both kinds of buyer."""
    _db.session.flush()
    stored = _db.session.execute(
        select(
            Session.starts_at,
            Session.public_price_pence,
            Session.member_price_pence,
            Session.public_off_peak,
            Session.member_off_peak,
        ).where(Session.listing_id == listing.id)
    ).all()
    for starts_at, public, member, public_off_peak, member_off_peak in stored:
        for price, off_peak, is_member in (
            (public, public_off_peak, False),
            (member, member_off_peak, True),
        ):
            expected = _expected(listing, starts_at, is_member)
            assert price == expected.price_pence
            assert off_peak == isinstance(expected.discount, pricing.ConcessionWindow)
    window = {"first_day": FIRST_DAY, "last_day": LAST_DAY}
    for buyer, is_member in ((None, False), (MEMBER, True)):
        prices = {s: _expected(listing, s, is_member) for s, *_ in stored}
        for most in sorted({p.price_pence for p in prices.values()} | {0}):
            page = search.search(
                Criteria(max_price_pence=most, **window), buyer, now=NOW, per_page=1000
            )
            got = {r.session.starts_at for r in page.results if r.listing.id == listing.id}
            assert got == {s for s, p in prices.items() if p.price_pence <= most}
        page = search.search(Criteria(off_peak_only=True, **window), buyer, now=NOW, per_page=1000)
        got = {r.session.starts_at for r in page.results if r.listing.id == listing.id}
        assert got == {
            s for s, p in prices.items() if isinstance(p.discount, pricing.ConcessionWindow)
        }


def test_stored_and_sql_prices_are_the_pricing_functions(
    db, make_provider, make_listing, make_session
):
    provider = make_provider()
    staff = provider.staff[0].member

    @settings(
        max_examples=40,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(before=rules, after=rules, starts_at=starts, change_windows=st.booleans())
    def prices_agree(before, after, starts_at, change_windows):
        listing = make_listing(
            provider,
            price_pence=before["price"],
            members_discount_percent=before["members_percent"],
        )
        for days, start, end, percent, members_only in before["windows"]:
            listings.add_concession(listing, sorted(days), start, end, percent, members_only, staff)
        for at in starts_at:
            make_session(listing, starts_at=at)
        _check(listing)

        # The provider changes the price and the members' discount, and the off-peak prices.
        details = replace(
            listings.listing_details(listing),
            price_pence=after["price"],
            members_discount_percent=after["members_percent"],
        )
        listings.update_listing(listing, details, staff, now=NOW)
        _check(listing)
        if change_windows:
            for concession in list(listing.concessions):
                listings.remove_concession(concession, staff)
            _check(listing)
            for days, start, end, percent, members_only in after["windows"]:
                listings.add_concession(
                    listing, sorted(days), start, end, percent, members_only, staff
                )
            _check(listing)
        _db.session.commit()

    prices_agree()


def test_a_session_made_by_the_schedule_gets_its_prices(db, make_listing, make_member):
    """Sessions the schedule makes are priced as they are made (no flush in between)."""
    listing = make_listing(
        price_pence=1000,
        off_peak=True,
        members_discount_percent=10,
        status="published",
        schedule=((0, time(11, 0)), (5, time(11, 0))),
    )
    made = listings.generate_sessions(listing, through=date(2027, 4, 10), now=NOW)
    assert made
    _check(listing)
    by_day = {s.starts_at.weekday(): (s.public_price_pence, s.member_price_pence) for s in made}
    assert by_day[0] == (1000, 500)  # Monday 11:00: half price off-peak for members
    assert by_day[5] == (1000, 900)  # Saturday: the members' 10% only


def test_renaming_a_provider_changes_what_its_listings_are_found_by(
    db, make_provider, make_listing, make_session
):
    provider = make_provider(name="Allestree Arts")
    make_session(make_listing(provider, title="Painting"), starts_at=NOW + timedelta(days=1))
    found = lambda text: [  # noqa: E731
        r.listing.title for r in search.search(Criteria(text=text), None, now=NOW).results
    ]
    assert found("allestree") == ["Painting"]
    provider.name = "Darley Abbey Arts"
    db.session.commit()
    assert found("allestree") == []
    assert found("darley") == ["Painting"]
