"""Joining the co-op in a real browser, by keyboard alone, with axe-core checking every page."""

import re

import pytest

from tests.browser.journeys import expect, main_menu_link, sign_in, sign_out, summary_value

#: Long, so that the pages showing it (the application sent, the account, the secretary's
#: pages) are seen to wrap it at 320 CSS pixels rather than scroll sideways.
NEWCOMER_EMAIL = "ada.lovelace-byron.analytical-engine@friar-gate-community-day-centre.example.org"
NEWCOMER_PASSWORD = "four unrelated words here"
SECRETARY_EMAIL = "secretary@example.org"
SECRETARY_PASSWORD = "the secretary's long password"


def test_a_newcomer_joins_and_is_approved_using_the_keyboard_alone(
    keyboard_user, make_member, mailbox
):
    user, page = keyboard_user, keyboard_user.page
    make_member(
        secretary=True, name="Sam Secretary", email=SECRETARY_EMAIL, password=SECRETARY_PASSWORD
    )

    # The newcomer applies, but leaves out their name, class, password and agreement, and
    # mistypes their postcode.
    user.open("/register")
    expect(page).to_have_title(re.compile(r"^Apply to join – "))
    # Using the skip link puts #main-content in the address; the error summary must still
    # take focus when the form comes back (each form posts to its path, without the fragment).
    user.first_tab_reaches_skip_link()
    user.type_into(page.get_by_label("Email address", exact=True), NEWCOMER_EMAIL)
    user.type_into(page.get_by_label("Address line 1", exact=True), "12 Friar Gate")
    user.type_into(page.get_by_label("Town or city", exact=True), "Derby")
    user.type_into(page.get_by_label("Postcode", exact=True), "DE1 ZZZZ")
    user.activate(page.get_by_role("button", name="Apply to join", exact=True))

    # The same page comes back, saying what is wrong, with what they typed kept.
    expect(page).to_have_title(re.compile(r"^Error: Apply to join – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    summary_links = summary.get_by_role("link")
    expect(summary_links).to_have_count(6)
    assert sorted(summary_links.all_inner_texts()) == [
        "Enter a password",
        "Enter a real UK postcode, like DE1 3AB",
        "Enter your full name",
        "Select how you will take part in the co-op",
        "Type your password again",
        "You must agree to the co-op's rules and privacy notice to join",
    ]
    for href in [link.get_attribute("href") for link in summary_links.all()]:
        assert re.fullmatch(r"#[\w-]+", href), href
        expect(page.locator(f"main form {href}")).to_be_editable()
    expect(page.locator("#name-error")).to_contain_text("Enter your full name")
    expect(page.get_by_label("Email address", exact=True)).to_have_value(NEWCOMER_EMAIL)
    expect(page.get_by_label("Address line 1", exact=True)).to_have_value("12 Friar Gate")
    expect(page.get_by_label("Town or city", exact=True)).to_have_value("Derby")
    expect(page.get_by_label("Postcode", exact=True)).to_have_value("DE1 ZZZZ")

    # An error's link takes focus to its field; from there they put everything right.
    user.tab_to(summary.get_by_role("link", name="Select how you will take part in the co-op"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("radio", name="Budget holder")).to_be_focused()
    user.choose(page.get_by_role("radio", name="Carer", exact=True))
    user.type_into(page.get_by_label("Full name", exact=True), "Ada Lovelace")
    user.type_into(page.get_by_label("Postcode", exact=True), "de1 3ab")
    user.type_into(page.get_by_label("Create a password", exact=True), NEWCOMER_PASSWORD)
    user.type_into(page.get_by_label("Type the password again", exact=True), NEWCOMER_PASSWORD)
    user.tick(page.get_by_label("I agree to the co-op's rules and privacy notice", exact=True))
    user.activate(page.get_by_role("button", name="Apply to join", exact=True))

    expect(page.get_by_role("heading", level=1)).to_have_text("Application sent")
    expect(page.locator("main")).to_contain_text(f"We have sent an email to {NEWCOMER_EMAIL}")

    # They open the link in the email they were sent.
    [confirmation] = mailbox.to(NEWCOMER_EMAIL)
    assert confirmation["Subject"].startswith("Confirm your email address")
    user.open(mailbox.link(NEWCOMER_EMAIL, "/confirm/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    user.activate(page.get_by_role("button", name="Confirm my email address", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Email address confirmed")
    # Applying does not sign anyone in (a taken address must get the same answer), so
    # they sign in to see their application.
    sign_in(user, NEWCOMER_EMAIL, NEWCOMER_PASSWORD)
    expect(summary_value(page, "Status")).to_have_text("Applied")
    sign_out(user)

    # The secretary signs in and approves the application.
    sign_in(user, SECRETARY_EMAIL, SECRETARY_PASSWORD)
    user.activate(main_menu_link(page, "Secretary"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications to join")
    user.activate(page.get_by_role("link", name="Ada Lovelace"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Application from Ada Lovelace")
    expect(summary_value(page, "Email address")).to_have_text(f"{NEWCOMER_EMAIL} (confirmed)")
    user.choose(page.get_by_role("radio", name="Approve", exact=True))
    user.activate(page.get_by_role("button", name="Save decision", exact=True))

    banner = page.locator(".govuk-notification-banner--success .govuk-notification-banner__heading")
    expect(banner).to_have_text(re.compile(r"^Ada Lovelace is now member number \d+\.$"))
    member_number = re.search(r"member number (\d+)", banner.inner_text()).group(1)
    expect(page.locator("main")).to_contain_text("There are no applications waiting.")
    [decision] = [m for m in mailbox.to(NEWCOMER_EMAIL) if "now a member" in m["Subject"]]
    assert f"Your member number is {member_number}" in mailbox.body(decision)
    sign_out(user)

    # The newcomer signs in and is a member, with their number.
    sign_in(user, NEWCOMER_EMAIL, NEWCOMER_PASSWORD)
    expect(summary_value(page, "Status")).to_have_text("Member")
    expect(summary_value(page, "Member number")).to_have_text(member_number)
    expect(summary_value(page, "Member class")).to_have_text("Carer")
    expect(summary_value(page, "Postal address")).to_contain_text("DE1 3AB")


PUBLIC_PAGES = [
    ("/", "Together Co-op"),
    ("/login", "Sign in"),
    ("/register", "Apply to join Together Co-op"),
    ("/reset-password", "Reset your password"),
    ("/accessibility", None),
    ("/privacy", None),
    ("/rules", None),
    ("/marketplace/", None),
    ("/voting", None),
    ("/shared-lives", None),
    ("/no-such-page", "Page not found"),
]


@pytest.mark.parametrize(("path", "heading"), PUBLIC_PAGES, ids=[p for p, _ in PUBLIC_PAGES])
def test_public_page_passes_axe(keyboard_user, path, heading):
    user, page = keyboard_user, keyboard_user.page
    user.open(path)
    h1 = page.get_by_role("heading", level=1)
    expect(h1).to_have_count(1)
    if heading:
        expect(h1).to_have_text(heading)


def test_forms_showing_errors_pass_axe(keyboard_user):
    user, page = keyboard_user, keyboard_user.page
    user.open("/login")
    user.activate(page.get_by_role("button", name="Sign in", exact=True))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your email address")

    user.open("/reset-password")
    user.type_into(page.get_by_label("Email address", exact=True), "not an email address")
    user.activate(page.get_by_role("button", name="Send me a link", exact=True))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter an email address in the correct format"
    )
    expect(page.get_by_label("Email address", exact=True)).to_have_value("not an email address")


def test_secretary_pages_pass_axe(keyboard_user, make_member):
    user, page = keyboard_user, keyboard_user.page
    make_member(
        secretary=True, name="Sam Secretary", email=SECRETARY_EMAIL, password=SECRETARY_PASSWORD
    )
    make_member("budget_holder", name="Bea Holder")
    make_member("provider", name="Pat Provider", organisation_name="Friar Gate Day Centre")
    make_member("carer", status="left", name="Lee Left")
    make_member("pa", status="applied", name="Alex Applicant")

    user.open("/")
    sign_in(user, SECRETARY_EMAIL, SECRETARY_PASSWORD)
    user.activate(main_menu_link(page, "Secretary"))
    expect(page.get_by_role("table")).to_contain_text("Alex Applicant")

    secretary_menu = page.get_by_role("navigation", name="Secretary's pages")
    user.activate(secretary_menu.get_by_role("link", name="Register of members"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Register of members")
    expect(page.get_by_role("table")).to_contain_text("Friar Gate Day Centre")
    user.type_into(page.get_by_role("searchbox", name=re.compile(r"^Search by name")), "Bea")
    user.activate(page.get_by_role("button", name="Search", exact=True))
    expect(page.get_by_role("table")).to_contain_text("Bea Holder")
    expect(page.get_by_role("table")).not_to_contain_text("Pat Provider")

    secretary_menu = page.get_by_role("navigation", name="Secretary's pages")
    user.activate(secretary_menu.get_by_role("link", name="Register of officers"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Register of officers")
    expect(page.get_by_role("table")).to_contain_text("Sam Secretary")
    user.type_into(page.get_by_label("Member number", exact=True), "twelve")
    user.activate(page.get_by_role("button", name="Appoint", exact=True))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a member number using digits only"
    )
