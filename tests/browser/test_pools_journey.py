"""Booking together, a pooled fund and peer buddies on the demo data, by keyboard alone, with
axe-core and the 320-pixel reflow check on every page."""

from datetime import time, timedelta

from coop import clock
from coop.extensions import db as _db
from coop.marketplace.models import Listing, Session
from coop.members.demo import DEMO_PASSWORD
from tests.browser.journeys import expect, main_menu_link, sign_in, sign_out


def _demo(app, runner) -> tuple[int, str]:
    """Load the demo; the id of a full-price 18:00 gym session in a few days, for a new booking,
    and the name of its link in a list of shared bookings."""
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        gym = _db.session.scalar(_db.select(Listing).where(Listing.title == "Gym session"))
        evening = next(
            s
            for s in _db.session.scalars(
                _db.select(Session)
                .where(
                    Session.listing_id == gym.id,
                    Session.starts_at > clock.now() + timedelta(days=2),
                )
                .order_by(Session.starts_at)
            )
            if s.starts_at.astimezone(clock.LONDON).time() == time(18)
        )
        _db.session.remove()
        return evening.id, f"Gym session on {clock.format_moment(evening.starts_at)}"


def test_booking_together_by_keyboard(keyboard_user, app, runner):
    user, page = keyboard_user, keyboard_user.page
    session_id, link_name = _demo(app, runner)
    heading = page.get_by_role("heading", level=1)
    main = page.locator("main")

    user.open("/")
    sign_in(user, "asha@demo.coop", DEMO_PASSWORD)
    user.open(f"/marketplace/sessions/{session_id}/book")
    user.activate(page.get_by_role("link", name="Book together and split the cost"))
    expect(heading).to_have_text("Book Gym session together")
    user.type_into(page.get_by_label("Who are you booking with?"), "ben@demo.coop")
    user.type_into(page.get_by_label("How many places?"), "2")
    user.choose(page.get_by_label("In set shares (you choose each amount next)"))
    user.activate(page.get_by_role("button", name="Continue"))
    expect(heading).to_have_text("Set each share")
    user.type_into(page.get_by_label("Asha Patel’s share"), "10")
    user.type_into(page.get_by_label("Ben Clarke’s share"), "5")
    user.activate(page.get_by_role("button", name="Save the shares"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Make them add up to the total")
    user.type_into(page.get_by_label("Ben Clarke’s share"), "6")
    user.activate(page.get_by_role("button", name="Save the shares"))
    expect(heading).to_have_text("Gym session, booked together")
    user.activate(page.get_by_role("button", name="Send to everyone"))
    expect(main).to_contain_text("Waiting for everyone to agree")
    sign_out(user)

    sign_in(user, "ben@demo.coop", DEMO_PASSWORD)
    user.activate(page.get_by_role("link", name="My bookings"))
    user.activate(page.get_by_role("link", name="Bookings shared with other budget holders"))
    user.activate(page.get_by_role("link", name=link_name))
    expect(main).to_contain_text("Your share is £6.00")
    user.activate(page.get_by_role("button", name="Agree to pay my share"))
    expect(main).to_contain_text("it is booked and every share has been paid")
    sign_out(user)

    sign_in(user, "asha@demo.coop", DEMO_PASSWORD)
    user.activate(page.get_by_role("link", name="My bookings"))
    user.activate(page.get_by_role("link", name="Bookings shared with other budget holders"))
    user.activate(page.get_by_role("link", name=link_name))
    user.activate(page.get_by_role("link", name="Cancel this booking for everyone"))
    expect(main).to_contain_text("What each share gets back")
    user.activate(page.get_by_role("button", name="Yes, cancel it for everyone"))
    expect(main).to_contain_text("Everyone has been told")


def test_a_pooled_fund_and_a_buddy_by_keyboard(keyboard_user, app, runner):
    user, page = keyboard_user, keyboard_user.page
    _demo(app, runner)
    heading = page.get_by_role("heading", level=1)
    main = page.locator("main")

    user.open("/")
    sign_in(user, "chloe@demo.coop", DEMO_PASSWORD)
    user.activate(page.get_by_role("link", name="Pooled funds"))
    user.activate(page.get_by_role("link", name="Set up a pooled fund"))
    user.activate(page.get_by_role("button", name="Set up the pool"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the pool")
    user.activate(page.get_by_role("link", name="Back to pooled funds"))
    user.activate(page.get_by_role("link", name="Sharing Femi's hours"))
    expect(main).to_contain_text("1 yes, 0 no, of 3 members")
    user.activate(page.get_by_role("button", name="Yes, pay it: £45.00 to Peak District day trip"))
    expect(main).to_contain_text("it has been paid from the pool")
    user.activate(page.get_by_role("link", name="Propose spending"))
    user.activate(page.get_by_role("button", name="Ask the others to agree"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter who is to be paid")
    user.type_into(page.get_by_label("Who is to be paid?"), "Femi Adeyemi")
    user.type_into(page.get_by_label("How much?"), "20")
    user.type_into(page.get_by_label("What is it for?"), "Cover on Saturday")
    user.activate(page.get_by_role("button", name="Ask the others to agree"))
    expect(main).to_contain_text("£20.00 to Femi Adeyemi")
    user.activate(page.get_by_role("link", name="Leave the pool"))
    expect(heading).to_contain_text("Are you sure you want to leave")
    user.activate(page.get_by_role("button", name="Yes, give notice"))
    expect(main).to_contain_text("You have given notice")
    user.activate(main_menu_link(page, "Your account"))
    user.activate(page.get_by_role("link", name="Peer support buddies"))
    user.activate(page.get_by_role("link", name="Change what you chose"))
    expect(heading).to_have_text("Offer or ask for peer support")
    user.activate(page.get_by_role("button", name="Save"))
    expect(main).to_contain_text("Erin Walsh offers support on New to direct payments")
    user.activate(page.get_by_role("button", name="Ask Erin Walsh"))
    expect(main).to_contain_text("Waiting for Erin Walsh to answer")
    sign_out(user)

    sign_in(user, "erin@demo.coop", DEMO_PASSWORD)
    user.activate(page.get_by_role("link", name="Peer support buddies"))
    user.activate(page.get_by_role("link", name="Chloe Evans"))
    user.choose(page.get_by_label("Yes, share our contact details"))
    user.activate(page.get_by_role("button", name="Send my answer"))
    expect(main).to_contain_text("chloe@demo.coop")
    user.activate(page.get_by_role("link", name="Back to peer support"))
    user.activate(page.get_by_role("link", name="Asha Patel"))
    expect(main).to_contain_text("07700 900456")
    user.activate(page.get_by_role("button", name="End this pairing"))
    expect(main).to_contain_text("Ended")
