"""The circle of support pages: choosing a helper and what each may do, withdrawing, a helper
stepping back, and a coordinator recording a nominated or authorised person."""

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from coop import clock
from coop.members import circles
from coop.members.circle_models import CircleGrant, NominatedPerson, Permission
from coop.members.models import Member, Office


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def asha(db, make_member, auth):
    member = make_member(email="asha@example.org", name="Asha Patel")
    auth.login(member.email)
    return db.session.merge(member)


@pytest.fixture
def dev(db, make_member):
    return db.session.merge(make_member("carer", email="dev@example.org", name="Dev Sharma"))


def _live(db, person):
    db.session.expire_all()
    return db.session.scalars(
        select(CircleGrant)
        .where(CircleGrant.person_id == person.id, CircleGrant.withdrawn_at.is_(None))
        .order_by(CircleGrant.permission)
    ).all()


def test_choose_a_helper_by_email_with_a_booking_limit_and_see(client, db, asha, dev):
    page = _text(client.get("/account/circle"))
    assert "Nobody can act for you at the moment." in page
    reply = client.post(
        "/account/circle/add",
        data={"who": "DEV@example.org ", "permissions": ["book", "see"], "limit": "20"},
    )
    assert reply.status_code == 302
    grants = {g.permission: g for g in _live(db, asha)}
    assert set(grants) == {Permission.BOOK, Permission.SEE}
    assert (
        grants[Permission.BOOK].limit_pence == 2000 and grants[Permission.SEE].limit_pence is None
    )
    assert all(g.helper_id == dev.id and g.until is None for g in grants.values())
    page = _text(client.get("/account/circle"))
    assert "Dev Sharma is in your circle of support." in page
    assert "Book and pay from my budget, up to £20.00 a booking" in page
    assert "See my bookings and budget" in page


def test_choose_by_membership_number_with_an_end_date(client, db, asha, dev):
    until = clock.london_today() + timedelta(days=30)
    reply = client.post(
        "/account/circle/add",
        data={
            "who": str(dev.member_number),
            "permissions": ["cover"],
            "until": [str(until.day), str(until.month), str(until.year)],
        },
    )
    assert reply.status_code == 302
    (grant,) = _live(db, asha)
    assert (grant.permission, grant.until) == (Permission.COVER, until)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"who": "nobody@example.org", "permissions": ["see"]}, "We cannot find an approved"),
        ({"who": "dev@example.org", "permissions": ["book"]}, "Enter the most they may spend"),
        ({"who": "dev@example.org", "permissions": ["book"], "limit": "lots"}, "pounds and pence"),
        ({"who": "dev@example.org"}, "Choose at least one thing"),
        ({"who": "", "permissions": ["see"]}, "Enter the email address or membership number"),
        ({"who": "asha@example.org", "permissions": ["see"]}, "You cannot choose yourself"),
    ],
)
def test_mistakes_are_explained_and_keep_what_was_typed(client, db, asha, dev, data, message):
    reply = client.post("/account/circle/add", data=data)
    assert reply.status_code == 400
    page = _text(reply)
    assert message in page and "There is a problem" in page
    if data.get("who"):
        assert f'value="{data["who"]}"' in page
    if "limit" in data:
        assert f'value="{data["limit"]}"' in page
    assert _live(db, asha) == []


def test_only_approved_members_can_be_chosen(client, db, asha, make_member):
    make_member("carer", status="applied", email="new@example.org")
    make_member("carer", status="left", email="gone@example.org")
    for who in ("new@example.org", "gone@example.org"):
        reply = client.post("/account/circle/add", data={"who": who, "permissions": ["see"]})
        assert reply.status_code == 400 and "We cannot find an approved" in _text(reply)
    assert _live(db, asha) == []


def test_withdraw_asks_first_then_stops_at_once(client, db, asha, dev):
    grant = circles.give(asha, dev, circles.Choice(Permission.BOOK, 2000))
    db.session.commit()
    page = _text(client.get(f"/account/circle/{grant.id}/withdraw"))
    assert "Are you sure Dev Sharma should stop?" in page and "up to £20.00 a booking" in page
    assert _live(db, asha) != []  # asking changes nothing
    reply = client.post(f"/account/circle/{grant.id}/withdraw")
    assert reply.status_code == 302
    assert _live(db, asha) == []
    assert "Dev Sharma can no longer book and pay from your budget." in _text(
        client.get(reply.location)
    )
    assert not circles.may_act(db.session.merge(dev), asha, Permission.BOOK)
    # Once withdrawn, it is gone from the page and cannot be withdrawn again.
    assert client.post(f"/account/circle/{grant.id}/withdraw").status_code == 404


def test_someone_elses_grant_is_not_found(client, db, asha, dev, make_member):
    ben = make_member(name="Ben Clarke")
    theirs = circles.give(db.session.merge(ben), dev, circles.Choice(Permission.SEE))
    db.session.commit()
    assert client.get(f"/account/circle/{theirs.id}/withdraw").status_code == 404
    assert client.post(f"/account/circle/{theirs.id}/withdraw").status_code == 404
    assert client.get(f"/account/helping/{theirs.id}/step-back").status_code == 404
    assert client.post(f"/account/helping/{theirs.id}/step-back").status_code == 404
    assert client.get("/account/circle/999999/withdraw").status_code == 404
    db.session.expire_all()
    assert db.session.get(CircleGrant, theirs.id).withdrawn_at is None


def test_a_helper_sees_whom_they_help_and_steps_back(client, db, auth, asha, dev):
    grant = circles.give(asha, dev, circles.Choice(Permission.BOOK, 2000))
    circles.give(asha, dev, circles.Choice(Permission.SEE))
    circles.record_act(dev, asha, Permission.BOOK, "Booked Off-peak gym, £4.00")
    db.session.commit()
    auth.logout()
    auth.login(dev.email)
    page = _text(client.get("/account/helping"))
    assert "Asha Patel" in page and "Book and pay from Asha Patel's budget" in page
    assert "Asha Patel's bookings" in page and "Asha Patel's budget" in page
    assert "by Dev Sharma for Asha Patel" in page and "Booked Off-peak gym" in page
    assert "Are you sure you want to step back?" in _text(
        client.get(f"/account/helping/{grant.id}/step-back")
    )
    reply = client.post(f"/account/helping/{grant.id}/step-back")
    assert reply.status_code == 302
    assert [g.permission for g in _live(db, asha)] == [Permission.SEE]
    # Dev cannot withdraw from Asha's own circle page.
    see = _live(db, asha)[0]
    assert client.post(f"/account/circle/{see.id}/withdraw").status_code == 404


def test_the_person_sees_everything_done_for_them(client, db, asha, dev):
    circles.give(asha, dev, circles.Choice(Permission.BOOK, 2000))
    circles.record_act(dev, asha, Permission.BOOK, "Booked Off-peak gym, £4.00")
    db.session.commit()
    page = _text(client.get("/account/circle"))
    assert "Done for you" in page
    assert "by Dev Sharma for Asha Patel" in page and "Booked Off-peak gym, £4.00" in page


def test_circle_pages_are_for_members(client, auth, make_member):
    assert client.get("/account/circle").status_code == 302  # sign in first
    applicant = make_member(status="applied", email="applicant@example.org")
    auth.login(applicant.email)
    assert client.get("/account/circle").status_code == 403
    assert client.get("/account/helping").status_code == 403


# --- Nominated and authorised people ---------------------------------------------------


def test_a_coordinator_records_a_nominated_person(client, db, auth, make_member, asha):
    cara = make_member("carer", email="cara@example.org", name="Cara Coordinator")
    from coop.members import service

    service.appoint(
        db.session.get(Member, cara.id), Office.SHARED_LIVES_COORDINATOR, clock.london_today()
    )
    db.session.commit()
    # Asha herself cannot record one.
    assert client.get(f"/coordinator/members/{asha.id}/nominees").status_code == 403
    auth.logout()
    auth.login(cara.email)
    found = client.get("/coordinator/nominees", query_string={"who": "asha@example.org"})
    assert found.status_code == 302 and found.location.endswith(f"/members/{asha.id}/nominees")
    missing = _text(client.get("/coordinator/nominees", query_string={"who": "x@example.org"}))
    assert "We cannot find an approved member" in missing and 'value="x@example.org"' in missing
    seen = clock.london_today()
    bad = client.post(
        f"/coordinator/members/{asha.id}/nominees",
        data={"kind": "nominated", "name": "Priya Patel", "evidence": ""},
    )
    assert bad.status_code == 400
    assert "Enter the evidence you saw" in _text(bad) and 'value="Priya Patel"' in _text(bad)
    reply = client.post(
        f"/coordinator/members/{asha.id}/nominees",
        data={
            "kind": "nominated",
            "name": "Priya Patel",
            "evidence": "Council direct payment agreement naming her",
            "evidence_seen_on": [str(seen.day), str(seen.month), str(seen.year)],
        },
    )
    assert reply.status_code == 302
    record = db.session.scalars(select(NominatedPerson)).one()
    assert (record.person_id, record.recorded_by_id, record.evidence_seen_on) == (
        asha.id,
        cara.id,
        seen,
    )
    assert "Priya Patel" in _text(client.get(f"/coordinator/members/{asha.id}/nominees"))
    assert client.get("/coordinator/members/999999/nominees").status_code == 404
    auth.logout()
    auth.login(asha.email)
    page = _text(client.get("/account/circle"))
    assert "Priya Patel" in page and "nominated person" in page


def test_the_secretary_sees_nominees_on_the_members_register_page(
    client, db, auth, secretary, asha
):
    circles.record_nominee(
        asha,
        kind=circles.NomineeKind.AUTHORISED,
        name="Raj Patel",
        evidence="Court of Protection order",
        evidence_seen_on=clock.london_today(),
        by=db.session.merge(secretary),
    )
    db.session.commit()
    auth.logout()
    auth.login(secretary.email)
    page = _text(client.get(f"/secretary/applications/{asha.id}"))
    assert "Raj Patel" in page and "Court of Protection order" in page
    assert f"/coordinator/members/{asha.id}/nominees" in page


def test_names_on_the_circle_page_are_escaped(client, db, asha, make_member):
    eve = make_member("carer", name="Eve <script>x</script>", email="eve@example.org")
    circles.give(asha, db.session.merge(eve), circles.Choice(Permission.SEE))
    db.session.commit()
    raw = client.get("/account/circle").get_data(as_text=True)
    assert "<script>x</script>" not in raw and "Eve &lt;script&gt;x&lt;/script&gt;" in raw
