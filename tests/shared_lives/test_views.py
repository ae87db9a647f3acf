"""The Shared Lives pages: who sees what, the access log, matching, introductions, booking."""

from datetime import timedelta

import pytest

from coop.shared_lives import service
from coop.shared_lives.models import Introduction, IntroductionStatus, Stay
from tests.shared_lives.conftest import TODAY, agree_both


def _boxes(day):
    """A date as GOV.UK's three boxes send it."""
    return [str(day.day), str(day.month), str(day.year)]


def _text(response):
    return response.get_data(as_text=True)


def test_the_start_page_is_public(client):
    response = client.get("/shared-lives")
    assert response.status_code == 200
    assert "shares its home and family life" in _text(response)


@pytest.mark.parametrize("who", ["secretary", "carer", "budget_holder"])
def test_coordinator_pages_are_for_coordinators(db, client, auth, make_member, make_referral, who):
    referral = make_referral()
    make_member("carer" if who == "secretary" else who, secretary=who == "secretary",
                email="other@example.org")  # fmt: skip
    auth.login("other@example.org")
    for path in ("/shared-lives/coordinator", f"/shared-lives/coordinator/referrals/{referral.id}"):
        assert client.get(path).status_code == 403
    assert (
        client.post(f"/shared-lives/coordinator/referrals/{referral.id}/details").status_code == 403
    )


def test_needs_show_only_after_the_logged_button(db, client, auth, coordinator, make_referral):
    referral = make_referral(needs=frozenset({"overnight"}), health_notes="Asthma")
    auth.login(coordinator.email)
    page = _text(client.get(f"/shared-lives/coordinator/referrals/{referral.id}"))
    assert "Asthma" not in page and service.access_log(referral) == []
    page = _text(client.post(f"/shared-lives/coordinator/referrals/{referral.id}/details"))
    assert "Asthma" in page and "overnight support" in page
    assert [e.what for e in service.access_log(referral)] == [service.FULL_RECORD]


def test_a_short_break_from_referral_to_booking(
    db, client, auth, coordinator, make_member, make_household, make_referral
):
    carer = make_member("carer", email="carer@example.org")
    person = make_member(email="person@example.org")
    good = make_household(carer, name="Good Home", interests="football")
    make_household(name="Smoky Home", smoking=True)
    start = TODAY + timedelta(days=14)
    referral = make_referral(
        person=person,
        must_haves=frozenset({"no_smoking"}),
        interests="football",
        wanted_from=start,
        wanted_until=start + timedelta(days=3),
    )
    auth.login(coordinator.email)
    page = _text(client.post(f"/shared-lives/coordinator/referrals/{referral.id}/matching"))
    assert "1. Good Home" in page
    assert "Must be a non-smoking home; someone in the household smokes." in page
    assert "Shares an interest in football." in page
    response = client.post(f"/shared-lives/coordinator/referrals/{referral.id}/introduce/{good.id}")
    introduction = db.session.scalars(db.select(Introduction)).one()
    assert response.headers["Location"].endswith(f"/introductions/{introduction.id}")
    auth.logout()

    path = f"/shared-lives/introductions/{introduction.id}"
    auth.login("carer@example.org")
    assert client.get(f"/shared-lives/households/{good.id}").status_code == 200
    client.post(f"{path}/answer", data={"answer": "accept"})
    # The household's yes is to meeting: without the person's, there are no meetings yet.
    db.session.refresh(introduction)
    assert introduction.status is IntroductionStatus.PROPOSED
    auth.logout()

    auth.login("person@example.org")
    page = _text(client.get(f"/shared-lives/referrals/{referral.id}"))
    assert "Interests you share: Yes. Shares an interest in football." in page
    assert "Cara Coordinator saw needs and must-haves, to run matching" in page
    client.post(f"{path}/person-accepts")
    db.session.refresh(introduction)
    assert introduction.status is IntroductionStatus.ACCEPTED
    # Agreeing before any meeting is refused.
    client.post(f"{path}/agree/person", data={"answer": "yes"})
    db.session.refresh(introduction)
    assert introduction.person_agreed_at is None
    auth.logout()

    auth.login("carer@example.org")
    client.post(f"{path}/meetings", data={"kind": "A meal together", "held_on": _boxes(TODAY)})
    assert "Does your household want to go ahead?" in _text(client.get(path))
    client.post(f"{path}/agree/household", data={"answer": "yes"})
    auth.logout()
    auth.login(coordinator.email)
    # Not yet both: the coordinator cannot book.
    assert "Book the room" not in _text(client.get(path))
    auth.logout()
    auth.login("person@example.org")
    client.post(f"{path}/agree/person", data={"answer": "yes"})
    db.session.refresh(introduction)
    assert introduction.status is IntroductionStatus.AGREED
    auth.logout()

    auth.login(coordinator.email)
    room = next(r for r in good.rooms if r.for_short_breaks)
    dates = {"room": room.id, "starts_on": _boxes(start), "ends_on": _boxes(start + timedelta(3))}
    assert (
        client.post(f"/shared-lives/introductions/{introduction.id}/book", data=dates).status_code
        == 302
    )
    again = client.post(f"/shared-lives/introductions/{introduction.id}/book", data=dates)
    assert again.status_code == 409
    assert "already taken on some of those nights" in _text(again)
    assert "There is a problem" in _text(again)
    assert db.session.scalar(db.select(db.func.count(Stay.id))) == 1


def test_another_households_page_is_not_found(db, client, auth, make_member, make_household):
    household = make_household()
    make_member("carer", email="stranger@example.org")
    auth.login("stranger@example.org")
    assert client.get(f"/shared-lives/households/{household.id}").status_code == 404
    assert client.get(f"/shared-lives/households/{household.id}/statement").status_code == 404


def test_a_coordinator_records_an_enquiry(db, client, auth, coordinator, make_member):
    carer = make_member("carer")
    auth.login(coordinator.email)
    assert client.get("/shared-lives/coordinator/households/new").status_code == 200
    bad = client.post(
        "/shared-lives/coordinator/households/new",
        data={"name": "The Oaks", "postcode": "DE1 3AB", "member_numbers": "99999"},
    )
    assert "No approved member has the number 99999" in _text(bad)
    assert 'value="The Oaks"' in _text(bad)
    good = client.post(
        "/shared-lives/coordinator/households/new",
        data={"name": "The Oaks", "postcode": "de13ab", "member_numbers": str(carer.member_number)},
    )
    assert good.status_code == 302
    (household,) = service.all_households()
    assert (household.name, household.postcode, household.status.value) == (
        "The Oaks",
        "DE1 3AB",
        "enquiry",
    )


def test_the_household_adds_a_room_and_blocks_out_its_break(db, client, auth, make_household):
    household = make_household(rooms=[])
    auth.login(household.carers[0].member.email)
    client.post(
        f"/shared-lives/households/{household.id}/rooms",
        data={"name": "Attic", "features": ["for_short_breaks", "step_free"]},
    )
    db.session.refresh(household)
    (room,) = household.rooms
    assert (room.name, room.for_short_breaks, room.step_free, room.for_long_term) == (
        "Attic",
        True,
        True,
        False,
    )
    start = TODAY + timedelta(days=30)
    client.post(
        f"/shared-lives/households/{household.id}/breaks",
        data={"room": room.id, "starts_on": _boxes(start), "ends_on": _boxes(start + timedelta(7))},
    )
    assert "Carers&#39; own break" in _text(client.get(f"/shared-lives/households/{household.id}"))


def test_a_long_term_arrangement_starts_is_reviewed_and_ends(
    db, client, auth, coordinator, make_member, make_household, make_referral
):
    household = make_household()
    person = make_member(email="tom@example.org")
    referral = make_referral("long_term", person=person, wanted_from=TODAY)
    introduction = service.propose_introduction(referral, household, coordinator)
    agree_both(introduction, person)
    db.session.commit()
    room = next(r for r in household.rooms if r.for_long_term)
    auth.login(coordinator.email)
    response = client.post(
        f"/shared-lives/introductions/{introduction.id}/start",
        data={"room": room.id, "starts_on": _boxes(TODAY), "rate_band": 2, "plan": "Live here."},
    )
    arrangement_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = _text(client.get(f"/shared-lives/arrangements/{arrangement_id}"))
    assert "Band 2" in page and "Live here." in page
    client.post(
        f"/shared-lives/arrangements/{arrangement_id}/review",
        data={"held_on": _boxes(TODAY), "outcome": "Settling in."},
    )
    auth.logout()
    auth.login("tom@example.org")
    client.post(f"/shared-lives/arrangements/{arrangement_id}/ask_ending")
    auth.logout()
    auth.login(coordinator.email)
    assert "the person asked for an ending" in _text(client.get("/shared-lives/coordinator"))
    client.post(
        f"/shared-lives/arrangements/{arrangement_id}/end",
        data={"ends_on": _boxes(TODAY + timedelta(5)), "reason": "Moving nearer family."},
    )
    page = _text(client.get(f"/shared-lives/arrangements/{arrangement_id}"))
    assert "Moving nearer family." in page and "Settling in." in page
    # The room is free after the ending.
    later = make_referral("long_term", wanted_from=TODAY + timedelta(10))
    assert any(r.household.id == household.id for r in service.run_matching(later).ranked)


def test_the_application_is_filled_in_then_assessment_starts(
    db, client, auth, coordinator, make_household
):
    household = make_household(status="application", approved_types="", max_people=1)
    auth.login(household.carers[0].member.email)
    assert client.get(f"/shared-lives/households/{household.id}/profile").status_code == 200
    client.post(
        f"/shared-lives/households/{household.id}/profile",
        data={
            "reasons": "Our children have left home.",
            "reference_1": "Ann, a neighbour",
            "reference_2": "Bob, a colleague",
            "consents": ["consents_to_dbs", "housing_permission"],
            "languages": "English, Urdu",
            "pets": "a cat",
            "approved_types": ["long_term"],  # not the household's to say: ignored
            "max_people": "3",
        },
    )
    db.session.refresh(household)
    assert household.consents_to_dbs and household.housing_permission
    assert (household.pets, household.approved_types, household.max_people) == ("a cat", "", 1)
    auth.logout()
    auth.login(coordinator.email)
    response = client.post(
        f"/shared-lives/coordinator/households/{household.id}", data={"status": "assessment"}
    )
    assert response.status_code == 302
    db.session.refresh(household)
    assert household.status.value == "assessment"


def test_the_shortlist_and_the_persons_page_give_the_miles_between_districts(
    db, client, auth, coordinator, make_member, make_household, make_referral
):
    person = make_member(email="pat@example.org")
    near = make_household(name="Darley Abbey", postcode="DE22 1AA")
    referral = make_referral(person=person, area_postcode="DE1 1AA")
    auth.login(coordinator.email)
    page = _text(client.post(f"/shared-lives/coordinator/referrals/{referral.id}/matching"))
    assert "miles between the centres of DE22 and DE1." in page
    service.propose_introduction(referral, near, coordinator)
    db.session.commit()
    auth.logout()
    auth.login("pat@example.org")
    page = _text(client.get(f"/shared-lives/referrals/{referral.id}"))
    assert "Near where you want to be: Yes. About 1." in page


def test_the_person_says_no_to_a_household_with_a_reason(
    db, client, auth, coordinator, make_member, make_household, make_referral
):
    person = make_member(email="pat@example.org")
    referral = make_referral(person=person)
    introduction = service.propose_introduction(referral, make_household(), coordinator)
    db.session.commit()
    path = f"/shared-lives/introductions/{introduction.id}"
    auth.login("pat@example.org")
    assert "Say no to Household 1" in _text(client.get(path))
    client.post(f"{path}/person-says-no", data={"reason": ""})
    db.session.refresh(introduction)
    assert introduction.status is IntroductionStatus.PROPOSED
    client.post(f"{path}/person-says-no", data={"reason": "Too far from my college"})
    db.session.refresh(introduction)
    assert introduction.status is IntroductionStatus.WITHDRAWN
    assert introduction.decline_reason == "The person said no: Too far from my college"
    assert "Say no to" not in _text(client.get(path))
