"""Carer payments: what each household is owed, posted to the ledger once, balanced, matching
the rate table; paying from a budget never overspends it."""

from datetime import UTC, date, datetime, timedelta

import pytest

from coop.payments import ledger, postings
from coop.payments.models import FundingKind, LedgerTransaction, TransactionKind
from coop.shared_lives import carer_pay, payment_run, service
from coop.shared_lives.models import Arrangement, ArrangementType, StayKind
from tests.shared_lives.conftest import agree_both

RATES = dict(
    band_1_weekly_pence=35_000, band_2_weekly_pence=42_000, band_3_weekly_pence=49_000,
    band_4_weekly_pence=56_000, short_break_nightly_pence=7_500,
    day_4h_pence=4_000, day_6h_pence=5_500, day_8h_pence=7_000,
)  # fmt: skip
MONTH = date(2027, 3, 1)
#: When March's payments are run: once March has ended, so the care was actually given.
PAID_ON = datetime(2027, 4, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize(("hours", "people", "pence"), [(4, 1, 4000), (6, 2, 8250), (8, 3, 14000)])
def test_day_support_adds_half_for_each_extra_person(hours, people, pence):
    rates = carer_pay.Rates((1, 2, 3, 4), 7500, {4: 4000, 6: 5500, 8: 7000})
    assert carer_pay.day_session_fee(rates, hours, people) == pence


def test_the_tax_year_runs_from_6_april():
    assert carer_pay.tax_year_of(date(2027, 4, 5)) == (date(2026, 4, 6), date(2027, 4, 5))
    assert carer_pay.tax_year_of(date(2027, 4, 6)) == (date(2027, 4, 6), date(2028, 4, 5))


@pytest.fixture
def paid_scheme(db, coordinator, make_household, make_referral, monkeypatch, make_member):
    """A long-term arrangement all March at band 2, and a 3-night short break in March."""
    monkeypatch.setattr(
        "coop.clock.now",
        lambda: __import__("datetime").datetime(2027, 2, 1, 12, tzinfo=__import__("datetime").UTC),
    )
    payment_run.set_rates(coordinator, date(2027, 1, 1), **RATES)
    rooms = [dict(name="Back", for_long_term=True), dict(name="Front", for_short_breaks=True)]
    household = make_household(max_people=3, rooms=rooms)
    lives = make_referral("long_term", wanted_from=date(2027, 2, 1))
    db.session.add(Arrangement(
        referral_id=lives.id, household_id=household.id, room_id=household.rooms[0].id,
        arrangement_type=ArrangementType.LONG_TERM, starts_on=date(2027, 2, 1), rate_band=2,
        rent_weekly_pence=10_500, contribution_weekly_pence=2_800))  # fmt: skip
    service.book_stay(household.rooms[1], StayKind.SHORT_BREAK, date(2027, 3, 30),
                      date(2027, 4, 3), coordinator)  # fmt: skip
    db.session.commit()
    return household


def test_the_payment_run_posts_balanced_lines_matching_the_rate_table(db, coordinator, paid_scheme):
    result = payment_run.run(MONTH, coordinator, PAID_ON)
    (payment,) = result.paid
    # 31 days at £420 a week, rounded down; 2 nights of the break fall in March.
    assert payment.care_fee_pence == 42_000 * 31 // 7 + 2 * 7_500
    assert payment.rent_pence == 10_500 * 31 // 7
    assert payment.contribution_pence == 2_800 * 31 // 7
    transaction = db.session.get(LedgerTransaction, payment.transaction_id)
    assert transaction.kind is TransactionKind.CARER_PAYMENT
    assert sum(e.amount_pence for e in transaction.entries) == 0
    assert ledger.all_transactions_balance()
    carer = ledger.account(postings.carer_payable_account(paid_scheme.id))
    assert ledger.balance_of(carer) == payment.total_pence
    credits = sorted(-e.amount_pence for e in transaction.entries if e.amount_pence < 0)
    assert credits == sorted(
        [payment.care_fee_pence, payment.rent_pence, payment.contribution_pence]
    )
    again = payment_run.run(MONTH, coordinator, PAID_ON)
    assert again.paid == [] and again.already_paid == [paid_scheme.name]


def test_the_statement_csv_and_tax_year(db, client, auth, coordinator, paid_scheme):
    payment_run.run(MONTH, coordinator, PAID_ON)
    db.session.commit()
    auth.login(paid_scheme.carers[0].member.email)
    page = client.get(f"/shared-lives/households/{paid_scheme.id}/statement").get_data(as_text=True)
    assert "March 2027" in page, page
    assert "Short break for a person: 2 nights" in page
    assert "2026 to 2027 (6 April to 5 April)" in page
    csv = client.get(f"/shared-lives/households/{paid_scheme.id}/statement.csv").get_data(
        as_text=True
    )
    assert "2027-03,Short break for a person: 2 nights,150.00,0.00,0.00,150.00" in csv


def test_paying_from_a_budget_never_overspends_it(
    db, coordinator, secretary, make_member, make_household, make_referral, monkeypatch
):
    from coop.members.models import Member

    holder = db.session.get(Member, make_member().id)
    secretary = db.session.get(Member, secretary.id)
    ledger.record_funding(
        holder, 10_000, FundingKind.DIRECT_PAYMENT, date.today(), "DP-1", secretary
    )
    payment_run.set_rates(coordinator, date(2020, 1, 1), **RATES)
    household = make_household()
    start = (date.today().replace(day=1) + timedelta(days=40)).replace(day=10)
    referral = make_referral(person=holder, paid_from_budget=True, wanted_from=start,
                             wanted_until=start + timedelta(days=2))  # fmt: skip
    intro = service.propose_introduction(referral, household, coordinator)
    agree_both(intro, coordinator)
    service.book_stay(household.rooms[0], StayKind.SHORT_BREAK, start, start + timedelta(2),
                      coordinator, referral=referral)  # fmt: skip
    db.session.commit()
    month = start.replace(day=1)
    result = payment_run.run(month, coordinator, _after(month))
    assert result.paid == [] and "short" in result.refused[0]
    assert ledger.budget_balance(holder) == 10_000
    ledger.record_funding(
        holder, 10_000, FundingKind.DIRECT_PAYMENT, date.today(), "DP-2", secretary
    )
    (payment,) = payment_run.run(month, coordinator, _after(month)).paid
    assert payment.care_fee_pence == 2 * 7_500
    assert ledger.budget_balance(holder) == 20_000 - 15_000
    assert ledger.all_transactions_balance()


def test_a_coordinator_sets_new_rates_and_the_old_are_kept(db, client, auth, coordinator):
    payment_run.set_rates(coordinator, date(2026, 4, 1), **RATES)
    db.session.commit()
    auth.login(coordinator.email)
    form = {
        "starts_on": ["1", "4", "2027"], "band_1_weekly": "360.00", "band_2_weekly": "430",
        "band_3_weekly": "500", "band_4_weekly": "575.50", "short_break_nightly": "80",
        "day_4h": "41", "day_6h": "56", "day_8h": "72",
    }  # fmt: skip
    assert client.post("/shared-lives/coordinator/rates", data=form).status_code == 302
    assert payment_run.rates_on(date(2027, 3, 31)).band_1_weekly_pence == 35_000
    assert payment_run.rates_on(date(2027, 4, 1)).band_4_weekly_pence == 57_550
    again = client.post("/shared-lives/coordinator/rates", data=form)
    assert again.status_code == 400
    assert "Rates already start on that date." in again.get_data(as_text=True)


def _after(month: date) -> datetime:
    """The morning after a month ends, when its payments may be run."""
    next_month = (month + timedelta(days=32)).replace(day=1)
    return datetime(next_month.year, next_month.month, 1, 9, tzinfo=UTC)


def test_a_month_is_paid_only_once_it_has_ended(db, coordinator, paid_scheme):
    with pytest.raises(payment_run.PaymentError, match="once it has ended"):
        payment_run.run(MONTH, coordinator, datetime(2027, 3, 31, 20, tzinfo=UTC))
    assert payment_run.run(MONTH, coordinator, PAID_ON).paid
