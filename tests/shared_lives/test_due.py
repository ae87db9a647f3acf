"""What falls due, and `flask shared-lives send-reminders` emailing each reminder once."""

from datetime import date, timedelta

import pytest

from coop.shared_lives import due, service
from coop.shared_lives.models import Arrangement, ArrangementReview, ArrangementType
from tests.shared_lives.conftest import TODAY


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1, date(2027, 2, 28)),
        (6, date(2027, 7, 31)),
        (7, date(2028, 7, 31)),
        (8, date(2029, 7, 31)),
    ],
)
def test_reviews_are_monthly_for_six_months_then_yearly(number, expected):
    assert due.review_date(date(2027, 1, 31), number) == expected


def test_each_check_falls_due_after_its_own_period():
    class H:
        id, name = 1, "Ash"
        dbs_checked_on = first_aid_on = mental_capacity_on = safeguarding_on = date(2025, 1, 10)
        medication_on = data_protection_on = date(2025, 1, 10)
        safety_check_on = carer_review_on = date(2025, 1, 10)
        panel_decided_on = date(2024, 6, 1)

    found = {item.what: item.due_on for item in due.household_due(H, date(2025, 6, 1))}
    assert found["DBS check"] == date(2028, 1, 10)
    assert found["Mental Capacity Act training"] == date(2028, 1, 10)
    assert found["medication training"] == date(2027, 1, 10)
    assert found["data protection training"] == date(2027, 1, 10)
    assert found["home health-and-safety check"] == date(2026, 1, 10)
    assert due.lapses(H, date(2026, 1, 10)) == [
        "the yearly carer review is overdue, so the approval has lapsed"
    ]


def test_a_lapsed_dbs_check_stops_matching(db, make_household, make_referral):
    make_household(dbs_checked_on=TODAY - timedelta(days=3 * 366))
    (excluded,) = service.run_matching(make_referral()).excluded
    assert any("DBS check" in reason for reason in excluded.reasons)


def test_each_reminder_is_emailed_once(
    db, runner, mailbox, make_member, make_household, coordinator, make_referral
):
    carer = make_member("carer", email="ash@example.org")
    household = make_household(carer, first_aid_on=TODAY - timedelta(days=3 * 365 - 10))
    referral = make_referral("long_term", wanted_from=TODAY - timedelta(days=55))
    arrangement = Arrangement(
        referral_id=referral.id, household_id=household.id, room_id=household.rooms[1].id,
        arrangement_type=ArrangementType.LONG_TERM, starts_on=TODAY - timedelta(days=55),
    )  # fmt: skip
    db.session.add(arrangement)
    db.session.commit()

    result = runner.invoke(args=["shared-lives", "send-reminders"])
    assert result.exit_code == 0, result.output
    subjects = sorted(m["Subject"] for m in mailbox.to("ash@example.org"))
    # never recorded checks are due now; first aid falls due within 30 days
    assert any("first aid training falls due" in s for s in subjects)
    assert any(
        "medication training was due" in s or "medication training falls due" in s for s in subjects
    )
    assert [m["Subject"] for m in mailbox.to(coordinator.email)] == [
        "Shared Lives: arrangement review was due – Together Co-op"
    ]
    first_count = len(mailbox.messages)

    again = runner.invoke(args=["shared-lives", "send-reminders"])
    assert "Sent 0 reminders." in again.output
    assert len(mailbox.messages) == first_count

    # A review held moves the next one on, which is a new reminder.
    db.session.add(
        ArrangementReview(arrangement_id=arrangement.id, held_on=TODAY, outcome="Going well")
    )
    db.session.commit()
    runner.invoke(args=["shared-lives", "send-reminders"])
    assert len(mailbox.to(coordinator.email)) == 2
