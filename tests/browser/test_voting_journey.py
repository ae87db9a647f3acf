"""Voting on a motion in a real browser, by keyboard alone, with axe-core checking every page."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from coop.extensions import db as _db
from coop.members.models import Member
from coop.voting import service
from coop.voting.models import Choice, Motion, Resolution
from tests.browser.journeys import (
    PASSWORD,
    RECEIPT_CODE,
    expect,
    main_menu_link,
    sign_in,
    sign_out,
    summary_value,
)

MOTION_TITLE = "Open a second day centre in Ilkeston"


# --- Helpers -----------------------------------------------------------------------------


class Clock:
    """What the voting rules take as "now": real time until a test moves it on."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)

    def move_to(self, moment: datetime) -> None:
        self.fixed = moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Move the voting clock; the live server runs in this process, so it sees the move too."""
    moving = Clock()
    monkeypatch.setattr("coop.clock.now", moving)
    return moving


@dataclass(frozen=True)
class MadeMotion:
    id: int
    title: str
    closes_at: datetime


def put_open_motion(app, secretary, seconder, title: str = MOTION_TITLE) -> MadeMotion:
    """A motion open from now for a week, so every member made before it may vote."""
    with app.app_context():
        now = datetime.now(UTC)
        motion = service.put_motion(
            _db.session.get(Member, secretary.id),
            service.MotionDraft(
                title=title,
                summary="The co-op rents a second building so members in Erewash are nearer.",
                full_text="That the co-op rents 14 Bath Street, Ilkeston, for five years.",
                proposer=_db.session.get(Member, secretary.id),
                seconder=_db.session.get(Member, seconder.id),
                resolution=Resolution.ORDINARY,
                opens_at=now,
                closes_at=now + timedelta(days=7),
                quorum_percent=0,
                class_quorums={},
            ),
            now=now,
        )
        _db.session.commit()
        made = MadeMotion(motion.id, motion.title, motion.closes_at)
        _db.session.remove()
    return made


def cast_through_the_service(app, motion: MadeMotion, member, choice: Choice) -> str:
    """Another member's vote, cast without the browser; returns its receipt code."""
    with app.app_context():
        voter = _db.session.get(Member, member.id)
        receipt = service.cast_vote(_db.session.get(Motion, motion.id), voter, choice, by=voter)
        _db.session.commit()
        _db.session.remove()
    return receipt


def open_motion_from_the_menu(user, title: str) -> None:
    """The menu's Voting link, then the motion's link under "Open for voting"."""
    page = user.page
    user.activate(main_menu_link(page, "Voting"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Voting")
    user.activate(page.get_by_role("link", name=title, exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def choose_option(user, select, text: str) -> None:
    """Tab to a drop-down list and move through its options with the Down arrow to `text`."""
    user.tab_to(select)
    count = select.locator("option").count()
    selected = "(s) => s.selectedOptions.length ? s.selectedOptions[0].text : ''"
    for _ in range(count):
        if select.evaluate(selected) == text:
            break
        user.page.keyboard.press("ArrowDown")
    expect(select).to_have_js_property("selectedIndex", _index_of(select, text))


def _index_of(select, text: str) -> int:
    texts = select.locator("option").all_inner_texts()
    assert text in texts, f"{text!r} is not one of the options {texts}"
    return texts.index(text)


# --- Journeys ------------------------------------------------------------------------------


def test_a_member_votes_by_keyboard_and_finds_their_receipt_in_the_results(
    keyboard_user, app, make_member, clock
):
    user, page = keyboard_user, keyboard_user.page
    secretary = make_member(secretary=True, name="Sam Secretary")
    make_member("budget_holder", name="Ada Voter", email="ada@example.org", password=PASSWORD)
    other_holder = make_member("budget_holder", name="Bea Holder")
    carer = make_member("carer", name="Cal Carer")
    motion = put_open_motion(app, secretary, seconder=other_holder)
    others = [
        cast_through_the_service(app, motion, other_holder, Choice.FOR),
        cast_through_the_service(app, motion, carer, Choice.AGAINST),
    ]

    user.open("/")
    sign_in(user, "ada@example.org")
    open_motion_from_the_menu(user, MOTION_TITLE)
    expect(page.get_by_role("heading", name="Your vote", level=2)).to_be_visible()

    # They choose For on the motion's page and continue to check their answer.
    user.choose(page.get_by_role("radio", name="For", exact=True))
    user.activate(page.get_by_role("button", name="Continue", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote before you cast it")
    expect(summary_value(page, "Motion")).to_have_text(MOTION_TITLE)
    expect(summary_value(page, "Voting for")).to_have_text("Yourself")
    expect(summary_value(page, "Vote")).to_have_text("For")
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        "Once cast, a vote cannot be changed."
    )
    user.activate(page.get_by_role("button", name="Cast my vote", exact=True))

    # The receipt page shows the code once; they keep it.
    expect(page.get_by_role("heading", level=1)).to_have_text("Vote cast")
    receipt = page.locator(".govuk-panel .coop-receipt").inner_text().strip()
    assert RECEIPT_CODE.match(receipt), receipt
    assert receipt not in others
    expect(page.locator("main")).to_contain_text(f"You voted For on “{MOTION_TITLE}”.")

    # Back on the motion, the form has gone and the page says they have voted.
    user.activate(page.get_by_role("link", name="Back to all motions"))
    user.activate(page.get_by_role("link", name=MOTION_TITLE, exact=True))
    expect(page.locator(".govuk-inset-text")).to_contain_text("You voted on ")
    expect(page.get_by_role("radio")).to_have_count(0)

    # A minute after voting closes, the results are published with every receipt code.
    clock.move_to(motion.closes_at + timedelta(minutes=1))
    user.activate(main_menu_link(page, "Voting"))
    expect(page.get_by_role("heading", name="Open for voting")).to_be_visible()
    expect(page.locator("main")).to_contain_text("There are no motions open for voting just now.")
    user.activate(page.get_by_role("link", name=f"{MOTION_TITLE}: results", exact=True))
    expect(page).to_have_title(re.compile(rf"^Results: {re.escape(MOTION_TITLE)} – "))
    expect(page.get_by_role("heading", level=1)).to_have_text(MOTION_TITLE)

    votes = page.get_by_role("table").filter(
        has=page.get_by_role("columnheader", name="Receipt code")
    )
    expect(votes.locator("caption")).to_have_text("3 votes cast")
    mine = votes.get_by_role("row").filter(has=page.get_by_role("cell", name=receipt, exact=True))
    expect(mine).to_have_count(1)
    # Three voters in all, so no class is shown apart: the ballot stays secret (issue 10).
    expect(mine.get_by_role("cell")).to_have_text([receipt, "Other classes together", "For"])
    for code, choice in zip(others, ["For", "Against"], strict=True):
        row = votes.get_by_role("row").filter(has=page.get_by_role("cell", name=code, exact=True))
        expect(row.get_by_role("cell").last).to_have_text(choice)

    # The chart is an image with a title and a description that give its figures in words.
    chart = page.locator("main svg")
    expect(chart).to_have_count(1)
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("title")).to_have_text("Weighted votes For and Against")
    expect(chart.locator("desc")).to_contain_text("For ")
    expect(chart.locator("desc")).to_contain_text("Against ")
    expect(chart.locator("desc")).to_contain_text("The motion needed more than 50% For.")
    image = page.get_by_role("img", name=re.compile(r"^Weighted votes For and Against\b"))
    expect(image).to_be_visible()
    all_members = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="All members", exact=True)
    )
    expect(all_members.get_by_role("cell").nth(1)).to_have_text("2")  # For
    expect(all_members.get_by_role("cell").nth(2)).to_have_text("1")  # Against


def test_continuing_without_a_choice_shows_an_error_linked_to_the_choices(
    keyboard_user, app, make_member
):
    user, page = keyboard_user, keyboard_user.page
    secretary = make_member(secretary=True, name="Sam Secretary")
    make_member("carer", name="Cal Carer", email="cal@example.org", password=PASSWORD)
    seconder = make_member("budget_holder", name="Bea Holder")
    put_open_motion(app, secretary, seconder=seconder)

    user.open("/")
    sign_in(user, "cal@example.org")
    open_motion_from_the_menu(user, MOTION_TITLE)
    user.activate(page.get_by_role("button", name="Continue", exact=True))

    # The question comes back on a page of its own, saying what to do.
    expect(page).to_have_title(re.compile(r"^Error: Vote: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    link = summary.get_by_role("link")
    expect(link).to_have_text(["Select For, Against or Abstain"])
    href = link.get_attribute("href")
    assert re.fullmatch(r"#[\w-]+", href), href
    expect(page.locator(f"main form {href}")).to_have_attribute("type", "radio")
    expect(page.get_by_role("group", name=re.compile(r"^How do you vote on: "))).to_contain_text(
        "Select For, Against or Abstain"
    )
    for name in ("For", "Against", "Abstain"):
        expect(page.get_by_role("radio", name=name, exact=True)).not_to_be_checked()

    # The error's link takes focus to the first choice; they choose and carry on.
    user.tab_to(link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("radio", name="For", exact=True)).to_be_focused()
    user.choose(page.get_by_role("radio", name="Abstain", exact=True))
    user.activate(page.get_by_role("button", name="Continue", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote before you cast it")
    expect(summary_value(page, "Vote")).to_have_text("Abstain")


def test_a_member_appoints_a_proxy_who_votes_for_them_by_keyboard(keyboard_user, app, make_member):
    user, page = keyboard_user, keyboard_user.page
    secretary = make_member(secretary=True, name="Sam Secretary")
    make_member("budget_holder", name="Ann Principal", email="ann@example.org", password=PASSWORD)
    proxy = make_member("carer", name="Ben Proxy", email="ben@example.org", password=PASSWORD)
    seconder = make_member("pa", name="Pat Assistant")
    motion = put_open_motion(app, secretary, seconder=seconder)

    # Ann appoints Ben, by his member number, to vote for her on the motion.
    user.open("/")
    sign_in(user, "ann@example.org")
    user.activate(main_menu_link(page, "Voting"))
    user.activate(page.get_by_role("link", name=re.compile(r"^Proxies: ")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Proxies")
    expect(page.locator("main")).to_contain_text("You have not appointed a proxy.")
    user.type_into(
        page.get_by_label("Your proxy's member number", exact=True), str(proxy.member_number)
    )
    user.choose(page.get_by_role("radio", name="One motion", exact=True))
    choose_option(user, page.get_by_label("Motion", exact=True), MOTION_TITLE)
    user.activate(page.get_by_role("button", name="Appoint proxy", exact=True))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Ben Proxy is now your proxy."
    )
    yours = page.get_by_role("heading", name="Your proxies").locator(
        "xpath=following-sibling::ul[1]"
    )
    expect(yours).to_contain_text(
        f"Ben Proxy (member {proxy.member_number}), for “{MOTION_TITLE}”."
    )
    sign_out(user)

    # Ben sees the vote he holds on the motion's page and casts it for Ann.
    sign_in(user, "ben@example.org")
    open_motion_from_the_menu(user, MOTION_TITLE)
    expect(page.get_by_role("heading", name="Votes you hold as a proxy")).to_be_visible()
    user.activate(page.get_by_role("link", name="Vote for Ann Principal", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"How do you vote for Ann Principal on: {MOTION_TITLE}"
    )
    user.choose(page.get_by_role("radio", name="Against", exact=True))
    user.activate(page.get_by_role("button", name="Continue", exact=True))
    expect(summary_value(page, "Voting for")).to_have_text("Ann Principal (you are their proxy)")
    expect(summary_value(page, "Vote")).to_have_text("Against")
    user.activate(page.get_by_role("button", name="Cast Ann Principal's vote", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vote cast")
    assert RECEIPT_CODE.match(page.locator(".coop-receipt").inner_text().strip())
    expect(page.locator("main")).to_contain_text(
        f"You voted for Ann Principal Against on “{MOTION_TITLE}”."
    )
    expect(page.locator("main")).to_contain_text(
        "Give this code to Ann Principal so they can check their vote."
    )
    # The vote he held has gone from the motion's page; his own is still his to cast.
    user.activate(page.get_by_role("link", name="Back to all motions"))
    user.activate(page.get_by_role("link", name=MOTION_TITLE, exact=True))
    expect(page.get_by_role("link", name="Vote for Ann Principal")).to_have_count(0)
    expect(page.get_by_role("radio", name="For", exact=True)).to_be_visible()
    sign_out(user)

    # Ann sees the vote Ben cast for her, on her proxies page and on the motion's page.
    sign_in(user, "ann@example.org")
    user.activate(main_menu_link(page, "Voting"))
    user.activate(page.get_by_role("link", name=re.compile(r"^Proxies: ")))
    cast_for_you = page.get_by_role("heading", name="Votes cast for you").locator(
        "xpath=following-sibling::ul[1]"
    )
    expect(cast_for_you.get_by_role("listitem")).to_have_text(
        [re.compile(rf"^“{re.escape(MOTION_TITLE)}”: cast by Ben Proxy for you on .+")]
    )
    user.activate(main_menu_link(page, "Voting"))
    user.activate(page.get_by_role("link", name=MOTION_TITLE, exact=True))
    expect(page.locator(".govuk-inset-text")).to_contain_text(
        "Your vote was cast by Ben Proxy, your proxy, on "
    )
    with app.app_context():
        made = _db.session.get(Motion, motion.id)
        assert service.votes_by_class(made) == {"budget_holder": {"against": 1}}
