"""The pooled booking pages: setting up, agreeing, a share not covered, and others' 404s."""

import html
import re

import pytest
from sqlalchemy import func, select

from coop.marketplace.models import Session
from coop.marketplace.pooled_models import PooledBooking, PooledStatus
from coop.members import circles
from coop.members.circle_models import Permission
from coop.payments import ledger
from coop.payments.models import LedgerTransaction


def _text(response):
    return html.unescape(response.get_data(as_text=True))


def _as(auth, email):
    auth.logout()
    auth.login(email)


def _set_up(client, auth, pool_session, **form):
    _as(auth, "asha@example.org")
    data = {"people": "ben@example.org\nchloe@example.org", "places": "3", "split": "equal"}
    response = client.post(f"/marketplace/sessions/{pool_session.id}/together", data=data | form)
    assert response.status_code == 302, _text(response)
    return int(re.search(r"/together/(\d+)", response.headers["Location"]).group(1))


def test_the_book_page_offers_booking_together(client, auth, pool_people, pool_session):
    _as(auth, "asha@example.org")
    page = _text(client.get(f"/marketplace/sessions/{pool_session.id}/book"))
    assert "Book together and split the cost" in page


def test_an_unknown_person_is_refused_beside_the_field_and_what_was_typed_is_kept(
    client, auth, pool_people, pool_session
):
    _as(auth, "asha@example.org")
    response = client.post(
        f"/marketplace/sessions/{pool_session.id}/together",
        data={"people": "nobody@example.org", "places": "2", "split": "equal"},
    )
    assert response.status_code == 400
    page = _text(response)
    assert "We could not find a budget holder" in page and "nobody@example.org" in page
    assert "govuk-error-summary" in page


def test_set_shares_that_do_not_add_up_are_refused_and_kept(
    client, auth, pool_people, pool_session
):
    pooled_id = _set_up(client, auth, pool_session, split="shares")
    ids = [p.id for p in pool_people.values()]
    response = client.post(
        f"/marketplace/together/{pooled_id}/shares",
        data={f"share_{ids[0]}": "15", f"share_{ids[1]}": "10", f"share_{ids[2]}": "4.99"},
    )
    assert response.status_code == 400
    page = _text(response)
    assert "£0.01 less than the total of £30.00" in page and 'value="4.99"' in page
    response = client.post(
        f"/marketplace/together/{pooled_id}/shares",
        data={f"share_{ids[0]}": "15", f"share_{ids[1]}": "10", f"share_{ids[2]}": "5"},
    )
    assert response.status_code == 302
    page = _text(client.get(f"/marketplace/together/{pooled_id}"))
    assert "£15.00" in page and "£5.00" in page and "Send to everyone" in page


def test_the_whole_flow_with_one_share_not_covered(db, client, auth, pool_people, pool_session):
    pooled_id = _set_up(client, auth, pool_session)
    assert client.post(f"/marketplace/together/{pooled_id}/send").status_code == 302

    _as(auth, "ben@example.org")
    page = _text(client.get(f"/marketplace/together/{pooled_id}"))
    assert "Agree to pay my share" in page and "£10.00" in page
    client.post(f"/marketplace/together/{pooled_id}/agree", data={"person": pool_people["Ben"].id})

    _as(auth, "chloe@example.org")
    before = db.session.scalar(select(func.count()).select_from(LedgerTransaction))
    response = client.post(
        f"/marketplace/together/{pooled_id}/agree",
        data={"person": pool_people["Chloe"].id},
        follow_redirects=True,
    )
    page = _text(response)
    assert "needed £5.00 more" in page
    assert db.session.scalar(select(func.count()).select_from(LedgerTransaction)) == before
    assert db.session.get(Session, pool_session.id).booked == 0

    _as(auth, "ben@example.org")
    page = _text(client.get(f"/marketplace/together/{pooled_id}"))
    assert "one share is not covered yet" in page
    assert "£5.00" not in page  # neither Chloe's balance nor what she lacks

    _as(auth, "asha@example.org")
    page = _text(client.get(f"/marketplace/together/{pooled_id}"))
    assert "Try booking again" in page
    pooled = db.session.get(PooledBooking, pooled_id)
    assert pooled.status is PooledStatus.WAITING
    assert ledger.budget_balance(pool_people["Asha"]) == 5000


def test_booked_then_cancelled_by_the_organiser(db, client, auth, pool_people, pool_session, fund):
    fund(pool_people["Chloe"], 500)
    pooled_id = _set_up(client, auth, pool_session)
    client.post(f"/marketplace/together/{pooled_id}/send")
    for name in ("Ben", "Chloe"):
        _as(auth, f"{name.lower()}@example.org")
        client.post(
            f"/marketplace/together/{pooled_id}/agree", data={"person": pool_people[name].id}
        )
    assert ledger.budget_balance(pool_people["Ben"]) == 4000
    _as(auth, "ben@example.org")
    assert client.get(f"/marketplace/together/{pooled_id}/cancel").status_code == 404
    _as(auth, "asha@example.org")
    page = _text(client.get(f"/marketplace/together/{pooled_id}/cancel"))
    assert "What each share gets back" in page
    client.post(f"/marketplace/together/{pooled_id}/cancel")
    assert ledger.budget_balance(pool_people["Ben"]) == 5000
    assert ledger.budget_balance(pool_people["Chloe"]) == 1000


@pytest.mark.parametrize(
    "path",
    ["", "/shares", "/cancel"],
)
def test_someone_not_in_it_gets_404(client, auth, pool_people, pool_session, make_member, path):
    pooled_id = _set_up(client, auth, pool_session)
    make_member(email="eve@example.org")
    _as(auth, "eve@example.org")
    assert client.get(f"/marketplace/together/{pooled_id}{path}").status_code == 404
    for action in ("send", "agree", "decline", "try-again", "call-off"):
        response = client.post(
            f"/marketplace/together/{pooled_id}/{action}", data={"person": pool_people["Ben"].id}
        )
        assert response.status_code == 404


def test_a_helper_beyond_their_limit_gets_403_and_nothing_changes(
    db, client, auth, pool_people, pool_session, make_member
):
    dev = db.session.merge(make_member("carer", name="Dev Carer", email="dev@example.org"))
    circles.give(pool_people["Ben"], dev, circles.Choice(Permission.BOOK, 500, None))
    db.session.commit()
    pooled_id = _set_up(client, auth, pool_session)
    client.post(f"/marketplace/together/{pooled_id}/send")
    _as(auth, "dev@example.org")
    page = _text(client.get(f"/marketplace/together/{pooled_id}"))
    assert "Acting for Ben Holder" in page
    response = client.post(
        f"/marketplace/together/{pooled_id}/agree", data={"person": pool_people["Ben"].id}
    )
    assert response.status_code == 403
    assert "lets you spend up to £5.00" in _text(response)
    db.session.expire_all()
    assert db.session.get(PooledBooking, pooled_id).share_of(pool_people["Ben"]).agreed_at is None
    # Acting for Chloe, who never chose Dev, is a 404 for the page's pool_people list.
    response = client.post(
        f"/marketplace/together/{pooled_id}/agree", data={"person": pool_people["Chloe"].id}
    )
    assert response.status_code == 403
