"""Incidents: notifiable ones are flagged with a draft and listed until marked sent."""

from datetime import timedelta

import pytest

from coop.shared_lives import incidents, service
from coop.shared_lives.models import IncidentKind
from tests.shared_lives.conftest import TODAY


@pytest.mark.parametrize("kind", list(IncidentKind))
def test_what_must_be_notified(kind):
    assert kind.notifiable is (kind.value in {"serious_injury", "abuse", "police", "dols"})


def test_a_carer_records_and_a_coordinator_marks_it_sent(
    db, client, auth, coordinator, make_household
):
    household = make_household()
    carer = household.carers[0].member
    auth.login(carer.email)
    day = TODAY - timedelta(days=1)
    form = {
        "household": household.id,
        "kind": "police",
        "happened_on": [str(day.day), str(day.month), str(day.year)],
        "description": "Police called after a neighbour dispute.",
    }
    response = client.post("/shared-lives/incidents", data=form)
    assert response.status_code == 302
    auth.logout()
    auth.login(coordinator.email)
    page = client.get("/shared-lives/incidents").get_data(as_text=True)
    assert "Notification of an incident reported to or by the police" in page
    (incident,) = incidents.to_notify()
    assert client.post(f"/shared-lives/incidents/{incident.id}/sent").status_code == 302
    assert incidents.to_notify() == []


def test_a_minor_injury_needs_no_notification(db, coordinator, make_household):
    household = make_household()
    incidents.record(household, IncidentKind.MINOR_INJURY, TODAY, "A grazed knee", coordinator)
    assert incidents.to_notify() == []


def test_someone_else_cannot_record_for_a_household(db, make_member, make_household):
    household = make_household()
    with pytest.raises(service.SharedLivesError):
        incidents.record(household, IncidentKind.ABUSE, TODAY, "x", make_member("carer"))
