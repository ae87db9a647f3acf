"""Members without email: an application recorded on paper or by phone, identity confirmed in
person, approval, letters instead of emails (in the register, from voting notices and
bookings), and a sign-in given later through an email address the member confirms."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from coop.extensions import db as _db
from coop.members import emails, letters, paper, service
from coop.members.models import Member, MemberClass, MembershipStatus
from coop.members.paper_models import Letter, PaperApplication, ReceivedBy
from coop.voting import emails as voting_emails
from coop.voting import service as voting
from coop.voting.models import Resolution
from tests.conftest import PASSWORD
from tests.pages import error_summary, page, text

PAPER_FORM = {
    "received_by": "post",
    "received_on": ["2", "3", "2026"],
    "member_class": "budget_holder",
    "organisation_name": "",
    "name": "Peggy Paper",
    "email": "",
    "address_line_1": "3 Mill Lane",
    "address_line_2": "",
    "town": "Belper",
    "postcode": "de56 1aa",
    "agreed": "y",
}


def sign_in(client, member_or_email, password=PASSWORD):
    address = getattr(member_or_email, "email", member_or_email)
    client.post("/logout")
    response = client.post("/login", data={"email": address, "password": password})
    assert response.status_code == 302, page(response)


def paper_member(secretary, *, approve=True, name="Peggy Paper", member_class="budget_holder"):
    """A member who applied on paper, through the public service functions."""
    member, _record = paper.record_application(
        paper.PaperDetails(
            member_class=MemberClass(member_class),
            name=name,
            address_line_1="3 Mill Lane",
            town="Belper",
            postcode="DE56 1AA",
            received_by=ReceivedBy.PHONE,
            received_on=date.today(),
        ),
        secretary,
    )
    if approve:
        paper.confirm_identity(member, secretary, "Met at the drop-in")
        service.approve(member, secretary)
        emails.send_decision(member)  # as the application page does: a welcome letter
    _db.session.commit()
    return member


@pytest.fixture
def secretary(db, make_member):
    return make_member(secretary=True, email="sec@example.org", name="Sam Secretary")


# --- Recording, confirming in person, approving -----------------------------------------


def test_the_secretary_records_confirms_and_approves_a_paper_application(
    client, db, secretary, mailbox
):
    sign_in(client, secretary)
    assert "Record a paper or phone application" in text(client.get("/secretary/applications"))
    response = client.post("/secretary/applications/paper", data=PAPER_FORM)
    assert response.status_code == 302, page(response)
    member = db.session.scalar(select(Member).where(Member.name == "Peggy Paper"))
    assert member.email is None and member.status is MembershipStatus.APPLIED
    assert member.postcode == "DE56 1AA"
    assert response.location.endswith(f"/secretary/applications/{member.id}")

    words = text(client.get(response.location))
    assert "Received on paper" in words
    assert "None: letters to their postal address" in words
    assert "Recorded by Sam Secretary" in words
    assert "Identity Not confirmed yet" in words
    assert "once you have confirmed the applicant's identity" in words

    # Approving before the identity check is refused, saying why.
    body = page(client.post(response.location, data={"decision": "approve"}))
    assert any("Confirm the applicant's identity in person" in m for _f, m in error_summary(body))
    assert db.session.get(Member, member.id).status is MembershipStatus.APPLIED

    confirmed = client.post(
        f"/secretary/applications/{member.id}/identity", data={"note": "Met at the drop-in"}
    )
    assert "You have confirmed Peggy Paper's identity" in text(client.get(confirmed.location))
    record = db.session.scalar(select(PaperApplication))
    assert record.identity_confirmed_by_id == secretary.id
    assert record.identity_confirmed_at is not None and record.identity_note == "Met at the drop-in"
    words = text(client.get(response.location))
    assert "Confirmed in person by Sam Secretary" in words

    approved = client.post(response.location, data={"decision": "approve"})
    assert approved.status_code == 302
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert member.is_approved and member.member_number is not None
    # The welcome is a letter, not an email.
    assert mailbox.messages == []
    [welcome] = letters.letters_for(member)
    assert welcome.subject == "You are now a member"
    assert f"Your member number is {member.member_number}" in welcome.body
    assert "We will write to you by post" in welcome.body


def test_in_the_register_a_paper_member_gets_letters(client, db, secretary, make_member):
    make_member(email="asha@example.org", name="Asha Email")
    paper_member(secretary)
    sign_in(client, secretary)
    words = text(client.get("/secretary/register"))
    assert "Peggy Paper" in words and "Letters to their postal address" in words
    assert "Add an email address for Peggy Paper" in words

    rows = list(csv.DictReader(io.StringIO(page(client.get("/secretary/register.csv")))))
    by_name = {row["Name"]: row for row in rows}
    assert by_name["Peggy Paper"]["Contact preference"] == "Letters to their postal address"
    assert by_name["Peggy Paper"]["Email address"] == ""
    assert by_name["Asha Email"]["Contact preference"] == "Email"


def test_a_failed_paper_form_keeps_what_was_typed_and_email_is_optional(client, db, secretary):
    sign_in(client, secretary)
    body = page(
        client.post(
            "/secretary/applications/paper",
            data=PAPER_FORM | {"postcode": "not a postcode", "email": "not an email"},
        )
    )
    messages = [m for _f, m in error_summary(body)]
    assert "Enter a real UK postcode, like DE1 3AB" in messages
    assert any("correct format" in m for m in messages)
    assert 'value="Peggy Paper"' in body and 'value="3 Mill Lane"' in body
    body = page(client.post("/secretary/applications/paper", data=PAPER_FORM | {"agreed": ""}))
    assert any("must agree" in m for _f, m in error_summary(body))
    assert db.session.scalar(select(Member).where(Member.name == "Peggy Paper")) is None


@pytest.mark.parametrize("who", ["anonymous", "member", "applicant", "provider"])
@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/secretary/applications/paper"),
        ("post", "/secretary/applications/paper"),
        ("get", "/secretary/letters"),
        ("post", "/secretary/letters/{letter}/posted"),
        ("post", "/secretary/applications/{member}/identity"),
        ("get", "/secretary/members/{member}/email"),
    ],
)
def test_only_the_secretary_handles_paper_members_and_letters(
    client, db, secretary, make_member, who, method, path
):
    member = paper_member(secretary, approve=False)
    letters.notify(member, "A letter", "Hello")
    db.session.commit()
    letter = db.session.scalar(select(Letter))
    url = path.format(member=member.id, letter=letter.id)
    if who != "anonymous":
        actor = make_member(
            "provider" if who == "provider" else "carer",
            "applied" if who == "applicant" else "approved",
            email=f"{who}@example.org",
        )
        sign_in(client, actor)
    response = getattr(client, method)(url, data=PAPER_FORM if method == "post" else None)
    if who == "anonymous":
        assert response.status_code == 302 and "/login" in response.location
    else:
        assert response.status_code == 403
    assert db.session.scalar(select(Letter)).posted_at is None
    assert paper.record_of(member).identity_confirmed_at is None


def test_identity_is_confirmed_once_and_only_for_paper_applications(db, secretary, make_member):
    online = make_member("carer", "applied", email="online@example.org", confirmed=False)
    with pytest.raises(service.MembershipError, match="came through the website"):
        paper.confirm_identity(online, secretary)
    member = paper_member(secretary, approve=False)
    with pytest.raises(service.MembershipError, match="Only the secretary"):
        paper.confirm_identity(member, online)
    paper.confirm_identity(member, secretary)
    with pytest.raises(service.MembershipError, match="already confirmed"):
        paper.confirm_identity(member, secretary)
    # An online applicant still needs their email confirmed to be approved.
    with pytest.raises(service.MembershipError, match="not confirmed their email"):
        service.approve(online, secretary)


# --- The letters list ---------------------------------------------------------------------


def test_the_secretary_sees_each_letter_and_marks_it_posted(client, db, secretary):
    member = paper_member(secretary)
    letters.notify(member, "Your booking", "Hello Peggy,\n\nLine one\nline two <b>bold</b>\n")
    db.session.commit()
    sign_in(client, secretary)
    response = client.get("/secretary/letters")
    body, words = page(response), text(response)
    assert "2 letters to post" in words
    assert "To Peggy Paper: You are now a member" in words
    assert "3 Mill Lane" in words and "DE56 1AA" in words
    assert "line two &lt;b&gt;bold&lt;/b&gt;" in body  # the letter's text is escaped

    first = letters.letters_to_send()[0]
    response = client.post(f"/secretary/letters/{first.id}/posted")
    assert "The letter to Peggy Paper is marked as posted" in text(client.get(response.location))
    words = text(client.get("/secretary/letters"))
    assert "1 letter to post" in words
    assert "You are now a member, to Peggy Paper: posted" in words and "by Sam Secretary" in words
    # Marking it again says so and changes nothing.
    again = client.post(f"/secretary/letters/{first.id}/posted")
    assert "already marked as posted" in text(client.get(again.location))
    assert client.post("/secretary/letters/999999/posted").status_code == 404


# --- Nothing that emails members breaks on one without email -----------------------------


def test_voting_notices_send_letters_to_members_without_email(
    app, db, secretary, make_member, mailbox, monkeypatch, runner
):
    monkeypatch.setitem(voting.DEFAULT_RULES, "seconder_required", False)
    make_member(email="asha@example.org")
    member = paper_member(secretary)
    now = datetime.now(UTC)
    opens = now + timedelta(minutes=5)
    voting.put_motion(
        secretary,
        voting.MotionDraft(
            title="Start a respite fund",
            summary="Set money aside for carers' breaks.",
            full_text="That the co-op starts a respite fund.",
            proposer=secretary,
            seconder=None,
            resolution=Resolution.ORDINARY,
            opens_at=opens,
            closes_at=opens + timedelta(days=7),
            quorum_percent=10,
            class_quorums={},
        ),
        now=now,
    )
    db.session.commit()
    monkeypatch.setattr("coop.clock.now", lambda: opens + timedelta(minutes=5))

    result = runner.invoke(args=["voting", "send-notices"])
    assert result.exit_code == 0, result.output
    assert "Sent 3 opening" in result.output
    assert {m["To"] for m in mailbox.messages} == {"sec@example.org", "asha@example.org"}
    db.session.expire_all()
    [vote_now] = [x for x in letters.letters_for(member) if x.subject.startswith("Vote now")]
    assert vote_now.body.startswith("Hello Peggy Paper,")
    assert voting_emails.send_due_notices()["opening"] == 0  # and only once


# --- A sign-in later ----------------------------------------------------------------------


def test_a_paper_member_is_given_a_sign_in_through_an_address_they_confirm(
    client, db, secretary, mailbox
):
    member = paper_member(secretary)
    sign_in(client, secretary)
    url = f"/secretary/members/{member.id}/email"
    assert "Add an email address for Peggy Paper" in text(client.get(url))
    response = client.post(url, data={"email": "Peggy@Example.org"})
    assert response.status_code == 302, page(response)
    assert "We have emailed peggy@example.org a link" in text(client.get(response.location))
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    # Not their address until they confirm it: letters still go by post.
    assert member.email is None and member.contact_preference.startswith("Letters")
    letters.notify(member, "Still a letter", "Hello")
    assert letters.letters_for(member)[0].subject == "Still a letter"
    db.session.rollback()

    link = mailbox.link("peggy@example.org", "/confirm-address/")
    client.post("/logout")
    words = text(client.get(link))
    assert "Set up your sign-in" in words and "peggy@example.org" in words
    body = page(client.post(link, data={"password": "short", "password_confirm": "short"}))
    assert error_summary(body)
    response = client.post(
        link, data={"password": "a new long password", "password_confirm": "a new long password"}
    )
    assert response.status_code == 302 and response.location.endswith("/login")
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert member.email == "peggy@example.org" and member.email_confirmed_at is not None
    assert member.contact_preference == "Email"
    assert client.get(link).status_code == 400  # the link works once

    sign_in(client, "peggy@example.org", "a new long password")
    assert "Peggy Paper" in text(client.get("/account"))
    mailbox.messages.clear()
    letters.notify(member, "Now an email", "Hello")
    assert [m["Subject"] for m in mailbox.to("peggy@example.org")][0].startswith("Now an email")


def test_an_address_given_on_paper_waits_for_confirmation(db, secretary, make_member, mailbox):
    make_member(email="taken@example.org")
    details = paper.PaperDetails(
        member_class=MemberClass.CARER,
        name="Pat Phone",
        address_line_1="1 Long Row",
        town="Derby",
        postcode="DE1 3AB",
        received_by=ReceivedBy.PHONE,
        received_on=date.today(),
        email="taken@example.org",
    )
    with pytest.raises(service.EmailTaken):
        paper.record_application(details, secretary)
    member, record = paper.record_application(
        paper.PaperDetails(**(details.__dict__ | {"email": "pat@example.org"})), secretary
    )
    db.session.commit()
    assert member.email is None and record.pending_email == "pat@example.org"
    assert paper.send_added_email_link(member)
    assert mailbox.link("pat@example.org", "/confirm-address/")
    # Someone else takes the address first: confirming is refused, nothing is lost.
    other = make_member(email="other@example.org")
    other.email = "pat@example.org"
    db.session.commit()
    with pytest.raises(service.EmailTaken):
        paper.confirm_added_email(member, "a long enough password")
    db.session.rollback()
    assert db.session.get(Member, member.id).email is None


def test_a_paper_applicant_who_is_not_accepted_is_told_by_letter(client, db, secretary, mailbox):
    member = paper_member(secretary, approve=False)
    sign_in(client, secretary)
    response = client.post(
        f"/secretary/applications/{member.id}",
        data={"decision": "reject", "reason": "You live outside the area we serve"},
    )
    assert response.status_code == 302
    [letter] = letters.letters_for(db.session.get(Member, member.id))
    assert letter.subject == "About your application"
    assert "You live outside the area we serve" in letter.body
    assert "write to or phone the co-op's secretary" in letter.body
    assert mailbox.messages == []
