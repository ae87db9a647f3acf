"""Same-day cover: who is eligible, the two waves, the state table, the first acceptance
winning, hours paid through the ledger and never below zero, and no PA double-booked."""

from datetime import time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coop.members import circles
from coop.members import service as members
from coop.members.circle_models import CircleAct, Permission
from coop.members.models import Member, Office
from coop.outbox import OutboxMessage
from coop.payments import ledger, pa_pay
from coop.payments.models import TransactionKind
from coop.support import cover, shared_pas
from coop.support.models import CoverRequest, CoverStatus, Shift, Skill
from tests.support.conftest import NOW, TODAY, give_cover

S = CoverStatus


def wanted(**changes) -> cover.Wanted:
    fields = dict(
        day=TODAY, starts=time(14, 0), ends=time(18, 0), district="DE22",
        skills=frozenset({Skill.PERSONAL_CARE}),
    )  # fmt: skip
    fields.update(changes)
    return cover.Wanted(**fields)


def emailed(db, pa: Member) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == pa.email))
    )


# --- The state table ---------------------------------------------------------------------

ALLOWED = {
    (S.OPEN, S.COVERED), (S.OPEN, S.CANCELLED), (S.COVERED, S.HOURS_RECORDED),
    (S.COVERED, S.CANCELLED), (S.HOURS_RECORDED, S.PAID), (S.HOURS_RECORDED, S.COVERED),
}  # fmt: skip


@pytest.mark.parametrize("frm", list(S))
@pytest.mark.parametrize("to", list(S))
def test_the_moves_of_a_cover_request(frm, to):
    assert cover.can_move(frm, to) == ((frm, to) in ALLOWED)


# --- Who is told and who may accept --------------------------------------------------------


def test_eligibility_needs_checks_skills_district_preference_time_and_a_free_pa(
    db, make_pa, make_family
):
    asha = make_family("Asha")
    good = make_pa("Good", gender="woman", skills={Skill.PERSONAL_CARE, Skill.HOIST})
    make_pa("Lapsed", gender="woman", dbs_issued_on=TODAY - timedelta(days=3 * 365 + 1))
    make_pa("Unchecked", gender="woman", checked=False)
    make_pa("No hoist", gender="woman")
    make_pa("Elsewhere", gender="woman", skills={Skill.PERSONAL_CARE, Skill.HOIST},
            districts="NG1")  # fmt: skip
    make_pa("A man", gender="man", skills={Skill.PERSONAL_CARE, Skill.HOIST})
    make_pa("Mornings", gender="woman", skills={Skill.PERSONAL_CARE, Skill.HOIST},
            windows=[(1, time(7), time(12))])  # fmt: skip
    busy = make_pa("Busy", gender="woman", skills={Skill.PERSONAL_CARE, Skill.HOIST})
    ben = make_family("Ben")
    shared_pas.book(busy.id, ben.id, NOW + timedelta(hours=6), NOW + timedelta(hours=7),
                    cover_request_id=None, regular_shift_id=_regular_id(db, busy, ben))  # fmt: skip

    request = cover.ask(asha, wanted(skills=frozenset({Skill.HOIST}), wants_woman=True), asha, NOW)

    assert [p.member.name for p in cover.eligible(request, NOW)] == ["Good"]
    assert emailed(db, good)  # no own list: the whole bank at once
    assert request.bank_told_at == NOW


def _regular_id(db, pa, family):
    regular = shared_pas.add_regular(
        pa, family, shared_pas.Regular(weekday=6, starts=time(6), ends=time(7), starts_on=TODAY),
        family, NOW,
    )  # fmt: skip
    return regular.id


def test_own_pas_first_then_the_whole_bank_after_the_delay(db, make_pa, make_family):
    asha = make_family("Asha")
    first, second = make_pa("First"), make_pa("Second")
    bank = make_pa("Bank")
    cover.add_own(asha, second, asha, NOW)
    cover.add_own(asha, first, asha, NOW)
    cover.move_up(asha, first, asha, NOW)
    assert [p.member.name for p in cover.own_list(asha)] == ["First", "Second"]

    request = cover.ask(asha, wanted(bank_delay_minutes=45), asha, NOW)
    db.session.commit()
    to_own = [
        m.recipient for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    ]
    assert to_own == [first.email, second.email]
    assert not emailed(db, bank)
    assert "/support/cover/" in emailed(db, first)[0].body
    assert "personal care" not in emailed(db, first)[0].body.lower()  # never the person's needs

    # The bank cannot take it before its time, and is told when the delay has passed.
    with pytest.raises(cover.CoverError, match="own PAs are asked first"):
        cover.accept(request, bank, NOW + timedelta(minutes=44))
    assert cover.tell_banks(NOW + timedelta(minutes=44)) == 0
    assert cover.tell_banks(NOW + timedelta(minutes=45)) == 1
    assert cover.tell_banks(NOW + timedelta(minutes=46)) == 0  # once only
    assert len(emailed(db, bank)) == 1
    assert len(emailed(db, first)) == 1
    cover.accept(request, bank, NOW + timedelta(minutes=50))
    assert request.status is S.COVERED and request.pa_id == bank.id


def test_the_first_to_accept_gets_the_shift_and_the_others_are_told(db, make_pa, make_family):
    asha = make_family("Asha")
    femi, grace = make_pa("Femi"), make_pa("Grace")
    request = cover.ask(asha, wanted(), asha, NOW)

    cover.accept(request, femi, NOW)
    with pytest.raises(cover.AlreadyCovered, match="already covered"):
        cover.accept(request, grace, NOW)

    assert request.pa_id == femi.id and request.hourly_rate_pence == 1500
    shifts = db.session.scalars(select(Shift).where(Shift.cover_request_id == request.id)).all()
    assert [(s.pa_id, s.starts_at) for s in shifts] == [(femi.id, request.starts_at)]
    assert cover.offer_for(request, grace, NOW).already_covered
    assert any("Femi is covering" in m.subject for m in emailed(db, asha))


def test_a_pa_is_never_booked_for_two_overlapping_shifts_whichever_family_asks(
    db, make_pa, make_family
):
    asha, ben = make_family("Asha"), make_family("Ben")
    femi = make_pa("Femi")
    first = cover.ask(asha, wanted(), asha, NOW)
    second = cover.ask(ben, wanted(starts=time(17), ends=time(19)), ben, NOW)
    cover.accept(first, femi, NOW)
    db.session.commit()

    with pytest.raises(cover.CoverError, match="already working then"):
        cover.accept(second, femi, NOW)
    assert second.status is S.OPEN and second.pa_id is None
    assert [p.member.name for p in cover.eligible(second, NOW)] == []


def test_the_database_itself_refuses_an_overlapping_shift(app, db, make_pa, make_family):
    asha, ben = make_family("Asha"), make_family("Ben")
    femi = make_pa("Femi")
    one = cover.ask(asha, wanted(), asha, NOW)
    two = cover.ask(ben, wanted(starts=time(15), ends=time(16)), ben, NOW)
    db.session.add(Shift(pa_id=femi.id, budget_holder_id=asha.id, starts_at=one.starts_at,
                         ends_at=one.ends_at, cover_request_id=one.id))  # fmt: skip
    db.session.commit()
    overlapping = Shift(pa_id=femi.id, budget_holder_id=ben.id, starts_at=two.starts_at,
                        ends_at=two.ends_at, cover_request_id=two.id)  # fmt: skip
    if app.config["BACKEND"] == "postgresql":
        # The exclusion constraint, whatever the code above it does.
        db.session.add(overlapping)
        with pytest.raises(IntegrityError, match="xc_support_shifts_no_overlap"):
            db.session.commit()
        db.session.rollback()
    else:
        # SQLite: the check inside the BEGIN IMMEDIATE transaction.
        with pytest.raises(shared_pas.Clash):
            shared_pas.book(femi.id, ben.id, two.starts_at, two.ends_at, cover_request_id=two.id)
    assert db.session.scalar(select(Shift.id).where(Shift.cover_request_id == two.id)) is None
    # Back to back is not an overlap.
    shared_pas.book(femi.id, ben.id, one.ends_at, one.ends_at + timedelta(hours=1),
                    cover_request_id=two.id)  # fmt: skip
    db.session.commit()


# --- After the shift: hours, approval, payment --------------------------------------------


def _covered(db, make_pa, make_family, pence=10_000):
    asha = make_family("Asha", pence=pence)
    femi = make_pa("Femi", rate=1500)
    request = cover.ask(asha, wanted(), asha, NOW)
    cover.accept(request, femi, NOW)
    return asha, femi, request


def test_hours_approved_are_paid_from_the_budget_to_what_is_owed_the_pa(db, make_pa, make_family):
    asha, femi, request = _covered(db, make_pa, make_family)
    with pytest.raises(cover.CoverError, match="once the shift has started"):
        cover.record_hours(request, femi, 180, NOW)
    later = request.starts_at + timedelta(hours=4)
    cover.record_hours(request, femi, 3 * 60 + 30, later)
    cover.approve(request, asha, later)

    assert request.status is S.PAID
    assert ledger.budget_balance(asha) == 10_000 - 5_250
    assert pa_pay.owed_to(femi) == 5_250
    payment = request_payment(db, request)
    assert payment.kind is TransactionKind.PA_HOURS and payment.posted_by_id == asha.id
    assert ledger.all_transactions_balance()
    with pytest.raises(cover.CoverError, match="no hours to approve"):
        cover.approve(request, asha, later)


def request_payment(db, request):
    from coop.payments.models import LedgerTransaction

    return db.session.get(LedgerTransaction, request.payment_id)


def test_hours_the_budget_cannot_cover_are_refused_and_nothing_is_paid(db, make_pa, make_family):
    asha, femi, request = _covered(db, make_pa, make_family, pence=4_000)
    later = request.starts_at + timedelta(hours=4)
    cover.record_hours(request, femi, 180, later)
    db.session.commit()
    with pytest.raises(cover.CoverError, match="holds £40.00 but these hours cost £45.00"):
        cover.approve(request, asha, later)
    db.session.rollback()
    assert db.session.get(CoverRequest, request.id).status is S.HOURS_RECORDED
    assert ledger.budget_balance(asha) == 4_000 and pa_pay.owed_to(femi) == 0


def test_only_the_pa_who_covered_records_hours(db, make_pa, make_family):
    _asha, _femi, request = _covered(db, make_pa, make_family)
    grace = make_pa("Grace")
    with pytest.raises(cover.CoverError, match="Only the PA who covered"):
        cover.record_hours(request, grace, 60, request.starts_at + timedelta(hours=1))


def test_a_helper_with_cover_permission_asks_and_approves_for_the_person(
    db, make_pa, make_family, make_member
):
    asha, femi = make_family("Asha"), make_pa("Femi")
    dev = db.session.get(Member, make_member("carer", name="Dev").id)
    give_cover(asha, dev)
    request = cover.ask(asha, wanted(), dev, NOW)
    cover.accept(request, femi, NOW)
    later = request.starts_at + timedelta(hours=3)
    cover.record_hours(request, femi, 180, later)
    cover.approve(request, dev, later)

    payment = request_payment(db, request)
    assert payment.posted_by_id == dev.id
    assert payment.memo.endswith("by Dev for Asha")
    acts = [a.description for a in circles.acts_for(asha)]
    assert any(a.startswith("Asked for PA cover") for a in acts)
    assert any(a.startswith("Approved 3 hours by Femi") for a in acts)


@pytest.mark.parametrize("how", ["never chosen", "another permission", "withdrawn", "ended"])
def test_a_helper_without_the_cover_permission_is_refused_and_nothing_changes(
    db, make_pa, make_family, make_member, how
):
    asha = make_family("Asha")
    dev = db.session.get(Member, make_member("carer", name="Dev").id)
    if how == "another permission":
        give_cover(asha, dev, Permission.SEE)
    elif how == "withdrawn":
        circles.withdraw(give_cover(asha, dev), asha, NOW)
    elif how == "ended":
        circles.give(asha, dev, circles.Choice(Permission.COVER, until=TODAY), NOW)
    db.session.commit()
    when = NOW + timedelta(days=1) if how == "ended" else NOW
    with pytest.raises(circles.NotPermitted):
        cover.ask(asha, wanted(day=TODAY + timedelta(days=1)), dev, when)
    db.session.rollback()
    assert db.session.scalar(select(CoverRequest.id)) is None
    assert db.session.scalar(select(CircleAct.id)) is None


def test_cancelling_frees_the_pa(db, make_pa, make_family):
    asha, femi, request = _covered(db, make_pa, make_family)
    cover.cancel(request, asha, NOW)
    assert request.status is S.CANCELLED
    assert shared_pas.busy(femi.id, request.starts_at, request.ends_at) is None
    with pytest.raises(cover.CoverError):
        cover.accept(request, femi, NOW)


def test_requests_still_open_two_hours_before_are_flagged_to_coordinators_once(
    db, make_pa, make_family, make_member, secretary
):
    kim = db.session.get(Member, make_member("carer", name="Kim", email="kim@example.org").id)
    members.appoint(kim, Office.SHARED_LIVES_COORDINATOR, TODAY)
    asha = make_family("Asha")
    request = cover.ask(asha, wanted(), asha, NOW)
    db.session.commit()
    assert cover.flag_unfilled(request.starts_at - timedelta(hours=2, minutes=1)) == 0
    assert cover.flag_unfilled(request.starts_at - timedelta(hours=2)) == 1
    assert cover.flag_unfilled(request.starts_at - timedelta(hours=1)) == 0
    told = {
        m.recipient
        for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject.startswith("Cover still needed"))
        )
    }
    assert told == {"kim@example.org", secretary.email}
    assert cover.still_open_soon(request.starts_at - timedelta(hours=1)) == [request]


def test_asking_checks_the_times(db, make_family):
    asha = make_family("Asha")
    with pytest.raises(cover.CoverError, match="already passed"):
        cover.ask(asha, wanted(starts=time(8), ends=time(10)), asha, NOW)
    with pytest.raises(cover.CoverError, match="end time must be after"):
        cover.ask(asha, wanted(starts=time(15), ends=time(14)), asha, NOW)
    with pytest.raises(cover.CoverError, match="postcode district"):
        cover.ask(asha, wanted(district="nowhere"), asha, NOW)


def test_the_worker_tells_the_bank_when_the_delay_has_passed(
    app, db, make_pa, make_family, monkeypatch
):
    from coop import worker

    asha = make_family("Asha")
    femi, bank = make_pa("Femi"), make_pa("Bank")
    cover.add_own(asha, femi, asha, NOW)
    cover.ask(asha, wanted(), asha, NOW)
    db.session.commit()
    [job] = [j for j in worker.JOBS if j.name == "support tell-banks"]
    monkeypatch.setattr("coop.clock.now", lambda: NOW + timedelta(minutes=31))
    assert worker.run_due_jobs(jobs=[job]) == [
        "support tell-banks: Told the bank of PAs about 1 cover request."
    ]
    assert len(emailed(db, bank)) == 1 and len(emailed(db, femi)) == 1
