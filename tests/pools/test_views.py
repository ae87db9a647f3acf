"""The pooled fund and buddy pages: what members see, and others' objects are 404s."""

import html

import pytest

from coop.payments import ledger
from coop.support import buddies, pools
from coop.support.buddy_models import Topic, Way
from coop.support.pool_models import Pool, SpendStatus


def _text(response):
    return html.unescape(response.get_data(as_text=True))


def _as(auth, email):
    auth.logout()
    auth.login(email)


def _new_pool(client, auth, **form):
    _as(auth, "asha@example.org")
    data = {
        "name": "Sharing Femi",
        "purpose": "",
        "people": "ben@example.org\nchloe@example.org",
        "rule": "equal",
        "amount": "30",
        "founder_amount": "",
        "notice_days": "14",
    }
    return client.post("/support/pools/new", data=data | form)


def test_setting_up_joining_paying_in_and_agreeing_spending(db, client, auth, families):
    response = _new_pool(client, auth)
    assert response.status_code == 302
    pool_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    client.post(f"/support/pools/{pool_id}/pay-in")
    for name in ("ben", "chloe"):
        _as(auth, f"{name}@example.org")
        page = _text(client.get(f"/support/pools/{pool_id}"))
        assert "Asha Holder invites you to join" in page
        client.post(f"/support/pools/{pool_id}/join")
        client.post(f"/support/pools/{pool_id}/pay-in")
    assert ledger.budget_balance(families["Chloe"]) == 7000
    response = client.post(
        f"/support/pools/{pool_id}/spend",
        data={"payee": "Femi", "amount": "45", "what_for": "Cover"},
    )
    assert response.status_code == 302
    pool = db.session.get(Pool, pool_id)
    [spend] = pools.spends(pool)
    _as(auth, "ben@example.org")
    page = _text(client.get(f"/support/pools/{pool_id}"))
    assert "Yes, pay it" in page and "1 yes, 0 no, of 3 members" in page
    client.post(f"/support/pools/{pool_id}/spends/{spend.id}/vote", data={"agrees": "yes"})
    db.session.expire_all()
    assert pools.spend_of(pool, spend.id).status is SpendStatus.PAID
    assert pools.balance(pool) == 4500


def test_a_spend_above_the_pool_is_refused_beside_the_field(client, auth, families):
    pool_id = int(_new_pool(client, auth).headers["Location"].rstrip("/").split("/")[-1])
    response = client.post(
        f"/support/pools/{pool_id}/spend",
        data={"payee": "Femi", "amount": "45", "what_for": "Cover"},
    )
    assert response.status_code == 400
    page = _text(response)
    assert "The pool holds £0.00" in page and 'value="Femi"' in page


def test_leaving_shows_the_new_split_and_others_see_it(db, client, auth, families):
    pool_id = int(_new_pool(client, auth).headers["Location"].rstrip("/").split("/")[-1])
    for name in ("ben", "chloe"):
        _as(auth, f"{name}@example.org")
        client.post(f"/support/pools/{pool_id}/join")
        client.post(f"/support/pools/{pool_id}/pay-in")
    page = _text(client.get(f"/support/pools/{pool_id}/leave"))
    assert "The pool after you leave" in page and "Ben Holder" in page
    client.post(f"/support/pools/{pool_id}/leave")
    _as(auth, "asha@example.org")
    page = _text(client.get(f"/support/pools/{pool_id}"))
    assert "The split after Chloe Holder leaves" in page
    assert "£30.00 goes back to their budget" in page


@pytest.mark.parametrize("path", ["", "/leave", "/spend"])
def test_a_pool_not_yours_is_404(client, auth, families, make_member, path):
    pool_id = int(_new_pool(client, auth).headers["Location"].rstrip("/").split("/")[-1])
    make_member(email="eve@example.org")
    _as(auth, "eve@example.org")
    assert client.get(f"/support/pools/{pool_id}{path}").status_code == 404
    for action in ("join", "pay-in", "decline"):
        assert client.post(f"/support/pools/{pool_id}/{action}").status_code == 404


def test_buddies_pages_from_opting_in_to_contact_details(db, client, auth, families):
    _as(auth, "ben@example.org")
    response = client.post(
        "/support/buddies/me",
        data={
            "role": ["offers"],
            "topics": ["employing_pas"],
            "ways": ["phone"],
            "about": "",
            "phone": "07700 900002",
        },
    )
    assert response.status_code == 302
    _as(auth, "asha@example.org")
    response = client.post("/support/buddies/me", data={"role": ["asks"], "topics": []})
    assert response.status_code == 400 and "Choose at least one topic" in _text(response)
    client.post(
        "/support/buddies/me",
        data={"role": ["asks"], "topics": ["employing_pas"], "ways": ["phone", "online"]},
    )
    page = _text(client.get("/support/buddies"))
    assert "Ben Holder offers support on Employing PAs, as you chose." in page
    response = client.post(f"/support/buddies/ask/{families['Ben'].id}")
    pair_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert "07700 900002" not in _text(client.get(f"/support/buddies/pairs/{pair_id}"))
    _as(auth, "ben@example.org")
    client.post(f"/support/buddies/pairs/{pair_id}/answer", data={"answer": "yes"})
    _as(auth, "asha@example.org")
    page = _text(client.get(f"/support/buddies/pairs/{pair_id}"))
    assert "07700 900002" in page and "ben@example.org" in page


def test_a_pair_not_yours_is_404(db, client, auth, families):
    asha, ben = families["Asha"], families["Ben"]
    buddies.save_profile(
        asha, offers=False, asks=True, topics={Topic.SHARED_LIVES}, ways={Way.ONLINE}
    )
    buddies.save_profile(
        ben, offers=True, asks=False, topics={Topic.SHARED_LIVES}, ways={Way.ONLINE}
    )
    pair = buddies.ask(asha, ben.id)
    db.session.commit()
    _as(auth, "chloe@example.org")
    assert client.get(f"/support/buddies/pairs/{pair.id}").status_code == 404
    for action in ("answer", "end"):
        response = client.post(f"/support/buddies/pairs/{pair.id}/{action}", data={"answer": "yes"})
        assert response.status_code == 404
