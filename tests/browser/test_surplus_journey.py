"""Reinvesting the surplus in a real browser, by keyboard alone, with axe-core on every page."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from coop.extensions import db as _db
from coop.members.models import Member
from coop.voting import surplus
from coop.voting.models import SurplusBallot
from tests.browser.journeys import PASSWORD, RECEIPT_CODE, expect, main_menu_link, sign_in

YEAR = "2026 to 2027"
BALLOT_LINK = f"Surplus {YEAR}: £1,000.00"
RESPITE = "Respite breaks for family carers"
TRAINING = "Training for personal assistants"
GARDEN = "A garden at the day centre"


# --- Helpers -----------------------------------------------------------------------------


class Clock:
    """What the voting rules take as "now": a fixed moment a test moves on."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def open_ballot_from_the_menu(user) -> None:
    """The menu's Voting link, then the year's surplus ballot."""
    page = user.page
    user.activate(main_menu_link(page, "Voting"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Voting")
    user.activate(page.get_by_role("link", name=BALLOT_LINK, exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Reinvesting the surplus, {YEAR}")


@dataclass(frozen=True)
class MadeBallot:
    id: int
    opens_at: datetime
    closes_at: datetime
    proposals: dict[str, int]  #: title -> id


def make_ballot(app, secretary, proposers, *, start: datetime, accept: bool) -> MadeBallot:
    """A £1,000 ballot: proposals close an hour after `start`, voting opens after two hours.

    The three proposals are sent at `start`; with `accept` the secretary puts them all on
    the ballot.
    """
    with app.app_context():
        by = _db.session.get(Member, secretary.id)
        ballot = surplus.open_ballot(
            by,
            financial_year=YEAR,
            amount_pence=100_000,
            proposals_close_at=start + timedelta(hours=1),
            opens_at=start + timedelta(hours=2),
            closes_at=start + timedelta(days=9),
            now=start,
        )
        ideas = [
            (RESPITE, "A week's respite care for five families.", 60_000, "Family carers"),
            (TRAINING, "Moving and handling courses for ten PAs.", 30_000, "Personal assistants"),
            (GARDEN, "Raised beds and seating anyone can reach.", 50_000, "Everyone"),
        ]
        proposals = {}
        for proposer, (title, description, cost, helps) in zip(proposers, ideas, strict=True):
            proposal = surplus.submit_proposal(
                ballot,
                _db.session.get(Member, proposer.id),
                title=title,
                description=description,
                cost_pence=cost,
                helps=helps,
                now=start,
            )
            if accept:
                surplus.decide_proposal(by, proposal, True, now=start)
            proposals[title] = proposal.id
        _db.session.commit()
        made = MadeBallot(ballot.id, ballot.opens_at, ballot.closes_at, proposals)
        _db.session.remove()
    return made


def approve_through_the_service(app, ballot: MadeBallot, member, titles, now) -> str:
    """Another member's approval vote, cast without the browser; returns its receipt code."""
    with app.app_context():
        receipt = surplus.cast_approvals(
            _db.session.get(SurplusBallot, ballot.id),
            _db.session.get(Member, member.id),
            {ballot.proposals[t] for t in titles},
            now=now,
        )
        _db.session.commit()
        _db.session.remove()
    return receipt


def row_for(table, header: str):
    """The body row of `table` whose row header is `header`."""
    page = table.page
    return table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=header, exact=True)
    )


# --- Journeys ------------------------------------------------------------------------------


def test_a_member_approves_proposals_by_keyboard_and_reads_the_explained_result(
    keyboard_user, app, make_member, monkeypatch
):
    user, page = keyboard_user, keyboard_user.page
    secretary = make_member(secretary=True, name="Sam Secretary")
    make_member("budget_holder", name="Ada Voter", email="ada@example.org", password=PASSWORD)
    bea = make_member("budget_holder", name="Bea Holder")
    cal = make_member("carer", name="Cal Carer")
    pat = make_member("pa", name="Pat Assistant")
    start = datetime.now(UTC)
    ballot = make_ballot(app, secretary, [cal, pat, bea], start=start, accept=True)
    clock = Clock(ballot.opens_at + timedelta(hours=1))
    monkeypatch.setattr("coop.clock.now", clock)
    # Each class's voting power is split among its voters: here every vote weighs the same,
    # so each voter's share starts at £250. The count then raises the shares while what they
    # buy still fits the budget: at £425 the garden would be bought too (£1,400), so the
    # shares stop at £424, and Ada's pays £200 towards respite and £150 towards training.
    others = [
        approve_through_the_service(app, ballot, bea, [TRAINING, GARDEN], clock.now),
        approve_through_the_service(app, ballot, cal, [RESPITE, GARDEN], clock.now),
        approve_through_the_service(app, ballot, pat, [RESPITE], clock.now),
    ]

    user.open("/")
    sign_in(user, "ada@example.org")
    open_ballot_from_the_menu(user)

    # Ada backs two of the three proposals, ticking each with Space.
    backed = page.get_by_role("group", name="Which proposals do you back?")
    expect(backed.get_by_role("checkbox")).to_have_count(3)
    user.tick(backed.get_by_role("checkbox", name=f"{RESPITE} (£600.00)", exact=True))
    user.tick(backed.get_by_role("checkbox", name=f"{TRAINING} (£300.00)", exact=True))
    expect(
        backed.get_by_role("checkbox", name=f"{GARDEN} (£500.00)", exact=True)
    ).not_to_be_checked()
    user.activate(page.get_by_role("button", name="Continue", exact=True))

    # She checks her choices, then casts her vote and keeps the receipt code.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your choices before you vote")
    expect(page.locator("main ul.govuk-list--bullet > li")).to_have_text(
        [f"{RESPITE} (£600.00)", f"{TRAINING} (£300.00)"]
    )
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        "Once cast, a vote cannot be changed."
    )
    user.activate(page.get_by_role("button", name="Cast my vote", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vote cast")
    receipt = page.locator(".govuk-panel .coop-receipt").inner_text().strip()
    assert RECEIPT_CODE.match(receipt), receipt
    assert receipt not in others

    # Back on the ballot, she cannot vote again.
    user.activate(page.get_by_role("link", name="Back to the ballot", exact=True))
    expect(page.get_by_role("checkbox")).to_have_count(0)
    expect(page.locator(".govuk-inset-text")).to_have_text("You have already voted on this ballot.")

    # Once voting has closed, the ballot's page leads to the explained result.
    clock.now = ballot.closes_at + timedelta(minutes=1)
    user.activate(main_menu_link(page, "Voting"))
    user.activate(page.get_by_role("link", name=BALLOT_LINK, exact=True))
    user.activate(page.get_by_role("link", name="See the results, and where your share went"))
    expect(page).to_have_title(re.compile(rf"^Results: reinvesting the surplus, {YEAR} – "))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Reinvesting the surplus, {YEAR}")
    # The count is explained in plain English: the tally's own tests pin the exact words, so
    # here the figures and the verdicts are checked, each beside the proposal it belongs to.
    how = page.locator("main .govuk-grid-column-two-thirds ul.govuk-list > li")
    expect(how.first).to_contain_text(
        "Each member's share of the budget was £424.00 per unit of voting weight"
    )
    expect(how.last).to_have_text("£900.00 of the £1,000.00 budget is spent.")

    why = page.get_by_role("table", name="Every proposal, and why it was or was not funded")
    expect(why.get_by_role("rowheader")).to_have_text([RESPITE, TRAINING, GARDEN])
    expected = {
        RESPITE: ("£600.00", "3 members", "Funded", ["in round 1", "£200.00 of their £424.00"]),
        TRAINING: ("£300.00", "2 members", "Funded", ["in round 2", "£150.00"]),
        GARDEN: ("£500.00", "2 members", "Not funded", ["£498.00 left", "costs £500.00"]),
    }
    for title, (cost, backers, verdict, figures) in expected.items():
        cells = row_for(why, title).get_by_role("cell")
        expect(cells.nth(0)).to_have_text(cost)
        expect(cells.nth(1)).to_have_text(backers)
        # Every vote weighs 1 here, so the weighted approvals equal the backers.
        expect(cells.nth(2)).to_have_text(f"{backers.split()[0]}.00")
        expect(cells.nth(3).locator(".govuk-tag")).to_have_text(verdict)
        expect(cells.nth(4)).to_have_text(re.compile(rf"^\s*{verdict}\b"))
        for figure in figures:
            expect(cells.nth(4)).to_contain_text(figure)

    chart = page.get_by_role("img", name=re.compile(r"^Each proposal's cost as a share of"))
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("desc")).to_contain_text(f"{RESPITE}: £600.00, funded.")
    expect(chart.locator("desc")).to_contain_text(f"{GARDEN}: £500.00, not funded.")

    votes = page.get_by_role("table", name="4 votes cast")
    mine = votes.get_by_role("row").filter(has=page.get_by_role("cell", name=receipt, exact=True))
    # Four voters in all, so no class is shown apart: the ballot stays secret (issue 10).
    expect(mine.get_by_role("cell")).to_have_text(
        [receipt, "Other classes together", f"{RESPITE}; {TRAINING}"]
    )

    # She types her receipt code to see where her share went.
    user.type_into(page.get_by_label("Your receipt code", exact=True), receipt.lower())
    user.activate(page.get_by_role("button", name="Show where my share went", exact=True))
    expect(page).to_have_url(re.compile(r"[?&]receipt=.+#my-share$"))
    expect(page.get_by_label("Your receipt code", exact=True)).to_have_value(receipt.lower())
    share = page.get_by_role("heading", name="Where your share went").locator(
        "xpath=following-sibling::*[1]"
    )
    expect(share).to_have_class(re.compile(r"\bgovuk-inset-text\b"))
    expect(share).to_have_text(re.compile(r"^\s*Your share was £424\.00\b"))
    for figure in (
        f"£200.00 towards {RESPITE}",
        f"£150.00 towards {TRAINING}",
        "£74.00 was not spent",
    ):
        expect(share).to_contain_text(figure)


def test_a_member_proposes_by_keyboard_and_puts_a_mistake_right(keyboard_user, app, make_member):
    user, page = keyboard_user, keyboard_user.page
    secretary = make_member(secretary=True, name="Sam Secretary")
    proposers = [make_member("carer"), make_member("pa"), make_member("budget_holder")]
    make_member("carer", name="Cal Carer", email="cal@example.org", password=PASSWORD)
    # Proposals stay open for an hour from now (real time: nothing here moves the clock).
    make_ballot(app, secretary, proposers, start=datetime.now(UTC), accept=False)

    user.open("/")
    sign_in(user, "cal@example.org")
    open_ballot_from_the_menu(user)
    expect(page.get_by_role("heading", name="Your proposals")).to_have_count(0)
    user.activate(page.get_by_role("link", name="Make a proposal", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a proposal")
    expect(page.locator("main")).to_contain_text("There is £1,000.00 to share.")

    title = page.get_by_label("Title", exact=True)
    description = page.get_by_label("What would the money do?", exact=True)
    cost = page.get_by_label("Cost", exact=True)
    helps = page.get_by_label("Who would it help?", exact=True)
    user.type_into(title, "Minibus hire for summer outings")
    user.type_into(description, "Hire a wheelchair-accessible minibus for four day trips.")
    user.type_into(cost, "abc")
    user.type_into(helps, "Members who cannot drive")
    user.activate(page.get_by_role("button", name="Send proposal", exact=True))

    # The form comes back saying what is wrong, with everything she typed kept.
    expect(page).to_have_title(re.compile(r"^Error: Make a proposal – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link")
    expect(link).to_have_text(["Enter cost in pounds, like 2500 or 2,500.00"])
    expect(page.locator("#cost-error")).to_contain_text("Enter cost in pounds, like 2500")
    expect(title).to_have_value("Minibus hire for summer outings")
    expect(description).to_have_value("Hire a wheelchair-accessible minibus for four day trips.")
    expect(cost).to_have_value("abc")
    expect(helps).to_have_value("Members who cannot drive")

    # The error's link takes her to the cost, which she puts right.
    user.tab_to(link)
    page.keyboard.press("Enter")
    expect(cost).to_be_focused()
    user.type_into(cost, "250")
    user.activate(page.get_by_role("button", name="Send proposal", exact=True))

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Reinvesting the surplus, {YEAR}")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Thank you: your proposal has gone to the secretary."
    )
    yours = page.get_by_role("heading", name="Your proposals").locator(
        "xpath=following-sibling::ul[1]"
    )
    expect(yours.get_by_role("listitem")).to_have_text(
        ["Minibus hire for summer outings (£250.00): Waiting for the secretary"]
    )
