"""Individual service funds: payments to named payees with receipts, and repeating payments
that never overdraw the fund."""

import io
from datetime import date

import pytest

from coop.payments import funds, ledger, returns
from coop.payments.models import FundingKind, FundPayment, FundPaymentKind, RepeatEvery
from tests.payments.test_returns import clock, utc
from tests.payments.test_views import sign_in, text

FIXTURES = (clock, sign_in)

PDF = b"%PDF-1.4\n% a scanned receipt\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20


@pytest.fixture
def kit(db, clock, secretary, make_member):
    """Kit, whose individual service fund the co-op manages, with £100 in it."""
    clock.at(utc(2026, 4, 1, 9))
    kit = make_member("budget_holder", name="Kit Fund", email="kit@example.org")
    ledger.record_funding(kit, 10_000, FundingKind.INDIVIDUAL_SERVICE_FUND, date(2026, 4, 1),
                          "ISF-APR", by=secretary)  # fmt: skip
    db.session.commit()
    return kit


def test_a_payment_to_a_named_payee_with_its_receipt(db, clock, kit, secretary, sign_in):
    receipt = funds.store_receipt("bill.pdf", PDF, secretary)
    payment = funds.pay_from_fund(kit, "Derby Energy", FundPaymentKind.HOUSEHOLD_BILL, 4_500,
                                  date(2026, 4, 1), "DE-123", secretary, receipt)  # fmt: skip
    db.session.commit()
    assert ledger.budget_balance(kit) == 5_500
    assert payment.receipt.content_type == "application/pdf"

    found = returns.audit_return(kit, returns.quarter_of(date(2026, 4, 1)))
    (line,) = found.paid
    assert (line.provider, line.item, line.reference, line.amount_pence) == (
        "Derby Energy", "Household bill", "DE-123", -4_500)  # fmt: skip
    assert line.made_by == "The co-op's treasurer, managing the fund"
    assert found.reconciles

    own = sign_in(kit)
    statement = text(own.get("/payments/budget"))
    assert "Household bill to Derby Energy" in statement
    assert own.get(f"/payments/fund-payments/{payment.id}/receipt").data == PDF
    assert sign_in(secretary).get(f"/payments/fund-payments/{payment.id}/receipt").data == PDF


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just text pretending to be a PDF", "must be a PDF, a JPG or a PNG"),
        (b"", "is empty"),
        (PDF + b"\0" * funds.MAX_RECEIPT_BYTES, "smaller than 5 MB"),
    ],
)
def test_a_receipt_is_checked_by_its_content_and_size(db, secretary, data, message):
    with pytest.raises(funds.FundError, match=message):
        funds.store_receipt("receipt.pdf", data, secretary)


def test_images_are_receipts_too():
    assert funds.sniff(PNG) == "image/png"
    assert funds.sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert funds.sniff(b"<html>") is None


def test_the_treasurer_uploads_a_receipt_and_a_wrong_file_keeps_what_was_typed(
    db, clock, kit, secretary, sign_in
):
    browser = sign_in(secretary)
    form = {"pay-payee": "Pat PA", "pay-kind": "pa_wages", "pay-amount": "60",
            "pay-paid_on": ["1", "4", "2026"], "pay-reference": "WAGES-1"}  # fmt: skip
    wrong = browser.post(
        f"/payments/treasurer/funds/{kit.id}/pay",
        data={**form, "pay-receipt": (io.BytesIO(b"MZ an executable"), "receipt.pdf")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400
    assert "The receipt must be a PDF, a JPG or a PNG" in text(wrong)
    assert 'value="Pat PA"' in wrong.get_data(as_text=True)
    assert ledger.budget_balance(kit) == 10_000
    right = browser.post(
        f"/payments/treasurer/funds/{kit.id}/pay",
        data={**form, "pay-receipt": (io.BytesIO(PNG), "photo.png")},
        content_type="multipart/form-data",
    )
    assert right.status_code == 302
    assert ledger.budget_balance(kit) == 4_000
    assert db.session.scalars(db.select(FundPayment)).one().receipt.content_type == "image/png"


def test_only_a_fund_the_co_op_manages_pays_and_never_more_than_it_holds(
    db, clock, kit, secretary, make_member
):
    dp = make_member("budget_holder", email="dp@example.org")
    # A direct payment: the person manages it themselves.
    ledger.record_funding(dp, 5_000, FundingKind.DIRECT_PAYMENT, date(2026, 4, 1), "DP-1",
                          by=secretary)  # fmt: skip
    with pytest.raises(funds.FundError, match="does not manage an individual service fund"):
        funds.pay_from_fund(dp, "Someone", FundPaymentKind.OTHER, 100, date(2026, 4, 1), "R",
                            secretary)  # fmt: skip
    with pytest.raises(funds.FundError, match="holds £100.00, so it cannot pay £100.01"):
        funds.pay_from_fund(kit, "Someone", FundPaymentKind.OTHER, 10_001, date(2026, 4, 1),
                            "R", secretary)  # fmt: skip
    with pytest.raises(funds.FundError, match="Only the treasurer"):
        funds.pay_from_fund(kit, "Someone", FundPaymentKind.OTHER, 1, date(2026, 4, 1), "R", kit)


def test_a_repeating_allowance_that_would_overdraw_is_not_paid_and_the_treasurer_is_told(
    db, clock, kit, secretary, runner, mailbox
):
    funds.set_up_repeating(kit, "Kit Fund", FundPaymentKind.PERSONAL_ALLOWANCE, 4_000,
                           RepeatEvery.WEEK, date(2026, 4, 6), "ALLOW", secretary)  # fmt: skip
    db.session.commit()
    clock.at(utc(2026, 4, 20, 6))  # three weeks due: 6, 13 and 20 April
    result = runner.invoke(args=["payments", "post-repeating"])
    assert result.exit_code == 0, result.output
    assert "Paid 2 repeating payments; 1 not paid because the fund was short" in result.output
    assert ledger.budget_balance(kit) == 2_000  # never below zero
    paid_on = sorted(p.paid_on for p in db.session.scalars(db.select(FundPayment)))
    assert paid_on == [date(2026, 4, 6), date(2026, 4, 13)]
    (message,) = mailbox.to(secretary.email)
    body = mailbox.body(message)
    assert "Personal allowance of £40.00 to Kit Fund" in body
    assert "holds £20.00, so it cannot pay £40.00" in body
    (problem,) = funds.problems()
    assert problem.next_on == date(2026, 4, 20)  # still due: tried again next run

    again = runner.invoke(args=["payments", "post-repeating"])
    assert "Paid 0 repeating payments" in again.output
    assert ledger.budget_balance(kit) == 2_000


def test_repeating_payments_are_paid_once_per_date(db, clock, kit, secretary):
    funds.set_up_repeating(kit, "Energy", FundPaymentKind.HOUSEHOLD_BILL, 1_000,
                           RepeatEvery.MONTH, date(2026, 1, 31), "BILL", secretary)  # fmt: skip
    db.session.commit()
    clock.at(utc(2026, 4, 1, 6))
    first = funds.post_repeating()
    second = funds.post_repeating()
    assert [p.due_on for p in first.paid] == [date(2026, 1, 31), date(2026, 2, 28),
                                               date(2026, 3, 31)]  # fmt: skip
    assert second.paid == [] and ledger.budget_balance(kit) == 7_000


@pytest.mark.parametrize(
    ("due", "every", "starts", "after"),
    [
        (date(2026, 4, 6), RepeatEvery.WEEK, date(2026, 4, 6), date(2026, 4, 13)),
        (date(2026, 1, 31), RepeatEvery.MONTH, date(2026, 1, 31), date(2026, 2, 28)),
        (date(2026, 2, 28), RepeatEvery.MONTH, date(2026, 1, 31), date(2026, 3, 31)),
        (date(2026, 12, 15), RepeatEvery.MONTH, date(2026, 1, 15), date(2027, 1, 15)),
    ],
)
def test_following(due, every, starts, after):
    assert funds.following(due, every, starts) == after
