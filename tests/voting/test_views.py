"""Governance as members and the secretary see it: rules, motions, votes, proxies, results."""

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from coop import clock
from coop.extensions import db as _db
from coop.voting import service
from coop.voting.models import CastVote, Choice, Motion, Participation, Proxy, VotingRules
from tests.conftest import PASSWORD
from tests.pages import error_summary, field_error


def page(response) -> str:
    return response.get_data(as_text=True)


def text(response) -> str:
    """The page's words, tags removed and spaces squeezed, for asserting sentences."""
    words = re.sub(r"<[^>]+>", " ", page(response))
    return re.sub(r"\s+", " ", html.unescape(words))


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return _db.session.scalar(query)


@pytest.fixture
def sign_in(app):
    """A browser of its own for each member: `sign_in(member)` returns a signed-in client."""

    def signed_in(member):
        client = app.test_client()
        response = client.post("/login", data={"email": member.email, "password": PASSWORD})
        assert response.status_code == 302, page(response)
        return client

    return signed_in


def receipt_on(response) -> str:
    found = re.search(r'class="coop-receipt">([A-Z0-9-]+)<', page(response))
    assert found, "no receipt code on the page"
    return found[1]


def vote(client, motion, choice, principal=None):
    """Check and then cast a vote, as the two pages do; returns the /cast response."""
    extra = {"for": str(principal.id)} if principal else {}
    checked = client.post(f"{motion.url}/check", data={"choice": choice, **extra})
    assert "Check your vote before you cast it" in page(checked), page(checked)
    return client.post(f"{motion.url}/cast", data={"choice": choice, **extra})


# --- The co-op's rules -----------------------------------------------------------------

GOOD_RULES = {
    "share_budget_holder": "40",
    "share_carer": "30",
    "share_pa": "30",
    "share_provider": "0",
    "quorum_percent": "20",
    "max_proxies": "2",
    "seconder_required": "y",
    "commission_percent": "8",
}


def test_anyone_can_read_the_rules_which_start_at_the_defaults(client):
    words = text(client.get("/voting/rules"))
    assert "Budget holders 50% of the voting power" in words
    assert "Carers 25% of the voting power" in words
    assert "Personal assistants 25% of the voting power" in words
    assert "Providers 0% of the voting power" in words
    assert "A member may hold at most 3" in words
    assert (
        "Commission on marketplace bookings 8% of the price of each booking paid from a budget"
        in words
    )
    assert "Change the rules" not in words


def test_the_secretary_changes_the_rules_and_the_change_is_kept_with_date_and_name(
    app, secretary, sign_in
):
    browser = sign_in(secretary)
    assert "Change the rules" in text(browser.get("/voting/rules"))
    response = browser.post("/voting/rules", data=GOOD_RULES, follow_redirects=True)
    words = text(response)
    assert "The co-op's voting rules have been changed." in words
    assert "Budget holders 40% of the voting power" in words
    assert "A member may hold at most 2" in words
    today = datetime.now(UTC).astimezone(clock.LONDON)
    history = words.split("History of changes", 1)[1]
    assert f"{today.day} {today:%B %Y} at" in history
    assert "Sam Secretary 40%, 30%, 30%, 0% 20% 2 8%" in history

    browser.post("/voting/rules", data={**GOOD_RULES, "share_pa": "20", "share_provider": "10"})
    history = text(browser.get("/voting/rules")).split("History of changes", 1)[1]
    assert history.index("40%, 30%, 20%, 10%") < history.index("40%, 30%, 30%, 0%")
    assert count(app, VotingRules) == 2


def test_members_cannot_change_the_rules_or_put_motions(app, make_member, sign_in, client):
    member = sign_in(make_member())
    assert member.post("/voting/rules", data=GOOD_RULES).status_code == 403
    assert member.get("/voting/motions/new").status_code == 403
    assert member.post("/voting/motions/new", data={"title": "Mine"}).status_code == 403
    assert "Change the rules" not in text(member.get("/voting/rules"))
    # Signed out: the rules cannot be changed, and putting a motion asks you to sign in.
    assert client.post("/voting/rules", data=GOOD_RULES).status_code == 403
    response = client.get("/voting/motions/new")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert count(app, VotingRules) == 0
    assert count(app, Motion) == 0


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"share_pa": "15"},
            "share_budget_holder",
            "The shares add up to 85%. They must add up to 100%",
        ),
        ({"share_carer": "abc"}, "share_carer", "Carers' share must be a whole number, like 25"),
        ({"share_carer": "12.5"}, "share_carer", "Carers' share must be a whole number, like 25"),
        ({"share_carer": ""}, "share_carer", "Enter carers' share"),
        (
            {"share_budget_holder": "150"},
            "share_budget_holder",
            "Budget holders' share must be between 0 and 100",
        ),
        ({"share_pa": "-5"}, "share_pa", "Personal assistants' share must be between 0 and 100"),
        ({"quorum_percent": "101"}, "quorum_percent", "Quorum must be between 0 and 100"),
        ({"max_proxies": "-1"}, "max_proxies", "Enter a number from 0 to 50"),
        ({"max_proxies": "51"}, "max_proxies", "Enter a number from 0 to 50"),
        (
            {"max_proxies": "three"},
            "max_proxies",
            "The most proxies one member may hold must be a whole number, like 3",
        ),
        (
            {"commission_percent": ""},
            "commission_percent",
            "Enter the commission on marketplace bookings",
        ),
        (
            {"commission_percent": "eight"},
            "commission_percent",
            "Commission on marketplace bookings must be a number, like 8 or 7.5",
        ),
        (
            {"commission_percent": "7.555"},
            "commission_percent",
            "Commission on marketplace bookings can have at most 2 decimal places, like 7.25",
        ),
        (
            {"commission_percent": "100"},
            "commission_percent",
            "Commission on marketplace bookings must be at least 0% and less than 100%",
        ),
        (
            {"commission_percent": "-1"},
            "commission_percent",
            "Commission on marketplace bookings must be at least 0% and less than 100%",
        ),
    ],
)
def test_bad_rules_are_explained_and_what_was_typed_is_kept(
    app, secretary, sign_in, changes, field, message
):
    typed = {**GOOD_RULES, **changes}
    response = sign_in(secretary).post("/voting/rules", data=typed)
    assert response.status_code == 200
    body = page(response)
    assert (field, message) in error_summary(body)
    assert field_error(body, field) == message
    for name, value in typed.items():
        if name != "seconder_required":
            assert re.search(rf'name="{name}" type="text"[^>]*value="{re.escape(value)}"', body), (
                name
            )
    assert count(app, VotingRules) == 0


@pytest.mark.parametrize(
    "typed, basis_points, shown",
    [("7.5", 750, "7.5%"), ("12.25%", 1225, "12.25%"), (" 0 ", 0, "0%"), ("8.00", 800, "8%")],
)
def test_the_secretary_sets_the_commission_on_marketplace_bookings(
    app, secretary, sign_in, typed, basis_points, shown
):
    from coop.voting import service

    browser = sign_in(secretary)
    form = page(browser.get("/voting/rules"))
    assert 'id="commission_percent" name="commission_percent" type="text"' in form
    assert re.search(r'name="commission_percent" type="text"[^>]*value="8"', form)
    response = browser.post(
        "/voting/rules", data={**GOOD_RULES, "commission_percent": typed}, follow_redirects=True
    )
    words = text(response)
    assert "The co-op's voting rules have been changed." in words
    assert f"Commission on marketplace bookings {shown} of the price of each booking" in words
    assert (
        words.split("History of changes", 1)[1]
        .split("Sam Secretary", 1)[1]
        .startswith(f" 40%, 30%, 30%, 0% 20% 2 {shown}")
    )
    assert re.search(
        rf'name="commission_percent" type="text"[^>]*value="{re.escape(shown[:-1])}"',
        page(response),
    )
    with app.app_context():
        assert _db.session.scalar(select(VotingRules.commission_basis_points)) == basis_points
        # Bookings from now on pay the new rate.
        assert service.commission_rate() == Fraction(basis_points, 10_000)


# --- Putting a motion ------------------------------------------------------------------


def london_day(days: int) -> datetime:
    return datetime.now(UTC).astimezone(clock.LONDON) + timedelta(days=days)


def motion_form(proposer, seconder, /, **changes) -> dict:
    """What the secretary types: dates as the three boxes of a GOV.UK date input."""
    opens, closes = london_day(1), london_day(8)
    data = {
        "title": "Buy a minibus",
        "summary": "The co-op buys a minibus for days out.",
        "full_text": "That the co-op buys a minibus.\n\nThat it costs no more than £30,000.",
        "proposer": str(proposer.member_number),
        "seconder": str(seconder.member_number) if seconder else "",
        "resolution": "ordinary",
        "opens_on": [str(opens.day), str(opens.month), str(opens.year)],
        "opens_time": "09:00",
        "closes_on": [str(closes.day), str(closes.month), str(closes.year)],
        "closes_time": "17:30",
        "quorum_percent": "10",
    }
    data.update(changes)
    return data


def test_the_secretary_puts_a_motion_to_the_members(app, secretary, make_member, sign_in):
    proposer = make_member(name="Pia Proposer")
    seconder = make_member(name="Sid Seconder")
    browser = sign_in(secretary)
    form = browser.get("/voting/motions/new")
    assert 'name="quorum_percent" type="text" value="10"' in page(form)  # from the rules

    response = browser.post("/voting/motions/new", data=motion_form(proposer, seconder))
    assert response.status_code == 302, error_summary(page(response))
    words = text(browser.get(response.headers["Location"]))
    opens, closes = london_day(1), london_day(8)
    assert "The motion has been put to the members." in words
    assert "Buy a minibus" in words
    assert "Proposed by Pia Proposer" in words
    assert "Seconded by Sid Seconder" in words
    assert f"Voting opens {opens.day} {opens:%B %Y} at 9:00am" in words
    assert f"Voting closes {closes.day} {closes:%B %Y} at 5:30pm" in words
    with app.app_context():
        motion = _db.session.scalar(select(Motion))
        assert motion.opens_at.astimezone(clock.LONDON).strftime("%H:%M") == "09:00"
        assert motion.opens_at.tzinfo is not None


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"title": ""}, "title", "Enter a title"),
        ({"title": "   "}, "title", "Enter a title"),
        (
            {
                "closes_on": lambda: [
                    str(london_day(1).day),
                    str(london_day(1).month),
                    str(london_day(1).year),
                ],
                "closes_time": "08:00",
            },
            "closes_on",
            "The closing time must be after the opening time",
        ),
        (
            {
                "opens_on": lambda: [
                    str(london_day(-3).day),
                    str(london_day(-3).month),
                    str(london_day(-3).year),
                ],
                "closes_on": lambda: [
                    str(london_day(-1).day),
                    str(london_day(-1).month),
                    str(london_day(-1).year),
                ],
            },
            "closes_on",
            "The closing time must be in the future",
        ),
        (
            {"closes_time": "25:00"},
            "closes_time",
            "Enter closing time as a 24-hour time, like 09:00 or 17:30",
        ),
        (
            {"opens_time": "noon"},
            "opens_time",
            "Enter opening time as a 24-hour time, like 09:00 or 17:30",
        ),
        (
            {"opens_on": ["31", "2", "2030"]},
            "opens_on",
            "Voting opens on must be a real date, like 27 3 2027",
        ),
        ({"proposer": "9999"}, "proposer", "There is no member with that number"),
        ({"seconder": "9998"}, "seconder", "There is no member with that number"),
        (
            {"proposer": "twelve"},
            "proposer",
            "Enter the proposer's member number using digits only",
        ),
        ({"seconder": ""}, "seconder", "The co-op's rules need a seconder for every motion"),
        (
            {"seconder": "PROPOSER"},
            "seconder",
            "The seconder must be someone other than the proposer",
        ),
    ],
)
def test_a_motion_that_cannot_be_put_is_explained_and_what_was_typed_is_kept(
    app, secretary, make_member, sign_in, changes, field, message
):
    proposer, seconder = make_member(), make_member()
    changes = {k: v() if callable(v) else v for k, v in changes.items()}
    if changes.get("seconder") == "PROPOSER":
        changes["seconder"] = str(proposer.member_number)
    typed = motion_form(proposer, seconder, **changes)
    response = sign_in(secretary).post("/voting/motions/new", data=typed)
    assert response.status_code == 200
    body = page(response)
    assert (field, message) in error_summary(body)
    assert field_error(body, field) == message
    # Everything typed is still there to correct.
    for name in ("title", "proposer", "seconder", "opens_time", "closes_time", "quorum_percent"):
        kept = html.escape(typed[name].strip())
        assert re.search(rf'name="{name}" type="text" value="{re.escape(kept)}"', body), name
    assert html.escape(typed["summary"]) in body
    assert html.escape(typed["full_text"]) in body
    for name in ("opens_on", "closes_on"):
        boxes = re.findall(rf'name="{name}" type="text"[^>]*value="([^"]*)"', body)
        assert boxes == typed[name], name
    assert count(app, Motion) == 0


# --- Who may vote ----------------------------------------------------------------------


def test_a_member_who_joined_after_the_motion_opened_is_told_they_cannot_vote(
    app, make_motion, make_member, sign_in
):
    motion = make_motion()
    late = sign_in(make_member(name="Lee Late"))
    words = text(late.get(motion.url))
    assert "Only members who joined before this motion opened can vote on it." in words
    assert 'name="choice"' not in page(late.get(motion.url))
    refused = late.post(f"{motion.url}/cast", data={"choice": "for"}, follow_redirects=True)
    assert "Only members who joined before this motion opened can vote on it." in text(refused)
    refused = late.post(f"{motion.url}/check", data={"choice": "for"}, follow_redirects=True)
    assert "Only members who joined before this motion opened" in text(refused)
    assert count(app, Participation) == 0
    assert count(app, CastVote) == 0


@pytest.mark.parametrize("status", ["applied", "left"])
def test_applicants_and_former_members_cannot_vote(app, make_member, make_motion, status, sign_in):
    person = make_member(status=status)
    motion = make_motion()
    browser = sign_in(person)
    assert "Only current members of the co-op can vote." in text(browser.get(motion.url))
    refused = browser.post(f"{motion.url}/cast", data={"choice": "for"}, follow_redirects=True)
    assert "Only current members of the co-op can vote." in text(refused)
    assert count(app, Participation) == 0
    assert count(app, CastVote) == 0


def test_signed_out_visitors_are_asked_to_sign_in_to_vote(client, make_motion):
    motion = make_motion()
    assert "Sign in to vote" in text(client.get(motion.url))
    response = client.post(f"{motion.url}/cast", data={"choice": "for"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- One vote, checked, then final -----------------------------------------------------


def test_a_vote_is_checked_then_cast_and_its_receipt_code_shown_once(
    app, make_member, make_motion, sign_in
):
    voter = make_member("carer", name="Vera Voter")
    motion = make_motion()
    browser = sign_in(voter)
    assert 'name="choice"' in page(browser.get(motion.url))

    checked = browser.post(f"{motion.url}/check", data={"choice": "against"})
    words = text(checked)
    assert "Check your vote before you cast it" in words
    assert "Vote Against" in words
    assert "Once cast, a vote cannot be changed." in words
    assert 'name="choice" value="against"' in page(checked)
    assert count(app, Participation) == 0  # checking is not voting

    cast = browser.post(f"{motion.url}/cast", data={"choice": "against"})
    assert cast.status_code == 200
    receipt = receipt_on(cast)
    assert "You voted Against" in text(cast)
    with app.app_context():
        (vote,) = _db.session.scalars(select(CastVote)).all()
        assert (vote.receipt_code, vote.member_class, vote.choice) == (
            receipt,
            "carer",
            Choice.AGAINST,
        )
        (took_part,) = _db.session.scalars(select(Participation)).all()
        assert (took_part.member_id, took_part.proxy_id) == (voter.id, None)
    # Shown once: no page the voter can come back to shows it again.
    for url in (motion.url, "/voting/proxies", "/voting/", "/account"):
        again = browser.get(url)
        assert receipt not in page(again), url
    assert "You voted on" in text(browser.get(motion.url))


def test_a_second_vote_is_refused_and_changes_nothing(app, make_member, make_motion, sign_in):
    voter = make_member()
    motion = make_motion()
    browser = sign_in(voter)
    receipt = receipt_on(vote(browser, motion, "for"))

    again = browser.post(f"{motion.url}/cast", data={"choice": "against"}, follow_redirects=True)
    assert "already been cast" in text(again)
    checked = browser.post(f"{motion.url}/check", data={"choice": "against"}, follow_redirects=True)
    assert "already been cast" in text(checked)
    revisit = browser.get(f"{motion.url}/vote", follow_redirects=True)
    assert "already been cast" in text(revisit)
    with app.app_context():
        votes = _db.session.scalars(select(CastVote)).all()
        assert [(v.receipt_code, v.choice) for v in votes] == [(receipt, Choice.FOR)]
    assert count(app, Participation) == 1


@pytest.mark.parametrize("url", ["check", "cast"])
@pytest.mark.parametrize("choice", [None, "maybe"])
def test_a_vote_without_a_real_choice_is_explained(
    app, make_member, make_motion, sign_in, url, choice
):
    voter = make_member()
    motion = make_motion()
    data = {"choice": choice} if choice else {}
    response = sign_in(voter).post(f"{motion.url}/{url}", data=data)
    assert response.status_code == 200
    assert error_summary(page(response))
    assert count(app, Participation) == 0


def test_voting_before_the_motion_opens_or_after_it_closes_is_refused(
    app, make_member, make_motion, sign_in, clock
):
    voter = make_member()
    motion = make_motion("upcoming")
    browser = sign_in(voter)
    assert "Voting on this motion has not opened yet." in text(browser.get(motion.url))
    refused = browser.post(f"{motion.url}/cast", data={"choice": "for"}, follow_redirects=True)
    assert "Voting on this motion has not opened yet." in text(refused)

    clock.after_closing(motion)
    refused = browser.post(f"{motion.url}/cast", data={"choice": "for"}, follow_redirects=True)
    assert "Voting on this motion has closed." in text(refused)
    assert count(app, Participation) == 0
    assert count(app, CastVote) == 0


# --- Proxies ---------------------------------------------------------------------------


def appoint(browser, proxy, motion=None, dates=None):
    data = {"proxy": str(proxy.member_number)}
    if motion is not None:
        data.update(scope="motion", motion=str(motion.id))
    if dates is not None:
        first, last = dates
        data.update(
            scope="dates",
            starts_on=[str(first.day), str(first.month), str(first.year)],
            ends_on=[str(last.day), str(last.month), str(last.year)],
        )
    return browser.post("/voting/proxies", data=data)


def test_a_proxy_casts_their_principals_vote_and_the_principal_sees_who_cast_it(
    app, make_member, make_motion, sign_in
):
    yara = make_member("carer", name="Yara Principal")
    percy = make_member(name="Percy Proxy")
    motion = make_motion(title="Buy a minibus")
    yara_browser, percy_browser = sign_in(yara), sign_in(percy)

    appointed = appoint(yara_browser, percy, motion=motion)
    assert appointed.status_code == 302, error_summary(page(appointed))
    assert "Percy Proxy is now your proxy." in text(yara_browser.get("/voting/proxies"))

    on_motion = page(percy_browser.get(motion.url))
    assert f'href="{motion.url}/vote?for={yara.id}">Vote for Yara Principal</a>' in on_motion
    assert "Yara Principal: “Buy a minibus”" in text(percy_browser.get("/voting/proxies"))
    ballot = percy_browser.get(f"{motion.url}/vote?for={yara.id}")
    assert "How do you vote for Yara Principal on: Buy a minibus" in text(ballot)
    assert f'name="for" value="{yara.id}"' in page(ballot)

    checked = percy_browser.post(f"{motion.url}/check", data={"choice": "for", "for": yara.id})
    assert "Voting for Yara Principal (you are their proxy)" in text(checked)
    assert f'name="for" value="{yara.id}"' in page(checked)
    cast = percy_browser.post(f"{motion.url}/cast", data={"choice": "for", "for": yara.id})
    assert "You voted for Yara Principal For" in text(cast)
    assert "Give this code to Yara Principal" in text(cast)
    with app.app_context():
        (took_part,) = _db.session.scalars(select(Participation)).all()
        assert (took_part.member_id, took_part.proxy_id) == (yara.id, percy.id)
        (vote_cast,) = _db.session.scalars(select(CastVote)).all()
        assert vote_cast.member_class == "carer"  # the principal's class, not the proxy's

    # Percy's own vote is separate and still his to cast; Yara's is done.
    after = percy_browser.get(motion.url)
    assert "Vote for Yara Principal" not in page(after)
    assert 'name="choice"' in page(after)
    assert "cast by Percy Proxy for you" in text(yara_browser.get("/voting/proxies"))
    assert "Your vote was cast by Percy Proxy, your proxy" in text(yara_browser.get(motion.url))
    # ...and she can no longer take the proxy back for that motion.
    with app.app_context():
        appointment_id = _db.session.scalar(select(Proxy.id))
    refused = yara_browser.post(f"/voting/proxies/{appointment_id}/revoke", follow_redirects=True)
    assert "Your proxy has already voted for you on that motion." in text(refused)
    with app.app_context():
        assert _db.session.get(Proxy, appointment_id).revoked_at is None


def test_a_principal_revokes_a_proxy_who_has_not_voted(app, make_member, make_motion, sign_in):
    yara, percy = make_member(name="Yara Principal"), make_member(name="Percy Proxy")
    motion = make_motion()
    yara_browser, percy_browser = sign_in(yara), sign_in(percy)
    appoint(yara_browser, percy, motion=motion)
    with app.app_context():
        appointment_id = _db.session.scalar(select(Proxy.id))

    revoked = yara_browser.post(f"/voting/proxies/{appointment_id}/revoke", follow_redirects=True)
    assert "Percy Proxy is no longer your proxy." in text(revoked)
    assert "Revoked" in text(revoked)
    assert "Vote for Yara Principal" not in page(percy_browser.get(motion.url))
    assert percy_browser.get(f"{motion.url}/vote?for={yara.id}").status_code == 404
    refused = percy_browser.post(f"{motion.url}/cast", data={"choice": "for", "for": yara.id})
    assert refused.status_code == 404
    assert count(app, Participation) == 0


def test_a_principal_votes_before_their_proxy_and_then_the_proxy_cannot(
    app, make_member, make_motion, sign_in
):
    yara, percy = make_member(name="Yara Principal"), make_member(name="Percy Proxy")
    motion = make_motion()
    yara_browser, percy_browser = sign_in(yara), sign_in(percy)
    appoint(yara_browser, percy, motion=motion)
    assert "Vote for Yara Principal" in page(percy_browser.get(motion.url))
    # Percy opens the ballot and checks his answer; then Yara votes herself.
    percy_browser.post(f"{motion.url}/check", data={"choice": "for", "for": yara.id})
    receipt_on(vote(yara_browser, motion, "against"))

    assert "Vote for Yara Principal" not in page(percy_browser.get(motion.url))
    too_late = percy_browser.post(
        f"{motion.url}/cast", data={"choice": "for", "for": yara.id}, follow_redirects=True
    )
    assert too_late.status_code == 200
    assert "already been cast" in text(too_late)
    with app.app_context():
        (took_part,) = _db.session.scalars(select(Participation)).all()
        assert took_part.proxy_id is None
        assert [v.choice for v in _db.session.scalars(select(CastVote))] == [Choice.AGAINST]
    assert "cast by you" in text(yara_browser.get("/voting/proxies"))


def test_a_date_range_proxy_covers_every_motion_opening_within_it(
    app, make_member, make_motion, sign_in
):
    yara, percy = make_member(name="Yara Principal"), make_member(name="Percy Proxy")
    first = make_motion(title="First motion")
    second = make_motion(title="Second motion")
    yara_browser, percy_browser = sign_in(yara), sign_in(percy)
    today = london_day(0)
    appointed = appoint(yara_browser, percy, dates=(today, london_day(30)))
    assert appointed.status_code == 302, error_summary(page(appointed))
    made = text(yara_browser.get("/voting/proxies"))
    assert f"for motions opening {today.day} {today:%B %Y} to" in made

    for motion in (first, second):
        assert "Vote for Yara Principal" in page(percy_browser.get(motion.url))
    receipt_on(vote(percy_browser, first, "abstain", principal=yara))
    receipt_on(vote(percy_browser, second, "for", principal=yara))
    with app.app_context():
        cast = _db.session.scalars(select(Participation).order_by(Participation.id)).all()
        assert [(p.motion_id, p.member_id, p.proxy_id) for p in cast] == [
            (first.id, yara.id, percy.id),
            (second.id, yara.id, percy.id),
        ]


def test_nobody_holds_more_proxies_than_the_rules_allow(app, make_member, make_motion, sign_in):
    percy = make_member(name="Percy Proxy")
    principals = [make_member() for _ in range(4)]
    motion = make_motion()
    for principal in principals[:3]:
        assert appoint(sign_in(principal), percy, motion=motion).status_code == 302
    refused = appoint(sign_in(principals[3]), percy, motion=motion)
    assert refused.status_code == 200
    message = "Percy Proxy already holds proxies for 3 members, the most the rules allow"
    assert ("proxy", message) in error_summary(page(refused))
    assert f'name="proxy" type="text" value="{percy.member_number}"' in page(refused)
    assert count(app, Proxy) == 3


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"proxy": "9999", "scope": "motion", "motion": "MOTION"}, "proxy", "There is no member"),
        ({"proxy": "SELF", "scope": "motion", "motion": "MOTION"}, "proxy", "your own proxy"),
        ({"proxy": "OTHER", "scope": "motion", "motion": ""}, "motion", "Select the motion"),
        ({"proxy": "OTHER"}, "scope", "Select one motion or a range of dates"),
        (
            {"proxy": "OTHER", "scope": "dates", "starts_on": ["", "", ""]},
            "starts_on",
            "Enter the first date",
        ),
        (
            {
                "proxy": "OTHER",
                "scope": "dates",
                "starts_on": ["30", "2", "2030"],
                "ends_on": ["1", "3", "2030"],
            },
            "starts_on",
            "First date must be a real date, like 27 3 2027",
        ),
        (
            {
                "proxy": "OTHER",
                "scope": "dates",
                "starts_on": ["1", "3", "2030"],
                "ends_on": ["1", "2", "2030"],
            },
            "ends_on",
            "The last date must be the same as or after the first date",
        ),
    ],
)
def test_a_proxy_that_cannot_be_appointed_is_explained(
    app, make_member, make_motion, sign_in, data, field, message
):
    yara, other = make_member(), make_member()
    motion = make_motion()
    numbers = {"SELF": str(yara.member_number), "OTHER": str(other.member_number)}
    data = {k: numbers.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    if data.get("motion") == "MOTION":
        data["motion"] = str(motion.id)
    response = sign_in(yara).post("/voting/proxies", data=data)
    assert response.status_code == 200
    found = [m for f, m in error_summary(page(response)) if f == field]
    assert found and message in found[0], error_summary(page(response))
    assert count(app, Proxy) == 0


def test_someone_who_is_not_your_principal_is_not_found(app, make_member, make_motion, sign_in):
    yara, percy, stranger = make_member(), make_member(), make_member()
    motion = make_motion()
    appoint(sign_in(yara), percy, motion=motion)
    stranger_browser = sign_in(stranger)
    assert stranger_browser.get(f"{motion.url}/vote?for={yara.id}").status_code == 404
    for url in ("check", "cast"):
        response = stranger_browser.post(
            f"{motion.url}/{url}", data={"choice": "for", "for": yara.id}
        )
        assert response.status_code == 404
    assert stranger_browser.get(f"{motion.url}/vote?for=999999").status_code == 404
    # Nor can anyone but Yara revoke her proxy: not Percy, not a stranger.
    with app.app_context():
        appointment_id = _db.session.scalar(select(Proxy.id))
    assert stranger_browser.post(f"/voting/proxies/{appointment_id}/revoke").status_code == 404
    assert sign_in(percy).post(f"/voting/proxies/{appointment_id}/revoke").status_code == 404
    assert stranger_browser.post("/voting/proxies/999999/revoke").status_code == 404
    with app.app_context():
        assert _db.session.get(Proxy, appointment_id).revoked_at is None
    assert count(app, Participation) == 0


# --- Results ---------------------------------------------------------------------------


def test_results_are_not_published_before_voting_closes(client, make_motion, make_member, sign_in):
    motion = make_motion(title="Buy a minibus")
    response = client.get(f"{motion.url}/results")
    assert response.status_code == 404
    assert "Results are not published yet" in text(response)
    assert "“Buy a minibus” will be published when voting closes" in text(response)
    assert client.get(f"{motion.url}/receipts.csv").status_code == 404
    assert client.get("/voting/motions/999999/results").status_code == 404


def result_rows(body: str) -> list[tuple[str, str, str]]:
    """(receipt code, member class, vote) for each row of the published list."""
    rows = re.findall(
        r'<td class="govuk-table__cell coop-nowrap"[^>]*>([^<]+)</td>\s*'
        r'<td class="govuk-table__cell"[^>]*>([^<]+)</td>\s*'
        r'<td class="govuk-table__cell"[^>]*>([^<]+)</td>',
        body,
    )
    return [tuple(html.unescape(cell) for cell in row) for row in rows]


def test_every_vote_is_published_by_receipt_code_and_a_voter_finds_theirs(
    make_member, make_motion, sign_in, client, clock, monkeypatch
):
    # How each class voted is shown apart at any size here; at the default (5 voters) these
    # small classes would be shown together: see test_secrecy.py.
    monkeypatch.setitem(service.DEFAULT_RULES, "min_class_voters", 1)
    voters = {
        "for": make_member("budget_holder"),
        "against": make_member("carer"),
        "abstain": make_member("pa"),
    }
    motion = make_motion()
    receipts = {
        choice: receipt_on(vote(sign_in(member), motion, choice))
        for choice, member in voters.items()
    }

    clock.after_closing(motion)
    response = client.get(f"{motion.url}/results")
    assert response.status_code == 200
    rows = result_rows(page(response))
    assert rows == sorted(rows)  # by receipt code, not the order they were cast
    assert set(rows) == {
        (receipts["for"], "Budget holders", "For"),
        (receipts["against"], "Carers", "Against"),
        (receipts["abstain"], "Personal assistants", "Abstain"),
    }
    assert "3 votes cast" in text(response)

    spreadsheet = client.get(f"{motion.url}/receipts.csv")
    assert spreadsheet.mimetype == "text/csv"
    assert "attachment" in spreadsheet.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(page(spreadsheet))))
    assert lines[0] == ["Receipt code", "Member class", "Choice"]
    assert sorted(lines[1:]) == sorted(
        [
            [receipts["for"], "budget_holder", "for"],
            [receipts["against"], "carer", "against"],
            [receipts["abstain"], "pa", "abstain"],
        ]
    )


@pytest.mark.parametrize("quorum, met", [(50, True), (100, False)])
def test_results_give_each_class_its_votes_weight_and_turnout_with_an_accessible_chart(
    make_member, make_motion, sign_in, client, clock, secretary, quorum, met, monkeypatch
):
    # How each class voted is shown apart at any size here; at the default (5 voters) these
    # small classes would be shown together: see test_secrecy.py.
    monkeypatch.setitem(service.DEFAULT_RULES, "min_class_voters", 1)
    bea, bob = make_member("budget_holder"), make_member("budget_holder")
    cal, pat = make_member("carer"), make_member("pa")
    motion = make_motion(proposer=secretary, seconder=bea, quorum_percent=quorum)
    for member, choice in ((bea, "for"), (bob, "against"), (cal, "for"), (pat, "abstain")):
        vote(sign_in(member), motion, choice)

    clock.after_closing(motion)
    response = client.get(f"{motion.url}/results")
    body, words = page(response), text(response)
    # Budget holders 1 For, 1 Against; carers 1 For; PAs abstain, so their 25% passes on:
    # 50:25 becomes 66.7%:33.3%, and For is 33.3% + 33.3% = 66.7%.
    table = words.split("How each class of member voted", 1)[1]
    assert "Budget holders 50.0% (carried 66.7%) 1 1 0 2 of 3 33.3% 33.3%" in table
    assert "Carers 25.0% (carried 33.3%) 1 0 0 1 of 1 33.3% 0.0%" in table
    assert "Personal assistants 25.0% (carried 0.0%) 0 0 1 1 of 1 0.0% 0.0%" in table
    assert "Providers 0.0% 0 0 0 0 of 0 0.0% 0.0%" in table
    assert "All members 100% 2 1 1 4 of 5 66.7% 33.3%" in table
    if met:
        assert "Passed" in words
        assert "3 of 5 eligible members needed to take part (50.0%); 4 did" in words
        assert "so quorum was met" in words
    else:
        assert "Not passed" in words
        assert "so quorum was not met" in words
    # The chart is an image with a text alternative, next to a table of the same figures.
    svg = re.search(r"<svg[^>]*>.*?</svg>", body, re.S)[0]
    assert 'role="img"' in svg
    labelled_by = re.search(r'aria-labelledby="([^"]+)"', svg)[1].split()
    for part in labelled_by:
        assert re.search(rf'<(title|desc) id="{part}">[^<]+</', svg), part
    assert re.search(r"<title[^>]*>Weighted votes For and Against</title>", svg)
    assert re.search(r"<desc[^>]*>For 66.7%, Against 33.3%\.", svg)
    assert body.index("</svg>") < body.index("How each class of member voted</caption>")


def test_the_secretary_never_sees_how_a_member_voted(
    app, make_member, make_motion, sign_in, secretary, client, clock
):
    vera = make_member("carer", name="Vera Voter", email="vera@example.org")
    motion = make_motion(proposer=secretary)
    secretary_browser = sign_in(secretary)
    vote(secretary_browser, motion, "for")  # so the secretary's own ballot is not on the page
    vote(sign_in(vera), motion, "against")

    while_open = [
        motion.url,
        "/voting/",
        "/voting/proxies",
        "/voting/rules",
        "/secretary/register",
        f"/secretary/register?q={vera.member_number}",
        f"/secretary/applications/{vera.id}",
        "/secretary/register.csv",
    ]
    for url in while_open:
        response = secretary_browser.get(url)
        assert response.status_code == 200, url
        assert "Against" not in page(response), url
        assert "against" not in page(response).lower().replace("weighted against", ""), url
    assert "Vera Voter" in page(secretary_browser.get("/secretary/register"))

    clock.after_closing(motion)
    for url in (f"{motion.url}/results", f"{motion.url}/receipts.csv"):
        published = page(secretary_browser.get(url))
        assert "against" in published.lower(), url
        assert "Vera" not in published, url
        assert "vera@example.org" not in published, url
