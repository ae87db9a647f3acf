"""The auditor role: named budget holders who agree, until a date, read-only, every view logged."""

from datetime import date

import pytest

from coop.payments import auditors, ledger
from coop.payments.models import AuditorView, FundingKind
from tests.payments.test_returns import clock, pdf_text, utc
from tests.payments.test_views import sign_in, text

FIXTURES = (clock, sign_in)

Q1 = "2026-01-01/2026-03-31"


@pytest.fixture
def people(db, clock, secretary, make_member):
    clock.at(utc(2026, 1, 5, 9))
    bea = make_member("budget_holder", name="Bea Budget", email="bea@example.org")
    olu = make_member("budget_holder", name="Olu Other", email="olu@example.org")
    audra = make_member("carer", name="Audra Auditor", email="audra@council.example")
    for who, ref in ((bea, "DP-B"), (olu, "DP-O")):
        ledger.record_funding(who, 12_345, FundingKind.DIRECT_PAYMENT, date(2026, 1, 5), ref,
                              by=secretary)  # fmt: skip
    db.session.commit()
    clock.at(utc(2026, 4, 10, 9))
    return {"bea": bea, "olu": olu, "audra": audra}


def test_the_auditor_sees_only_what_was_given_once_agreed_and_until_its_date(
    db, clock, secretary, people, sign_in, mailbox
):
    bea, olu, audra = people["bea"], people["olu"], people["audra"]
    browser = sign_in(secretary)
    asked = browser.post("/payments/secretary/auditors", data={
        "auditor_email": "AUDRA@council.example", "organisation": "Derby City Council",
        "member_id": bea.id, "until": ["30", "6", "2026"]})  # fmt: skip
    assert asked.status_code == 302
    auditor = sign_in(audra)
    # Nothing until Bea agrees.
    assert auditor.get("/payments/auditor").status_code == 404
    assert auditor.get(f"/payments/auditor/{bea.id}/{Q1}.csv").status_code == 404

    own = sign_in(bea)
    ask = text(own.get("/payments/returns"))
    assert "may see your quarterly returns, read-only, until 30 June 2026" in ask
    (grant,) = auditors.waiting_for(bea)
    assert own.post(f"/payments/returns/auditors/{grant.id}/agree").status_code == 302
    (told,) = mailbox.to("audra@council.example")
    assert "/payments/auditor" in mailbox.body(told)

    assert "Bea Budget" in text(auditor.get("/payments/auditor"))
    assert "Olu Other" not in text(auditor.get("/payments/auditor"))
    page = auditor.get(
        f"/payments/auditor/{bea.id}?first=1&first=1&first=2026&last=31&last=3&last=2026"
    )
    assert "£123.45" in text(page)
    assert "£123.45" in pdf_text(auditor.get(f"/payments/auditor/{bea.id}/{Q1}.pdf").data)
    assert "Bea Budget" in auditor.get(f"/payments/auditor/{bea.id}/{Q1}.csv").get_data(True)
    # Nothing else: another budget holder, the budget itself, the secretary's pages.
    assert auditor.get(f"/payments/auditor/{olu.id}/{Q1}.csv").status_code == 404
    assert auditor.get(f"/payments/auditor/{olu.id}").status_code == 404
    assert auditor.get(f"/payments/secretary/returns/{bea.id}/{Q1}.csv").status_code == 403
    assert auditor.get(f"/payments/secretary/budgets/{bea.id}").status_code == 403
    # Every view is logged, and Bea sees the log.
    seen = [v.what for v in db.session.scalars(db.select(AuditorView).order_by(AuditorView.id))]
    assert seen == [
        "return 2026-01-01 to 2026-03-31 (page)",
        "return 2026-01-01 to 2026-03-31 (PDF)",
        "return 2026-01-01 to 2026-03-31 (CSV)",
    ]
    assert "Audra Auditor opened your return 2026-01-01 to 2026-03-31 (PDF)" in text(
        own.get("/payments/returns")
    )
    # After the last day, nothing.
    clock.at(utc(2026, 7, 1, 9))
    auditor = sign_in(audra)  # afresh: no sign-in outlives 30 days
    assert auditor.get(f"/payments/auditor/{bea.id}/{Q1}.csv").status_code == 404
    assert auditor.get("/payments/auditor").status_code == 404


def test_the_budget_holder_can_say_no_or_stop_it(db, clock, secretary, people):
    bea, audra = people["bea"], people["audra"]
    grant = auditors.grant(audra.email, bea, "Council", date(2026, 6, 30), by=secretary)
    assert auditors.end(people["olu"], grant.id) is None  # not Olu's to decide
    auditors.agree(bea, grant.id)
    assert auditors.grant_for(audra, bea.id) == grant
    auditors.end(bea, grant.id)
    assert auditors.grant_for(audra, bea.id) is None


@pytest.mark.parametrize("who", ["olu", "audra", "bea"])
def test_only_the_secretary_gives_access(db, clock, people, who):
    with pytest.raises(auditors.AuditorError, match="Only the secretary"):
        auditors.grant("x@example.org", people["bea"], "Council", date(2026, 6, 30),
                       by=people[who])  # fmt: skip
