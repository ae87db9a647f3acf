"""Quarterly audit returns: figures from the ledger that reconcile, as CSV, PDF and a zip."""

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from coop.marketplace import bookings
from coop.payments import ledger, returns
from coop.payments.models import FundingKind
from coop.voting import service as voting
from tests.marketplace.conftest import make_listing, make_provider, make_session
from tests.payments.test_ledger import make_booking
from tests.payments.test_views import sign_in

FIXTURES = (make_listing, make_provider, make_session, make_booking, sign_in)

Q1 = returns.Period(date(2026, 1, 1), date(2026, 3, 31))


class FrozenClock:
    """The app's clock, set by the test: `clock.at(datetime(...))`."""

    def __init__(self, monkeypatch):
        self.moment = datetime(2025, 12, 1, 9, tzinfo=UTC)
        monkeypatch.setattr("coop.clock.now", lambda: self.moment)

    def at(self, moment: datetime) -> datetime:
        self.moment = moment
        return moment


@pytest.fixture
def clock(monkeypatch):
    return FrozenClock(monkeypatch)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def quarter(db, clock, secretary, make_member, make_provider, make_listing, make_session,
            make_booking):  # fmt: skip
    """A quarter of Bea's money: two top-ups, three bookings (one made by her mother acting
    for her), one cancelled in time for a refund and one too late; money either side of it."""
    bea = make_member("budget_holder", name="Bea Budget", email="bea@example.org")
    mum = make_member("carer", name="Mo Budget", email="mo@example.org")
    gym = make_provider(name="Riverside Gym")

    def record(pence, kind, reference, when):
        clock.at(when)
        ledger.record_funding(bea, pence, kind, when.date(), reference, by=secretary)
        db.session.commit()

    record(10_000, FundingKind.DIRECT_PAYMENT, "DP-DEC", utc(2025, 12, 15, 10))
    record(20_000, FundingKind.DIRECT_PAYMENT, "DP-JAN", utc(2026, 1, 10, 10))
    record(5_000, FundingKind.INDIVIDUAL_SERVICE_FUND, "ISF-JAN", utc(2026, 1, 12, 10))

    swim = make_listing(gym, title="Swim session", price_pence=1_250, notice_hours=24)
    yoga = make_listing(gym, title="Yoga class", price_pence=2_000, notice_hours=24)
    swim_session = make_session(swim, starts_at=utc(2026, 2, 10, 10))
    yoga_session = make_session(yoga, starts_at=utc(2026, 2, 12, 10))

    clock.at(utc(2026, 1, 20, 12))
    in_time = bookings.book(bea, swim_session)
    clock.at(utc(2026, 1, 21, 12))
    too_late = bookings.book(bea, yoga_session)
    db.session.commit()
    clock.at(utc(2026, 2, 1, 12))  # more than 24 hours before: a full refund
    bookings.cancel(in_time, bea)
    clock.at(utc(2026, 2, 12, 9))  # one hour before: no refund
    bookings.cancel(too_late, bea)
    db.session.commit()

    clock.at(utc(2026, 3, 2, 12))
    for_her = make_booking(bea, make_session(swim, starts_at=utc(2026, 3, 9, 10)), 1_250)
    ledger.pay_for_booking(
        bea, gym.id, 1_250, for_her.id, f"{for_her.reference}: Swim session",
        voting.commission_rate(clock.moment), by=mum,
    )  # fmt: skip
    db.session.commit()
    at_quarter_end = ledger.budget_balance(bea)

    record(3_000, FundingKind.DIRECT_PAYMENT, "DP-APR", utc(2026, 4, 2, 10))
    clock.at(utc(2026, 4, 10, 12))
    return {
        "bea": bea,
        "mum": mum,
        "gym": gym,
        "in_time": in_time,
        "too_late": too_late,
        "for_her": for_her,
        "at_quarter_end": at_quarter_end,
    }


def test_a_quarters_return_matches_the_ledger_and_reconciles(db, quarter):
    found = returns.audit_return(quarter["bea"], Q1)

    assert found.opening_pence == 10_000
    assert [(line.reference, line.amount_pence) for line in found.received] == [
        ("DP-JAN", 20_000),
        ("ISF-JAN", 5_000),
    ]
    assert found.received_by_kind() == {
        "Direct payment": 20_000,
        "Individual service fund": 5_000,
    }
    assert found.paid_pence == 1_250 + 2_000 + 1_250
    assert found.refunded_pence == 1_250  # the in-time cancellation; the late one got nothing
    assert found.closing_pence == quarter["at_quarter_end"] == 10_000 + 25_000 - 4_500 + 1_250
    assert found.reconciles
    assert found.reconciliation == (
        "Opening balance £100.00 + received £250.00 - paid £45.00 + refunded £12.50 "
        "= closing balance £317.50"
    )
    by_reference = {line.reference: line for line in found.paid}
    assert set(by_reference) == {
        quarter["in_time"].reference,
        quarter["too_late"].reference,
        quarter["for_her"].reference,
    }
    late = by_reference[quarter["too_late"].reference]
    assert late.provider == "Riverside Gym"
    assert late.item.startswith("Yoga class, 1 place on 12 February 2026")
    assert late.made_by == "Bea Budget"
    assert by_reference[quarter["for_her"].reference].made_by == "Mo Budget, acting for Bea Budget"
    assert found.refunds[0].reference == quarter["in_time"].reference


def test_the_next_quarter_opens_where_the_last_closed(db, quarter):
    first = returns.audit_return(quarter["bea"], Q1)
    second = returns.audit_return(quarter["bea"], returns.quarter_of(date(2026, 4, 1)))
    assert second.opening_pence == first.closing_pence
    assert second.received_pence == 3_000 and second.reconciles


def test_the_csv_holds_every_figure_and_the_reconciliation(db, quarter, app):
    found = returns.audit_return(quarter["bea"], Q1)
    rows = list(csv.reader(io.StringIO(returns.return_csv(found, "Together Co-op"))))
    assert ["Budget holder", "Bea Budget"] in rows
    assert ["Period", "2026-01-01", "2026-03-31"] in rows
    paid = [row for row in rows if row[:1] == ["Paid"]]
    assert sorted(row[-1] for row in paid) == ["-12.50", "-12.50", "-20.00"]
    assert any(row[6] == "Mo Budget, acting for Bea Budget" for row in paid)
    assert ["Opening balance", "2026-01-01", "", "", "", "", "", "100.00"] in rows
    assert ["Closing balance", "2026-03-31", "", "", "", "", "", "317.50"] in rows
    assert ["Total refunded", "12.50"] in rows
    assert rows[-1][0] == "Reconciliation" and rows[-1][2] == "Reconciles"


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(
        io.BytesIO(data)).pages)  # fmt: skip


def test_the_pdf_holds_the_same_figures_for_a_council(db, quarter, app):
    found = returns.audit_return(quarter["bea"], Q1)
    with app.test_request_context():
        words = pdf_text(returns.return_pdf(found, "Together Co-op"))
    assert "Together Co-op" in words
    assert "Bea Budget" in words
    assert f"Member number {quarter['bea'].member_number}" in words
    assert "1 January 2026 to 31 March 2026" in words
    assert found.reconciliation in words
    for figure in ("£100.00", "£200.00", "£50.00", "£45.00", "£12.50", "£317.50"):
        assert figure in words
    assert quarter["for_her"].reference in words
    assert "Signed:" in words


def test_a_budget_holder_downloads_only_their_own_return(db, quarter, sign_in, make_member):
    browser = sign_in(quarter["bea"])
    page = browser.get("/payments/returns?first=1&first=1&first=2026&last=31&last=3&last=2026")
    assert page.status_code == 200
    assert "£317.50" in page.get_data(as_text=True)
    pdf = browser.get("/payments/returns/2026-01-01/2026-03-31.pdf")
    assert pdf.mimetype == "application/pdf"
    assert "£317.50" in pdf_text(pdf.data)
    spreadsheet = browser.get("/payments/returns/2026-01-01/2026-03-31.csv")
    assert "Bea Budget" in spreadsheet.get_data(as_text=True)

    other = make_member("budget_holder", name="Olu Other", email="olu@example.org")
    theirs = sign_in(other).get("/payments/returns/2026-01-01/2026-03-31.csv").get_data(True)
    assert "Olu Other" in theirs and "Bea Budget" not in theirs
    assert (
        sign_in(quarter["mum"]).get("/payments/returns/2026-01-01/2026-03-31.csv").status_code
        == 403
    )
    secretarys = f"/payments/secretary/returns/{quarter['bea'].id}/2026-01-01/2026-03-31.csv"
    assert browser.get(secretarys).status_code == 403


def test_the_secretary_downloads_a_quarter_as_a_zip_and_sees_overfunded_budgets(
    db, quarter, sign_in, secretary, make_member, clock
):
    clock.at(utc(2026, 4, 10, 12))
    browser = sign_in(secretary)
    page = browser.get(
        "/payments/secretary/returns?first=1&first=1&first=2026&last=31&last=3&last=2026"
    )
    body = page.get_data(as_text=True)
    # Bea received £350 over 15 weeks (about £23 a week) and holds £317.50: about 14 weeks.
    assert "Over-funded" in body
    one = browser.get(
        f"/payments/secretary/returns/{quarter['bea'].id}/2026-01-01/2026-03-31.csv"
    ).get_data(as_text=True)
    assert "Closing balance" in one and "317.50" in one

    archive = zipfile.ZipFile(io.BytesIO(browser.get(
        "/payments/secretary/returns/2026-01-01/2026-03-31.zip").data))  # fmt: skip
    names = archive.namelist()
    number = quarter["bea"].member_number
    assert f"return_{number}_2026-01-01_to_2026-03-31.pdf" in names
    assert f"return_{number}_2026-01-01_to_2026-03-31.csv" in names
    assert "£317.50" in pdf_text(archive.read(f"return_{number}_2026-01-01_to_2026-03-31.pdf"))


@pytest.mark.parametrize(
    ("balance", "weekly", "weeks"),
    [(800, 100, 8.0), (801, 100, 8.01), (0, 100, 0.0), (-50, 100, 0.0), (500, 0, None)],
)
def test_weeks_of_funding_held(balance, weekly, weeks):
    assert returns.weeks_of_funding(balance, weekly) == weeks


def test_a_budget_is_flagged_only_beyond_the_weeks_allowed(db, app, clock, secretary, make_member):
    bea = make_member("budget_holder", name="Bea Budget", email="bea@example.org")
    for week in range(13):
        when = clock.at(utc(2026, 1, 1, 10) + timedelta(weeks=week))
        ledger.record_funding(
            bea, 10_000, FundingKind.DIRECT_PAYMENT, when.date(), f"DP-{week}", by=secretary
        )
    db.session.commit()
    clock.at(utc(2026, 4, 2, 10))
    found = returns.audit_return(bea, Q1)
    assert found.closing_pence == 130_000
    # Nothing spent: it holds all 90 days (12.9 weeks) of its £100 a week.
    assert found.weeks_held == pytest.approx(90 / 7, abs=0.01)
    assert found.overfunded  # more than the default 8 weeks
    app.config["OVERFUNDED_WEEKS"] = 13
    try:
        assert not returns.audit_return(bea, Q1).overfunded
    finally:
        app.config["OVERFUNDED_WEEKS"] = 8


def test_quarters_run_with_the_calendar():
    assert returns.quarter_of(date(2026, 2, 14)) == Q1
    assert returns.quarter_of(date(2026, 12, 31)) == returns.Period(
        date(2026, 10, 1), date(2026, 12, 31)
    )
    assert [q.first for q in returns.recent_quarters(date(2026, 4, 10), 3)] == [
        date(2026, 4, 1), date(2026, 1, 1), date(2025, 10, 1)]  # fmt: skip
    with pytest.raises(returns.ReturnError):
        returns.Period(date(2026, 2, 1), date(2026, 1, 1))
