"""Acting for someone, in a real browser, by keyboard alone, with axe-core on every page: Asha
lets Dev book for her up to £20; Dev books her the off-peak gym; a booking above the limit is
refused with the reason; Asha withdraws the permission and Dev's next booking, from a page he
already had open, is refused."""

from sqlalchemy import func, select

from coop import clock
from coop.extensions import db as _db
from coop.marketplace.models import Booking, Session
from coop.members.models import Member
from coop.payments import ledger
from tests.browser.conftest import DESKTOP, KeyboardUser
from tests.browser.journeys import expect, main_menu_link, sign_in, summary_value
from tests.browser.test_marketplace_journey import pay_into_budget, put_gym, weekday_ahead

ASHA, DEV = "asha@example.org", "dev@example.org"


def _session_at(app, title: str, hour: int, day) -> int:
    with app.app_context():
        found = [
            s
            for s in _db.session.scalars(select(Session))
            if s.listing.title == title and s.starts_at.astimezone(clock.LONDON).hour == hour
        ]
        _db.session.remove()
    assert len(found) == 1
    return found[0].id


def _bookings(app) -> list[tuple[int, int | None, int]]:
    with app.app_context():
        rows = [
            (b.member_id, b.booked_by_id, b.total_pence)
            for b in _db.session.scalars(select(Booking).order_by(Booking.id))
        ]
        _db.session.remove()
    return rows


def _balance(app, member) -> int:
    with app.app_context():
        pence = ledger.budget_balance(_db.session.get(Member, member.id))
        _db.session.remove()
    return pence


def test_dev_books_for_asha_within_his_limit_until_she_withdraws_it(
    keyboard_user, browser, live_server, app, make_member
):
    dev_user, dev_page = keyboard_user, keyboard_user.page
    secretary = make_member(secretary=True, name="Sam Secretary")
    asha = make_member(
        "budget_holder", name="Asha Patel", email=ASHA, password="a long password for voting"
    )
    dev = make_member("carer", name="Dev Sharma", email=DEV, password="a long password for voting")
    staff = make_member("provider", name="Harry Dixon", organisation_name="Riverside Community Gym")
    day = weekday_ahead(3)
    gym = put_gym(app, staff, day=day)
    pay_into_budget(app, asha, secretary, 50_00)
    coaching_id = _session_at(app, "Life coaching", 11, day)
    evening_gym_id = _session_at(app, "Gym session", 18, day)

    # Asha, in her own browser, chooses Dev to book for her, up to £20 a booking.
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    asha_user = KeyboardUser(context.new_page(), live_server)
    asha_page = asha_user.page
    try:
        asha_user.open("/")
        sign_in(asha_user, ASHA)
        asha_user.activate(
            asha_page.get_by_role("link", name="Your circle of support: who can act for you")
        )
        expect(asha_page.get_by_role("heading", level=1)).to_have_text("Your circle of support")
        asha_user.activate(asha_page.get_by_role("button", name="Choose someone to act for you"))
        asha_user.type_into(asha_page.get_by_label("Their email address or membership number"), DEV)
        asha_user.tick(asha_page.get_by_role("checkbox", name="Book and pay from my budget"))
        asha_user.type_into(
            asha_page.get_by_label(
                "The most they may spend on one booking, in pounds (only if they may book)"
            ),
            "20",
        )
        asha_user.activate(asha_page.get_by_role("button", name="Save"))
        expect(asha_page.locator(".govuk-notification-banner")).to_contain_text(
            "Dev Sharma is in your circle of support."
        )
        expect(asha_page.locator("main table")).to_contain_text(
            "Book and pay from my budget, up to £20.00 a booking"
        )

        # Dev, in his, books the off-peak gym for Asha: £4.00, within his limit.
        dev_user.open("/")
        sign_in(dev_user, DEV)
        dev_user.activate(dev_page.get_by_role("link", name="People you help"))
        expect(dev_page.locator("main")).to_contain_text(
            "Book and pay from Asha Patel's budget, up to £20.00 a booking"
        )
        dev_user.open(f"/marketplace/sessions/{gym.off_peak_session_id}/book")
        expect(dev_page.get_by_role("heading", level=1)).to_have_text("Book Gym session")
        expect(dev_page.get_by_role("radio", name="Asha Patel")).to_be_checked()
        expect(summary_value(dev_page, "Price")).to_contain_text("£4.00 a place")
        expect(dev_page.locator("main")).to_contain_text(
            "they let you spend up to £20.00 on one booking"
        )
        dev_user.activate(
            dev_page.get_by_role("button", name="Book and pay from Asha Patel's budget")
        )
        expect(dev_page.locator(".govuk-panel__title")).to_have_text("Booking confirmed")
        expect(summary_value(dev_page, "Booked")).to_have_text("by Dev Sharma for Asha Patel")
        assert _bookings(app) == [(asha.id, dev.id, 4_00)]
        assert _balance(app, asha) == 46_00

        # Life coaching costs £35.00, above his limit: refused, with the reason, and nothing
        # booked.
        dev_user.open(f"/marketplace/sessions/{coaching_id}/book")
        dev_user.activate(
            dev_page.get_by_role("button", name="Book and pay from Asha Patel's budget")
        )
        expect(dev_page.get_by_role("heading", level=1)).to_have_text("You cannot do this for them")
        expect(dev_page.locator("main")).to_contain_text(
            "This costs £35.00. Asha Patel lets you spend up to £20.00 on one booking."
        )
        assert _bookings(app) == [(asha.id, dev.id, 4_00)]

        # Dev opens the evening gym (£8.00) for Asha, and leaves the page open...
        dev_user.open(f"/marketplace/sessions/{evening_gym_id}/book")
        expect(summary_value(dev_page, "Price")).to_contain_text("£8.00 a place")

        # ...while Asha sees what he did for her, and withdraws his permission.
        asha_user.activate(main_menu_link(asha_page, "Your account"))
        asha_user.activate(
            asha_page.get_by_role("link", name="Your circle of support: who can act for you")
        )
        expect(asha_page.locator("main")).to_contain_text("by Dev Sharma for Asha Patel")
        asha_user.activate(
            asha_page.get_by_role("link", name="Withdraw Dev Sharma: Book and pay from my budget")
        )
        expect(asha_page.get_by_role("heading", level=1)).to_have_text(
            "Are you sure Dev Sharma should stop?"
        )
        asha_user.activate(asha_page.get_by_role("button", name="Yes, withdraw it"))
        expect(asha_page.locator(".govuk-notification-banner")).to_contain_text(
            "Dev Sharma can no longer book and pay from your budget."
        )
        asha_user.activate(main_menu_link(asha_page, "Your account"))
        asha_user.activate(asha_page.get_by_role("link", name="See your budget and its statement"))
        expect(asha_page.locator("main table")).to_contain_text("by Dev Sharma for Asha Patel")
    finally:
        context.close()

    # Dev's next booking, from the page he already had open, is refused.
    dev_user.activate(dev_page.get_by_role("button", name="Book and pay from Asha Patel's budget"))
    expect(dev_page.get_by_role("heading", level=1)).to_have_text("You cannot do this for them")
    expect(dev_page.locator("main")).to_contain_text(
        "Asha Patel has not chosen you to book and pay from their budget, or has withdrawn it."
    )
    assert _bookings(app) == [(asha.id, dev.id, 4_00)]
    assert _balance(app, asha) == 46_00
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Booking)) == 1
        _db.session.remove()
