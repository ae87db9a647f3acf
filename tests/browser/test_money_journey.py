"""The co-op's money in a real browser, by keyboard alone, with axe-core on every page: the
secretary opens the surplus ballot from the accounts, a budget holder downloads their
quarterly return, and a provider downloads its payout statement."""

import csv
import io
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from coop.extensions import db as _db
from coop.marketplace import bookings
from coop.marketplace.models import (
    Category,
    Listing,
    ListingStatus,
    Provider,
    ProviderKind,
    ProviderStaff,
    ProviderStatus,
    ScheduleTime,
    Session,
)
from coop.members.models import Member
from coop.payments import accounts, ledger, payouts
from coop.payments.models import CostCategory, FundingKind
from tests.browser.journeys import PASSWORD, expect, main_menu_link, sign_in
from tests.payments.test_returns import pdf_text

#: The journeys happen on 10 May 2026: the last closed year is April 2025 to March 2026 and
#: the last whole quarter January to March 2026.
TODAY = datetime(2026, 5, 10, 11, tzinfo=UTC)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def world(app, make_member, monkeypatch):
    """Bea's £200 direct payment and a £50 gym booking (£4 commission, £46 to the gym), a
    £1.50 cost, and the gym's payout of £46; then the clock stands at 10 May 2026."""
    moment = {"now": utc(2026, 1, 5, 9)}
    monkeypatch.setattr("coop.clock.now", lambda: moment["now"])
    secretary = make_member(secretary=True, name="Sam Secretary", email="sam@example.org",
                            password=PASSWORD)  # fmt: skip
    bea = make_member("budget_holder", name="Bea Budget", email="bea@example.org",
                      password=PASSWORD)  # fmt: skip
    gita = make_member("provider", name="Gita Gym", email="gita@example.org", password=PASSWORD)
    with app.app_context():
        by, holder = _db.session.get(Member, secretary.id), _db.session.get(Member, bea.id)
        ledger.record_funding(holder, 20_000, FundingKind.DIRECT_PAYMENT, date(2026, 1, 5),
                              "DP-JAN", by=by)  # fmt: skip
        gym = Provider(name="Riverside Gym", kind=ProviderKind.MICRO_ENTERPRISE,
                       description="A gym.", email="gym@example.org", phone="01332 000000",
                       address_line_1="1 Market Place", town="Derby", postcode="DE1 3AA",
                       insurance_expires_on=date(2027, 1, 1), dbs_checked_on=None,
                       status=ProviderStatus.APPROVED, applied_at=moment["now"],
                       approved_at=moment["now"])  # fmt: skip
        _db.session.add(gym)
        _db.session.flush()
        _db.session.add(ProviderStaff(provider=gym, member_id=gita.id, added_at=moment["now"]))
        listing = Listing(provider=gym, title="Swim session", description="Swimming.",
                          category=Category.GYM_FITNESS, price_pence=5_000,
                          duration_minutes=60, places_per_session=10,
                          venue_address="1 Market Place, Derby", cancellation_notice_hours=24,
                          status=ListingStatus.PUBLISHED, created_at=moment["now"])  # fmt: skip
        listing.schedule_times.append(ScheduleTime(weekday=1, starts_at=time(10)))
        session = Session(listing=listing, starts_at=utc(2026, 2, 10, 10),
                          ends_at=utc(2026, 2, 10, 11), places=10)  # fmt: skip
        _db.session.add_all([listing, session])
        _db.session.commit()
        moment["now"] = utc(2026, 1, 20, 12)
        booking = bookings.book(holder, session)
        moment["now"] = utc(2026, 3, 1, 12)
        accounts.record_cost(date(2026, 3, 1), 150, CostCategory.INSURANCE, "Public liability",
                             "INS-1", by=by)  # fmt: skip
        payouts.run_payout(gym.id, date(2026, 2, 28), date(2026, 3, 1), "RG-FEB", by=by)
        _db.session.commit()
        made = {"gym": gym.id, "booking": booking.reference}
        _db.session.remove()
    moment["now"] = TODAY
    return {"secretary": secretary, "bea": bea, "gita": gita, **made}


def download(user, link) -> bytes:
    """Tab to a download link, press Enter, and read what the browser saved."""
    user.tab_to(link)
    with user.page.expect_download() as saving:
        user.page.keyboard.press("Enter")
    return Path(saving.value.path()).read_bytes()


def test_the_secretary_opens_the_years_surplus_ballot_from_the_accounts(keyboard_user, world):
    user, page = keyboard_user, keyboard_user.page
    user.open("/")
    sign_in(user, "sam@example.org")
    user.activate(main_menu_link(page, "Voting"))
    user.activate(page.get_by_role("link", name="Open a surplus ballot"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a surplus ballot")
    figures = page.get_by_role("table")
    for row in ("Commission income £4.00", "Less the co-op's costs £1.50", "Surplus £2.50"):
        expect(figures.get_by_role("row", name=row)).to_be_visible()
    expect(page.get_by_label("Financial year")).to_have_value("2025 to 2026")
    expect(page.get_by_label("Amount to share")).to_have_value("2.50")
    for legend, day in (("Proposals close on", "20"), ("Voting opens on", "22"),
                        ("Voting closes on", "29")):  # fmt: skip
        group = page.get_by_role("group", name=legend)
        user.type_into(group.get_by_label("Day"), day)
        user.type_into(group.get_by_label("Month"), "5")
        user.type_into(group.get_by_label("Year"), "2026")
    user.type_into(page.get_by_label("Opening time"), "09:00")
    user.type_into(page.get_by_label("Closing time"), "17:00")
    user.activate(page.get_by_role("button", name="Open the ballot for proposals"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Reinvesting the surplus, 2025 to 2026"
    )
    expect(page.locator("main")).to_contain_text(
        "commission income of £4.00 less the co-op's costs of £1.50 left a surplus of £2.50"
    )


def test_a_budget_holder_downloads_their_quarterly_return(keyboard_user, world):
    user, page = keyboard_user, keyboard_user.page
    user.open("/")
    sign_in(user, "bea@example.org")
    user.activate(page.get_by_role("link", name="See your budget and its statement"))
    user.activate(page.get_by_role("link", name="Your quarterly return for the council"))
    expect(page.locator("main").get_by_role("heading", level=2).first).to_have_text(
        "1 January 2026 to 31 March 2026"
    )
    spreadsheet = download(user, page.get_by_role("link", name="(CSV spreadsheet)"))
    rows = list(csv.reader(io.StringIO(spreadsheet.decode())))
    assert ["Closing balance", "2026-03-31", "", "", "", "", "", "150.00"] in rows
    assert any(row[:1] == ["Paid"] and world["booking"] in row for row in rows)
    words = pdf_text(download(user, page.get_by_role("link", name="(PDF)")))
    assert "Bea Budget" in words and "£150.00" in words and world["booking"] in words
    assert "Riverside Gym" in words


def test_a_provider_downloads_its_payout_statement(keyboard_user, world):
    user, page = keyboard_user, keyboard_user.page
    user.open("/")
    sign_in(user, "gita@example.org")
    user.open("/marketplace/provider")
    user.activate(page.get_by_role("link", name="Payouts", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Payouts")
    user.activate(page.get_by_role("link", name="1 March 2026"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Payout of £46.00 on 1 March 2026")
    rows = list(csv.reader(io.StringIO(download(
        user, page.get_by_role("link", name="(CSV spreadsheet)")).decode())))  # fmt: skip
    assert rows[-1] == ["Total paid", "", "", "", "", "46.00"]
    assert any(world["booking"] in row for row in rows)
    words = pdf_text(download(user, page.get_by_role("link", name="(PDF)")))
    assert "Riverside Gym" in words and "RG-FEB" in words and "£46.00" in words


#: The elements that stick out past 320 pixels, to say what to fix.
WIDEST = """[...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > 321
    && ![...e.children].some(c => c.getBoundingClientRect().right > 321))
  .slice(0, 3).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))"""


def test_the_money_pages_reflow_at_320_pixels(browser, live_server, world):
    """WCAG 1.4.10: each money page fits 320 CSS pixels without scrolling sideways."""
    context = browser.new_context(viewport={"width": 320, "height": 800}, locale="en-GB")
    page = context.new_page()
    try:
        wide = {}
        for email_address, paths in (
            ("bea@example.org", ["/payments/returns", "/payments/accounts"]),
            ("gita@example.org", [f"/marketplace/provider/{world['gym']}/payouts"]),
            ("sam@example.org", ["/payments/secretary/returns", "/payments/treasurer/payouts",
                                 "/payments/treasurer/costs", "/voting/surplus/new"]),
        ):  # fmt: skip
            page.goto(live_server + "/login")
            page.get_by_label("Email address", exact=True).fill(email_address)
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.wait_for_url("**/account")
            for path in paths:
                page.goto(live_server + path)
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > 320:
                    wide[path] = (width, page.evaluate(WIDEST))
            context.clear_cookies()
        assert wide == {}, f"These pages are wider than 320 CSS pixels: {wide}"
    finally:
        context.close()
