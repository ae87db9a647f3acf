"""For the tests of a provider's pages: signing in as someone, a provider's address, a
listing's form as a provider fills it in, and counting rows."""

from sqlalchemy import func, select

from tests.pages import page

LISTING_FORM = {
    "title": "Off-peak gym",
    "description": "Use of the gym and its equipment.",
    "category": "gym_fitness",
    "price": "8",
    "duration_minutes": "60",
    "places": "10",
    "where": "venue",
    "venue_address": "2 River Lane, Derby DE1 3AA",
    "features": ["step_free", "hearing_loop"],
    "direct_payments_allowed": "yes",
    "cancellation_notice_hours": "24",
    "members_discount_percent": "",
}


def as_(client, member):
    """Sign this client in as the member."""
    client.post("/logout")
    response = client.post("/login", data={"email": member.email, "password": _password()})
    assert response.status_code == 302, page(response)
    return client


def _password():
    from tests.conftest import PASSWORD

    return PASSWORD


def base(provider) -> str:
    return f"/marketplace/provider/{provider.id}"


def count(db, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)
