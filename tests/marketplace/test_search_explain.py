"""The search's plans on a filled PostgreSQL database use indexes, never a read of every
session.

A catalogue of 1,500 listings and about 24,000 sessions over 8 weeks is bulk inserted and
analysed, so the planner weighs real numbers; then every main shape of search (each filter,
text, a later page, members and everyone else) is explained, both its count and its page, and
no plan may hold a sequential scan of ``marketplace_sessions``.
"""

import random
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from coop import clock
from coop.marketplace import pricing, schedule, search
from coop.marketplace.models import (
    ACCESSIBILITY_FEATURES,
    Category,
    Listing,
    ListingStatus,
    Provider,
    ProviderKind,
    ProviderStatus,
    Session,
)
from coop.marketplace.search import Criteria, TimeOfDay
from coop.marketplace.search_columns import search_document, session_columns

LISTINGS = 1500
WORDS = ["gym", "swim", "yoga", "coaching", "woodwork", "pottery", "walk", "cookery", "art"]


class Explain(Executable, ClauseElement):
    """``EXPLAIN`` of a statement, its parameters bound as when it runs."""

    inherit_cache = False

    def __init__(self, statement):
        self.statement = statement


@compiles(Explain, "postgresql")
def _explain(element, compiler, **kw):
    return "EXPLAIN " + compiler.process(element.statement, **kw)


def _fill(db) -> None:
    rng = random.Random(15)
    now = datetime.now(UTC)
    today = clock.london_today(now)
    providers = [
        {
            "id": n + 1,
            "name": f"Provider {rng.choice(WORDS)} {n}",
            "kind": ProviderKind.COMMUNITY_VENUE,
            "description": "A venue.",
            "email": f"p{n}@example.org",
            "phone": "01332 000000",
            "website": "",
            "address_line_1": "1 Market Place",
            "address_line_2": "",
            "town": "Derby",
            "postcode": "DE1 3AA",
            "premises_accessibility": "",
            "insurance_expires_on": today + timedelta(days=365),
            "status": ProviderStatus.APPROVED,
            "applied_at": now,
            "approved_at": now,
        }
        for n in range(LISTINGS // 5)
    ]
    listings, sessions = [], []
    for n in range(LISTINGS):
        word = rng.choice(WORDS)
        provider = rng.choice(providers)
        price = rng.choice([0, 500, 1000, 2500])
        title, description = f"{word.title()} {n}", f"A {word} session. {rng.choice(WORDS)}"
        listings.append(
            {
                "id": n + 1,
                "provider_id": provider["id"],
                "title": title,
                "description": description,
                "category": rng.choice(list(Category)),
                "price_pence": price,
                "duration_minutes": 60,
                "places_per_session": 10,
                "at_home": False,
                "venue_address": "1 Market Place",
                "direct_payments_allowed": rng.random() < 0.8,
                "cancellation_notice_hours": 24,
                "members_discount_percent": None,
                "status": ListingStatus.PUBLISHED,
                "created_at": now,
                "search_document": search_document(title, description, provider["name"]),
                **{name: rng.random() < 0.4 for name, _label in ACCESSIBILITY_FEATURES},
            }
        )
        slots = {(rng.randrange(7), time(rng.randrange(8, 20))) for _ in range(rng.randrange(1, 4))}
        weekly = schedule.WeeklySchedule(slots=frozenset(slots), duration_minutes=60)
        rules = pricing.PricingRules()
        for starts_at, ends_at in schedule.sessions_between(
            weekly, today + timedelta(days=1), today + timedelta(weeks=8)
        ):
            sessions.append(
                {
                    "listing_id": n + 1,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "places": 10,
                    "booked": rng.choice([0, 5, 10]),
                    "held": 0,
                    **session_columns(price, rules, starts_at),
                }
            )
    # The worker makes sessions a day at a time as the weeks roll on, so they lie in the table
    # roughly in order of start, as here.
    sessions.sort(key=lambda row: row["starts_at"])
    db.session.execute(insert(Provider), providers)
    db.session.execute(insert(Listing), listings)
    for start in range(0, len(sessions), 5000):
        db.session.execute(insert(Session), sessions[start : start + 5000])
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


SHAPES = {
    "everything": (Criteria(), 1),
    "page 5": (Criteria(), 5),
    "text": (Criteria(text="yoga"), 1),
    "two words": (Criteria(text="provider swim"), 1),
    "category": (Criteria(category=Category.GYM_FITNESS), 1),
    "mornings under £5": (Criteria(time_of_day=TimeOfDay.MORNING, max_price_pence=500), 1),
    "free only": (Criteria(max_price_pence=0), 1),
    "off-peak only": (Criteria(off_peak_only=True), 1),
    "weekends": (Criteria(weekdays={5, 6}), 1),
    "features": (Criteria(features={"step_free", "hearing_loop"}), 1),
    "direct payments": (Criteria(direct_payments=True), 1),
}


@pytest.mark.parametrize("is_member", [False, True], ids=["public", "member"])
def test_no_search_reads_every_session(db, is_member):
    if db.engine.dialect.name != "postgresql":
        pytest.skip(reason="plans are PostgreSQL's; SQLite's search is timed by bench/search.py")
    _fill(db)
    now = datetime.now(UTC)
    eight_weeks = {"last_day": clock.london_today(now) + timedelta(weeks=8)}
    shapes = dict(SHAPES)
    shapes["8 weeks, under £10"] = (Criteria(max_price_pence=1000, **eight_weeks), 1)
    scans = {}
    for name, (criteria, page) in shapes.items():
        for kind, statement in (
            ("count", search.count_statement(criteria, is_member, now)),
            ("page", search.page_statement(criteria, is_member, now, page, search.PER_PAGE)),
        ):
            plan = "\n".join(row[0] for row in db.session.execute(Explain(statement)))
            assert "marketplace_sessions" in plan
            if "Seq Scan on marketplace_sessions" in plan:
                scans[f"{name} ({kind})"] = plan
    assert not scans, "\n\n".join(f"{name}:\n{plan}" for name, plan in scans.items())
    # The searches themselves find what the plans were made for.
    assert search.search(Criteria(), None, now=now).total > 0
