"""No input gives a 500: ids and amounts at and beyond the columns' range, huge requests,
other scripts' digits, wildcards in the register search, and no caching of personal pages.

Run with COOP_TEST_DATABASE_URL set, every test here runs on PostgreSQL as well as SQLite
(the `app` fixture is parametrized over both).
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from coop import clock, create_app
from coop.config import TestingConfig
from coop.marketplace.models import Listing
from coop.money import MAX_PENCE, format_pence, parse_pounds
from coop.urls import MAX_ID, parse_id
from coop.voting.models import SurplusBallot
from tests.marketplace import conftest as marketplace_fixtures
from tests.marketplace.provider_pages import LISTING_FORM, as_, base
from tests.pages import error_summary, page, text

# The marketplace's factories and people, as fixtures of this module too.
for _name in ("booked", "fund", "gym", "gym_staff", "holder", "make_listing", "make_provider"):
    globals()[_name] = getattr(marketplace_fixtures, _name)
make_session = marketplace_fixtures.make_session

TOO_MUCH = "Enter an amount of £21,474,836.47 or less"
LARGEST = "21,474,836.47"
ONE_PENNY_MORE = "21474836.48"


def _id_rules():
    """Every route with a whole-number part, and the methods it answers."""
    app = create_app(TestingConfig())
    for rule in app.url_map.iter_rules():
        ids = [n for n, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if ids:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield pytest.param(rule.rule, ids, method, id=f"{method} {rule.rule}")


ID_RULES = list(_id_rules())


def test_the_app_has_the_routes_with_ids_the_issue_counted():
    assert len({p.values[0] for p in ID_RULES}) >= 22


def _address(rule: str, ids: list[str], value: int) -> str:
    for name in ids:
        rule = rule.replace(f"<int:{name}>", str(value))
    return rule


@pytest.mark.parametrize("rule, ids, method", ID_RULES)
def test_every_id_from_the_smallest_to_beyond_the_largest_is_never_a_500(
    client, auth, secretary, rule, ids, method
):
    auth.login(secretary.email)
    send = client.get if method == "GET" else client.post
    for value in (0, 1, MAX_ID):
        response = send(_address(rule, ids, value))
        assert response.status_code < 500, (value, page(response))
    for value in (MAX_ID + 1, 10**30):
        response = send(_address(rule, ids, value))
        assert response.status_code == 404, (value, page(response))
        assert response.headers["X-Frame-Options"] == "DENY"


def test_an_id_in_other_digits_is_not_read_as_a_number(client):
    assert client.get("/voting/motions/١٢").status_code == 404


@pytest.mark.parametrize(
    "typed, pence",
    [("1", 100), ("21,474,836.47", MAX_PENCE), ("21474836.48", MAX_PENCE + 1), ("١٢", None)],
)
def test_amounts_are_read_in_ascii_digits_and_can_be_told_apart_when_too_large(typed, pence):
    assert parse_pounds(typed) == pence
    assert format_pence(MAX_PENCE) == "£" + LARGEST


def test_ids_and_numbers_are_ascii_and_within_the_column():
    assert parse_id("12") == 12
    assert parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id(str(MAX_ID + 1)) is None
    assert parse_id("١٢") is None
    assert parse_id("²") is None


# --- Every form that takes an amount, at its smallest, its largest and one beyond -------------


def _surplus_ballot_form(amount: str) -> dict:
    soon = clock.london_today() + timedelta(days=5)
    day = [str(soon.day), str(soon.month), str(soon.year)]
    return {
        "financial_year": "2026 to 2027",
        "amount": amount,
        "proposals_close_on": day,
        "opens_on": day,
        "opens_time": "09:00",
        "closes_on": [str(soon.day + 0), str(soon.month), str(soon.year + 1)],
        "closes_time": "17:00",
    }


@pytest.mark.parametrize("amount", ["0.01", LARGEST])
def test_a_surplus_ballot_takes_any_amount_the_column_holds(db, client, auth, secretary, amount):
    auth.login(secretary.email)
    response = client.post("/voting/surplus/new", data=_surplus_ballot_form(amount))
    assert response.status_code == 302, page(response)
    assert db.session.scalars(select(SurplusBallot.amount_pence)).one() == parse_pounds(amount)


def test_a_surplus_ballot_of_more_than_the_column_holds_is_refused(db, client, auth, secretary):
    auth.login(secretary.email)
    response = client.post("/voting/surplus/new", data=_surplus_ballot_form(ONE_PENNY_MORE))
    assert response.status_code == 200
    assert ("amount", TOO_MUCH) in error_summary(page(response))
    assert f'value="{ONE_PENNY_MORE}"' in page(response)


@pytest.mark.parametrize(
    "cost, refused", [("0.01", None), (LARGEST, None), (ONE_PENNY_MORE, TOO_MUCH)]
)
def test_a_proposal_costs_at_most_what_the_column_holds(
    db, client, auth, secretary, make_member, cost, refused
):
    auth.login(secretary.email)
    client.post("/voting/surplus/new", data=_surplus_ballot_form(LARGEST))
    ballot_id = db.session.scalars(select(SurplusBallot.id)).one()
    member = make_member()
    auth.login(member.email)
    response = client.post(
        f"/voting/surplus/{ballot_id}/propose",
        data={"title": "A fund", "description": "What it does.", "cost": cost, "helps": "All"},
    )
    if refused:
        assert response.status_code == 200
        assert ("cost", refused) in error_summary(page(response))
    else:
        assert response.status_code == 302, page(response)


@pytest.mark.parametrize(
    "price, refused", [("0", None), (LARGEST, None), (ONE_PENNY_MORE, TOO_MUCH)]
)
def test_a_listing_price_is_at_most_what_the_column_holds(
    db, client, gym, gym_staff, price, refused
):
    as_(client, gym_staff)
    response = client.post(f"{base(gym)}/listings/new", data=LISTING_FORM | {"price": price})
    if refused:
        assert response.status_code == 200
        assert ("price", refused) in error_summary(page(response))
        assert db.session.scalars(select(Listing)).all() == []
    else:
        assert response.status_code == 302, page(response)
        assert db.session.scalars(select(Listing.price_pence)).one() == parse_pounds(price)


@pytest.mark.parametrize(
    "amount, refused",
    [
        ("0.01", None),
        ("100,000", None),  # the ledger's own limit on one payment in, to catch typing slips
        ("100,000.01", "Enter an amount of £100,000 or less"),
        (ONE_PENNY_MORE, TOO_MUCH),
    ],
)
def test_funding_a_budget_takes_at_most_what_the_column_holds(
    db, client, auth, secretary, make_member, amount, refused
):
    holder = make_member("budget_holder")
    auth.login(secretary.email)
    received = clock.london_today() - timedelta(days=1)
    response = client.post(
        f"/payments/secretary/budgets/{holder.id}/funding",
        data={
            "amount": amount,
            "funding_kind": "individual_service_fund",
            "received_on": [str(received.day), str(received.month), str(received.year)],
            "reference": "REMIT 1",
        },
    )
    if refused:
        assert response.status_code in (200, 400)
        assert ("amount", refused) in error_summary(page(response))
    else:
        assert response.status_code == 302, page(response)
        statement = text(client.get(f"/payments/secretary/budgets/{holder.id}"))
        assert format_pence(parse_pounds(amount)) in statement


@pytest.mark.parametrize("most", ["0", LARGEST, ONE_PENNY_MORE, "9" * 19])
def test_searching_with_any_price_limit_is_never_a_500(client, most):
    response = client.get("/marketplace/", query_string={"max_price": most})
    assert response.status_code == 200
    if parse_pounds(most) is not None and parse_pounds(most) > MAX_PENCE:
        assert TOO_MUCH in text(response)


@pytest.mark.parametrize("page_number", ["0", str(MAX_ID), str(MAX_ID + 1), "9" * 30, "١٢"])
def test_any_page_number_in_the_search_is_never_a_500(client, page_number):
    assert client.get("/marketplace/", query_string={"page": page_number}).status_code == 200


# --- A failed transaction is rolled back before the error page --------------------------------


def test_an_error_page_after_a_failed_query_still_renders_with_the_security_headers(
    client, auth, make_member, monkeypatch
):
    """On PostgreSQL a query in an aborted transaction fails; the page must not."""
    from coop.extensions import db as _db

    member = make_member()
    auth.login(member.email)

    def broken(*_args, **_kwargs):
        _db.session.execute(_db.text("SELECT * FROM no_such_table"))

    monkeypatch.setattr("coop.voting.service.motions_by_state", broken)
    response = client.get("/voting/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in text(response)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


# --- The register's filter and search ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/secretary/register", "/secretary/register.csv"])
def test_a_class_not_in_the_list_filters_nothing_rather_than_failing(client, auth, secretary, path):
    auth.login(secretary.email)
    response = client.get(path, query_string={"member_class": "wizard"})
    assert response.status_code == 200
    assert "Sam Secretary" in response.get_data(as_text=True)


@pytest.mark.parametrize("search", ["%", "_", "100%", "a_b"])
def test_the_register_search_takes_percent_and_underscore_literally(
    client, auth, secretary, make_member, search
):
    make_member(name="Ann Able")
    make_member(name="Percy 100% Carer", email="percy@example.org")
    make_member(name="Aab Underscore", email="a_b@example.org")
    auth.login(secretary.email)
    words = text(client.get("/secretary/register", query_string={"q": search}))
    assert "Ann Able" not in words
    assert ("Percy 100% Carer" in words) == ("%" in search)
    assert ("Aab Underscore" in words) == ("_" in search)


@pytest.mark.parametrize("search", [str(MAX_ID + 1), "9" * 40, "١٢"])
def test_a_huge_or_foreign_number_in_the_register_search_finds_nobody(
    client, auth, secretary, make_member, search
):
    make_member(name="Ann Able")
    auth.login(secretary.email)
    response = client.get("/secretary/register", query_string={"q": search})
    assert response.status_code == 200
    assert "Ann Able" not in text(response)


# --- Other scripts' digits are not numbers ------------------------------------------------------


@pytest.mark.parametrize("typed", ["١٢", "１２", "१२"])
def test_an_amount_in_other_digits_is_refused(db, client, auth, secretary, typed):
    auth.login(secretary.email)
    response = client.post("/voting/surplus/new", data=_surplus_ballot_form(typed))
    assert response.status_code == 200
    assert db.session.scalars(select(SurplusBallot)).all() == []
    assert any(field == "amount" for field, _m in error_summary(page(response)))


@pytest.mark.parametrize("typed", ["١٢", "²", str(MAX_ID + 1)])
def test_a_whole_number_field_takes_ascii_digits_only(db, client, gym, gym_staff, typed):
    as_(client, gym_staff)
    response = client.post(f"{base(gym)}/listings/new", data=LISTING_FORM | {"places": typed})
    assert response.status_code == 200
    assert ("places", "Places in each session must be a whole number, like 10") in error_summary(
        page(response)
    )


@pytest.mark.parametrize("typed", ["١٢", "9" * 40])
def test_a_member_number_in_other_digits_is_refused(client, auth, secretary, typed):
    auth.login(secretary.email)
    response = client.post("/voting/proxies", data={"proxy": typed, "scope": "dates"})
    assert response.status_code == 200
    assert "Enter a member number" in text(response)


def test_every_integer_field_in_the_forms_is_the_ascii_one():
    """WTForms' IntegerField reads '١٢' as 12: no form may use it directly."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "coop"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "forms.py" or path.parent != root
        if re.search(r"\bIntegerField\b", path.read_text())
    ]
    assert offenders == []


# --- Request size -----------------------------------------------------------------------------


def test_a_form_field_of_two_megabytes_gets_the_too_large_page(client):
    response = client.post("/login", data={"email": "x" * (2 * 1024 * 1024), "password": "p"})
    assert response.status_code == 413
    assert "What you sent is too large" in text(response)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_limit_is_a_setting(monkeypatch):
    monkeypatch.setenv("COOP_MAX_REQUEST_BYTES", "2048")
    assert TestingConfig().MAX_CONTENT_LENGTH == 2048
    monkeypatch.delenv("COOP_MAX_REQUEST_BYTES")
    assert TestingConfig().MAX_CONTENT_LENGTH == 1024 * 1024


# --- Personal pages are never stored ------------------------------------------------------------


def test_every_page_with_personal_data_says_no_store(client, auth, secretary, holder, booked):
    _session, booking = booked
    holder_pages = [
        "/account",
        "/account/data.json",
        "/payments/budget",
        "/marketplace/bookings",
        f"/marketplace/bookings/{booking.id}",
        f"/marketplace/bookings/{booking.id}/calendar.ics",
    ]
    secretary_pages = [
        "/secretary/register",
        "/secretary/register.csv",
        "/payments/secretary/ledger.csv",
        "/payments/secretary/budgets",
    ]
    as_(client, holder)
    for path in holder_pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    as_(client, secretary)
    for path in secretary_pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_public_pages_and_static_files_stay_cacheable(client):
    for path in ("/", "/voting/", "/marketplace/", "/static/coop.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
    assert "Cookie" in client.get("/").headers["Vary"]
