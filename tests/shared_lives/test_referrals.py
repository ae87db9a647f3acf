"""Referrals: special-category details for coordinators only, and every view in the access log."""

from datetime import date

import pytest

from coop.shared_lives import service
from coop.shared_lives.models import ArrangementType


def test_a_coordinator_opening_a_referral_is_logged(db, coordinator, make_referral):
    referral = make_referral(needs=frozenset({"medication"}), health_notes="Epilepsy")
    assert service.access_log(referral) == []
    what, _ = service.open_referral(referral, coordinator)
    assert what == service.FULL_RECORD
    log = service.access_log(referral)
    assert [(entry.viewer_id, entry.what) for entry in log] == [
        (coordinator.id, service.FULL_RECORD)
    ]


@pytest.mark.parametrize("who", ["secretary", "carer", "budget_holder", "pa"])
def test_no_one_else_opens_a_referral(db, make_member, make_referral, who):
    referral = make_referral()
    actor = make_member("carer" if who == "secretary" else who, secretary=(who == "secretary"))
    with pytest.raises(LookupError):
        service.open_referral(referral, actor)
    assert service.access_log(referral) == []
    assert service.referral_for_coordinator(actor, referral.id) is None


def test_an_introduced_household_sees_only_the_summary_and_is_logged(
    db, coordinator, make_household, make_referral
):
    household = make_household()
    referral = make_referral(shared_summary="Loves football; needs help with tablets.")
    service.propose_introduction(referral, household, coordinator)
    carer = household.carers[0].member
    what, _ = service.open_referral(referral, carer)
    assert what == service.SHARED_SUMMARY
    assert [entry.viewer_id for entry in service.access_log(referral)][0] == carer.id


def test_the_person_and_whoever_acts_for_them_see_their_own_referral(
    db, make_member, make_referral
):
    person, helper, stranger = make_member(), make_member("carer"), make_member()
    referral = make_referral(person=person, acting_for=helper)
    assert service.own_referral(person, referral.id) is referral
    assert service.own_referral(helper, referral.id) is referral
    assert service.own_referral(stranger, referral.id) is None


def test_a_short_break_needs_its_end_and_must_haves_their_details(db, coordinator):
    details = dict(
        person_name="Pat",
        arrangement_type=ArrangementType.SHORT_BREAK,
        wanted_from=date(2027, 3, 1),
        area_postcode="DE1 1AA",
    )
    with pytest.raises(service.SharedLivesError, match="ends"):
        service.record_referral(service.ReferralDetails(wanted_until=None, **details), coordinator)
    with pytest.raises(service.SharedLivesError, match="language"):
        service.record_referral(
            service.ReferralDetails(
                wanted_until=date(2027, 3, 4), must_haves=frozenset({"language"}), **details
            ),
            coordinator,
        )
