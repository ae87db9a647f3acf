"""Shared Lives by keyboard alone, with axe-core on every page: a coordinator records a
short-break referral, runs matching, proposes an introduction; the person and the household
each say yes to meeting; they meet and both agree; the room is booked; the month's payment
statement shows the break."""

from datetime import UTC, date, datetime, time, timedelta

from coop import clock
from coop.extensions import db as _db
from coop.members import service as members
from coop.members.models import Member, Office
from coop.shared_lives import payment_run
from coop.shared_lives.models import Household, HouseholdCarer, HouseholdStatus, Room
from tests.browser.journeys import PASSWORD, expect, main_menu_link, sign_in, sign_out

COORDINATOR = "cara@example.org"
CARER = "hana@example.org"


def _household(name: str, carer_id: int, **profile) -> None:
    today = clock.london_today()
    household = Household(
        name=name, postcode="DE1 3AB", status=HouseholdStatus.APPROVED,
        approved_types="short_break", max_people=2, dbs_checked_on=today - timedelta(days=30),
        panel_decided_on=today - timedelta(days=30), created_at=datetime.now(UTC), **profile,
    )  # fmt: skip
    _db.session.add(household)
    _db.session.flush()
    _db.session.add(HouseholdCarer(household_id=household.id, member_id=carer_id))
    _db.session.add(Room(household_id=household.id, name="Garden room", for_short_breaks=True))


def put_scheme(app, make_member) -> None:
    coordinator = make_member("carer", name="Cara Coordinator", email=COORDINATOR,
                              password=PASSWORD)  # fmt: skip
    carer = make_member("carer", name="Hana Carer", email=CARER, password=PASSWORD)
    smoker = make_member("carer", name="Stan Smoker")
    with app.app_context():
        cara = _db.session.get(Member, coordinator.id)
        members.appoint(cara, Office.SHARED_LIVES_COORDINATOR, clock.london_today())
        payment_run.set_rates(
            cara, date(2020, 1, 1),
            band_1_weekly_pence=35_000, band_2_weekly_pence=42_000, band_3_weekly_pence=49_000,
            band_4_weekly_pence=56_000, short_break_nightly_pence=7_500,
            day_4h_pence=4_000, day_6h_pence=5_500, day_8h_pence=7_000,
        )  # fmt: skip
        _household("Hana's Home", carer.id, interests="gardening, music")
        _household("Smoky House", smoker.id, smoking=True)
        _db.session.commit()
        _db.session.remove()


def type_date(user, page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    user.type_into(group.get_by_label("Day"), str(day.day))
    user.type_into(group.get_by_label("Month"), str(day.month))
    user.type_into(group.get_by_label("Year"), str(day.year))


def test_a_short_break_from_referral_to_statement_by_keyboard(
    keyboard_user, app, make_member, monkeypatch
):
    user, page = keyboard_user, keyboard_user.page
    put_scheme(app, make_member)
    today = clock.london_today()
    first = today.replace(day=1) + timedelta(days=40)
    first = first.replace(day=5)  # three nights, all in one month
    heading = page.get_by_role("heading", level=1)

    user.open("/")
    sign_in(user, COORDINATOR)
    user.activate(main_menu_link(page, "Shared Lives"))
    expect(heading).to_have_text("Shared Lives")
    user.activate(page.get_by_role("link", name="The coordinator's pages"))
    expect(heading).to_have_text("The coordinator's overview")
    user.activate(page.get_by_role("link", name="Record a referral").first)
    expect(heading).to_have_text("Record a referral")
    user.type_into(page.get_by_label("The person's name", exact=True), "Pat Person")
    user.choose(page.get_by_role("radio", name="Short break", exact=True))
    type_date(user, page, "First day wanted", first)
    type_date(user, page, "Day it ends (short breaks)", first + timedelta(days=3))
    user.type_into(page.get_by_label("Postcode of the area wanted"), "DE1 1AA")
    user.tick(page.get_by_role("checkbox", name="overnight support"))
    user.tick(page.get_by_role("checkbox", name="no smoking"))
    user.type_into(page.get_by_label("Interests, separated by commas"), "gardening")
    user.type_into(
        page.get_by_label("The summary the person agreed to share with a carer household"),
        "Pat loves gardening.",
    )
    user.activate(page.get_by_role("button", name="Record the referral"))
    expect(heading).to_have_text("Pat Person")

    user.activate(page.get_by_role("button", name="Run matching"))
    expect(heading).to_have_text("The shortlist")
    main = page.locator("main")
    expect(main).to_contain_text("Must be a non-smoking home; someone in the household smokes.")
    expect(page.get_by_role("heading", name="1. Hana's Home")).to_be_visible()
    expect(main).to_contain_text("Shares an interest in gardening.")
    expect(main).to_contain_text("In the same postcode district (DE1).")
    user.activate(page.get_by_role("button", name="Propose an introduction to Hana's Home"))
    expect(heading).to_have_text("Pat Person and Hana's Home")
    user.activate(page.get_by_role("button", name="Record that Pat Person would like to meet them"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("yes to meeting")
    sign_out(user)

    sign_in(user, CARER)
    user.activate(main_menu_link(page, "Shared Lives"))
    user.activate(page.get_by_role("link", name="Hana's Home"))
    expect(heading).to_have_text("Hana's Home")
    user.activate(page.get_by_role("link", name="Pat Person"))
    user.activate(page.get_by_role("button", name="Read what the person agreed to share"))
    expect(main).to_contain_text("Pat loves gardening.")
    user.activate(page.get_by_role("link", name="Back to the introduction"))
    user.choose(page.get_by_role("radio", name="Yes, we would like to meet"))
    user.activate(page.get_by_role("button", name="Send our answer"))
    expect(main).to_contain_text("Meeting each other")
    user.choose(page.get_by_role("radio", name="A first visit"))
    type_date(user, page, "Date of the meeting", today)
    user.activate(page.get_by_role("button", name="Record the meeting"))
    expect(main).to_contain_text("A first visit")
    user.choose(page.get_by_role("radio", name="Yes, go ahead"))
    user.activate(page.get_by_role("button", name="Send the answer"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The answer is recorded.")
    sign_out(user)

    sign_in(user, COORDINATOR)
    user.activate(main_menu_link(page, "Shared Lives"))
    user.activate(page.get_by_role("link", name="The coordinator's pages"))
    user.activate(page.get_by_role("link", name="Pat Person"))
    user.activate(page.get_by_role("link", name="Hana's Home"))
    user.choose(page.get_by_role("radio", name="Yes, go ahead"))
    user.activate(page.get_by_role("button", name="Record Pat Person's answer"))
    expect(main).to_contain_text("Both sides agreed")
    user.activate(page.get_by_role("button", name="Book the room"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Garden room is booked.")
    expect(main).to_contain_text("Short break for Pat Person in Garden room")
    # The page to cancel it, left without cancelling: the break goes ahead and is paid.
    user.activate(page.get_by_role("link", name="Cancel short break"))
    expect(heading).to_have_text("Cancel: short break")
    user.activate(page.get_by_role("link", name="Go back without cancelling"))
    expect(heading).to_have_text("Pat Person and Hana's Home")
    sign_out(user)

    # A month is paid once it has ended, for care actually given: the day after it ends.
    paid_on = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    later = datetime.combine(paid_on, time(9), tzinfo=clock.LONDON)
    monkeypatch.setattr("coop.clock.now", lambda: later)
    sign_in(user, COORDINATOR)
    user.activate(main_menu_link(page, "Shared Lives"))
    user.activate(page.get_by_role("link", name="The coordinator's pages"))
    user.activate(page.get_by_role("link", name="Rates and payments"))
    user.type_into(page.get_by_label("Month to pay, like 2027-03"), f"{first:%Y-%m}")
    user.activate(page.get_by_role("button", name="Work out and post the payments"))
    expect(main).to_contain_text("1 household paid: Hana's Home £225.00")
    sign_out(user)

    sign_in(user, CARER)
    user.activate(main_menu_link(page, "Shared Lives"))
    user.activate(page.get_by_role("link", name="Hana's Home"))
    user.activate(page.get_by_role("link", name="Your payment statement"))
    expect(heading).to_have_text("Payment statement")
    expect(main).to_contain_text(f"{first:%B %Y}: £225.00")
    expect(main).to_contain_text("Short break for Pat Person: 3 nights: care fee £225.00")


def test_every_other_shared_lives_page_of_the_demo_passes_axe(keyboard_user, app, runner):
    """The pages the journey above does not reach, on the demo data, checked by axe-core."""
    from coop.members.demo import DEMO_PASSWORD
    from coop.shared_lives.models import Arrangement, Referral

    user, page = keyboard_user, keyboard_user.page
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        sharmas = _db.session.scalar(_db.select(Household).where(Household.name == "The Sharmas"))
        arrangement = _db.session.scalar(_db.select(Arrangement))
        asha = _db.session.scalar(_db.select(Referral).where(Referral.person_name == "Asha Patel"))
        ids = (sharmas.id, arrangement.id, asha.id)
        _db.session.remove()
    heading = page.get_by_role("heading", level=1)

    user.open("/")
    sign_in(user, "kim@demo.coop", DEMO_PASSWORD)
    for path, title in [
        (f"/shared-lives/coordinator/households/{ids[0]}", "The Sharmas"),
        (f"/shared-lives/households/{ids[0]}/profile", "Application and profile"),
        (f"/shared-lives/arrangements/{ids[1]}", "Tom Hughes with The Sharmas"),
        ("/shared-lives/coordinator/households/new", "Record an enquiry from a household"),
        ("/shared-lives/coordinator/payments", "Rates and payments"),
        ("/shared-lives/incidents", "Incidents"),
    ]:
        user.open(path)
        expect(heading).to_have_text(title)
    user.activate(page.get_by_role("button", name="Record the incident"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Describe what happened")
    sign_out(user)

    sign_in(user, "asha@demo.coop", DEMO_PASSWORD)
    user.activate(main_menu_link(page, "Shared Lives"))
    user.activate(page.get_by_role("link", name="The referral for Asha Patel"))
    expect(heading).to_have_text("The referral for Asha Patel")
    expect(page.locator("main")).to_contain_text("Kim Adeyemi saw the full referral")
    sign_out(user)

    sign_in(user, "dev@demo.coop", DEMO_PASSWORD)
    user.activate(main_menu_link(page, "Shared Lives"))
    user.activate(page.get_by_role("link", name="The Sharmas"))
    user.activate(page.get_by_role("link", name="Arrangement with Tom Hughes"))
    expect(heading).to_have_text("Tom Hughes with The Sharmas")
