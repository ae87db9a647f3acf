"""In a real browser by keyboard alone, with axe-core checking every page: the secretary takes
a phone application from someone without email, confirms identity in person, approves it and
posts the welcome letter; and a member accepts an invitation to a provider's staff."""

import re

from coop.extensions import db
from coop.marketplace import providers
from coop.marketplace.service import providers_of
from coop.members.models import Member
from tests.browser.journeys import PASSWORD, expect, main_menu_link, sign_in, summary_value
from tests.browser.test_marketplace_journey import GYM, put_gym, weekday_ahead

SECRETARY_EMAIL = "secretary@example.org"
SECRETARY_PASSWORD = "the secretary's long password"


def test_the_secretary_takes_a_phone_application_and_posts_the_welcome_letter(
    keyboard_user, make_member, mailbox
):
    user, page = keyboard_user, keyboard_user.page
    make_member(
        secretary=True, name="Sam Secretary", email=SECRETARY_EMAIL, password=SECRETARY_PASSWORD
    )
    user.open("/")
    sign_in(user, SECRETARY_EMAIL, SECRETARY_PASSWORD)
    user.activate(main_menu_link(page, "Secretary"))
    user.activate(page.get_by_role("button", name="Record a paper or phone application"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a paper or phone application")
    user.choose(page.get_by_role("radio", name="By phone", exact=True))
    user.type_into(page.get_by_label("Day", exact=True), "2")
    user.type_into(page.get_by_label("Month", exact=True), "3")
    user.type_into(page.get_by_label("Year", exact=True), "2026")
    user.choose(page.get_by_role("radio", name="Budget holder", exact=True))
    user.type_into(page.get_by_label("Full name", exact=True), "Kath Boyle")
    user.type_into(page.get_by_label("Address line 1", exact=True), "7 Chapel Street")
    user.type_into(page.get_by_label("Town or city", exact=True), "Belper")
    user.type_into(page.get_by_label("Postcode", exact=True), "de56 1ar")
    user.tick(page.get_by_role("checkbox"))
    user.activate(page.get_by_role("button", name="Record the application", exact=True))

    expect(page.get_by_role("heading", level=1)).to_have_text("Application from Kath Boyle")
    expect(summary_value(page, "Email address")).to_have_text(
        "None: letters to their postal address"
    )
    expect(summary_value(page, "Identity")).to_have_text("Not confirmed yet")
    user.type_into(
        page.get_by_label("How you know who they are (optional)"), "Met her at the drop-in"
    )
    user.activate(page.get_by_role("button", name="Confirm their identity", exact=True))
    expect(summary_value(page, "Identity")).to_contain_text("Confirmed in person by Sam Secretary")
    user.choose(page.get_by_role("radio", name="Approve", exact=True))
    user.activate(page.get_by_role("button", name="Save decision", exact=True))
    banner = page.locator(".govuk-notification-banner--success .govuk-notification-banner__heading")
    expect(banner).to_have_text(re.compile(r"^Kath Boyle is now member number \d+\.$"))
    assert mailbox.messages == []

    user.activate(page.get_by_role("link", name="Register of members"))
    expect(page.locator("main")).to_contain_text("Letters to their postal address")
    user.activate(page.get_by_role("link", name="Letters to send"))
    expect(page.locator("main")).to_contain_text("1 letter to post")
    expect(page.locator("main")).to_contain_text("To Kath Boyle: You are now a member")
    user.activate(page.get_by_role("button", name=re.compile(r"^Mark as posted")))
    expect(page.locator("main")).to_contain_text("There are no letters waiting to be posted.")
    expect(page.locator("main")).to_contain_text("You are now a member, to Kath Boyle: posted")


def test_a_member_accepts_an_invitation_to_a_providers_staff_on_their_account_page(
    app, keyboard_user, make_member, mailbox
):
    user, page = keyboard_user, keyboard_user.page

    gita = make_member("provider", name="Gita Gym", email="gym@example.org", password=PASSWORD)
    ben = make_member("pa", name="Ben Assistant", email="ben@example.org", password=PASSWORD)
    put_gym(app, gita, day=weekday_ahead(3))
    with app.app_context():
        provider = providers_of(db.session.get(Member, gita.id))[0]
        providers.invite_staff(provider, ben.email, db.session.get(Member, gita.id))
        db.session.commit()

    user.open("/")
    sign_in(user, "ben@example.org", PASSWORD)
    expect(page.locator("main")).to_contain_text(f"Gita Gym has invited you to join {GYM}'s staff")
    user.activate(page.get_by_role("button", name=f"Accept the invitation from {GYM}"))
    expect(page.locator(".govuk-notification-banner__heading")).to_have_text(
        f"You are now one of {GYM}'s staff."
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(GYM)
