"""Joining, signing in and the secretary's pages, as a person using them sees them."""

import html
import json
import re

import pytest
from sqlalchemy import func, select

from coop.members.models import Member, MembershipStatus
from tests.conftest import PASSWORD

GOOD = {
    "member_class": "carer",
    "name": "Dee Carer",
    "email": "dee@example.org",
    "address_line_1": "1 Friar Gate",
    "address_line_2": "",
    "town": "Derby",
    "postcode": "de1 1da",
    "password": "a long enough password",
    "password_confirm": "a long enough password",
    "agree": "y",
}


def page(response) -> str:
    return response.get_data(as_text=True)


def count_members(app) -> int:
    from coop.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count(Member.id)))


def error_summary(body: str) -> list[str]:
    """The messages in the error summary at the top of the page."""
    summary = body.split("govuk-error-summary__list", 1)
    assert len(summary) == 2, "no error summary on the page"
    found = re.findall(r"<a href=\"#[^\"]+\">([^<]+)</a>", summary[1].split("</ul>", 1)[0])
    return [html.unescape(m) for m in found]


# --- Registering -----------------------------------------------------------------------


def test_registering_creates_an_applicant_and_emails_a_confirmation_link(app, client, mailbox):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 302
    assert "/register/check-your-email" in response.headers["Location"]
    assert "Now confirm your email address" in page(client.get(response.headers["Location"]))
    (message,) = mailbox.to("dee@example.org")
    assert message["Subject"].startswith("Confirm your email address")
    link = mailbox.link("dee@example.org", "/confirm/")
    from coop.extensions import db

    # Opening the link only asks; nothing is confirmed until the button is pressed.
    assert "Confirm my email address" in page(client.get(link))
    with app.app_context():
        assert db.session.scalar(select(Member)).email_confirmed_at is None
    assert "Email address confirmed" in page(client.post(link))
    assert "Email address confirmed" in page(client.get(link))  # and it stays confirmed
    with app.app_context():
        member = db.session.scalar(select(Member))
        assert member.status is MembershipStatus.APPLIED
        assert member.email_confirmed_at is not None
        assert member.postcode == "DE1 1DA"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Enter your full name"),
        ("name", "   ", "Enter your full name"),
        ("name", "x" * 101, "Full name must be 100 characters or fewer"),
        ("email", "", "Enter your email address"),
        ("email", "not-an-email", "Enter an email address in the correct format"),
        ("email", "a@" + "b" * 260 + ".org", "Email address must be 254 characters or fewer"),
        ("postcode", "", "Enter your postcode"),
        ("postcode", "ZZ99 9ZZZ", "Enter a real UK postcode"),
        ("postcode", "12345", "Enter a real UK postcode"),
        ("address_line_1", "", "Enter the first line of your address"),
        ("address_line_1", "x" * 101, "Address line 1 must be 100 characters or fewer"),
        ("town", "", "Enter your town or city"),
        ("password", "too short", "Your password must be between 12 and 200 characters"),
        ("password", "", "Enter a password"),
        ("password_confirm", "a different password", "The passwords do not match"),
        ("member_class", "", "Select how you will take part in the co-op"),
        ("member_class", "emperor", "Not a valid choice"),
        ("agree", None, "You must agree to the co-op's rules and privacy notice to join"),
    ],
)
def test_registration_mistakes_are_explained_and_nothing_typed_is_lost(
    app, client, field, value, message
):
    data = dict(GOOD)
    if value is None:
        del data[field]
    else:
        data[field] = value
    response = client.post("/register", data=data)
    body = page(response)
    assert response.status_code == 200
    assert any(message in m for m in error_summary(body)), error_summary(body)
    assert body.startswith("<!DOCTYPE html>") and "<title>Error: " in body
    for kept in ("name", "address_line_1", "town", "email", "postcode"):
        if kept != field and data.get(kept):
            assert f'value="{data[kept]}"' in body, kept
    assert count_members(app) == 0


def test_a_provider_must_give_its_organisation_name(app, client):
    response = client.post("/register", data=dict(GOOD, member_class="provider"))
    assert "Enter the name of your organisation" in error_summary(page(response))
    response = client.post(
        "/register", data=dict(GOOD, member_class="provider", organisation_name="Riverside Gym")
    )
    assert response.status_code == 302


def _register_with_csrf(app, data: dict) -> tuple:
    """Register in a new browser with CSRF on, as a person would: (the answer to the form,
    the page it leads to), each with its CSRF token taken out."""
    client = app.test_client()
    form = page(client.get("/register"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1]
    answer = client.post("/register", data=dict(data, csrf_token=token))
    shown = client.get(answer.headers["Location"])
    strip = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')
    return (
        (answer.status_code, answer.headers["Location"], strip.sub("", page(answer))),
        (shown.status_code, strip.sub("", page(shown))),
    )


def test_registering_an_address_already_taken_answers_as_a_new_application_does(
    app, mailbox, monkeypatch
):
    """Nobody can learn from the form who is a member: the owner is emailed instead."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    new = _register_with_csrf(app, GOOD)
    taken = _register_with_csrf(app, dict(GOOD, email="DEE@example.org", name="Someone Else"))
    assert new == taken
    assert new[0][0] == 302 and new[1][0] == 200
    assert "We have sent an email to <strong>dee@example.org</strong>" in new[1][1]
    assert count_members(app) == 1
    confirmation, warning = mailbox.to("dee@example.org")
    assert confirmation["Subject"].startswith("Confirm your email address")
    assert warning["Subject"].startswith("Someone tried to join with your email address")
    body = mailbox.body(warning)
    assert "Hello Dee Carer" in body and "We have not made a second account" in body
    assert "/login" in body and "/reset-password" in body


def test_registering_does_not_sign_in(client):
    """Signing in is the one thing a taken address could not do the same, so neither does."""
    client.post("/register", data=GOOD)
    assert client.get("/account").status_code == 302
    assert "Sign in" in page(client.get("/register/check-your-email?sent=1"))


def test_an_expired_confirmation_link_says_it_expired(app, client, mailbox, monkeypatch):
    client.post("/register", data=GOOD)
    link = mailbox.link("dee@example.org", "/confirm/")
    from datetime import timedelta

    monkeypatch.setitem(app.config, "EMAIL_CONFIRM_MAX_AGE", timedelta(seconds=-1))
    response = client.get(link)
    assert response.status_code == 400
    assert "This link has expired" in page(response)


def test_a_mangled_confirmation_link_says_it_does_not_work(client):
    response = client.get("/confirm/not-a-real-token")
    assert response.status_code == 400
    assert "This link does not work" in page(response)


# --- Signing in ------------------------------------------------------------------------


def test_signing_in_and_out(client, make_member):
    member = make_member(email="asha@example.org")
    response = client.post("/login", data={"email": "ASHA@example.org ", "password": PASSWORD})
    assert response.headers["Location"] == "/account"
    assert member.name in page(client.get("/account"))
    client.post("/logout")
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "", "password": PASSWORD}, "Enter your email address"),
        ({"email": "asha@example.org", "password": ""}, "Enter your password"),
        ({"email": "asha", "password": PASSWORD}, "Enter an email address in the correct format"),
        ({"email": "asha@example.org", "password": "wrong password"}, "is not right"),
        ({"email": "nobody@example.org", "password": PASSWORD}, "is not right"),
    ],
)
def test_sign_in_mistakes_are_explained_and_keep_the_email(client, make_member, data, message):
    make_member(email="asha@example.org")
    response = client.post("/login", data=data)
    body = page(response)
    assert response.status_code == 200
    assert any(message in m for m in error_summary(body))
    if data["email"]:
        assert f'value="{data["email"]}"' in body
    assert client.get("/account").status_code == 302


def test_sign_in_starts_a_fresh_session(client, make_member):
    member = make_member()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"email": member.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{member.id}:")  # this browser's sign-in


def test_sign_in_follows_next_only_within_the_site(client, make_member):
    member = make_member()
    data = {"email": member.email, "password": PASSWORD}
    response = client.post("/login?next=/account/details", data=data)
    assert response.headers["Location"] == "/account/details"
    client.post("/logout")
    response = client.post("/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/account"


def test_remember_me_sets_a_lasting_http_only_cookie(client, make_member):
    member = make_member()
    client.post("/login", data={"email": member.email, "password": PASSWORD, "remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only and cookie.expires is not None


def test_sign_in_is_rate_limited(app, client, make_member):
    member = make_member()
    responses = [
        client.post("/login", data={"email": member.email, "password": "wrong password"})
        for _ in range(11)
    ]
    assert [r.status_code for r in responses[:10]] == [200] * 10
    assert responses[10].status_code == 429
    assert "Too many attempts" in page(responses[10])


@pytest.mark.parametrize("path", ["/register", "/reset-password"])
def test_registration_and_reset_are_rate_limited(client, path):
    codes = [client.post(path, data={}).status_code for _ in range(11)]
    assert codes[-1] == 429 and 429 not in codes[:10]


# --- Resetting a password --------------------------------------------------------------


def test_password_reset_by_emailed_link_works_once(client, mailbox, make_member):
    member = make_member(email="asha@example.org")
    response = client.post("/reset-password", data={"email": "asha@example.org"})
    assert "Check your email" in page(response)
    link = mailbox.link("asha@example.org", "/reset-password/")
    new = "a brand new password"
    response = client.post(link, data={"password": new, "password_confirm": new})
    assert response.headers["Location"] == "/login"
    assert (
        client.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 200
    )
    assert client.post("/login", data={"email": member.email, "password": new}).status_code == 302
    client.post("/logout")
    again = client.post(
        link, data={"password": "yet another password", "password_confirm": "yet another password"}
    )
    assert again.status_code == 400 and "This link does not work" in page(again)


def test_reset_for_an_unknown_email_reveals_nothing_and_sends_nothing(client, mailbox):
    response = client.post("/reset-password", data={"email": "nobody@example.org"})
    assert "If <strong>nobody@example.org</strong> belongs to an account" in page(response)
    assert mailbox.messages == []


def test_reset_mistakes_are_explained(client, mailbox, make_member):
    make_member(email="asha@example.org")
    response = client.post("/reset-password", data={"email": "not an email"})
    assert "Enter an email address in the correct format" in page(response)
    client.post("/reset-password", data={"email": "asha@example.org"})
    link = mailbox.link("asha@example.org", "/reset-password/")
    response = client.post(link, data={"password": "short", "password_confirm": "short"})
    assert "Your password must be between 12 and 200 characters" in page(response)
    response = client.post(
        link, data={"password": "a long password", "password_confirm": "another one!!"}
    )
    assert "The passwords do not match" in page(response)


def test_an_expired_reset_link_says_it_expired(app, client, mailbox, make_member, monkeypatch):
    from datetime import timedelta

    make_member(email="asha@example.org")
    client.post("/reset-password", data={"email": "asha@example.org"})
    link = mailbox.link("asha@example.org", "/reset-password/")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", timedelta(seconds=-1))
    response = client.get(link)
    assert response.status_code == 400 and "This link has expired" in page(response)


# --- Your account ----------------------------------------------------------------------


def test_changing_password_needs_the_current_one(client, auth, make_member):
    member = make_member()
    auth.login(member.email)
    new = "my new long password"
    response = client.post(
        "/account/password",
        data={"current_password": "not my password", "password": new, "password_confirm": new},
    )
    assert "Your current password is not right" in page(response)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": new, "password_confirm": new},
    )
    assert response.status_code == 302
    auth.logout()
    auth.login(member.email, new)


def test_editing_details_with_mistakes_keeps_what_was_typed(client, auth, make_member):
    member = make_member()
    auth.login(member.email)
    data = {
        "name": "New Name",
        "email": member.email,
        "address_line_1": "2 New Road",
        "address_line_2": "",
        "town": "Belper",
        "postcode": "nonsense",
    }
    body = page(client.post("/account/details", data=data))
    assert "Enter a real UK postcode" in body
    assert (
        'value="New Name"' in body and 'value="2 New Road"' in body and 'value="nonsense"' in body
    )


def test_changing_email_to_one_in_use_is_refused(client, auth, make_member):
    make_member(email="taken@example.org")
    member = make_member()
    auth.login(member.email)
    data = {
        "name": member.name,
        "email": "taken@example.org",
        "address_line_1": "1 Road",
        "address_line_2": "",
        "town": "Derby",
        "postcode": "DE1 3AB",
    }
    assert "Another account already uses this email address" in page(
        client.post("/account/details", data=data)
    )


def test_changing_email_needs_it_confirmed_again(app, client, auth, mailbox, make_member):
    member = make_member()
    auth.login(member.email)
    data = {
        "name": member.name,
        "email": "new@example.org",
        "address_line_1": "1 Road",
        "address_line_2": "",
        "town": "Derby",
        "postcode": "DE1 3AB",
    }
    client.post("/account/details", data=data)
    assert "(not confirmed yet)" in page(client.get("/account"))
    assert "Email address confirmed" in page(
        client.post(mailbox.link("new@example.org", "/confirm/"))
    )


def test_downloading_my_data(client, auth, make_member):
    member = make_member(email="asha@example.org")
    auth.login(member.email)
    response = client.get("/account/data.json")
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["email"] == "asha@example.org"
    assert data["membership"]["member_number"] == member.member_number
    assert [h["to"] for h in data["membership"]["history"]] == ["applied", "approved"]
    assert "password" not in json.dumps(data).replace("password_", "")


def test_leaving_the_co_op(app, client, auth, make_member):
    member = make_member()
    auth.login(member.email)
    assert "Tick the box" in page(client.post("/account/leave", data={}))
    client.post("/account/leave", data={"confirm": "y"})
    assert client.get("/account").status_code == 302  # leaving signs out everywhere
    auth.login(member.email)
    assert "You left the co-op on" in page(client.get("/account"))
    from coop.extensions import db

    with app.app_context():
        assert db.session.get(Member, member.id).status is MembershipStatus.LEFT


# --- Who may do what -------------------------------------------------------------------


SECRETARY_PAGES = [
    "/secretary/applications",
    "/secretary/register",
    "/secretary/register.csv",
    "/secretary/officers",
    "/secretary/officers.csv",
]


@pytest.mark.parametrize("status", ["applied", "approved", "rejected", "left"])
@pytest.mark.parametrize("path", SECRETARY_PAGES)
def test_only_the_secretary_sees_the_registers(client, auth, make_member, status, path):
    member = make_member(status=status)
    auth.login(member.email)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", SECRETARY_PAGES)
def test_signed_out_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_non_secretary_cannot_approve_anyone(app, client, auth, make_member):
    applicant = make_member(status="applied")
    member = make_member()
    auth.login(member.email)
    response = client.post(f"/secretary/applications/{applicant.id}", data={"decision": "approve"})
    assert response.status_code == 403
    from coop.extensions import db

    with app.app_context():
        assert db.session.get(Member, applicant.id).status is MembershipStatus.APPLIED


def test_an_applicant_is_told_they_cannot_act_as_a_member_yet(client, auth, make_member):
    applicant = make_member(status="applied")
    auth.login(applicant.email)
    body = page(client.get("/account"))
    assert "Your application is waiting for the secretary" in body
    assert "Leave the co-op" not in body
    assert "Only members can leave" in page(client.get("/account/leave"))


# --- The secretary ---------------------------------------------------------------------


def test_the_secretary_approves_an_application(app, client, auth, mailbox, make_member):
    secretary = make_member(secretary=True)
    applicant = make_member(status="applied", name="Dee Carer", member_class="carer")
    auth.login(secretary.email)
    assert "Dee Carer" in page(client.get("/secretary/applications"))
    response = client.post(f"/secretary/applications/{applicant.id}", data={"decision": "approve"})
    assert response.status_code == 302
    assert "Dee Carer is now member number" in page(client.get(response.headers["Location"]))
    assert mailbox.to(applicant.email)[-1]["Subject"].startswith("You are now a member")
    register = page(client.get("/secretary/register"))
    assert "Dee Carer" in register


def test_rejecting_needs_a_reason_which_the_applicant_is_told(client, auth, mailbox, make_member):
    secretary = make_member(secretary=True)
    applicant = make_member(status="applied")
    auth.login(secretary.email)
    url = f"/secretary/applications/{applicant.id}"
    assert "Enter the reason" in page(client.post(url, data={"decision": "reject", "reason": ""}))
    assert "Select approve or do not accept" in page(client.post(url, data={}))
    client.post(url, data={"decision": "reject", "reason": "We only serve Derbyshire"})
    assert "We only serve Derbyshire" in mailbox.body(mailbox.to(applicant.email)[-1])


def test_an_unconfirmed_applicant_cannot_be_approved(client, auth, make_member):
    secretary = make_member(secretary=True)
    applicant = make_member(status="applied", confirmed=False)
    auth.login(secretary.email)
    body = page(
        client.post(f"/secretary/applications/{applicant.id}", data={"decision": "approve"})
    )
    assert "has not confirmed their email address" in body


def test_unknown_application_is_not_found(client, auth, make_member):
    auth.login(make_member(secretary=True).email)
    assert client.get("/secretary/applications/999999").status_code == 404


def test_register_search_and_csv_export(client, auth, make_member):
    secretary = make_member(secretary=True, name="Sam Secretary")
    make_member(name="Asha Patel", member_class="budget_holder")
    make_member(name="Femi Adeyemi", member_class="pa")
    make_member(name="Still Applying", status="applied")
    auth.login(secretary.email)
    body = page(client.get("/secretary/register?q=asha"))
    assert "Asha Patel" in body and "Femi Adeyemi" not in body
    body = page(client.get("/secretary/register?member_class=pa"))
    assert "Femi Adeyemi" in body and "Asha Patel" not in body
    response = client.get("/secretary/register.csv")
    assert response.mimetype == "text/csv"
    text = page(response)
    assert text.splitlines()[0].startswith("Member number,Name,Organisation,Postal address")
    assert "Asha Patel" in text and "Femi Adeyemi" in text and "Still Applying" not in text


def test_register_of_officers(client, auth, make_member):
    secretary = make_member(secretary=True, name="Sam Secretary")
    chair = make_member(name="Chris Chair")
    auth.login(secretary.email)
    assert "There is no member with that number" in page(
        client.post("/secretary/officers", data={"member_number": "9999", "office": "chair"})
    )
    assert "digits only" in page(
        client.post("/secretary/officers", data={"member_number": "abc", "office": "chair"})
    )
    client.post(
        "/secretary/officers", data={"member_number": str(chair.member_number), "office": "chair"}
    )
    csv_text = page(client.get("/secretary/officers.csv"))
    assert "Sam Secretary" in csv_text and "Secretary" in csv_text
    assert "Chris Chair" in csv_text and "Chair" in csv_text


def test_the_error_summary_follows_the_order_of_the_page(client):
    messages = error_summary(page(client.post("/register", data={})))
    assert messages == [
        "Select how you will take part in the co-op",
        "Enter your full name",
        "Enter your email address",
        "Enter the first line of your address",
        "Enter your town or city",
        "Enter your postcode",
        "Enter a password",
        "Type your password again",
        "You must agree to the co-op's rules and privacy notice to join",
    ]


def test_a_reset_for_a_real_and_an_unknown_address_is_answered_and_worked_alike(
    app, client, mailbox, make_member, monkeypatch
):
    """The same page, and the same signed link made, whether or not the address has an
    account; only a real account's email is sent."""
    from coop.members import emails

    make_member(email="asha@example.org")
    made = []
    real_make_token = emails.tokens.make_token

    def counting_make_token(*args, **kwargs):
        made.append(args[2])  # the member id signed into the link
        return real_make_token(*args, **kwargs)

    monkeypatch.setattr(emails.tokens, "make_token", counting_make_token)
    answers = []
    for address in ("asha@example.org", "nobody@example.org"):
        response = client.post("/reset-password", data={"email": address})
        answers.append((response.status_code, page(response).replace(address, "ADDRESS")))
    assert answers[0] == answers[1]
    assert (
        answers[0][0] == 200
        and "If <strong>ADDRESS</strong> belongs to an account" in (answers[0][1])
    )
    assert len(made) == 2 and made[1] == 0  # a link was signed for nobody too
    assert [m["To"] for m in mailbox.messages] == ["asha@example.org"]
