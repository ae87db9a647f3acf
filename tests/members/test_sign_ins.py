"""Signing out means signed out: old session and remember cookies, replayed, sign no one in."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coop import clock
from coop.extensions import db as _db
from coop.members.models import SignIn
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new long password"


def page(response) -> str:
    return response.get_data(as_text=True)


def browser(app, member, remember: bool = True):
    """A browser of its own, signed in as the member (ticking "Keep me signed in")."""
    client = app.test_client()
    data = {"email": member.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, page(response)
    return client


def cookies(client) -> dict[str, str]:
    """The browser's session and remember cookies as they are now, to replay later."""
    found = {}
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            found[name] = cookie.value
    return found


def replay(app, saved: dict[str, str], only: str | None = None):
    """A fresh browser holding copies of saved cookies (or only one of them): what someone who
    copied them off a shared computer would hold."""
    client = app.test_client()
    for name, value in saved.items():
        if only is None or name == only:
            client.set_cookie(name, value)
    return client


def signed_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200 and "Your account" in page(response)
    return True


def assert_every_copy_is_signed_out(app, saved: dict[str, str]) -> None:
    assert set(saved) == {"session", "remember_token"}
    for only in (None, "session", "remember_token"):
        assert not signed_in(replay(app, saved, only)), only


def test_either_cookie_alone_signs_in_while_the_sign_in_lasts(app, make_member):
    """So that the tests below, which find copies signed out, could fail."""
    member = make_member()
    saved = cookies(browser(app, member))
    for only in (None, "session", "remember_token"):
        assert signed_in(replay(app, saved, only)), only


def test_sign_out_ends_this_browsers_sign_in_but_not_the_others(app, make_member):
    member = make_member()
    laptop, phone = browser(app, member), browser(app, member)
    saved = cookies(laptop)
    response = laptop.post("/logout")
    assert response.headers["Location"] == "/"
    assert "You have signed out." in page(laptop.get("/"))
    assert laptop.get_cookie("remember_token") is None  # told to forget it
    assert not signed_in(laptop)
    assert_every_copy_is_signed_out(app, saved)
    assert signed_in(phone)


def test_sign_out_everywhere_ends_every_sign_in(app, make_member):
    member = make_member()
    laptop, phone = browser(app, member), browser(app, member)
    saved = [cookies(laptop), cookies(phone)]
    assert "Sign out everywhere" in page(laptop.get("/account"))
    response = laptop.post("/account/sign-out-everywhere")
    assert response.headers["Location"] == "/"
    assert "You have signed out on every device" in page(laptop.get("/"))
    assert not signed_in(laptop) and not signed_in(phone)
    for copy in saved:
        assert_every_copy_is_signed_out(app, copy)


def test_changing_the_password_signs_out_every_other_device(app, make_member):
    member = make_member()
    laptop, phone = browser(app, member), browser(app, member)
    saved = [cookies(laptop), cookies(phone)]
    response = laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert response.headers["Location"] == "/account"
    assert "Any other device you were signed in on has been signed out" in page(
        laptop.get("/account")
    )
    assert signed_in(laptop)  # with a new sign-in, still remembered
    assert laptop.get_cookie("remember_token").value != saved[0]["remember_token"]
    assert signed_in(replay(app, cookies(laptop), only="remember_token"))
    assert not signed_in(phone)
    for copy in saved:
        assert_every_copy_is_signed_out(app, copy)


def test_resetting_the_password_signs_out_everywhere(app, mailbox, make_member):
    member = make_member()
    laptop = browser(app, member)
    saved = cookies(laptop)
    stranger = app.test_client()
    stranger.post("/reset-password", data={"email": member.email})
    link = mailbox.link(member.email, "/reset-password/")
    response = stranger.post(
        link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert response.headers["Location"] == "/login"
    assert not signed_in(laptop)
    assert_every_copy_is_signed_out(app, saved)


def test_leaving_the_co_op_signs_out_everywhere(app, make_member):
    member = make_member()
    laptop, phone = browser(app, member), browser(app, member)
    saved = [cookies(laptop), cookies(phone)]
    response = laptop.post("/account/leave", data={"confirm": "y"})
    assert response.headers["Location"] == "/"
    assert "You have left the co-op" in page(laptop.get("/"))
    assert not signed_in(laptop) and not signed_in(phone)
    for copy in saved:
        assert_every_copy_is_signed_out(app, copy)


def test_the_secretary_signs_a_member_out_after_confirming(app, make_member):
    secretary = make_member(secretary=True, email="sec@example.org")
    member = make_member(name="Asha Patel")
    laptop, phone = browser(app, member), browser(app, member)
    saved = [cookies(laptop), cookies(phone)]
    office = browser(app, secretary, remember=False)

    member_page = page(office.get(f"/secretary/applications/{member.id}"))
    assert "Sign this member out" in member_page
    url = f"/secretary/members/{member.id}/sign-out"
    confirm = page(office.get(url))
    assert "Asha Patel is signed in on 2 devices now" in confirm
    assert signed_in(laptop) and signed_in(phone)  # opening the page changes nothing

    response = office.post(url)
    assert response.headers["Location"] == f"/secretary/applications/{member.id}"
    assert "Asha Patel has been signed out on every device" in page(
        office.get(response.headers["Location"])
    )
    assert not signed_in(laptop) and not signed_in(phone)
    for copy in saved:
        assert_every_copy_is_signed_out(app, copy)
    assert signed_in(office)  # the secretary stays signed in
    assert "signed in on 0 devices" in page(office.get(url))


def test_the_register_leads_to_each_members_page(app, make_member):
    secretary = make_member(secretary=True, email="sec@example.org")
    member = make_member(name="Asha Patel")
    office = browser(app, secretary)
    register = page(office.get("/secretary/register"))
    assert f'href="/secretary/applications/{member.id}">Asha Patel</a>' in register
    member_page = page(office.get(f"/secretary/applications/{member.id}"))
    assert '<h1 class="govuk-heading-l">Asha Patel</h1>' in member_page


@pytest.mark.parametrize("status", ["applied", "approved", "rejected", "left"])
def test_only_the_secretary_can_sign_members_out(app, make_member, status):
    target = make_member(email="target@example.org")
    target_browser = browser(app, target)
    someone = make_member(status=status)
    client = browser(app, someone)
    url = f"/secretary/members/{target.id}/sign-out"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert signed_in(target_browser)


def test_signing_out_an_unknown_member_is_not_found(app, make_member):
    office = browser(app, make_member(secretary=True))
    assert office.get("/secretary/members/999999/sign-out").status_code == 404
    assert office.post("/secretary/members/999999/sign-out").status_code == 404


def test_a_sign_in_lapses_on_the_server_after_thirty_days(app, make_member, monkeypatch):
    member = make_member()
    saved = cookies(browser(app, member))
    started = clock.now()
    monkeypatch.setattr("coop.clock.now", lambda: started + timedelta(days=29, hours=23))
    assert signed_in(replay(app, saved, only="remember_token"))
    monkeypatch.setattr("coop.clock.now", lambda: started + timedelta(days=30, minutes=1))
    assert_every_copy_is_signed_out(app, saved)


def test_a_session_holding_a_bare_member_id_signs_no_one_in(app, make_member):
    """Sessions made before sign-ins were recorded held only the member's id."""
    member = make_member()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(member.id)
    assert not signed_in(client)


def test_a_forged_key_signs_no_one_in(app, make_member):
    member = make_member()
    browser(app, member)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{member.id}:not-the-token"
    assert not signed_in(client)


def test_a_dead_remember_cookie_is_deleted(app, make_member):
    member = make_member()
    laptop = browser(app, member)
    saved = cookies(laptop)
    laptop.post("/account/sign-out-everywhere")
    copy = replay(app, saved, only="remember_token")
    copy.get("/account")
    assert copy.get_cookie("remember_token") is None


def test_the_database_holds_only_a_hash_of_each_browsers_token(app, make_member):
    member = make_member()
    client = browser(app, member)
    with client.session_transaction() as session:
        token = session["_user_id"].split(":", 1)[1]
    with app.app_context():
        [sign_in] = _db.session.scalars(select(SignIn)).all()
        assert sign_in.member_id == member.id and sign_in.remembered
        assert token not in sign_in.token_hash and len(sign_in.token_hash) == 64
        assert sign_in.expires_at - sign_in.signed_in_at == timedelta(days=30)
