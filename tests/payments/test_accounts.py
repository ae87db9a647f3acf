"""The co-op's own accounts: costs posted to the ledger, and the financial year's figures."""

import re
from datetime import date

import pytest

from coop.marketplace import bookings
from coop.marketplace.models import Category
from coop.payments import accounts, ledger, postings
from coop.payments.models import CostCategory, FundingKind
from coop.payments.returns import Period
from tests.marketplace.conftest import make_listing, make_provider, make_session
from tests.payments.test_ledger import balance
from tests.payments.test_returns import clock, utc
from tests.payments.test_views import sign_in, text

FIXTURES = (make_listing, make_provider, make_session, sign_in, clock)

MARCH_END = (3, 31)
YEAR_2025_26 = Period(date(2025, 4, 1), date(2026, 3, 31))


@pytest.mark.parametrize(
    ("day", "year_end", "first", "last"),
    [
        (date(2026, 3, 31), (3, 31), date(2025, 4, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), (3, 31), date(2026, 4, 1), date(2027, 3, 31)),
        (date(2026, 7, 1), (12, 31), date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 1, 5), (8, 31), date(2025, 9, 1), date(2026, 8, 31)),
    ],
)
def test_financial_years(day, year_end, first, last):
    assert accounts.year_holding(day, year_end) == Period(first, last)


def test_the_last_closed_year():
    assert accounts.last_closed_year(date(2026, 5, 1), MARCH_END) == YEAR_2025_26
    assert accounts.last_closed_year(date(2026, 3, 31), MARCH_END) == Period(
        date(2024, 4, 1), date(2025, 3, 31)
    )
    assert accounts.year_label(YEAR_2025_26) == "2025 to 2026"


@pytest.fixture
def year(db, clock, secretary, make_member, make_provider, make_listing, make_session):
    """A year of the co-op's money: commission on gym and coaching bookings (one refunded),
    and two costs; plus commission and a cost just after the year ends."""
    clock.at(utc(2025, 4, 2, 9))
    bea = make_member("budget_holder", name="Bea Budget", email="bea@example.org")
    ledger.record_funding(bea, 100_000, FundingKind.DIRECT_PAYMENT, date(2025, 4, 2), "DP-1",
                          by=secretary)  # fmt: skip
    gym = make_listing(price_pence=5_000, notice_hours=24)
    coach = make_listing(title="Life coaching", category=Category.LIFE_COACHING, price_pence=2_500)
    clock.at(utc(2025, 6, 10, 9))
    bookings.book(bea, make_session(gym, starts_at=utc(2025, 6, 20, 9)))  # 400p commission
    clock.at(utc(2025, 11, 3, 9))
    bookings.book(bea, make_session(coach, starts_at=utc(2025, 11, 20, 9)))  # 200p
    refunded = bookings.book(bea, make_session(gym, starts_at=utc(2025, 12, 20, 9)))
    clock.at(utc(2025, 12, 1, 9))
    bookings.cancel(refunded, bea)  # its 400p commission given back
    accounts.record_cost(date(2025, 5, 1), 150, CostCategory.INSURANCE, "Public liability",
                         "INV-1", by=secretary)  # fmt: skip
    accounts.record_cost(date(2025, 12, 1), 100, CostCategory.WEBSITE, "Hosting", "INV-2",
                         by=secretary)  # fmt: skip
    clock.at(utc(2026, 4, 2, 9))
    bookings.book(bea, make_session(gym, starts_at=utc(2026, 4, 20, 9)))  # next year's
    accounts.record_cost(date(2026, 4, 2), 999, CostCategory.OTHER, "Next year", "INV-3",
                         by=secretary)  # fmt: skip
    db.session.commit()
    return bea


def test_a_years_income_costs_and_surplus_come_from_the_ledger(db, year):
    found = accounts.year_accounts(YEAR_2025_26)
    assert found.income_pence == 400 + 200  # the refunded booking's commission went back
    assert found.costs_pence == 250
    assert found.surplus_pence == 350
    assert found.income_by_month[date(2025, 6, 1)] == 400
    assert found.income_by_month[date(2025, 11, 1)] == 600
    assert found.income_by_month[date(2025, 12, 1)] == -400
    assert found.income_by_category == {"Gym and fitness": 400, "Life coaching": 200}
    assert found.costs_by_category == {"Insurance": 150, "The website": 100}
    assert len(found.months) == 12 and found.months[0] == date(2025, 4, 1)


def test_a_cost_is_posted_from_the_operating_bank(db, year):
    assert balance(db, postings.costs_account("insurance")) == 150
    assert balance(db, accounts.OPERATING_BANK) == -(150 + 100 + 999)
    assert ledger.all_transactions_balance()


def test_only_the_treasurer_records_costs_and_every_member_sees_the_accounts(
    db, clock, secretary, make_member, sign_in
):
    clock.at(utc(2025, 5, 1, 9))
    carer = make_member("carer", email="carer@example.org")
    with pytest.raises(accounts.AccountsError, match="Only the treasurer"):
        accounts.record_cost(date(2025, 5, 1), 100, CostCategory.OTHER, "x", "y", by=carer)
    with pytest.raises(accounts.AccountsError, match="today or in the past"):
        accounts.record_cost(date(2025, 5, 2), 100, CostCategory.OTHER, "x", "y", by=secretary)
    assert accounts.can_see_accounts(carer)
    assert not accounts.can_see_accounts(make_member("carer", "applied", email="new@example.org"))
    assert sign_in(carer).get("/payments/treasurer/costs").status_code == 403


def test_the_treasurer_records_a_cost_and_a_mistake_keeps_what_was_typed(
    db, clock, secretary, sign_in
):
    clock.at(utc(2025, 5, 1, 9))
    browser = sign_in(secretary)
    form = {"spent_on": ["1", "5", "2025"], "amount": "12.5x", "category": "room_hire",
            "description": "Hall for the AGM", "reference": "HALL-1"}  # fmt: skip
    wrong = browser.post("/payments/treasurer/costs", data=form)
    assert wrong.status_code == 400
    assert "Enter the amount in pounds and pence" in text(wrong)
    assert 'value="Hall for the AGM"' in wrong.get_data(as_text=True)
    assert (
        browser.post("/payments/treasurer/costs", data={**form, "amount": "45"}).status_code == 302
    )
    assert accounts.year_accounts(YEAR_2025_26).costs_by_category == {"Room hire": 4_500}


def test_members_see_the_year_as_a_chart_and_the_same_figures_as_a_table(
    db, year, make_member, sign_in, clock
):
    page = sign_in(make_member("carer", email="carer@example.org")).get(
        "/payments/accounts?year=2026"
    )
    assert page.status_code == 200
    words = text(page)
    assert "The co-op's accounts, 2025 to 2026" in words
    assert "Income £6.00" in words and "Costs £2.50" in words and "Surplus £3.50" in words
    assert "June 2025 £4.00 £0.00" in words
    assert "November 2025 £6.00 £0.00" in words
    assert "December 2025 -£4.00 £1.00" in words
    body = page.get_data(as_text=True)
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="chart-title chart-desc"', body)
    assert "Life coaching £2.00" in words
