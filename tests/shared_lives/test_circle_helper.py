"""A helper the person chose in their circle of support to manage their Shared Lives
referral sees it and says yes to meeting for them, recorded as an act and in the referral's
access log; without that permission (never given, another permission, withdrawn) they cannot."""

from sqlalchemy import select

from coop.members import circles
from coop.members.circle_models import CircleAct, CircleGrant, Permission
from coop.shared_lives import service
from coop.shared_lives.models import Introduction, ReferralAccess


def _setup(db, make_member, make_household, make_referral, coordinator, permission):
    person = make_member(email="tom@example.org", name="Tom Person")
    helper = make_member("carer", email="dev@example.org", name="Dev Carer")
    household = make_household()
    referral = make_referral("long_term", person=person)
    introduction = service.propose_introduction(referral, household, coordinator)
    grant = circles.give(
        db.session.merge(person), db.session.merge(helper), circles.Choice(permission)
    )
    db.session.commit()
    return person, helper, referral, introduction, grant


def test_a_helper_sees_the_referral_and_says_yes_for_the_person(
    db, client, auth, coordinator, make_member, make_household, make_referral
):
    person, helper, referral, introduction, _grant = _setup(
        db, make_member, make_household, make_referral, coordinator, Permission.SHARED_LIVES
    )
    auth.login(helper.email)
    page = client.get(f"/shared-lives/referrals/{referral.id}").get_data(as_text=True)
    assert "The referral for" in page and "Household" in page
    reply = client.post(f"/shared-lives/introductions/{introduction.id}/person-accepts")
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(Introduction, introduction.id).person_accepted_at is not None
    act = db.session.scalars(select(CircleAct)).one()
    assert (act.helper_id, act.person_id, act.permission) == (
        helper.id,
        person.id,
        Permission.SHARED_LIVES,
    )
    logged = db.session.scalars(
        select(ReferralAccess).where(ReferralAccess.viewer_id == helper.id)
    ).one()
    assert "by Dev Carer for Tom Person" in logged.what
    auth.logout()
    auth.login(person.email)
    page = client.get(f"/shared-lives/referrals/{referral.id}").get_data(as_text=True)
    assert "Dev Carer" in page  # the access log shows the helper


def test_without_the_permission_the_helper_cannot(
    db, client, auth, coordinator, make_member, make_household, make_referral
):
    person, helper, referral, introduction, grant = _setup(
        db, make_member, make_household, make_referral, coordinator, Permission.SEE
    )
    auth.login(helper.email)
    assert client.get(f"/shared-lives/referrals/{referral.id}").status_code == 404
    assert (
        client.post(f"/shared-lives/introductions/{introduction.id}/person-accepts").status_code
        == 404
    )
    # Given, then withdrawn: refused again, and nothing was recorded.
    circles.give(
        db.session.merge(person), db.session.merge(helper), circles.Choice(Permission.SHARED_LIVES)
    )
    db.session.commit()
    assert client.get(f"/shared-lives/referrals/{referral.id}").status_code == 200
    live = db.session.scalars(
        select(CircleGrant).where(
            CircleGrant.permission == Permission.SHARED_LIVES, CircleGrant.withdrawn_at.is_(None)
        )
    ).one()
    circles.withdraw(live, db.session.merge(person))
    db.session.commit()
    assert (
        client.post(f"/shared-lives/introductions/{introduction.id}/person-accepts").status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(Introduction, introduction.id).person_accepted_at is None
    assert db.session.scalars(select(CircleAct)).all() == []
