"""Carer households: the table of allowed moves, the application, the panel, and who may act."""

from datetime import date, timedelta
from itertools import product

import pytest

from coop.members import roles
from coop.shared_lives import service
from coop.shared_lives.models import HouseholdStatus as S
from coop.shared_lives.models import HouseholdStatusChange

ALLOWED = {
    (S.ENQUIRY, S.APPLICATION),
    (S.ENQUIRY, S.RESIGNED),
    (S.APPLICATION, S.ASSESSMENT),
    (S.APPLICATION, S.RESIGNED),
    (S.ASSESSMENT, S.PANEL),
    (S.ASSESSMENT, S.APPLICATION),
    (S.ASSESSMENT, S.RESIGNED),
    (S.PANEL, S.APPROVED),
    (S.PANEL, S.ASSESSMENT),
    (S.PANEL, S.RESIGNED),
    (S.APPROVED, S.SUSPENDED),
    (S.APPROVED, S.DEAPPROVED),
    (S.APPROVED, S.RESIGNED),
    (S.SUSPENDED, S.APPROVED),
    (S.SUSPENDED, S.DEAPPROVED),
    (S.SUSPENDED, S.RESIGNED),
}


@pytest.mark.parametrize(("from_status", "to_status"), list(product(S, S)))
def test_the_table_of_moves(from_status, to_status):
    assert service.can_move(from_status, to_status) is ((from_status, to_status) in ALLOWED)


def _complete_application(household):
    household.reasons = "We have room and time."
    household.reference_1 = "A friend of 10 years"
    household.reference_2 = "A former employer"
    household.consents_to_dbs = True
    household.housing_permission = True


@pytest.mark.parametrize(("from_status", "to_status"), sorted(ALLOWED, key=str))
def test_every_allowed_move_is_made_and_recorded(
    db, coordinator, make_household, from_status, to_status
):
    household = make_household(status=from_status.value)
    _complete_application(household)
    service.move_household(
        household, to_status, coordinator, "Panel met and agreed", panel_date=date.today()
    )
    assert household.status is to_status
    change = db.session.scalars(
        db.select(HouseholdStatusChange).where(HouseholdStatusChange.household_id == household.id)
    ).one()
    assert (change.from_status, change.to_status, change.changed_by_id) == (
        from_status,
        to_status,
        coordinator.id,
    )


@pytest.mark.parametrize(
    ("from_status", "to_status"), [m for m in product(S, S) if m not in ALLOWED][:20]
)
def test_a_move_not_in_the_table_is_refused(
    db, coordinator, make_household, from_status, to_status
):
    household = make_household(status=from_status.value)
    with pytest.raises(service.SharedLivesError, match="cannot become"):
        service.move_household(household, to_status, coordinator, "reason", panel_date=date.today())
    assert household.status is from_status


def test_assessment_waits_for_a_complete_application(db, coordinator, make_household):
    household = make_household(status="application")
    with pytest.raises(service.SharedLivesError) as refused:
        service.move_household(household, S.ASSESSMENT, coordinator)
    assert "two references" in refused.value.message
    assert "consent to an enhanced DBS check" in refused.value.message
    _complete_application(household)
    service.move_household(household, S.ASSESSMENT, coordinator)
    assert household.status is S.ASSESSMENT


def test_the_panel_decision_keeps_its_date_and_reasons(db, coordinator, make_household):
    household = make_household(status="panel")
    with pytest.raises(service.SharedLivesError, match="date of the panel"):
        service.move_household(household, S.APPROVED, coordinator, "Warm and experienced")
    with pytest.raises(service.SharedLivesError, match="reasons"):
        service.move_household(household, S.APPROVED, coordinator, "", panel_date=date.today())
    day = date.today() - timedelta(days=2)
    service.move_household(household, S.APPROVED, coordinator, "Warm, experienced", panel_date=day)
    assert (household.panel_decided_on, household.panel_reasons) == (day, "Warm, experienced")


@pytest.mark.parametrize("who", ["secretary", "carer", "budget_holder"])
def test_only_a_coordinator_moves_a_household(db, make_member, make_household, who):
    actor = make_member("carer" if who == "secretary" else who, secretary=(who == "secretary"))
    household = make_household(status="enquiry")
    assert not service.can_coordinate(actor)
    with pytest.raises(service.SharedLivesError, match="Only a Shared Lives coordinator"):
        service.move_household(household, S.APPLICATION, actor)


def test_the_coordinator_is_an_office_the_secretary_appoints(db, coordinator):
    assert roles.is_shared_lives_coordinator(coordinator)
    assert service.can_coordinate(coordinator)
    assert not roles.is_secretary(coordinator)


def test_a_household_cannot_support_more_than_three(db, make_household):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        make_household(max_people=4)
