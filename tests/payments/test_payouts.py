"""Provider payouts: held-back money, never paid twice, refunds after payout carried forward."""

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coop.marketplace import bookings
from coop.payments import ledger, payouts, postings
from coop.payments.models import LedgerTransaction, Payout, PayoutItem, TransactionKind
from tests.marketplace.conftest import make_listing, make_provider, make_session
from tests.payments.test_ledger import balance
from tests.payments.test_returns import clock, pdf_text, utc
from tests.payments.test_views import sign_in

FIXTURES = (make_listing, make_provider, make_session, sign_in, clock)


def net_of(booking) -> int:
    return ledger.earnings_by_booking(booking.session.listing.provider_id)[booking.id].net_pence


def payout_transactions(db) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LedgerTransaction)
        .where(LedgerTransaction.kind == TransactionKind.PAYOUT)
    )


@pytest.fixture
def gym_money(db, clock, secretary, make_member, make_provider, make_listing, make_session):
    """Riverside Gym: a £20 booking on 2 March (past its deadline by the 10th) and a £30 one
    on 20 March (still inside its 24-hour window on the 10th); commission is 8%."""
    clock.at(utc(2026, 2, 1, 9))
    bea = make_member("budget_holder", name="Bea Budget", email="bea@example.org")
    staff = make_member("provider", name="Gita Gym", email="gita@example.org")
    gym = make_provider(staff, name="Riverside Gym")
    ledger.record_funding(bea, 50_000, ledger.FundingKind.DIRECT_PAYMENT, date(2026, 2, 1),
                          "DP-1", by=secretary)  # fmt: skip
    swim = make_listing(gym, title="Swim session", price_pence=2_000, notice_hours=24)
    yoga = make_listing(gym, title="Yoga class", price_pence=3_000, notice_hours=24)
    clock.at(utc(2026, 2, 20, 12))
    early = bookings.book(bea, make_session(swim, starts_at=utc(2026, 3, 2, 10)))
    late = bookings.book(bea, make_session(yoga, starts_at=utc(2026, 3, 20, 10)))
    db.session.commit()
    return {"bea": bea, "gym": gym, "staff": staff, "early": early, "late": late}


def test_a_payout_pays_released_money_and_holds_back_the_rest(db, clock, secretary, gym_money):
    gym, early, late = gym_money["gym"], gym_money["early"], gym_money["late"]
    clock.at(utc(2026, 3, 10, 12))
    plan = payouts.plan(gym.id, date(2026, 3, 10))
    assert plan.lines == ((early.id, "payment", net_of(early)),)
    assert plan.held_back == ((late.id, net_of(late)),)

    payout = payouts.run_payout(gym.id, date(2026, 3, 10), date(2026, 3, 10), "RG-0310",
                                by=secretary)  # fmt: skip
    db.session.commit()
    assert payout.amount_pence == net_of(early) == 1_840
    assert balance(db, postings.provider_payable_account(gym.id)) == net_of(late)
    assert balance(db, ledger.CLIENT_BANK) == 50_000 - payout.amount_pence
    assert ledger.all_transactions_balance()


def test_a_payout_run_twice_pays_nothing_the_second_time(db, clock, secretary, gym_money):
    gym = gym_money["gym"]
    clock.at(utc(2026, 3, 10, 12))
    payouts.run_payout(gym.id, date(2026, 3, 10), date(2026, 3, 10), "RG-1", by=secretary)
    db.session.commit()
    with pytest.raises(payouts.PayoutError, match="Nothing is owed"):
        payouts.run_payout(gym.id, date(2026, 3, 10), date(2026, 3, 10), "RG-2", by=secretary)
    db.session.rollback()
    assert payout_transactions(db) == 1
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 1


def test_the_database_refuses_a_bookings_money_paid_out_twice(db, clock, secretary, gym_money):
    gym, early = gym_money["gym"], gym_money["early"]
    clock.at(utc(2026, 3, 10, 12))
    payout = payouts.run_payout(gym.id, date(2026, 3, 10), date(2026, 3, 10), "RG-1",
                                by=secretary)  # fmt: skip
    db.session.commit()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            again = payouts.PayoutItemKind.PAYMENT
            db.session.add(
                PayoutItem(payout_id=payout.id, booking_id=early.id, kind=again, amount_pence=1)
            )
    db.session.rollback()


def test_a_refund_after_payout_is_carried_to_the_next_payout(db, clock, secretary, gym_money):
    gym, early, late = gym_money["gym"], gym_money["early"], gym_money["late"]
    clock.at(utc(2026, 3, 10, 12))
    payouts.run_payout(gym.id, date(2026, 3, 10), date(2026, 3, 10), "RG-1", by=secretary)
    db.session.commit()
    # The secretary refunds the early booking after the gym was paid for it (a complaint).
    clock.at(utc(2026, 3, 12, 12))
    ledger.refund(ledger.payment_for(early.id), "Refund: complaint upheld", secretary)
    db.session.commit()
    assert balance(db, postings.provider_payable_account(gym.id)) == 2_760 - 1_840

    # Before the late booking is released, the gym owes the co-op: nothing can be paid.
    with pytest.raises(payouts.PayoutError, match="owes the co-op £18.40"):
        payouts.run_payout(gym.id, date(2026, 3, 12), date(2026, 3, 12), "RG-2", by=secretary)
    db.session.rollback()

    clock.at(utc(2026, 3, 25, 12))
    plan = payouts.plan(gym.id, date(2026, 3, 25))
    assert plan.carried_pence == 1_840
    payout = payouts.run_payout(gym.id, date(2026, 3, 25), date(2026, 3, 25), "RG-3",
                                by=secretary)  # fmt: skip
    db.session.commit()
    assert payout.amount_pence == 2_760 - 1_840
    assert sorted((i.booking_id, i.kind.value, i.amount_pence) for i in payout.items) == sorted(
        [(early.id, "refund", -1_840), (late.id, "payment", 2_760)]
    )
    assert balance(db, postings.provider_payable_account(gym.id)) == 0


def test_only_the_treasurer_or_secretary_pays_providers(db, clock, gym_money, make_member):
    clock.at(utc(2026, 3, 10, 12))
    with pytest.raises(payouts.PayoutError, match="Only the treasurer"):
        payouts.run_payout(gym_money["gym"].id, date(2026, 3, 10), date(2026, 3, 10), "X",
                           by=gym_money["staff"])  # fmt: skip
    assert not payouts.can_run_payouts(gym_money["bea"])
    assert not payouts.can_run_payouts(None)


@pytest.mark.parametrize(
    ("paid", "refunded", "paid_out", "refund_out", "free", "lines", "held"),
    [
        (900, 0, False, False, True, [(1, "payment", 900)], []),
        (900, 0, False, False, False, [], [(1, 900)]),
        (900, 900, False, False, False, [(1, "payment", 900), (1, "refund", -900)], []),
        (900, 900, True, False, True, [(1, "refund", -900)], []),
        (900, 900, True, True, True, [], []),
        (900, 0, True, False, True, [], []),
    ],
)
def test_plan_payout(paid, refunded, paid_out, refund_out, free, lines, held):
    plan = postings.plan_payout(
        [postings.BookingMoney(1, paid, refunded, paid_out, refund_out, free)]
    )
    assert list(plan.lines) == lines and list(plan.held_back) == held


def test_a_provider_sees_its_payouts_and_downloads_its_statement(
    db, clock, secretary, gym_money, sign_in, make_member, make_provider
):
    gym, early = gym_money["gym"], gym_money["early"]
    clock.at(utc(2026, 3, 10, 12))
    payout = payouts.run_payout(gym.id, date(2026, 3, 10), date(2026, 3, 9), "RG-0310",
                                by=secretary)  # fmt: skip
    db.session.commit()
    browser = sign_in(gym_money["staff"])
    listed = browser.get(f"/marketplace/provider/{gym.id}/payouts").get_data(as_text=True)
    assert "RG-0310" in listed and "£18.40" in listed
    page = browser.get(f"/marketplace/provider/{gym.id}/payouts/{payout.id}").get_data(True)
    assert early.reference in page
    rows = list(csv.reader(io.StringIO(browser.get(
        f"/marketplace/provider/{gym.id}/payouts/{payout.id}.csv").get_data(True))))  # fmt: skip
    assert [payout.id, "2026-03-09", "RG-0310", early.reference] == [
        int(rows[4][0]), *rows[4][1:4]]  # fmt: skip
    assert rows[-1] == ["Total paid", "", "", "", "", "18.40"]
    words = pdf_text(browser.get(f"/marketplace/provider/{gym.id}/payouts/{payout.id}.pdf").data)
    assert "Riverside Gym" in words and early.reference in words and "£18.40" in words

    other_staff = make_member("provider", email="other@example.org")
    other = make_provider(other_staff)
    stranger = sign_in(other_staff)
    assert (
        stranger.get(f"/marketplace/provider/{gym.id}/payouts/{payout.id}.csv").status_code == 404
    )
    assert stranger.get(f"/marketplace/provider/{other.id}/payouts/{payout.id}").status_code == 404


def test_the_treasurer_records_a_payout_on_the_page(db, clock, secretary, gym_money, sign_in):
    gym = gym_money["gym"]
    clock.at(utc(2026, 3, 10, 12))
    browser = sign_in(secretary)
    listing = browser.get("/payments/treasurer/payouts").get_data(as_text=True)
    assert "Riverside Gym" in listing and "£18.40" in listing
    sent = browser.post(
        f"/payments/treasurer/payouts/{gym.id}",
        data={"up_to": ["10", "3", "2026"], "paid_on": ["10", "3", "2026"], "bank_reference": ""},
    )
    assert "Enter the reference on the bank transfer" in sent.get_data(as_text=True)
    sent = browser.post(
        f"/payments/treasurer/payouts/{gym.id}",
        data={"up_to": ["10", "3", "2026"], "paid_on": ["10", "3", "2026"],
              "bank_reference": "RG-9"},
    )  # fmt: skip
    assert sent.status_code == 302
    assert payout_transactions(db) == 1
    assert sign_in(gym_money["bea"]).get("/payments/treasurer/payouts").status_code == 403


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("treasurer", True), ("secretary", True), ("provider", False), ("holder", False),
     ("carer", False), ("nobody", False)],
)  # fmt: skip
def test_who_may_pay_providers_record_costs_and_pay_from_funds(db, make_member, who, allowed):
    """The serving treasurer, or the secretary; nobody else (roles.is_treasurer)."""
    from coop.members import service as members
    from coop.members.models import Office
    from coop.payments import accounts, funds

    actor = {
        "treasurer": lambda: make_member("carer", email="t@example.org"),
        "secretary": lambda: make_member(secretary=True, email="s@example.org"),
        "provider": lambda: make_member("provider", email="p@example.org"),
        "holder": lambda: make_member("budget_holder", email="h@example.org"),
        "carer": lambda: make_member("carer", email="c@example.org"),
        "nobody": lambda: None,
    }[who]()
    if who == "treasurer":
        members.appoint(actor, Office.TREASURER, date(2026, 1, 1))
        db.session.commit()
    rules = (payouts.can_run_payouts, accounts.can_record_costs, funds.can_manage_funds)
    assert [rule(actor) for rule in rules] == [allowed] * 3
