"""The development mail page passes axe and reflows at 320 CSS pixels with long links."""

from playwright.sync_api import expect

from coop import email
from coop.extensions import db


def test_the_development_mail_page_is_accessible_and_reflows(app, keyboard_user):
    with app.app_context():
        email.send(
            "someone.with.a.very.long.address@a-long-domain-name.example.org",
            "Confirm your email address",
            "Open this link:\n\nhttp://127.0.0.1:5000/confirm/" + "x" * 150 + "\n",
            (("B1.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),),
        )
        db.session.commit()
    user, page = keyboard_user, keyboard_user.page
    user.open("/dev/mail")
    expect(page.locator("main").get_by_role("heading", level=2)).to_have_text(
        "Confirm your email address – Together Co-op"
    )
    expect(
        page.get_by_role("link", name="http://127.0.0.1:5000/confirm/", exact=False)
    ).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    user.check_accessibility()
