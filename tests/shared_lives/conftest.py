"""Factories for coordinators, carer households and referrals; use them inside `db`."""

from datetime import UTC, date, datetime, timedelta

import pytest

from coop.members import service as members
from coop.members.models import Member, Office
from coop.shared_lives import service
from coop.shared_lives.models import (
    ArrangementType,
    Household,
    HouseholdCarer,
    HouseholdStatus,
    Room,
)

TODAY = date.today()


@pytest.fixture
def coordinator(db, make_member):
    """Cara, a serving Shared Lives coordinator (an office in the register of officers)."""
    member = make_member("carer", name="Cara Coordinator", email="cara@example.org")
    member = db.session.get(Member, member.id)
    members.appoint(member, Office.SHARED_LIVES_COORDINATOR, TODAY)
    db.session.commit()
    return member


@pytest.fixture
def make_household(db, make_member):
    """`make_household(carer=None, status="approved", rooms=[dict(...)], **profile)`: an
    approved household in date, with one short-break room and one long-term room by default."""
    counter = {"n": 0}

    def make(carer=None, *, status="approved", rooms=None, **profile):
        counter["n"] += 1
        n = counter["n"]
        carer = carer or make_member("carer")
        carer = db.session.get(Member, carer.id)
        fresh = TODAY - timedelta(days=30)
        fields = dict(
            name=f"Household {n}",
            postcode="DE1 3AB",
            status=HouseholdStatus(status),
            approved_types="long_term,short_break,day_support",
            max_people=2,
            languages="English",
            dbs_checked_on=fresh,
            panel_decided_on=fresh if status in ("approved", "suspended", "deapproved") else None,
            carer_review_on=fresh,
            created_at=datetime.now(UTC),
        )
        fields.update(profile)
        household = Household(**fields)
        db.session.add(household)
        db.session.flush()
        db.session.add(HouseholdCarer(household_id=household.id, member_id=carer.id))
        for room in (
            rooms
            if rooms is not None
            else [
                dict(name="Front bedroom", for_short_breaks=True, step_free=True),
                dict(name="Back bedroom", for_long_term=True),
            ]
        ):
            db.session.add(Room(household_id=household.id, **room))
        db.session.commit()
        db.session.refresh(household)
        return household

    return make


@pytest.fixture
def make_referral(db, coordinator):
    """`make_referral(arrangement_type="short_break", **details)`: starting in two weeks."""

    def make(arrangement_type="short_break", **details):
        start = details.pop("wanted_from", TODAY + timedelta(days=14))
        kind = ArrangementType(arrangement_type)
        until = details.pop(
            "wanted_until", None if kind is ArrangementType.LONG_TERM else start + timedelta(3)
        )
        referral = service.record_referral(
            service.ReferralDetails(
                person_name=details.pop("person_name", "Pat Person"),
                arrangement_type=kind,
                wanted_from=start,
                wanted_until=until,
                area_postcode=details.pop("area_postcode", "DE1 1AA"),
                **details,
            ),
            coordinator,
        )
        db.session.commit()
        return referral

    return make


def agree_both(introduction, for_person):
    """Take an introduction the whole way: both sides say yes to meeting, a first visit is
    recorded, then both agree. `for_person` is the person, whoever acts for them, or a
    coordinator recording their answers."""
    carer = introduction.household.carers[0].member
    service.person_accepts(introduction, for_person)
    service.answer_introduction(introduction, carer, True)
    service.record_meeting(introduction, "A first visit", TODAY, "", carer)
    service.agree(introduction, for_person, "person", True)
    service.agree(introduction, carer, "household", True)
    return introduction
