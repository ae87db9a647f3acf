"""Same-day cover by keyboard alone, with axe-core on every page: Asha's PA is ill, so she asks
for cover at 14:00 today; Femi accepts from the emailed link; Asha sees who is coming; Femi
records 3 hours; Asha approves them and her budget statement shows the payment."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from coop.extensions import db as _db
from coop.members.models import Member
from coop.payments import ledger
from coop.payments.models import FundingKind
from coop.support import pa_register
from coop.support.models import Skill
from tests.browser.journeys import (
    PASSWORD,
    expect,
    main_menu_link,
    sign_in,
    sign_out,
    summary_value,
)

ASHA = "asha@example.org"
FEMI = "femi@example.org"
#: Tuesday 3 March 2026, 10am in London (GMT): Asha's PA has just phoned in sick.
MORNING = datetime(2026, 3, 3, 10, tzinfo=UTC)


@pytest.fixture
def world(app, make_member, monkeypatch):
    moment = {"now": MORNING}
    monkeypatch.setattr("coop.clock.now", lambda: moment["now"])
    secretary = make_member(secretary=True, name="Sam Secretary", email="sam@example.org")
    asha = make_member("budget_holder", name="Asha Patel", email=ASHA, password=PASSWORD)
    femi = make_member("pa", name="Femi Adeyemi", email=FEMI, password=PASSWORD)
    with app.app_context():
        by = _db.session.get(Member, secretary.id)
        holder = _db.session.get(Member, asha.id)
        ledger.record_funding(
            holder, 20_000, FundingKind.DIRECT_PAYMENT, date(2026, 3, 1), "DP-MAR", by=by
        )
        profile = pa_register.save_profile(
            _db.session.get(Member, femi.id),
            pa_register.ProfileDetails(
                skills=frozenset({Skill.PERSONAL_CARE, Skill.MEDICATION}), languages="English",
                districts="DE1,DE22", hourly_rate_pence=1500, introduction="Ten years a PA.",
                windows=tuple((day, time(8), time(20)) for day in range(5)),
            ),
        )  # fmt: skip
        day = date(2026, 1, 10)
        pa_register.record_checks(profile, pa_register.Checks(day, day, None, day), by)
        _db.session.commit()
        _db.session.remove()
    return moment


def test_asha_gets_cover_for_this_afternoon_and_pays_femi(keyboard_user, world, mailbox):
    user, page = keyboard_user, keyboard_user.page
    heading, main = page.get_by_role("heading", level=1), page.locator("main")

    user.open("/")
    sign_in(user, ASHA)
    user.activate(main_menu_link(page, "PAs and cover"))
    expect(heading).to_have_text("PAs and cover")
    user.activate(page.get_by_role("link", name="Ask for cover"))
    expect(heading).to_have_text("Ask for cover")
    user.type_into(page.get_by_label("Start time, like 14:30"), "14:00")
    user.type_into(page.get_by_label("End time, like 14:30"), "18:00")
    expect(page.get_by_label("Postcode district, like DE22")).to_have_value("DE1")
    user.tick(page.get_by_role("checkbox", name="Personal care"))
    user.activate(page.get_by_role("button", name="Ask for cover"))
    expect(heading).to_have_text("Cover on Tuesday 3 March 2026, 2:00pm to 6:00pm")
    expect(summary_value(page, "Status")).to_have_text("Looking for a PA")
    sign_out(user)

    # No own list yet, so the whole bank (Femi) was emailed at once, with a link.
    link = mailbox.link(FEMI, "/support/cover/")
    sign_in(user, FEMI)
    user.open(link)
    expect(heading).to_have_text("Cover needed")
    expect(summary_value(page, "Where")).to_have_text("DE1")
    user.activate(page.get_by_role("button", name="Accept this shift"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The shift is yours")
    expect(summary_value(page, "Where")).to_contain_text("DE1 3AB")  # now Femi sees the address
    sign_out(user)

    sign_in(user, ASHA)
    user.activate(main_menu_link(page, "PAs and cover"))
    user.activate(page.get_by_role("link", name="Your requests, PAs and shifts"))
    user.activate(page.get_by_role("link", name="Cover 3 March 2026 at 2:00pm"))
    expect(summary_value(page, "Who is coming")).to_have_text("Femi Adeyemi")
    expect(summary_value(page, "Their email")).to_have_text(FEMI)
    sign_out(user)

    world["now"] = MORNING + timedelta(hours=8, minutes=15)  # 6:15pm: the shift is over
    sign_in(user, FEMI)
    user.activate(main_menu_link(page, "PAs and cover"))
    user.activate(page.get_by_role("link", name="Your shifts and cover offers"))
    user.activate(page.get_by_role("link", name="Asha Patel, 3 March 2026 at 2:00pm"))
    user.activate(page.get_by_role("link", name="Record your hours"))
    expect(heading).to_have_text("Record your hours")
    user.type_into(page.get_by_label("Hours", exact=True), "3")
    user.activate(page.get_by_role("button", name="Record my hours"))
    expect(summary_value(page, "Hours worked")).to_have_text("3 hours, £45.00")
    sign_out(user)

    sign_in(user, ASHA)
    user.activate(main_menu_link(page, "PAs and cover"))
    user.activate(page.get_by_role("link", name="Your requests, PAs and shifts"))
    user.activate(page.get_by_role("link", name="Cover 3 March 2026 at 2:00pm"))
    user.activate(page.get_by_role("button", name="Approve and pay £45.00"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("approved and paid")
    expect(summary_value(page, "Status")).to_have_text("Hours approved and paid")
    user.activate(main_menu_link(page, "Your account"))
    user.activate(page.get_by_role("link", name="See your budget and its statement"))
    expect(main).to_contain_text("Paid for PA cover by Femi Adeyemi")
    expect(main).to_contain_text("3 hours on 3 March 2026 at £15.00 an hour")
    expect(main).to_contain_text("£155.00")


def test_every_other_cover_page_of_the_demo_passes_axe(keyboard_user, app, runner):
    """The pages the journey above does not reach, on the demo data, checked by axe-core,
    with a form's error summary and a search's results."""
    from coop.members.demo import DEMO_PASSWORD
    from coop.support.models import CoverRequest, PaProfile

    user, page = keyboard_user, keyboard_user.page
    heading = page.get_by_role("heading", level=1)
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        ben = _db.session.scalar(_db.select(CoverRequest)).id
        asha = _db.session.scalar(_db.select(Member).where(Member.email == "asha@demo.coop")).id
        owen = _db.session.scalar(
            _db.select(PaProfile).join(Member, PaProfile.member_id == Member.id)
            .where(Member.email == "owen@demo.coop")
        ).id  # fmt: skip
        _db.session.remove()

    user.open("/")
    sign_in(user, "asha@demo.coop", DEMO_PASSWORD)
    for path, title in [
        ("/support", "PAs and cover"),
        ("/support/register?skill=personal_care&district=DE22&day=0", "The PA register"),
        ("/support/cover/new", "Ask for cover"),
        (f"/support/for/{asha}", "Your requests, PAs and shifts"),
        (f"/support/for/{asha}/regular", "Add a regular shift"),
    ]:
        user.open(path)
        expect(heading).to_have_text(title)
    user.activate(page.get_by_role("button", name="Add the regular shift"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the start time")
    sign_out(user)

    sign_in(user, "grace@demo.coop", DEMO_PASSWORD)
    for path, title in [
        ("/support/pa", "Your shifts and cover offers"),
        ("/support/pa/profile", "Your profile in the PA register"),
        (f"/support/cover/{ben}/offer", "Cover needed"),
    ]:
        user.open(path)
        expect(heading).to_have_text(title)
    sign_out(user)

    sign_in(user, "secretary@demo.coop", DEMO_PASSWORD)
    user.open("/support/coordinator")
    expect(page.locator("main")).to_contain_text("DBS certificate lapsed")
    user.open(f"/support/coordinator/pas/{owen}")
    expect(heading).to_have_text("Checks")
