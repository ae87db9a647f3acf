"""Steps every keyboard journey takes: the main menu, signing in and out, summary lists."""

import re

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails, saying so
    expect = None


#: The password members made for voting journeys sign in with.
PASSWORD = "a long password for voting"
#: A receipt code as shown to a voter, e.g. K7QH-M2XD-9TPA.
RECEIPT_CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


def main_menu_link(page, name: str):
    return page.get_by_role("navigation", name="Main menu").get_by_role("link", name=name)


def summary_value(page, key: str):
    """The value beside `key` in a summary list, as on the account page.

    `page` may also be a locator, such as one search result, to look only inside it.
    """
    whole_page = getattr(page, "page", page)  # a locator knows its page; a page has none
    row = page.locator(".govuk-summary-list__row").filter(
        has=whole_page.locator(".govuk-summary-list__key", has_text=re.compile(rf"^\s*{key}\s*$"))
    )
    return row.locator(".govuk-summary-list__value")


def sign_in(user, email_address: str, password: str = PASSWORD) -> None:
    """From any page: the menu's Sign in link, then the sign-in form."""
    page = user.page
    user.activate(main_menu_link(page, "Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    user.type_into(page.get_by_label("Email address", exact=True), email_address)
    user.type_into(page.get_by_label("Password", exact=True), password)
    user.activate(page.get_by_role("button", name="Sign in", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def sign_out(user) -> None:
    """From any page: the menu's Your account link, then the Sign out button."""
    page = user.page
    if page.get_by_role("heading", level=1).inner_text() != "Your account":
        user.activate(main_menu_link(page, "Your account"))
    user.activate(page.get_by_role("button", name="Sign out", exact=True))
    expect(page.locator(".govuk-notification-banner__heading")).to_have_text("You have signed out.")
    expect(main_menu_link(page, "Sign in")).to_be_visible()


def choose_option(user, select, text: str) -> None:
    """Tab to a drop-down list and move through its options with the Down arrow to `text`."""
    user.tab_to(select)
    texts = select.locator("option").all_inner_texts()
    assert text in texts, f"{text!r} is not one of the options {texts}"
    selected = "(s) => s.selectedOptions.length ? s.selectedOptions[0].text : ''"
    for _ in range(len(texts)):
        if select.evaluate(selected) == text:
            break
        user.page.keyboard.press("ArrowDown")
    expect(select).to_have_js_property("selectedIndex", texts.index(text))
