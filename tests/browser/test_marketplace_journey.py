"""Finding, booking and cancelling a session in a real browser, by keyboard alone, with
axe-core checking every page."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from coop import clock
from coop.extensions import db as _db
from coop.marketplace.models import (
    Booking,
    BookingStatus,
    Category,
    Concession,
    Listing,
    ListingStatus,
    Provider,
    ProviderKind,
    ProviderStaff,
    ProviderStatus,
    ScheduleTime,
    Session,
)
from coop.marketplace.schedule import wall_clock_to_utc
from coop.members.demo import DEMO_PASSWORD
from coop.members.models import Member
from coop.payments import ledger
from coop.payments.models import FundingKind
from tests.browser.journeys import (
    PASSWORD,
    choose_option,
    expect,
    main_menu_link,
    sign_in,
    summary_value,
)

HOLDER_EMAIL = "asha@example.org"
GYM = "Riverside Community Gym"
BUDGET_PENCE = 50_00
#: A booking reference as shown to a budget holder, e.g. BK-7KQ2M9XD.
BOOKING_REFERENCE = re.compile(r"^BK-[A-HJ-NP-Z2-9]{8}$")


@dataclass(frozen=True)
class MadeGym:
    off_peak_session_id: int
    off_peak_starts_at: datetime


def weekday_ahead(days: int) -> date:
    """The first Monday-to-Friday date at least `days` days from today, London time."""
    day = clock.london_today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def put_gym(app, staff, *, day: date) -> MadeGym:
    """The community gym, live, with £8.00 sessions that are half price for members on
    weekdays 10:00 to 15:00; on `day` it has an off-peak 11:00 and a full-price 18:00
    session. A coaching listing runs at 11:00 that day too, so the search has to sort."""
    with app.app_context():
        now = datetime.now(UTC)
        provider = Provider(
            name=GYM,
            kind=ProviderKind.COMMUNITY_VENUE,
            description="A not-for-profit gym by the river.",
            email="gym@example.org",
            phone="01332 000101",
            address_line_1="Riverside Works, Bridge Gate",
            town="Derby",
            postcode="DE1 3AX",
            insurance_expires_on=clock.london_today() + timedelta(days=365),
            dbs_checked_on=clock.london_today() - timedelta(days=30),
            status=ProviderStatus.APPROVED,
            applied_at=now - timedelta(days=10),
            approved_at=now - timedelta(days=9),
            first_listing_approved_at=now - timedelta(days=8),
        )
        provider.staff.append(ProviderStaff(member=_db.session.get(Member, staff.id), added_at=now))
        gym = Listing(
            provider=provider,
            title="Gym session",
            description="An hour on the gym floor, with staff on hand to help.",
            category=Category.GYM_FITNESS,
            price_pence=800,
            duration_minutes=60,
            places_per_session=12,
            venue_address="Riverside Works, Bridge Gate, Derby DE1 3AX",
            step_free=True,
            accessible_toilet=True,
            cancellation_notice_hours=24,
            status=ListingStatus.PUBLISHED,
            created_at=now,
            schedule_times=[
                ScheduleTime(weekday=day.weekday(), starts_at=time(11, 0)),
                ScheduleTime(weekday=day.weekday(), starts_at=time(18, 0)),
            ],
            concessions=[
                Concession(
                    days="01234",
                    window_start=time(10, 0),
                    window_end=time(15, 0),
                    percent_off=50,
                    members_only=True,
                )
            ],
        )
        coaching = Listing(
            provider=provider,
            title="Life coaching",
            description="One-to-one coaching.",
            category=Category.LIFE_COACHING,
            price_pence=3500,
            duration_minutes=60,
            places_per_session=1,
            venue_address="Riverside Works, Bridge Gate, Derby DE1 3AX",
            status=ListingStatus.PUBLISHED,
            created_at=now,
            schedule_times=[ScheduleTime(weekday=day.weekday(), starts_at=time(11, 0))],
        )
        sessions = {}
        for listing, at in ((gym, time(11, 0)), (gym, time(18, 0)), (coaching, time(11, 0))):
            starts_at = wall_clock_to_utc(day, at)
            sessions[listing.title, at] = Session(
                listing=listing,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=listing.duration_minutes),
                places=listing.places_per_session,
            )
        _db.session.add(provider)
        _db.session.add_all(sessions.values())
        _db.session.commit()
        off_peak = sessions["Gym session", time(11, 0)]
        made = MadeGym(off_peak.id, off_peak.starts_at)
        _db.session.remove()
    return made


def pay_into_budget(app, holder, secretary, pence: int) -> None:
    """The secretary records a direct payment arriving in the holder's budget."""
    with app.app_context():
        ledger.record_funding(
            _db.session.get(Member, holder.id),
            pence,
            FundingKind.DIRECT_PAYMENT,
            clock.london_today(),
            "DP-DERBY-0412",
            by=_db.session.get(Member, secretary.id),
        )
        _db.session.commit()
        _db.session.remove()


def table_captioned(page, caption: str):
    return page.get_by_role("table").filter(
        has=page.locator("caption", has_text=re.compile(rf"^\s*{caption}\s*$"))
    )


# --- Journeys ----------------------------------------------------------------------------


def test_a_budget_holder_books_an_off_peak_gym_session_and_cancels_it_by_keyboard(
    keyboard_user, app, make_member
):
    user, page = keyboard_user, keyboard_user.page
    secretary = make_member(secretary=True, name="Sam Secretary")
    holder = make_member("budget_holder", name="Asha Patel", email=HOLDER_EMAIL, password=PASSWORD)
    staff = make_member("provider", name="Harry Dixon", organisation_name=GYM)
    gym = put_gym(app, staff, day=weekday_ahead(3))
    pay_into_budget(app, holder, secretary, BUDGET_PENCE)
    when = clock.format_start(gym.off_peak_starts_at)

    user.open("/")
    sign_in(user, HOLDER_EMAIL)

    # From the main menu to the marketplace, where they look for a gym session in a morning.
    user.activate(main_menu_link(page, "Marketplace"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find services to book")
    choose_option(user, page.get_by_label("Type of service", exact=True), "Gym and fitness")
    user.choose(page.get_by_role("radio", name="Morning (before 12 noon)", exact=True))
    user.activate(page.get_by_role("button", name="Search", exact=True))

    # Only the off-peak gym session is found, at half price for a member.
    expect(page.get_by_label("Type of service", exact=True)).to_have_value("gym_fitness")
    results = page.locator("main ul.govuk-list > li")
    expect(results).to_have_count(1)
    expect(page.locator("main")).to_contain_text("Showing 1 to 1 of 1 session")
    result = results.first
    expect(result.get_by_role("heading", level=3)).to_have_text("Gym session")
    expect(summary_value(result, "When")).to_have_text(when)
    price = summary_value(result, "Price for you")
    expect(price.locator("strong")).to_have_text("£4.00")
    expect(price).to_contain_text(
        "Half price off-peak for co-op members, weekdays 10:00 to 15:00 (full price £8.00)"
    )

    # The booking page gives the price again, the budget and the cancellation policy.
    user.activate(result.get_by_role("button", name=f"Book Gym session on {when}", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Book Gym session")
    # The day of the week is there, as in the results.
    expect(summary_value(page, "When")).to_contain_text(f"{when} to ")
    expect(summary_value(page, "Price")).to_contain_text("£4.00 a place")
    expect(summary_value(page, "Price")).to_contain_text("Half price off-peak")
    expect(summary_value(page, "Your budget")).to_have_text("£50.00")
    expect(page.get_by_role("heading", name="If you need to cancel", level=2)).to_be_visible()
    expect(page.locator(".govuk-inset-text")).to_contain_text(
        "Cancel at least 24 hours before the start for a full refund."
    )
    expect(page.get_by_label("How many places?", exact=True)).to_have_value("1")
    user.activate(page.get_by_role("button", name="Book and pay from my budget", exact=True))

    # Booked and paid: the confirmation gives the reference and what is left in the budget.
    expect(page.locator(".govuk-panel__title")).to_have_text("Booking confirmed")
    expect(page.locator(".govuk-panel__body")).to_contain_text("Your reference is")
    reference = page.locator(".govuk-panel__body strong").inner_text().strip()
    assert BOOKING_REFERENCE.match(reference), reference
    expect(summary_value(page, "Paid")).to_contain_text("£4.00 from your budget")
    expect(summary_value(page, "Your budget now")).to_have_text("£46.00")
    expect(summary_value(page, "When")).to_have_text(when)

    # My bookings lists it under Coming up; they open it from there.
    user.activate(page.get_by_role("link", name="See all my bookings", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
    expect(page.locator("main")).to_contain_text("Your budget holds £46.00.")
    coming = table_captioned(page, "Coming up")
    row = coming.get_by_role("row").filter(has_text=reference)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(2)).to_have_text("Booked")
    expect(row.get_by_role("cell").nth(3)).to_have_text("£4.00")
    user.activate(row.get_by_role("link", name=re.compile(r"^Gym session on ")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking: Gym session")
    expect(summary_value(page, "Reference")).to_have_text(reference)

    # They cancel it, more than a day ahead, so all the money goes back to the budget.
    user.activate(page.get_by_role("button", name="Cancel this booking", exact=True))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Are you sure you want to cancel Gym session"
    )
    expect(page.locator("main")).to_contain_text("You will get £4.00 back in your budget.")
    user.activate(page.get_by_role("button", name="Yes, cancel this booking", exact=True))
    expect(page.locator(".govuk-panel__title")).to_have_text("Booking cancelled")
    expect(page.locator(".govuk-panel__body")).to_have_text(
        "£4.00 has been returned to your budget"
    )
    expect(summary_value(page, "Status")).to_have_text("Cancelled")
    expect(summary_value(page, "Refunded")).to_have_text("£4.00")
    expect(summary_value(page, "Your budget now")).to_have_text("£50.00")
    expect(page.get_by_role("button", name="Cancel this booking")).to_have_count(0)

    # My bookings now has it under Past and cancelled, and nothing coming up.
    user.activate(page.get_by_role("link", name="See all my bookings", exact=True))
    expect(table_captioned(page, "Coming up")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("You have nothing booked.")
    past = table_captioned(page, "Past and cancelled").get_by_role("row").filter(has_text=reference)
    expect(past.get_by_role("cell").nth(2)).to_have_text("Cancelled, £4.00 refunded")

    with app.app_context():
        booking = _db.session.scalars(select(Booking).where(Booking.reference == reference)).one()
        assert booking.status is BookingStatus.CANCELLED
        assert (booking.total_pence, booking.refund_pence) == (400, 400)
        assert _db.session.get(Session, gym.off_peak_session_id).booked == 0
        assert ledger.budget_balance(_db.session.get(Member, holder.id)) == BUDGET_PENCE
        assert ledger.all_transactions_balance()


#: Tab presses from the skip link's target (the main content) to the first Book button on a
#: phone: the "Filter results" link, the first result's title (a link to its listing), then
#: its Book button. Anything more means something was put in front of the results again.
TABS_TO_FIRST_BOOK_BUTTON = 3


def test_on_a_phone_the_results_come_first_and_the_filters_are_one_tap_away(
    keyboard_user, app, make_member
):
    user, page = keyboard_user, keyboard_user.page
    make_member("budget_holder", name="Asha Patel", email=HOLDER_EMAIL, password=PASSWORD)
    staff = make_member("provider", name="Harry Dixon", organisation_name=GYM)
    gym = put_gym(app, staff, day=weekday_ahead(3))
    user.open("/")
    sign_in(user, HOLDER_EMAIL)
    page.set_viewport_size({"width": 320, "height": 640})
    user.open("/marketplace/")

    # The first result is above the filters, and its Book button is on the first screen.
    first = page.locator("main ul.govuk-list > li").first
    book = first.get_by_role("button", name=re.compile(r"^Book "))
    filters = page.get_by_role("heading", name="Search", level=2)
    assert first.bounding_box()["y"] < filters.bounding_box()["y"]
    assert book.bounding_box()["y"] < 640 * 2, "the first Book button is far down the page"

    # By keyboard: skip to the content, then a few Tabs reach the first Book button.
    user.first_tab_reaches_skip_link()
    presses = 0
    while not book.evaluate("element => element === document.activeElement"):
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= TABS_TO_FIRST_BOOK_BUTTON, page.evaluate(
            "document.activeElement.outerHTML"
        )
    expect(book).to_have_accessible_name(
        f"Book Gym session on {clock.format_start(gym.off_peak_starts_at)}"
    )

    # The filters are one link away: following it, the next Tab is in the search form.
    page.reload()
    user.check_accessibility()
    user.first_tab_reaches_skip_link()
    page.keyboard.press("Tab")
    link = page.get_by_role("link", name="Filter results", exact=True)
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("What are you looking for?", exact=True)).to_be_focused()


def test_the_demo_budget_holder_finds_past_bookings_reviews_and_ratings_by_keyboard(
    keyboard_user, runner
):
    user, page = keyboard_user, keyboard_user.page
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output

    user.open("/")
    sign_in(user, "asha@demo.coop", DEMO_PASSWORD)

    # Her budget: £250 paid in, £4.00 spent at the gym, £35.00 on coaching coming up,
    # £4.00 on the gym that Dev booked for her (he is in her circle of support), £50.00 paid
    # into the pooled fund and her £4.00 share of the gym booked with Ben and Chloe.
    user.activate(page.get_by_role("link", name="See your budget and its statement"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your budget")
    expect(page.locator("main")).to_contain_text("Your budget holds £153.00 now.")
    user.activate(page.get_by_role("link", name="Your bookings", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
    coming = table_captioned(page, "Coming up").get_by_role("row")
    expect(coming.filter(has_text="Life coaching")).to_have_count(1)
    past = table_captioned(page, "Past and cancelled").get_by_role("row")
    expect(past.filter(has_text="Peer support drop-in").get_by_role("cell").nth(3)).to_have_text(
        "Free"
    )

    # The gym session she went to, with her review and the gym's reply.
    gym_row = past.filter(has_text="Gym session")
    expect(gym_row.get_by_role("cell").nth(2)).to_have_text("Attended")
    user.activate(gym_row.get_by_role("link", name=re.compile(r"^Gym session on ")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking: Gym session")
    expect(summary_value(page, "Attendance")).to_have_text("You were there")
    expect(page.get_by_role("heading", name="Your review", level=2)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Reply from Riverside Community Gym")

    # The gym's listing shows its rating and the reply to everyone.
    user.activate(main_menu_link(page, "Marketplace"))
    user.type_into(page.get_by_label("What are you looking for?", exact=True), "gym")
    user.activate(page.get_by_role("button", name="Search", exact=True))
    user.activate(page.get_by_role("link", name="Gym session", exact=True).first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Gym session")
    expect(summary_value(page, "Discounts")).to_have_text(
        "Half price off-peak for co-op members, weekdays 10:00 to 15:00"
    )
    expect(summary_value(page, "Closures")).to_contain_text("(Christmas Day)")
    expect(page.locator("main")).to_contain_text("Rated 5 out of 5")
    expect(page.locator("main")).to_contain_text("Reply from Riverside Community Gym")


def test_a_carer_is_told_why_they_cannot_book_and_is_offered_no_book_button_by_keyboard(
    keyboard_user, app, make_member
):
    user, page = keyboard_user, keyboard_user.page
    make_member("carer", name="Dev Carer", email="dev@example.org", password=PASSWORD)
    staff = make_member("provider", name="Harry Dixon", organisation_name=GYM)
    gym = put_gym(app, staff, day=weekday_ahead(3))

    user.open("/")
    sign_in(user, "dev@example.org")
    user.activate(main_menu_link(page, "Marketplace"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find services to book")
    notice = page.locator(".coop-cannot-book")
    expect(notice).to_contain_text("Booking is for budget holders paying from their own")
    expect(notice).to_contain_text("The budget holder you support can book")
    expect(page.locator("main ul.govuk-list > li")).to_have_count(3)
    expect(page.get_by_role("button", name=re.compile(r"^Book"))).to_have_count(0)

    # The listing shows its sessions and prices, and says why again, with nothing to book.
    user.activate(page.get_by_role("link", name="Gym session", exact=True).first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Gym session")
    expect(page.locator(".coop-cannot-book")).to_contain_text("Card payments are coming")
    expect(page.get_by_role("table")).to_contain_text(clock.format_start(gym.off_peak_starts_at))
    expect(page.get_by_role("link", name=re.compile(r"^(Book|Full)"))).to_have_count(0)

    # An old link to a booking page explains too, rather than a bare refusal.
    user.open(f"/marketplace/sessions/{gym.off_peak_session_id}/book")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot book Gym session")
    expect(page.locator(".coop-cannot-book")).to_contain_text("Card payments are coming")
    expect(page.get_by_role("button", name=re.compile(r"^Book"))).to_have_count(0)
