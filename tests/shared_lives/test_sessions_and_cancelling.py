"""Day support sessions of 4, 6 or 8 hours for 1 to 3 people, paid by the rate table; and
cancelling a booked stay, which frees the room and is not paid, unless it was paid already."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from coop.shared_lives import payment_run, service
from coop.shared_lives.models import Stay, StayKind
from tests.shared_lives.conftest import TODAY, agree_both
from tests.shared_lives.test_payments import MONTH, PAID_ON, RATES

FEBRUARY = datetime(2027, 2, 1, 12, tzinfo=UTC)


def _boxes(day):
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def scheme(db, coordinator, make_household, monkeypatch):
    """An approved household for short breaks and day support, up to 2 people at once, with
    two rooms; the clock on 1 February 2027 and the rates set from January."""
    monkeypatch.setattr("coop.clock.now", lambda: FEBRUARY)
    payment_run.set_rates(coordinator, date(2027, 1, 1), **RATES)
    fresh = date(2027, 1, 1)
    household = make_household(
        max_people=2, dbs_checked_on=fresh, panel_decided_on=fresh, carer_review_on=fresh,
        rooms=[dict(name="Garden room", for_short_breaks=True),
               dict(name="Day room", for_short_breaks=True)],
    )  # fmt: skip
    return household


def _session(household, coordinator, on, hours, people, room=1):
    day_room = household.rooms[room]
    return service.book_stay(day_room, StayKind.DAY_SUPPORT, on, on + timedelta(days=1),
                             coordinator, hours=hours, people=people)  # fmt: skip


def test_day_support_is_paid_by_hours_and_people(db, coordinator, scheme):
    _session(scheme, coordinator, date(2027, 3, 10), 6, 2)
    _session(scheme, coordinator, date(2027, 3, 11), 4, 1)
    _session(scheme, coordinator, date(2027, 3, 12), 8, 1)
    db.session.commit()
    (payment,) = payment_run.run(MONTH, coordinator, PAID_ON).paid
    # 6 hours for 2 people: £55 and half as much again; then £40 for 4 hours, £70 for 8.
    assert payment.care_fee_pence == 5_500 * 3 // 2 + 4_000 + 7_000 == 19_250
    assert [line[:2] for line in payment_run.statement_lines(payment)] == [
        ("Day support for a person: 6 hours, 2 people together", 8_250),
        ("Day support for a person: 4 hours", 4_000),
        ("Day support for a person: 8 hours", 7_000),
    ]


@pytest.mark.parametrize(
    ("hours", "people", "days", "field", "message"),
    [
        (5, 1, 1, "hours", "up to 4, 6 or 8 hours"),
        (None, 1, 1, "hours", "up to 4, 6 or 8 hours"),
        (6, 3, 1, "people", "at most 2 people at once"),
        (6, 0, 1, "people", "1 to 3 people"),
        (6, 1, 2, "starts_on", "on one day"),
    ],
)
def test_a_session_is_one_day_of_4_6_or_8_hours_for_no_more_than_approved(
    db, coordinator, scheme, hours, people, days, field, message
):
    on = date(2027, 3, 10)
    with pytest.raises(service.SharedLivesError, match=message) as refused:
        service.book_stay(scheme.rooms[1], StayKind.DAY_SUPPORT, on, on + timedelta(days=days),
                          coordinator, hours=hours, people=people)  # fmt: skip
    assert refused.value.field == field


def test_a_short_break_has_no_hours(db, coordinator, scheme):
    with pytest.raises(service.SharedLivesError, match="Only day support"):
        service.book_stay(scheme.rooms[0], StayKind.SHORT_BREAK, date(2027, 3, 1),
                          date(2027, 3, 3), coordinator, hours=6)  # fmt: skip


def test_the_coordinator_books_a_session_with_its_hours_and_people(
    db, client, auth, coordinator, make_member, make_household, make_referral
):
    household = make_household(max_people=3)
    person = make_member(email="ben@example.org")
    on = TODAY + timedelta(days=14)
    referral = make_referral("day_support", person=person, wanted_from=on, wanted_until=None)
    introduction = service.propose_introduction(referral, household, coordinator)
    agree_both(introduction, person)
    db.session.commit()
    room = next(r for r in household.rooms if r.for_short_breaks)
    auth.login(coordinator.email)
    path = f"/shared-lives/introductions/{introduction.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Book a day support session" in page and "Up to 6 hours" in page
    response = client.post(
        f"{path}/book", data={"room": room.id, "on": _boxes(on), "hours": 6, "people": 3}
    )
    assert response.status_code == 302
    stay = db.session.scalars(db.select(Stay)).one()
    assert (stay.kind, stay.starts_on, stay.ends_on, stay.hours, stay.people) == (
        StayKind.DAY_SUPPORT,
        on,
        on + timedelta(days=1),
        6,
        3,
    )
    assert "up to 6 hours, 3 people together" in client.get(path).get_data(as_text=True)


# --- Cancelling ---------------------------------------------------------------------------


def _break(household, coordinator, first, nights=3, room=0):
    return service.book_stay(household.rooms[room], StayKind.SHORT_BREAK, first,
                             first + timedelta(days=nights), coordinator)  # fmt: skip


def test_a_cancelled_stay_frees_its_room(app, db, coordinator, scheme):
    first = date(2027, 3, 5)
    stay = _break(scheme, coordinator, first)
    db.session.commit()
    with pytest.raises(service.RoomTaken):
        _break(scheme, coordinator, first + timedelta(days=1))
    with pytest.raises(service.SharedLivesError, match="Enter why"):
        service.cancel_stay(stay, coordinator, " ")
    service.cancel_stay(stay, coordinator, "Pat is in hospital")
    db.session.commit()
    again = _break(scheme, coordinator, first + timedelta(days=1))  # the database allows it
    db.session.commit()
    assert not again.is_cancelled and stay.cancelled_by_id == coordinator.id
    with pytest.raises(service.SharedLivesError, match="already been cancelled"):
        service.cancel_stay(stay, coordinator, "Again")


def test_the_database_ignores_cancelled_stays_on_postgresql(app, db, scheme):
    if app.config["BACKEND"] != "postgresql":
        pytest.skip(
            reason="SQLite has no exclusion constraints; there BEGIN IMMEDIATE serialises writers"
        )
    room, now, first = scheme.rooms[0], datetime.now(UTC), date(2027, 3, 5)

    def stay(**cancelled):
        return Stay(household_id=scheme.id, room_id=room.id, kind=StayKind.SHORT_BREAK,
                    starts_on=first, ends_on=first + timedelta(days=2), booked_at=now,
                    **cancelled)  # fmt: skip

    db.session.add(stay(cancelled_at=now, cancel_reason="Ill"))
    db.session.add(stay(cancelled_at=now, cancel_reason="Ill again"))
    db.session.add(stay())
    db.session.flush()
    with pytest.raises(IntegrityError, match="no_overlap"):
        with db.session.begin_nested():
            db.session.add(stay())


def test_a_cancelled_break_is_not_paid(db, coordinator, scheme):
    kept = _break(scheme, coordinator, date(2027, 3, 1), nights=2)
    cancelled = _break(scheme, coordinator, date(2027, 3, 10), nights=4)
    service.cancel_stay(cancelled, coordinator, "The person changed their plans")
    db.session.commit()
    (payment,) = payment_run.run(MONTH, coordinator, PAID_ON).paid
    assert payment.care_fee_pence == 2 * 7_500
    assert [line[0] for line in payment_run.statement_lines(payment)] == [
        "Short break for a person: 2 nights"
    ]
    assert kept.id != cancelled.id


def test_a_stay_already_paid_cannot_be_cancelled(db, coordinator, scheme, monkeypatch):
    stay = _break(scheme, coordinator, date(2027, 3, 30), nights=3)  # into April
    db.session.commit()
    payment_run.run(MONTH, coordinator, PAID_ON)
    db.session.commit()
    monkeypatch.setattr("coop.clock.now", lambda: PAID_ON)
    with pytest.raises(service.SharedLivesError, match="paid in the carer payment for March 2027"):
        service.cancel_stay(stay, coordinator, "Never happened")
    assert not stay.is_cancelled


def test_the_household_cancels_its_own_before_it_begins(
    db, client, auth, coordinator, make_member, scheme, make_household, monkeypatch
):
    carer = scheme.carers[0].member
    stay = _break(scheme, coordinator, date(2027, 3, 5))
    own = service.book_stay(scheme.rooms[1], StayKind.CARERS_BREAK, date(2027, 4, 1),
                            date(2027, 4, 8), carer)  # fmt: skip
    other = make_household(rooms=[dict(name="Attic", for_short_breaks=True)])
    theirs = _break(other, coordinator, TODAY + timedelta(days=30))
    db.session.commit()

    auth.login(carer.email)
    assert client.get(f"/shared-lives/stays/{theirs.id}/cancel").status_code == 404
    page = client.get(f"/shared-lives/stays/{stay.id}/cancel").get_data(as_text=True)
    assert "Cancelling frees the room on these dates, and it will not be paid." in page
    refused = client.post(f"/shared-lives/stays/{stay.id}/cancel", data={"reason": ""})
    assert "Enter why it is cancelled" in refused.get_data(as_text=True)
    response = client.post(
        f"/shared-lives/stays/{stay.id}/cancel", data={"reason": "A family funeral"}
    )
    assert response.headers["Location"].endswith(f"/shared-lives/households/{scheme.id}")
    client.post(f"/shared-lives/stays/{own.id}/cancel", data={"reason": "Trip called off"})
    db.session.refresh(stay)
    db.session.refresh(own)
    assert stay.cancel_reason == "A family funeral" and own.is_cancelled
    page = client.get(f"/shared-lives/households/{scheme.id}").get_data(as_text=True)
    assert page.count("Cancelled</strong>") == 2

    # Once it has begun, only the coordinator may cancel it.
    late = _break(scheme, coordinator, date(2027, 3, 20))
    db.session.commit()
    monkeypatch.setattr("coop.clock.now", lambda: datetime(2027, 3, 21, 12, tzinfo=UTC))
    with pytest.raises(service.SharedLivesError, match="ask the coordinator"):
        service.cancel_stay(late, carer, "We are unwell")
    service.cancel_stay(late, coordinator, "The carers are unwell")
    assert late.is_cancelled
