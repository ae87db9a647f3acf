"""The support pages: a PA's profile and checks, asking for cover for yourself or as a helper,
accepting from the emailed link, approving hours; 404 for what is not yours, 403 (and nothing
changed) for a helper without the cover permission."""

from datetime import time, timedelta

from sqlalchemy import func, select

from coop.members import circles
from coop.members.circle_models import Permission
from coop.members.models import Member
from coop.payments import ledger
from coop.support import cover, pa_register
from coop.support.models import CoverRequest, CoverStatus, Skill
from tests.support.conftest import NOW, TODAY, give_cover


def ask_form(person_id, **changes):
    form = {
        "person": str(person_id), "day": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
        "starts": "14:00", "ends": "18:00", "district": "DE22", "skills": ["personal_care"],
        "tasks": "Help with lunch", "bank_delay": "30",
    }  # fmt: skip
    form.update(changes)
    return form


def requests_made(db) -> int:
    return db.session.scalar(select(func.count(CoverRequest.id)))


def test_a_pa_publishes_a_profile_and_appears_once_the_secretary_records_checks(
    db, client, auth, make_member, secretary
):
    pa = make_member("pa", name="Femi Adeyemi", email="femi@example.org")
    auth.login("femi@example.org")
    form = {
        "skills": ["personal_care", "hoist"], "languages": "English, Yoruba",
        "districts": "DE22, de1", "hourly_rate": "15.50", "introduction": "Hello",
        "gender": "man", "published": "y", "day_0_from": "09:00", "day_0_to": "17:00",
    }  # fmt: skip
    response = client.post("/support/pa/profile", data={**form, "day_1_from": "09:00"})
    assert response.status_code == 200
    assert "Enter both times for Tuesday" in response.get_data(as_text=True)
    assert client.post("/support/pa/profile", data=form).status_code == 302
    profile = pa_register.profile_of(db.session.get(Member, pa.id))
    assert profile.districts == "DE22,DE1" and profile.hourly_rate_pence == 1550
    auth.logout()

    auth.login(secretary.email)
    assert "Femi Adeyemi" not in client.get("/support/register?skill=hoist").get_data(True)
    page = client.get("/support/coordinator").get_data(as_text=True)
    assert "No DBS certificate recorded" in page
    day = [str(TODAY.day), str(TODAY.month), str(TODAY.year)]
    response = client.post(
        f"/support/coordinator/pas/{profile.id}",
        data={"dbs_issued_on": day, "right_to_work_seen_on": day, "references_on": day},
    )
    assert response.status_code == 302
    found = client.get("/support/register?skill=hoist&district=DE1&day=0&starts=10:00&ends=12:00")
    assert "Femi Adeyemi" in found.get_data(as_text=True)
    assert "femi@example.org" not in found.get_data(as_text=True)  # contact only after accepting


def test_only_pas_keep_profiles_and_only_coordinators_record_checks(client, auth, make_member):
    make_member(email="asha@example.org")
    auth.login("asha@example.org")
    assert client.get("/support/pa/profile").status_code == 403
    assert client.get("/support/coordinator").status_code == 403


def test_asking_for_cover_and_accepting_from_the_link(db, client, auth, make_pa, make_family):
    asha = make_family("Asha", email="asha@example.org")
    femi = make_pa("Femi", email="femi@example.org")
    grace = make_pa("Grace", email="grace@example.org")
    auth.login("asha@example.org")
    response = client.post("/support/cover/new", data=ask_form(asha.id))
    assert response.status_code == 302, response.get_data(as_text=True)
    request_id = db.session.scalar(select(CoverRequest.id))
    auth.logout()

    auth.login(femi.email)
    page = client.get(f"/support/cover/{request_id}/offer").get_data(as_text=True)
    assert "Accept this shift" in page and "Help with lunch" in page
    assert client.post(f"/support/cover/{request_id}/offer").status_code == 302
    auth.logout()
    auth.login(grace.email)
    late = client.post(f"/support/cover/{request_id}/offer")
    assert late.status_code == 409
    assert "already covered" in late.get_data(as_text=True)
    auth.logout()

    auth.login("asha@example.org")
    page = client.get(f"/support/cover/{request_id}").get_data(as_text=True)
    assert "Femi" in page and "femi@example.org" in page


def test_what_is_not_yours_is_a_404(db, client, auth, make_pa, make_family, make_member):
    asha = make_family("Asha")
    make_family("Ben", email="ben@example.org")
    request = cover.ask(asha, _wanted(), asha, NOW)
    db.session.commit()
    auth.login("ben@example.org")
    assert client.get(f"/support/cover/{request.id}").status_code == 404
    assert client.get(f"/support/for/{asha.id}").status_code == 404
    assert client.post(f"/support/cover/{request.id}/cancel").status_code == 404
    # Someone who is not a PA cannot open the emailed link either.
    assert client.get(f"/support/cover/{request.id}/offer").status_code == 404
    assert db.session.get(CoverRequest, request.id).status is CoverStatus.OPEN


def _wanted():
    return cover.Wanted(day=TODAY, starts=time(14), ends=time(18), district="DE22",
                        skills=frozenset({Skill.PERSONAL_CARE}))  # fmt: skip


def test_a_helper_acts_for_the_person_until_the_permission_is_withdrawn(
    db, client, auth, make_pa, make_family, make_member, monkeypatch
):
    asha = make_family("Asha")
    dev = db.session.get(Member, make_member("carer", name="Dev", email="dev@example.org").id)
    femi = make_pa("Femi")
    see = give_cover(asha, dev, Permission.SEE)
    db.session.commit()
    auth.login("dev@example.org")
    refused = client.post("/support/cover/new", data=ask_form(asha.id))
    assert refused.status_code == 403
    assert requests_made(db) == 0

    grant = give_cover(asha, dev)
    db.session.commit()
    assert client.post("/support/cover/new", data=ask_form(asha.id)).status_code == 302
    request = db.session.scalar(select(CoverRequest))
    assert request.asked_by_id == dev.id and request.budget_holder_id == asha.id
    cover.accept(request, femi, NOW)
    after = request.starts_at + timedelta(hours=4)
    cover.record_hours(request, femi, 180, after)
    db.session.commit()
    monkeypatch.setattr("coop.clock.now", lambda: after)

    circles.withdraw(db.session.get(type(grant), grant.id), asha, after)
    db.session.commit()
    refused = client.post(f"/support/cover/{request.id}/approve")
    assert refused.status_code == 403
    assert "has not chosen you" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CoverRequest, request.id).status is CoverStatus.HOURS_RECORDED
    assert ledger.budget_balance(asha) == 10_000
    assert see.withdrawn_at is None  # seeing was never enough to approve

    give_cover(asha, dev, Permission.COVER)
    db.session.commit()
    assert client.post(f"/support/cover/{request.id}/approve").status_code == 302
    auth.logout()
    auth.login(asha.email)
    statement = client.get("/payments/budget").get_data(as_text=True)
    assert "by Dev for Asha" in statement and "£45.00" in statement


def test_the_cover_page_lets_a_helper_choose_whom_they_ask_for(
    db, client, auth, make_family, make_member
):
    asha = make_family("Asha", email="asha@example.org")
    dev = db.session.get(Member, make_member("carer", name="Dev", email="dev@example.org").id)
    make_member("carer", name="Stranger", email="stranger@example.org")
    give_cover(asha, dev)
    db.session.commit()
    auth.login("stranger@example.org")
    assert client.get("/support/cover/new").status_code == 403
    assert client.get(f"/support/for/{asha.id}").status_code == 404
    auth.logout()
    auth.login("dev@example.org")
    page = client.get(f"/support/cover/new?for={asha.id}").get_data(as_text=True)
    assert f'<option value="{asha.id}" selected>Asha</option>' in page
    assert client.get(f"/support/for/{asha.id}").status_code == 200
