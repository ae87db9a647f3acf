"""Wall times of the marketplace search on a SQLite database of 200 listings and 8 weeks of
sessions, with the number of SQL statements each search runs."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

from sqlalchemy import event, func, select

from coop import clock, create_app
from coop.config import TestingConfig
from coop.extensions import db
from coop.marketplace import schedule, search
from coop.marketplace.models import (
    ACCESSIBILITY_FEATURES,
    Category,
    Concession,
    Listing,
    ListingStatus,
    Provider,
    ProviderKind,
    ProviderStatus,
    ScheduleTime,
    Session,
)

WORDS = ["gym", "swim", "yoga", "coaching", "woodwork", "pottery", "walk", "cookery", "art"]


@dataclass(frozen=True)
class Buyer:
    """Stands in for a signed-in, approved member: all the pricing rules read."""

    is_authenticated: bool = True
    is_approved: bool = True


def build(listings: int, weeks: int, seed: int = 2026) -> int:
    """Fill the database with seeded random providers, listings and sessions; return the
    number of sessions."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = clock.london_today(now)
    providers = [
        Provider(
            name=f"{rng.choice(['Derby', 'Friar Gate', 'Normanton', 'Allestree'])} "
            f"{rng.choice(WORDS).title()} {n}",
            kind=ProviderKind.MICRO_ENTERPRISE,
            description="A local provider.",
            email=f"p{n}@example.org",
            phone="01332 000000",
            address_line_1="1 Market Place",
            town="Derby",
            postcode="DE1 3AA",
            insurance_expires_on=today + timedelta(days=365),
            dbs_checked_on=today - timedelta(days=30),
            status=ProviderStatus.APPROVED,
            applied_at=now,
            approved_at=now,
        )
        for n in range(max(1, listings // 5))
    ]
    db.session.add_all(providers)
    sessions = 0
    for n in range(listings):
        word = rng.choice(WORDS)
        duration = rng.choice([45, 60, 90, 120])
        slots = {
            (rng.randrange(7), wall_time(rng.randrange(8, 20), rng.choice([0, 30])))
            for _ in range(rng.randrange(1, 5))
        }
        listing = Listing(
            provider=rng.choice(providers),
            title=f"{word.title()} session {n}",
            description=f"A {word} session for members. " + " ".join(rng.sample(WORDS, 3)),
            category=rng.choice(list(Category)),
            price_pence=rng.choice([0, 500, 800, 1000, 2500, 4500]),
            duration_minutes=duration,
            places_per_session=rng.choice([1, 4, 10, 20]),
            venue_address="1 Market Place, Derby DE1 3AA",
            direct_payments_allowed=rng.random() < 0.8,
            status=ListingStatus.PUBLISHED if rng.random() < 0.9 else ListingStatus.DRAFT,
            created_at=now,
            **{name: rng.random() < 0.4 for name, _label in ACCESSIBILITY_FEATURES},
        )
        for weekday, at in slots:
            listing.schedule_times.append(ScheduleTime(weekday=weekday, starts_at=at))
        if rng.random() < 0.3:
            listing.concessions.append(
                Concession(
                    days="01234",
                    window_start=wall_time(10),
                    window_end=wall_time(15),
                    percent_off=50,
                    members_only=True,
                )
            )
        weekly = schedule.WeeklySchedule(slots=frozenset(slots), duration_minutes=duration)
        for starts_at, ends_at in schedule.sessions_between(
            weekly, today + timedelta(days=1), today + timedelta(weeks=weeks)
        ):
            places = listing.places_per_session
            booked = rng.choice([0, 0, places // 2, places])
            listing.sessions.append(
                Session(starts_at=starts_at, ends_at=ends_at, places=places, booked=booked)
            )
            sessions += 1
        db.session.add(listing)
    db.session.commit()
    return sessions


QUERIES = {
    "everything, next 4 weeks": search.Criteria(),
    "everything, page 5": (search.Criteria(), 5),
    "text 'gym'": search.Criteria(text="gym"),
    "text 'derby swim'": search.Criteria(text="derby swim"),
    "category gym and fitness": search.Criteria(category=Category.GYM_FITNESS),
    "mornings, at most £5": search.Criteria(
        time_of_day=search.TimeOfDay.MORNING, max_price_pence=500
    ),
    "free only": search.Criteria(max_price_pence=0),
    "step-free + hearing loop": search.Criteria(features={"step_free", "hearing_loop"}),
    "8 weeks, direct payments": search.Criteria(
        last_day=clock.london_today() + timedelta(weeks=8), direct_payments=True
    ),
    "8 weeks, at most £10": search.Criteria(
        last_day=clock.london_today() + timedelta(weeks=8), max_price_pence=1000
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=200, help="listings (default 200)")
    parser.add_argument("--weeks", type=int, default=8, help="weeks of sessions (default 8)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each search (default 5)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(TestingConfig(f"sqlite:///{Path(tmp) / 'bench.db'}"))
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            sessions = build(args.listings, args.weeks)
            print(
                f"built {args.listings} listings, {sessions:,} sessions "
                f"in {time.perf_counter() - started:.1f} s (SQLite, {tmp})"
            )
            print(f"best and median of {args.repeat} runs; statements per search in brackets")
            assert db.session.scalar(select(func.count(Session.id))) == sessions
            statements = []
            event.listen(db.engine, "before_cursor_execute", lambda *_: statements.append(1))
            buyer = Buyer()
            for name, query in QUERIES.items():
                criteria, page = query if isinstance(query, tuple) else (query, 1)
                walls, result = [], None
                for _ in range(args.repeat):
                    db.session.expunge_all()
                    statements.clear()
                    wall = time.perf_counter()
                    result = search.search(criteria, buyer, page=page)
                    walls.append(time.perf_counter() - wall)
                print(
                    f"{name:<28} best {min(walls) * 1000:7.1f} ms, "
                    f"median {statistics.median(walls) * 1000:7.1f} ms "
                    f"({len(statements)} statements); {result.total:,} found, "
                    f"page {result.page} of {result.pages}"
                )


if __name__ == "__main__":
    main()
