"""Circles of support: what a member lets each helper do, and every way a helper can be
refused: never chosen, another permission, over the limit, after the end date, withdrawn,
or the person or helper no longer a member."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from coop.extensions import db as _db
from coop.members import circles
from coop.members.circle_models import CircleGrant, NomineeKind, Permission

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def asha(db, make_member):
    return make_member(name="Asha Budget")


@pytest.fixture
def dev(db, make_member):
    return make_member("carer", name="Dev Carer")


def book(limit_pence=2000, until=None):
    return circles.Choice(Permission.BOOK, limit_pence=limit_pence, until=until)


def test_acting_for_yourself_needs_no_permission(asha):
    assert circles.require(asha, asha, Permission.BOOK, NOW, amount_pence=10**6) is None
    assert circles.may_act(asha, asha, Permission.COVER, NOW)


def test_a_helper_never_chosen_is_refused(asha, dev):
    with pytest.raises(circles.NotPermitted, match="Asha Budget has not chosen you"):
        circles.require(dev, asha, Permission.BOOK, NOW, amount_pence=100)
    assert not circles.may_act(dev, asha, Permission.SEE, NOW)


def test_each_permission_is_given_on_its_own(asha, dev):
    circles.give(asha, dev, circles.Choice(Permission.SEE), NOW)
    assert circles.may_act(dev, asha, Permission.SEE, NOW)
    for other in (Permission.BOOK, Permission.COVER, Permission.SHARED_LIVES):
        assert not circles.may_act(dev, asha, other, NOW)
        with pytest.raises(circles.NotPermitted):
            circles.require(dev, asha, other, NOW)


def test_booking_is_limited_per_booking(asha, dev):
    circles.give(asha, dev, book(2000), NOW)
    assert circles.require(dev, asha, Permission.BOOK, NOW, amount_pence=2000).limit_pence == 2000
    with pytest.raises(circles.NotPermitted, match=r"costs £20\.01.*up to £20\.00"):
        circles.require(dev, asha, Permission.BOOK, NOW, amount_pence=2001)
    assert not circles.may_act(dev, asha, Permission.BOOK, NOW, amount_pence=2001)


def test_a_permission_ends_after_its_last_day(asha, dev):
    circles.give(asha, dev, book(until=date(2026, 3, 5)), NOW)
    last_day = datetime(2026, 3, 5, 23, 30, tzinfo=UTC)  # still 5 March in London (GMT)
    assert circles.may_act(dev, asha, Permission.BOOK, last_day)
    with pytest.raises(circles.NotPermitted):
        circles.require(dev, asha, Permission.BOOK, last_day + timedelta(hours=1))
    assert circles.people_helped_by(dev, Permission.BOOK, last_day) == [asha]
    assert circles.people_helped_by(dev, Permission.BOOK, last_day + timedelta(hours=1)) == []


def test_withdrawing_stops_the_next_action(asha, dev):
    grant = circles.give(asha, dev, book(), NOW)
    circles.withdraw(grant, asha, NOW + timedelta(minutes=1))
    with pytest.raises(circles.NotPermitted, match="or has withdrawn it"):
        circles.require(dev, asha, Permission.BOOK, NOW + timedelta(minutes=2), amount_pence=1)
    assert circles.grants_of(asha, NOW) == []


def test_only_the_person_or_helper_can_withdraw(asha, dev, make_member):
    grant = circles.give(asha, dev, book(), NOW)
    with pytest.raises(circles.NotPermitted):
        circles.withdraw(grant, make_member(), NOW)
    assert grant.withdrawn_at is None
    circles.withdraw(grant, dev, NOW)  # a helper can step back
    assert grant.withdrawn_at == NOW


def test_giving_again_replaces_the_old_grant_and_keeps_its_history(asha, dev):
    first = circles.give(asha, dev, book(2000), NOW)
    second = circles.give(asha, dev, book(5000), NOW + timedelta(days=1))
    assert first.withdrawn_at == NOW + timedelta(days=1)
    assert circles.grants_of(asha, NOW + timedelta(days=1)) == [second]
    assert _db.session.query(CircleGrant).count() == 2


def test_the_database_keeps_one_live_grant_per_permission(asha, dev):
    circles.give(asha, dev, book(), NOW)
    _db.session.add(
        CircleGrant(
            person_id=asha.id,
            helper_id=dev.id,
            permission=Permission.BOOK,
            limit_pence=100,
            granted_at=NOW,
        )
    )
    with pytest.raises(IntegrityError):
        _db.session.flush()
    _db.session.rollback()


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (book(None), "most they may spend"),
        (book(0), "most they may spend"),
        (book(2**31), "or less"),
        (book(until=date(2026, 3, 1)), "today or later"),
    ],
)
def test_bad_choices_are_refused(asha, dev, choice, message):
    with pytest.raises(circles.CircleError, match=message):
        circles.give(asha, dev, choice, NOW)
    assert circles.grants_of(asha, NOW) == []


def test_only_members_give_and_receive(asha, make_member):
    applicant = make_member("carer", status="applied")
    with pytest.raises(circles.CircleError, match="not a member"):
        circles.give(asha, applicant, circles.Choice(Permission.SEE), NOW)
    with pytest.raises(circles.CircleError, match="yourself"):
        circles.give(asha, asha, circles.Choice(Permission.SEE), NOW)


def test_a_helper_who_left_is_refused(asha, dev, make_member):
    from coop.members import service

    circles.give(asha, dev, circles.Choice(Permission.SEE), NOW)
    service.leave(dev, NOW)
    with pytest.raises(circles.NotPermitted, match="Sign in as a member"):
        circles.require(dev, asha, Permission.SEE, NOW)


def test_acts_are_recorded_for_both_and_labelled(asha, dev):
    circles.give(asha, dev, book(), NOW)
    act = circles.record_act(dev, asha, Permission.BOOK, "Booked the gym, £4.00", NOW)
    assert circles.acts_for(asha) == [act] == circles.acts_by(dev)
    assert circles.acting_label(dev, asha) == "by Dev Carer for Asha Budget"
    assert circles.acting_label(asha, asha) == ""
    assert circles.record_act(asha, asha, Permission.BOOK, "for myself", NOW) is None


def test_nominated_people_are_recorded_by_a_coordinator(asha, dev, secretary):
    with pytest.raises(circles.NotPermitted):
        circles.record_nominee(
            asha,
            kind=NomineeKind.NOMINATED,
            name="Dev Carer",
            evidence="Letter",
            evidence_seen_on=date(2026, 3, 1),
            by=dev,
            now=NOW,
        )
    record = circles.record_nominee(
        asha,
        kind=NomineeKind.NOMINATED,
        name=" Dev Carer ",
        nominee=dev,
        evidence="Council direct payment agreement, 1 March 2026",
        evidence_seen_on=date(2026, 3, 1),
        by=secretary,
        now=NOW,
    )
    assert circles.nominees_of(asha) == [record]
    assert record.name == "Dev Carer" and record.recorded_by_id == secretary.id
    with pytest.raises(circles.CircleError, match="today or in the past"):
        circles.record_nominee(
            asha,
            kind=NomineeKind.AUTHORISED,
            name="X",
            evidence="Order",
            evidence_seen_on=date(2026, 3, 3),
            by=secretary,
            now=NOW,
        )
