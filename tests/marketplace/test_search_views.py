"""Finding services and reading a listing, as people using the pages see them."""

import html
import re
import secrets
from datetime import date, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event

from coop import clock
from coop.extensions import db as _db
from coop.marketplace.models import Booking, Category, Closure, Review
from coop.marketplace.schedule import wall_clock_to_utc
from tests.pages import error_summary

OFF_PEAK_LABEL = "Half price off-peak for co-op members, weekdays 10:00 to 15:00"


def page(response) -> str:
    return response.get_data(as_text=True)


def text(response) -> str:
    """The page's words, tags removed and spaces squeezed, for asserting sentences."""
    words = re.sub(r"<[^>]+>", " ", page(response))
    return re.sub(r"\s+", " ", html.unescape(words))


def links(response) -> dict[str, str]:
    """Each link's words (visually hidden words included) and where it goes."""
    found = {}
    for href, inner in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', page(response), re.S):
        words = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", inner))).strip()
        found[words] = html.unescape(href)
    return found


def on_day(days_ahead: int, hour: int, minute: int = 0):
    """A start on the London clock, some days from today."""
    return wall_clock_to_utc(clock.london_today() + timedelta(days=days_ahead), time(hour, minute))


def next_weekday(weekday: int, hour: int, minute: int = 0):
    """The next such day (at least two days away, so never today) at a London time."""
    day = clock.london_today() + timedelta(days=2)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return wall_clock_to_utc(day, time(hour, minute))


def add_review(db, session, member, rating, comment="", reply=None, days_ago=1):
    booking = Booking(
        reference=secrets.token_hex(5).upper(),
        session_id=session.id,
        member_id=member.id,
        places=1,
        price_each_pence=0,
        base_price_each_pence=0,
        total_pence=0,
        cancellation_notice_hours=24,
        booked_at=clock.now() - timedelta(days=30),
        attended=True,
    )
    db.session.add(booking)
    db.session.flush()
    db.session.add(
        Review(
            booking_id=booking.id,
            listing_id=session.listing_id,
            rating=rating,
            comment=comment,
            created_at=clock.now() - timedelta(days=days_ago),
            reply=reply,
            replied_at=clock.now() if reply else None,
        )
    )
    db.session.commit()


# --- The search page ---------------------------------------------------------------------


def test_search_page_shows_each_session_and_how_to_book_it(
    db, client, auth, make_member, make_provider, make_listing, make_session
):
    auth.login(make_member("budget_holder", email="asha@example.org").email)
    provider = make_provider(name="Derby Community Gym")
    gym = make_listing(provider, title="Gym session", price_pence=1000, step_free=True)
    coaching = make_listing(
        title="Life coaching",
        category=Category.LIFE_COACHING,
        price_pence=4500,
        at_home=True,
        venue_address="",
        bsl=True,
        quiet_sessions=True,
    )
    session = make_session(gym, starts_at=on_day(2, 18), places=12, booked=3)
    make_session(coaching, starts_at=on_day(3, 9))

    response = client.get("/marketplace/")
    assert response.status_code == 200
    words = text(response)
    assert "Find services to book" in words
    assert "Showing 1 to 2 of 2 sessions" in words
    when = clock.format_start(session.starts_at)
    assert f"Provider Derby Community Gym When {when}" in words
    assert "Where 1 Market Place, Derby DE1 3AA Price for you £10.00 Places left 9" in words
    assert "Accessibility Step-free access" in words
    assert "Where At your home Price for you £45.00" in words
    assert "Accessibility British Sign Language (BSL), Quiet sessions" in words
    found = links(response)
    assert found[f"Book Gym session on {when}"] == f"/marketplace/sessions/{session.id}/book"
    assert found["Gym session"] == f"/marketplace/listings/{gym.id}"
    # Soonest first.
    results = words.split("Showing", 1)[1]
    assert results.index("Gym session") < results.index("Life coaching")


#: Each kind of signed-in person who cannot book, and words of what they are told.
NOT_BOOKERS = {
    "carer": (("carer", "approved"), "Card payments are coming"),
    "PA": (("pa", "approved"), "The budget holder you support can book"),
    "provider": (("provider", "approved"), "Provider accounts cannot book"),
    "applicant": (("budget_holder", "applied"), "waiting for the secretary to approve it"),
    "applicant not accepted": (("carer", "rejected"), "was not accepted"),
    "member who left": (("budget_holder", "left"), "You have left the co-op"),
}


def _book_links(response) -> list[str]:
    return [href for href in links(response).values() if href.endswith(("/book", "/waitlist"))]


@pytest.mark.parametrize("who", NOT_BOOKERS)
def test_people_who_cannot_book_are_told_why_and_offered_no_book_button(
    db, client, auth, make_member, make_listing, make_session, who
):
    (member_class, status), told = NOT_BOOKERS[who]
    gym = make_listing(title="Gym session", places=1)
    make_session(gym, starts_at=on_day(2, 10))
    make_session(gym, starts_at=on_day(3, 10), booked=1)  # full: no waiting list link either
    auth.login(make_member(member_class, status, email="someone@example.org").email)
    for response in (client.get("/marketplace/"), client.get(f"/marketplace/listings/{gym.id}")):
        assert response.status_code == 200
        words = text(response)
        assert "You cannot book sessions" in words and told in words
        assert _book_links(response) == []
        assert "Sign in to book" not in words
    assert "Showing 1 to 1 of 1 session" in text(client.get("/marketplace/"))


def test_signed_out_people_are_asked_to_sign_in_or_join_and_offered_no_book_button(
    db, client, make_listing, make_session
):
    gym = make_listing(title="Gym session")
    session = make_session(gym, starts_at=on_day(2, 10))
    for path in ("/marketplace/?q=gym", f"/marketplace/listings/{gym.id}"):
        response = client.get(path)
        words = text(response)
        assert "You need to be a member of the co-op, and signed in, to book." in words
        assert "Sign in if you are a member, or join the co-op." in words
        found = links(response)
        sign_in = urlsplit(found["Sign in to book"])
        assert (sign_in.path, parse_qs(sign_in.query)) == ("/login", {"next": [path]})
        assert found["Join the co-op"] == "/register"
        assert _book_links(response) == []
    # The listing still shows each session, its price and the places left.
    words = text(client.get(f"/marketplace/listings/{gym.id}"))
    assert f"{clock.format_start(session.starts_at)} £10.00 10" in words


def test_a_budget_holder_is_offered_book_buttons_and_no_explanation(
    db, client, auth, make_member, make_listing, make_session
):
    gym = make_listing(title="Gym session", places=1)
    free = make_session(gym, starts_at=on_day(2, 10))
    full = make_session(gym, starts_at=on_day(3, 10), booked=1)
    auth.login(make_member("budget_holder", email="asha@example.org").email)
    listing = client.get(f"/marketplace/listings/{gym.id}")
    assert _book_links(listing) == [
        f"/marketplace/sessions/{free.id}/book",
        f"/marketplace/sessions/{full.id}/book",
    ]
    assert "You cannot book" not in text(listing)
    search = client.get("/marketplace/")
    assert _book_links(search) == [f"/marketplace/sessions/{free.id}/book"]
    assert "You cannot book" not in text(search) and "Who can book" not in text(search)


def test_members_see_the_off_peak_price_that_applies_to_them(
    db, client, auth, make_member, make_listing, make_session
):
    gym = make_listing(title="Gym session", price_pence=1000, off_peak=True)
    make_session(gym, starts_at=next_weekday(2, 11))  # Wednesday 11:00: off-peak

    anonymous = text(client.get("/marketplace/"))
    assert "Price for you £10.00" in anonymous
    assert OFF_PEAK_LABEL not in anonymous

    member = make_member("budget_holder", email="asha@example.org")
    auth.login(member.email)
    words = text(client.get("/marketplace/"))
    assert f"Price for you £5.00 {OFF_PEAK_LABEL} (full price £10.00)" in words


def test_free_sessions_say_free(db, client, make_listing, make_session):
    make_session(make_listing(title="Peer support", price_pence=0), starts_at=on_day(2, 14))
    assert "Price for you Free" in text(client.get("/marketplace/"))


def test_the_form_starts_with_the_next_four_weeks(db, client):
    body = page(client.get("/marketplace/"))
    today, last = clock.london_today(), clock.london_today() + timedelta(weeks=4)
    for name, day in (("from_date", today), ("to_date", last)):
        assert f'id="{name}-day" name="{name}" type="text" value="{day:%d}"' in body
        assert f'id="{name}-year" name="{name}" type="text" value="{day:%Y}"' in body
    assert "No sessions match your search" in text(client.get("/marketplace/"))


def _dates(first: date, last: date) -> dict:
    return {
        "from_date": [str(first.day), str(first.month), str(first.year)],
        "to_date": [str(last.day), str(last.month), str(last.year)],
    }


def test_every_filter_narrows_the_results(db, client, make_listing, make_session):
    make_session(make_listing(title="Morning swim", step_free=True), starts_at=on_day(2, 9))
    make_session(
        make_listing(title="Evening swim", step_free=True, hearing_loop=True),
        starts_at=on_day(2, 19),
    )
    make_session(
        make_listing(title="Lunchtime talk", price_pence=0, category=Category.PEER_SUPPORT),
        starts_at=on_day(4, 12, 30),
    )
    make_session(
        make_listing(
            title="Taxi to town", category=Category.TRANSPORT, direct_payments_allowed=False
        ),
        starts_at=on_day(10, 12),
    )

    everything = ["Morning swim", "Evening swim", "Lunchtime talk", "Taxi to town"]

    def shown(**args) -> list[str]:
        words = text(client.get("/marketplace/", query_string=args))
        return [title for title in everything if title in words]

    assert shown() == everything
    assert shown(q="SWIM") == ["Morning swim", "Evening swim"]
    assert shown(category="peer_support") == ["Lunchtime talk"]
    assert shown(time_of_day="morning") == ["Morning swim"]
    assert shown(time_of_day="afternoon") == ["Lunchtime talk", "Taxi to town"]
    assert shown(time_of_day="evening") == ["Evening swim"]
    assert shown(max_price="0") == ["Lunchtime talk"]
    assert shown(max_price="£10") == everything
    assert shown(max_price="9.99") == ["Lunchtime talk"]
    assert shown(features=["step_free"]) == ["Morning swim", "Evening swim"]
    assert shown(features=["step_free", "hearing_loop"]) == ["Evening swim"]
    assert shown(direct_payments="y") == ["Morning swim", "Evening swim", "Lunchtime talk"]
    today = clock.london_today()
    assert shown(**_dates(today + timedelta(days=3), today + timedelta(days=10))) == [
        "Lunchtime talk",
        "Taxi to town",
    ]


def test_choices_are_kept_on_the_results_page(db, client):
    body = page(
        client.get(
            "/marketplace/",
            query_string={
                "q": "swim",
                "category": "gym_fitness",
                "time_of_day": "evening",
                "max_price": "7.50",
                "features": ["bsl"],
                "direct_payments": "y",
            },
        )
    )
    assert 'name="q" type="search" value="swim"' in body
    assert re.search(r'<option value="gym_fitness" selected', body)
    assert re.search(r'name="time_of_day" type="radio" value="evening" checked', body)
    assert 'value="7.50"' in body
    assert re.search(r'name="features" type="checkbox" value="bsl" checked', body)
    assert re.search(r'name="direct_payments" type="checkbox" value="y" checked', body)


@pytest.mark.parametrize(
    ("args", "target", "message"),
    [
        (
            {"from_date": ["10", "3", "2027"], "to_date": ["9", "3", "2027"]},
            "to_date",
            "The last date must be the same as or after the first date",
        ),
        (
            {"from_date": ["31", "2", "2027"], "to_date": ["9", "3", "2027"]},
            "from_date",
            "The first date must be a real date, like 27 3 2027",
        ),
        (
            {"from_date": ["1", "3", "2027"], "to_date": ["", "3", "2027"]},
            "to_date",
            "The last date must be a real date, like 27 3 2027",
        ),
        ({"max_price": "-5"}, "max_price", "The most you want to pay must be £0 or more"),
        (
            {"max_price": "ten pounds"},
            "max_price",
            "Enter the most you want to pay in pounds, like 10 or 7.50",
        ),
        (
            {"max_price": "1.234"},
            "max_price",
            "Enter the most you want to pay in pounds, like 10 or 7.50",
        ),
    ],
)
def test_mistakes_are_explained_and_what_was_typed_is_kept(
    db, client, make_listing, make_session, args, target, message
):
    make_session(make_listing(title="Gym session"), starts_at=on_day(2, 10))
    response = client.get("/marketplace/", query_string={"q": "gym", **args})
    assert response.status_code == 200
    body = page(response)
    assert error_summary(body) == [(target, message)]
    assert "<title>Error: Find services to book" in body
    assert 'value="gym"' in body
    for name, value in args.items():
        for box in value if isinstance(value, list) else [value]:
            if box:
                assert re.search(rf'name="{name}" type="text"[^>]* value="{re.escape(box)}"', body)
    # Nothing is searched until the mistake is put right.
    assert "Gym session" not in text(response)
    assert "Correct the search to see sessions" in text(response)


def test_searches_reach_up_to_a_year_ahead(db, client):
    latest = clock.london_today() + timedelta(days=366)
    too_far = latest + timedelta(days=1)
    for args, target, which in (
        (_dates(clock.london_today(), too_far), "to_date", "last"),
        ({"from_date": ["31", "12", "9999"]}, "from_date", "first"),
    ):
        response = client.get("/marketplace/", query_string=args)
        assert response.status_code == 200
        assert error_summary(page(response)) == [
            (
                target,
                f"Enter a {which} date no later than {latest.day} {latest:%B %Y}. "
                "You can search up to a year ahead",
            )
        ]
    # A year ahead is allowed.
    words = text(client.get("/marketplace/", query_string=_dates(clock.london_today(), latest)))
    assert "There is a problem" not in words
    assert f"and {latest.day} {latest:%B %Y} have places left" in words


def test_no_sessions_match_says_what_to_try(db, client, make_listing, make_session):
    make_session(make_listing(title="Gym session"), starts_at=on_day(2, 10))
    words = text(client.get("/marketplace/", query_string={"q": "pottery"}))
    assert "No sessions match your search" in words
    assert "use fewer or different words" in words
    assert "Showing" not in words


def test_results_are_paged_and_the_search_is_kept(
    db, client, auth, make_member, make_listing, make_session
):
    auth.login(make_member("budget_holder", email="asha@example.org").email)
    listing = make_listing(title="Pottery class", places=4)
    starts = [on_day(1 + n // 3, 10 + n % 3) for n in range(25)]
    for starts_at in starts:
        make_session(listing, starts_at=starts_at)

    first = client.get("/marketplace/", query_string={"q": "pottery", "time_of_day": ""})
    words = text(first)
    assert "Showing 1 to 20 of 25 sessions" in words
    assert words.count("Book Pottery class on") == 20
    assert clock.format_start(starts[19]) in words and clock.format_start(starts[20]) not in words
    assert "<title>Find services to book (page 1 of 2)" in page(first)
    next_href = links(first)["Next page"]
    query = parse_qs(urlsplit(next_href).query, keep_blank_values=True)
    assert query["q"] == ["pottery"] and query["page"] == ["2"]

    second = client.get(next_href)
    words = text(second)
    assert "Showing 21 to 25 of 25 sessions" in words
    assert clock.format_start(starts[20]) in words and clock.format_start(starts[19]) not in words
    assert links(second)["Previous page"].endswith("page=1")
    assert "<title>Find services to book (page 2 of 2)" in page(second)


def test_ratings_show_on_results(db, client, make_member, make_listing, make_session):
    listing = make_listing(title="Gym session")
    past = make_session(listing, starts_at=clock.now() - timedelta(days=3))
    make_session(listing, starts_at=on_day(2, 10))
    add_review(db, past, make_member(), 5)
    add_review(db, past, make_member(), 4)
    assert "Reviews 4.5 out of 5 from 2 reviews" in text(client.get("/marketplace/"))


def _statements(app, client, url) -> tuple[int, str]:
    """How many SQL statements one GET of the page runs, from a fresh start (no cached
    objects, no signed-in member remembered), and the page's words."""
    _db.session.close()  # end the test's own transaction: SQLite allows one writer at a time
    seen = []

    def count(*_args):
        seen.append(1)

    with app.app_context():
        engine = _db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, page(response)
    return len(seen), text(response)


def test_the_number_of_queries_does_not_grow_with_the_results(
    app, db, client, auth, make_member, make_provider, make_listing, make_session
):
    member = make_member("budget_holder", email="asha@example.org")
    for n in range(3):
        listing = make_listing(make_provider(), title=f"Alpha class {n}", off_peak=True)
        make_session(listing, starts_at=on_day(2, 9 + n))
    for n in range(12):
        listing = make_listing(make_provider(), title=f"Beta class {n}", off_peak=n % 2 == 0)
        for k in range(5):
            make_session(listing, starts_at=on_day(1 + k, 8 + n))
        if n % 3 == 0:
            past = make_session(listing, starts_at=clock.now() - timedelta(days=2 + n))
            add_review(db, past, make_member(), 3 + n % 3)
    auth.login(member.email)

    counts = {}
    for name, url in {
        "3 results": "/marketplace/?q=alpha",
        "60 results": "/marketplace/?q=beta",
        "60 results, page 2": "/marketplace/?q=beta&page=2",
        "3 results under £10": "/marketplace/?q=alpha&max_price=10&time_of_day=morning",
        "60 results under £10": "/marketplace/?q=beta&max_price=10&time_of_day=",
    }.items():
        counts[name], words = _statements(app, client, url)
        expected = "of 3 sessions" if "3 results" in name else "of 60 sessions"
        assert expected in words, name
    assert counts["3 results"] == counts["60 results"] == counts["60 results, page 2"]
    assert counts["3 results under £10"] == counts["60 results under £10"]


# --- Navigation --------------------------------------------------------------------------


def test_marketplace_in_the_menu_leads_to_the_search(db, client, make_listing, make_session):
    listing = make_listing(title="Gym session")
    home = client.get("/")
    assert links(home)["Marketplace"] == "/marketplace/"
    assert links(home)["Find and book local support and activities"] == "/marketplace/"
    assert client.get("/marketplace").headers["Location"].endswith("/marketplace/")
    for url in ("/marketplace/", f"/marketplace/listings/{listing.id}"):
        body = page(client.get(url))
        assert re.search(r'href="/marketplace/"\s+aria-current="(page|true)"', body), url


# --- The listing page --------------------------------------------------------------------


@pytest.fixture
def gym(make_provider, make_listing):
    provider = make_provider(
        name="Derby Community Gym",
        description="A gym run by and for the community.",
        phone="01332 123456",
        email="hello@derbygym.example",
        website="https://derbygym.example",
        premises_accessibility="Level access from the car park. Lift to all floors.",
        insurance_expires_on=date(2030, 3, 31),
        dbs_checked_on=date(2026, 5, 1),
    )
    listing = make_listing(
        provider,
        title="Off-peak gym",
        description="Use the gym and pool.\n\nStaff can show you the machines.",
        price_pence=1000,
        places=2,
        duration_minutes=90,
        off_peak=True,
        schedule=((0, time(10, 0)), (2, time(10, 0)), (2, time(18, 0))),
        step_free=True,
        accessible_toilet=True,
    )
    listing.closures.append(
        Closure(first_day=date(2030, 12, 25), last_day=date(2030, 12, 25), reason="Christmas Day")
    )
    _db.session.commit()
    return listing


def test_listing_page_tells_people_what_they_need_to_decide(
    db, client, auth, make_member, gym, make_session
):
    off_peak = make_session(gym, starts_at=next_weekday(2, 10))
    evening = make_session(gym, starts_at=next_weekday(2, 18), booked=2)
    member = make_member("budget_holder", email="asha@example.org")
    auth.login(member.email)

    response = client.get(f"/marketplace/listings/{gym.id}")
    assert response.status_code == 200
    words = text(response)
    assert "<title>Off-peak gym from Derby Community Gym" in page(response)
    for expected in (
        "Derby Community Gym Off-peak gym",
        "Use the gym and pool. Staff can show you the machines.",
        "Type of service Gym and fitness",
        "Where 1 Market Place, Derby DE1 3AA",
        "When Mondays at 10:00; Wednesdays at 10:00 and 18:00",
        "Each session lasts 1 hour 30 minutes",
        "Closures Closed on 25 December 2030 (Christmas Day)",
        "Full price £10.00 a place",
        f"Discounts {OFF_PEAK_LABEL}",
        "Direct payments You can spend direct payments on this",
        "Accessibility Step-free access Accessible toilet",
        "Cancel at least 24 hours before the start for a full refund. "
        "If you cancel later you will not get a refund.",
        "A gym run by and for the community.",
        "Phone: 01332 123456",
        "Level access from the car park. Lift to all floors.",
        "Public liability insurance valid until 31 March 2030",
        "DBS checks for staff: 1 May 2026",
        "No reviews yet.",
    ):
        assert expected in words, expected
    when_off_peak = clock.format_start(off_peak.starts_at)
    when_evening = clock.format_start(evening.starts_at)
    assert f"{when_off_peak} £5.00 {OFF_PEAK_LABEL} (full price £10.00) 2" in words
    assert f"{when_evening} £10.00 0 Full – join the waiting list" in words
    found = links(response)
    assert found[f"Book Off-peak gym on {when_off_peak}"] == (
        f"/marketplace/sessions/{off_peak.id}/book"
    )
    assert found[f"Full – join the waiting list for {when_evening}"] == (
        f"/marketplace/sessions/{evening.id}/book"
    )
    assert found["https://derbygym.example"] == "https://derbygym.example"
    assert found["hello@derbygym.example"] == "mailto:hello@derbygym.example"


def test_listing_page_for_someone_who_is_not_a_member(db, client, gym, make_session):
    session = make_session(gym, starts_at=next_weekday(2, 10))
    words = text(client.get(f"/marketplace/listings/{gym.id}"))
    assert f"{clock.format_start(session.starts_at)} £10.00 2" in words


def test_listing_page_shows_when_there_is_no_dbs_check_and_odd_websites_are_not_links(
    db, client, make_provider, make_listing
):
    provider = make_provider(dbs_checked_on=None, website="javascript:alert(1)")
    listing = make_listing(provider, title="Peer group", price_pence=0, notice_hours=0)
    response = client.get(f"/marketplace/listings/{listing.id}")
    words = text(response)
    assert "No DBS check recorded" in words
    assert "Full price Free" in words
    assert "You can cancel at any time before the start for a full refund." in words
    assert "There are no sessions in the next 4 weeks." in words
    assert "javascript:" not in " ".join(links(response).values())


def test_reviews_show_the_average_and_the_providers_replies(
    db, client, make_member, gym, make_session
):
    past = make_session(gym, starts_at=clock.now() - timedelta(days=10))
    add_review(db, past, make_member(), 5, "Friendly staff.", days_ago=3)
    add_review(
        db, past, make_member(), 4, "Busy at 11.", reply="We have added a class at 12.", days_ago=2
    )
    words = text(client.get(f"/marketplace/listings/{gym.id}"))
    assert "4.5 out of 5 from 2 reviews" in words
    newest = words.index("Rated 4 out of 5")
    assert newest < words.index("Rated 5 out of 5")
    assert "Busy at 11. Reply from Derby Community Gym" in words
    assert "We have added a class at 12." in words
    assert "Friendly staff." in words
    two_days_ago = (clock.now() - timedelta(days=2)).astimezone(clock.LONDON)
    assert f"{two_days_ago.day} {two_days_ago:%B %Y}" in words


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_a_listing_that_is_not_public_is_not_found(
    db, client, auth, make_member, make_listing, status
):
    listing = make_listing(status=status)
    assert client.get(f"/marketplace/listings/{listing.id}").status_code == 404
    auth.login(make_member("budget_holder", email="asha@example.org").email)
    assert client.get(f"/marketplace/listings/{listing.id}").status_code == 404
    assert client.get("/marketplace/listings/999999").status_code == 404


def test_a_listing_of_a_provider_whose_insurance_ran_out_is_not_found(
    db, client, make_provider, make_listing
):
    provider = make_provider(insurance_expires_on=clock.london_today() - timedelta(days=1))
    listing = make_listing(provider)
    assert client.get(f"/marketplace/listings/{listing.id}").status_code == 404


@pytest.mark.parametrize("who", ["staff", "secretary"])
def test_staff_and_the_secretary_can_preview_a_listing_that_is_not_public(
    db, client, auth, make_member, make_provider, make_listing, make_session, who
):
    staff = make_member("provider", email="pat@example.org")
    listing = make_listing(make_provider(staff=staff), title="Draft class", status="draft")
    session = make_session(listing, starts_at=on_day(3, 10))
    viewer = staff if who == "staff" else make_member(secretary=True, email="sec@example.org")
    auth.login(viewer.email)
    response = client.get(f"/marketplace/listings/{listing.id}")
    assert response.status_code == 200
    words = text(response)
    assert "This listing is not public. It is a draft and has not been published." in words
    assert f"{clock.format_start(session.starts_at)} £10.00 10 Not open for booking" in words
    assert not any(href.endswith("/book") for href in links(response).values())
    # The draft is still not among the search results.
    assert "Draft class" not in text(client.get("/marketplace/"))
