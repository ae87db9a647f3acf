"""The money pages: a budget holder's budget, and the secretary's budgets, funding and ledger."""

import csv
import html
import io
import re
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from coop import clock
from coop.payments import ledger
from coop.payments.models import FundingKind, LedgerTransaction, TransactionKind
from tests.conftest import PASSWORD
from tests.marketplace.conftest import fund, make_listing, make_provider, make_session
from tests.pages import error_summary, field_error
from tests.payments.test_ledger import make_booking, pay

#: The marketplace's factories and the ledger tests' booking factory, used here as fixtures.
FACTORIES = (fund, make_listing, make_provider, make_session, make_booking)


def page(response) -> str:
    return response.get_data(as_text=True)


def text(response) -> str:
    """The page's words, tags removed and spaces squeezed, for asserting sentences."""
    words = re.sub(r"<[^>]+>", " ", page(response))
    return re.sub(r"\s+", " ", html.unescape(words)).strip()


def squeeze(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def table_rows(body: str) -> list[list[str]]:
    """The cells of each row in the first table's body, as words."""
    tbody = body.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [
        [squeeze(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, re.S)
    ]


def count_transactions(db) -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerTransaction))


class Browser(FlaskClient):
    """A test browser for one member.

    Requests made inside the `db` fixture share the test's app context (and so its database
    session), where Flask-Login keeps the member it last loaded; forgetting that member before
    each request makes every request find its own browser's member, as on a real server.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def sign_in(app):
    """A browser of its own for each member: `sign_in(member)` returns a signed-in client."""

    def signed_in(member):
        client = Browser(app, app.response_class, use_cookies=True)
        response = client.post("/login", data={"email": member.email, "password": PASSWORD})
        assert response.status_code == 302, page(response)
        return client

    return signed_in


def record(holder, secretary, pence, reference="DP-1", kind=FundingKind.DIRECT_PAYMENT, **kw):
    return ledger.record_funding(
        holder, pence, kind, kw.pop("received_on", clock.london_today()), reference, secretary, **kw
    )


@pytest.fixture
def history(db, secretary, holder, make_booking, make_listing, make_session):
    """Bea's budget: £250 arrives, a swim is paid and refunded, a gym session is paid."""
    # 09:00 UTC three days ago: every posting falls on the same day in London.
    start = datetime.combine(clock.london_today() - timedelta(days=3), time(9, 0), tzinfo=UTC)
    record(holder, secretary, 25_000, "DP-2026-03", received_on=date(2026, 1, 30), now=start)
    swim = make_booking(holder, make_session(make_listing(title="Swim session")), total_pence=1200)
    gym = make_booking(holder, make_session(make_listing(title="Gym session")), total_pence=700)
    payment = pay(holder, swim, now=start + timedelta(hours=1))
    ledger.refund(payment, f"Refund {swim.reference}", holder, now=start + timedelta(hours=2))
    pay(holder, gym, now=start + timedelta(hours=3))
    db.session.commit()
    return {"swim": swim, "gym": gym, "day": start}


# --- A budget holder's own budget --------------------------------------------------------


def test_a_budget_holder_sees_their_balance_and_a_statement_newest_first(
    db, holder, history, sign_in
):
    response = sign_in(holder).get("/payments/budget")
    assert response.status_code == 200
    body = page(response)
    assert "<title>Your budget –" in body
    assert "Your budget holds £243.00 now." in text(response)
    swim, gym = history["swim"], history["gym"]
    day = f"{history['day'].day} {history['day']:%B %Y}"
    rows = table_rows(body)
    assert [row[0] for row in rows] == [day] * 4
    assert [row[2:] for row in rows] == [
        ["", "£7.00", "£243.00"],
        ["£12.00", "", "£250.00"],
        ["", "£12.00", "£238.00"],
        ["£250.00", "", "£250.00"],
    ]
    assert rows[0][1].startswith(f"Paid for booking {gym.reference}: Gym session Session on ")
    assert rows[1][1].startswith(f"Refund for booking {swim.reference}: Swim session")
    assert rows[2][1].startswith(f"Paid for booking {swim.reference}: Swim session")
    assert rows[3][1] == "Direct payment received Arrived 30 January 2026, reference DP-2026-03"
    # Each booking links to its own page.
    assert (
        f'<a class="govuk-link" href="/marketplace/bookings/{gym.id}">'
        f"{gym.reference}: Gym session</a>"
    ) in body
    assert body.count(f'href="/marketplace/bookings/{swim.id}"') == 2


def test_a_budget_with_no_money_yet_says_so(db, holder, sign_in):
    response = sign_in(holder).get("/payments/budget")
    assert response.status_code == 200
    words = text(response)
    assert "Your budget holds £0.00 now." in words
    assert "No money has arrived in your budget yet." in words
    assert "govuk-table" not in page(response)


def test_a_budget_holder_sees_only_their_own_budget(db, make_member, holder, secretary, sign_in):
    other = make_member("budget_holder", name="Bob Other", email="bob@example.org")
    record(holder, secretary, 10_000, "BEA-REF")
    record(other, secretary, 5_000, "BOB-REF")
    db.session.commit()
    words = text(sign_in(other).get("/payments/budget"))
    assert "Your budget holds £50.00 now." in words
    assert "BOB-REF" in words
    assert "BEA-REF" not in words and "£100.00" not in words


@pytest.mark.parametrize(
    "member_class, status, advice",
    [
        ("carer", "approved", "only approved budget holders have one"),
        ("provider", "approved", "only approved budget holders have one"),
        ("budget_holder", "applied", "Your budget opens when the secretary approves"),
        ("budget_holder", "left", "only approved budget holders have one"),
    ],
)
def test_only_approved_budget_holders_have_a_budget_page(
    db, make_member, sign_in, member_class, status, advice
):
    member = make_member(member_class, status=status)
    response = sign_in(member).get("/payments/budget")
    assert response.status_code == 403
    words = text(response)
    assert "Budgets are for budget holders" in words
    assert advice in words


def test_signing_in_comes_before_the_budget_page(client):
    response = client.get("/payments/budget")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_account_page_links_to_the_budget_for_budget_holders_only(
    db, make_member, holder, sign_in
):
    assert 'href="/payments/budget"' in page(sign_in(holder).get("/account"))
    carer = make_member("carer")
    assert 'href="/payments/budget"' not in page(sign_in(carer).get("/account"))


# --- The secretary's list of budgets ------------------------------------------------------


def test_the_secretary_sees_every_approved_budget_holder_with_their_balance(
    db, make_member, secretary, holder, sign_in
):
    alan = make_member("budget_holder", name="Alan Able", email="alan@example.org")
    make_member("budget_holder", name="Cy Newcomer", status="applied")
    make_member("carer", name="Carol Carer")
    record(holder, secretary, 12_345)
    record(holder, secretary, 655, "DP-2")
    db.session.commit()

    response = sign_in(secretary).get("/payments/secretary/budgets")
    assert response.status_code == 200
    body = page(response)
    rows = table_rows(body)
    names = [row[0] for row in rows]
    # Alphabetical; the secretary is a budget holder too, with nothing in their budget.
    assert names == ["Alan Able", "Bea Budget", "Sam Secretary"]
    assert rows[0] == ["Alan Able", str(alan.member_number), "£0.00"]
    assert rows[1] == ["Bea Budget", str(holder.member_number), "£130.00"]
    assert "3 budget holders listed, holding £130.00 in all" in text(response)
    assert f'href="/payments/secretary/budgets/{holder.id}"' in body
    assert 'href="/payments/secretary/ledger.csv"' in body


def test_the_secretary_searches_budget_holders_by_name(db, make_member, secretary, sign_in):
    make_member("budget_holder", name="Bea Budget")
    make_member("budget_holder", name="Ben Beaumont")
    make_member("budget_holder", name="Alan Able")
    browser = sign_in(secretary)
    response = browser.get("/payments/secretary/budgets?q=BEA")
    assert [row[0] for row in table_rows(page(response))] == ["Bea Budget", "Ben Beaumont"]
    assert 'name="q" type="search" value="BEA"' in page(response)
    response = browser.get("/payments/secretary/budgets?q=100%25")
    assert "No budget holders match your search." in text(response)


def test_the_list_of_budgets_takes_the_same_queries_however_many_there_are(
    app, db, make_member, secretary, sign_in
):
    browser = sign_in(secretary)
    statements = []

    def counting(*_args):
        statements.append(1)

    def queries_for_list() -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", counting)
        try:
            assert browser.get("/payments/secretary/budgets").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", counting)
        return len(statements)

    for n in range(2):
        record(make_member("budget_holder", name=f"Few {n}"), secretary, 1000 + n)
    db.session.commit()
    few = queries_for_list()
    for n in range(6):
        record(make_member("budget_holder", name=f"Many {n}"), secretary, 1000 + n)
    db.session.commit()
    assert queries_for_list() == few


# --- The secretary records money arriving --------------------------------------------------


def funding_form(**changes) -> dict:
    received = clock.london_today() - timedelta(days=1)
    return {
        "amount": "250.50",
        "funding_kind": "individual_service_fund",
        "received_on": [str(received.day), str(received.month), str(received.year)],
        "reference": "REMIT 2026/04",
    } | changes


def test_the_secretary_records_money_arriving_and_sees_it_on_the_budget(
    db, secretary, holder, sign_in
):
    browser = sign_in(secretary)
    budget_page = browser.get(f"/payments/secretary/budgets/{holder.id}")
    assert "The budget holds £0.00 now." in text(budget_page)
    link = f'href="/payments/secretary/budgets/{holder.id}/funding"'
    assert link in page(budget_page)
    form = browser.get(f"/payments/secretary/budgets/{holder.id}/funding")
    assert form.status_code == 200
    assert "<title>Record money arriving for Bea Budget –" in page(form)

    response = browser.post(f"/payments/secretary/budgets/{holder.id}/funding", data=funding_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/payments/secretary/budgets/{holder.id}")
    shown = browser.get(response.headers["Location"])
    words = text(shown)
    assert "Success £250.50 received for Bea Budget has been recorded." in words
    assert "The budget holds £250.50 now." in words
    received = clock.london_today() - timedelta(days=1)
    arrived = f"Arrived {received.day} {received:%B %Y}, reference REMIT 2026/04"
    assert f"Individual service fund received {arrived}" in words

    stored = db.session.scalar(select(LedgerTransaction))
    assert stored.kind is TransactionKind.FUNDING
    assert stored.funding_kind is FundingKind.INDIVIDUAL_SERVICE_FUND
    assert stored.received_on == received
    assert stored.reference == "REMIT 2026/04"
    assert stored.posted_by_id == secretary.id
    assert ledger.budget_balance(holder) == 25_050
    # The banner is shown once.
    assert "has been recorded" not in text(browser.get(response.headers["Location"]))


def _tomorrow() -> list[str]:
    day = clock.london_today() + timedelta(days=1)
    return [str(day.day), str(day.month), str(day.year)]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"amount": ""}, "amount", "Enter the amount received"),
        ({"amount": "lots"}, "amount", "Enter the amount in pounds and pence, like 250 or 99.50"),
        ({"amount": "12.345"}, "amount", "Enter the amount in pounds and pence, like 250 or 99.50"),
        ({"amount": "-5"}, "amount", "Enter the amount in pounds and pence, like 250 or 99.50"),
        ({"amount": "0.00"}, "amount", "Enter an amount more than £0"),
        ({"amount": "100,000.01"}, "amount", "Enter an amount of £100,000 or less"),
        ({"funding_kind": ""}, "funding_kind", "Select direct payment or individual service fund"),
        ({"received_on": ["", "", ""]}, "received_on", "Enter the date the money arrived"),
        (
            {"received_on": ["31", "2", "2026"]},
            "received_on",
            "Date received must be a real date, like 27 3 2027",
        ),
        (
            {"received_on": _tomorrow()},
            "received_on",
            "The date the money arrived must be today or in the past",
        ),
        ({"reference": "  "}, "reference", "Enter the bank or remittance reference"),
        ({"reference": "R" * 61}, "reference", "Reference must be 60 characters or fewer"),
    ],
)
def test_mistakes_in_money_arriving_are_explained_and_what_was_typed_is_kept(
    db, secretary, holder, sign_in, changes, field, message
):
    typed = funding_form(**changes)
    response = sign_in(secretary).post(
        f"/payments/secretary/budgets/{holder.id}/funding", data=typed
    )
    assert response.status_code == 200
    body = page(response)
    assert "<title>Error: Record money arriving" in body
    assert (field, message) in error_summary(body)
    assert field_error(body, field) == message
    # Everything typed is shown again, the mistake included.
    for name in ("amount", "reference"):
        value = re.escape(html.escape(typed[name].strip()))
        assert re.search(rf'id="{name}" name="{name}" type="text"[^>]*value="{value}"', body), name
    for part, value in zip(("day", "month", "year"), typed["received_on"], strict=True):
        assert re.search(rf'id="received_on-{part}"[^>]*value="{value}"', body), part
    if typed["funding_kind"]:
        assert re.search(r'value="individual_service_fund" checked', body)
    assert count_transactions(db) == 0


@pytest.mark.parametrize(
    "member_class, status, budget_page, funding_page",
    [
        ("carer", "approved", 404, 404),
        ("provider", "approved", 404, 404),
        ("budget_holder", "applied", 200, 404),
        ("budget_holder", "left", 200, 404),
    ],
)
def test_only_an_approved_budget_holder_can_be_paid_into(
    db, make_member, secretary, sign_in, member_class, status, budget_page, funding_page
):
    member = make_member(member_class, status=status)
    browser = sign_in(secretary)
    assert browser.get(f"/payments/secretary/budgets/{member.id}").status_code == budget_page
    url = f"/payments/secretary/budgets/{member.id}/funding"
    assert browser.get(url).status_code == funding_page
    assert browser.post(url, data=funding_form()).status_code == funding_page
    assert count_transactions(db) == 0


def test_a_former_budget_holders_budget_says_no_money_can_be_recorded(
    db, make_member, secretary, sign_in
):
    member = make_member("budget_holder", name="Lee Leaver", status="left")
    response = sign_in(secretary).get(f"/payments/secretary/budgets/{member.id}")
    words = text(response)
    assert "Lee Leaver's budget" in words
    assert "Lee Leaver is not an approved member now (left), so no money can be recorded" in words
    assert "/funding" not in page(response)


def test_no_such_member_is_a_404(db, secretary, sign_in):
    browser = sign_in(secretary)
    assert browser.get("/payments/secretary/budgets/999999").status_code == 404
    assert browser.get("/payments/secretary/budgets/999999/funding").status_code == 404


def test_the_secretary_sees_which_booking_each_payment_was_for_without_a_link(
    db, secretary, holder, history, sign_in
):
    response = sign_in(secretary).get(f"/payments/secretary/budgets/{holder.id}")
    body = page(response)
    assert "The budget holds £243.00 now." in text(response)
    rows = table_rows(body)
    assert rows[0][1].startswith(f"Paid for booking {history['gym'].reference}: Gym session")
    assert rows[0][2:] == ["", "£7.00", "£243.00"]
    # The booking's own page is the budget holder's alone, so it is not linked.
    assert "/marketplace/bookings/" not in body


@pytest.mark.parametrize(
    "url",
    [
        "/payments/secretary/budgets",
        "/payments/secretary/budgets/{id}",
        "/payments/secretary/budgets/{id}/funding",
        "/payments/secretary/ledger.csv",
    ],
)
def test_only_the_secretary_sees_budgets_records_money_or_downloads_the_ledger(
    app, db, make_member, holder, sign_in, url
):
    url = url.format(id=holder.id)
    for member in (holder, make_member("carer"), make_member("provider")):
        browser = sign_in(member)
        assert browser.get(url).status_code == 403, member.member_class
        if url.endswith("/funding"):
            assert browser.post(url, data=funding_form()).status_code == 403
    signed_out = Browser(app, app.response_class).get(url)
    assert signed_out.status_code == 302
    assert "/login" in signed_out.headers["Location"]
    assert count_transactions(db) == 0


def test_the_secretarys_pages_link_to_budgets(db, secretary, sign_in):
    body = page(sign_in(secretary).get("/secretary/register"))
    assert '<a class="govuk-link" href="/payments/secretary/budgets">Budgets</a>' in body


# --- The auditor's file ---------------------------------------------------------------------


def test_the_ledger_downloads_as_csv_every_entry_in_posting_order(
    db, secretary, holder, make_booking, sign_in
):
    received = clock.london_today() - timedelta(days=4)
    funding = record(holder, secretary, 5000, '=HYPERLINK("http://x")', received_on=received)
    booking = make_booking(holder, total_pence=1299)
    payment = pay(holder, booking)
    refund = ledger.refund(payment, "+Refund for a test", holder)
    db.session.commit()
    provider_id = booking.session.listing.provider_id

    response = sign_in(secretary).get("/payments/secretary/ledger.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment; filename=ledger.csv" in response.headers["Content-Disposition"]
    header, *rows = list(csv.reader(io.StringIO(page(response))))
    assert header == [
        "Transaction",
        "Posted at (UTC)",
        "Kind",
        "Memo",
        "Reference",
        "Received on",
        "Account",
        "Amount (pence)",
        "Amount (pounds)",
    ]
    assert [int(row[0]) for row in rows] == [funding.id] * 2 + [payment.id] * 3 + [refund.id] * 3
    by_transaction = defaultdict(list)
    for row in rows:
        by_transaction[row[0]].append(row)
        assert datetime.fromisoformat(row[1]).utcoffset() == timedelta(0)
        assert f"{int(row[7]) / 100:.2f}" == row[8]
    assert all(sum(int(r[7]) for r in group) == 0 for group in by_transaction.values())

    funding_rows = by_transaction[str(funding.id)]
    assert [r[2] for r in funding_rows] == ["funding", "funding"]
    # What people typed cannot run as a spreadsheet formula.
    assert funding_rows[0][4] == '\'=HYPERLINK("http://x")'
    assert funding_rows[0][5] == received.isoformat()
    assert [(r[6], r[7], r[8]) for r in funding_rows] == [
        ("bank:client", "5000", "50.00"),
        (f"budget:{holder.id}", "-5000", "-50.00"),
    ]
    assert [(r[6], r[7], r[8]) for r in by_transaction[str(payment.id)]] == [
        (f"budget:{holder.id}", "1299", "12.99"),
        (f"provider_payable:{provider_id}", "-1196", "-11.96"),
        ("commission_income", "-103", "-1.03"),
    ]
    refund_rows = by_transaction[str(refund.id)]
    assert refund_rows[0][3] == "'+Refund for a test"
    assert {r[2] for r in refund_rows} == {"refund"}
    assert refund_rows[0][5] == ""


def test_an_empty_ledger_downloads_as_just_the_header(db, secretary, sign_in):
    response = sign_in(secretary).get("/payments/secretary/ledger.csv")
    assert page(response).splitlines() == [
        "Transaction,Posted at (UTC),Kind,Memo,Reference,Received on,Account,Amount (pence),"
        "Amount (pounds)"
    ]
