"""Never double-booked: 20 simultaneous bookings of overlapping nights in one room, through
gunicorn on PostgreSQL, give exactly 1 booking and 19 clear answers."""

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from coop.extensions import db as _db
from coop.members import service as members
from coop.members.models import MemberClass, Office
from coop.shared_lives.models import (
    ArrangementType,
    Household,
    HouseholdCarer,
    HouseholdStatus,
    Introduction,
    IntroductionStatus,
    Referral,
    Room,
    Stay,
)
from tests.conftest import PASSWORD
from tests.races import Browser, Reply, _in_parallel, _new_member

REQUESTS = 20
BOOKED = "is booked."
TAKEN = re.compile(r"(already taken on some of those nights|was booked by someone else)")


@pytest.fixture
def scheme(pg_app, monkeypatch):
    """A coordinator, an approved household with one short-break room, and a short-break
    referral both sides have agreed to; committed for the server."""
    password_hash = generate_password_hash(PASSWORD)
    monkeypatch.setattr(members, "hash_password", lambda _password: password_hash)
    with pg_app.app_context():
        now = datetime.now(UTC)
        today = date.today()
        coordinator = _new_member("cara@race.example", MemberClass.CARER, now)
        members.appoint(coordinator, Office.SHARED_LIVES_COORDINATOR, today)
        carer = _new_member("carer@race.example", MemberClass.CARER, now)
        household = Household(
            name="Race House",
            postcode="DE1 3AB",
            status=HouseholdStatus.APPROVED,
            approved_types="short_break",
            max_people=3,
            dbs_checked_on=today - timedelta(days=30),
            panel_decided_on=today - timedelta(days=30),
            created_at=now,
        )
        _db.session.add(household)
        _db.session.flush()
        _db.session.add(HouseholdCarer(household_id=household.id, member_id=carer.id))
        room = Room(household_id=household.id, name="Garden room", for_short_breaks=True)
        _db.session.add(room)
        referral = Referral(
            person_name="Pat",
            arrangement_type=ArrangementType.SHORT_BREAK,
            wanted_from=today + timedelta(days=10),
            wanted_until=today + timedelta(days=13),
            area_postcode="DE1 1AA",
            created_at=now,
            created_by_id=coordinator.id,
        )
        _db.session.add(referral)
        _db.session.flush()
        introduction = Introduction(
            referral_id=referral.id,
            household_id=household.id,
            status=IntroductionStatus.AGREED,
            respond_by=today + timedelta(days=14),
            proposed_at=now,
            person_accepted_at=now,
            household_accepted_at=now,
            person_agreed_at=now,
            household_agreed_at=now,
        )
        _db.session.add(introduction)
        _db.session.commit()
        result = {"introduction": introduction.id, "room": room.id, "start": referral.wanted_from}
        _db.session.remove()
    return result


def _boxes(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def test_twenty_bookings_of_overlapping_nights_give_one(pg_app, server, scheme):
    signed_in = Browser(server)
    signed_in.sign_in("cara@race.example")
    path = f"/shared-lives/introductions/{scheme['introduction']}"
    token = signed_in.csrf_token(path)

    def book(i: int, barrier: threading.Barrier) -> Reply:
        tab = Browser(server, signed_in.cookies)
        first = scheme["start"] + timedelta(days=i % 3)  # every range shares a night
        form = [("csrf_token", token), ("room", str(scheme["room"]))]
        form += [("starts_on", box) for box in _boxes(first)]
        form += [("ends_on", box) for box in _boxes(first + timedelta(days=3))]
        barrier.wait()
        return tab.post(path + "/book", form)

    replies = _in_parallel(REQUESTS, book)

    assert [r.status for r in replies if r.status >= 500] == []
    booked = [r for r in replies if r.status == 200 and BOOKED in r.body]
    refused = [r for r in replies if r.status == 409 and TAKEN.search(r.body)]
    assert (len(booked), len(refused)) == (1, REQUESTS - 1)
    with pg_app.app_context():
        count = _db.session.scalar(select(func.count(Stay.id)))
        assert count == 1
