"""Wall times of the marketplace search as the catalogue grows, on SQLite or PostgreSQL.

    .venv/bin/python bench/search.py                                  # SQLite, 200 listings
    .venv/bin/python bench/search.py --listings 1000 10000            # and the growth between
    .venv/bin/python bench/search.py --database-url postgresql://postgres@127.0.0.1/coop_bench \\
        --listings 1000 10000 --reset

Each size is a new database (a temporary SQLite file, or the PostgreSQL database emptied with
``--reset``: everything in it is dropped), migrated, filled with seeded random providers,
listings (about 20 sessions each over 8 weeks) by bulk inserts, and analysed. Each search runs
``--repeat`` times for a member; the best and median wall times are printed, with the median
CPU time of this process (on SQLite that includes the database's own work, so it is what a
search costs when the machine is busy with other things; on PostgreSQL the server's work is
not in it), the SQL statements it ran, and with two or more sizes the growth of each median
from the smallest to the largest.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, insert, select, text  # noqa: E402

from coop import clock, create_app  # noqa: E402
from coop.config import TestingConfig  # noqa: E402
from coop.extensions import db  # noqa: E402
from coop.marketplace import pricing, schedule, search  # noqa: E402
from coop.marketplace.models import (  # noqa: E402
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
from coop.marketplace.search_columns import search_document, session_columns  # noqa: E402

WORDS = ["gym", "swim", "yoga", "coaching", "woodwork", "pottery", "walk", "cookery", "art"]
TOWNS = ["Derby", "Friar Gate", "Normanton", "Allestree"]
#: Rows per INSERT batch.
BATCH = 5000
#: The gym's rule on 30% of listings: half price for members on weekdays 10:00 to 15:00.
OFF_PEAK = pricing.ConcessionWindow(
    days=frozenset(range(5)),
    start=wall_time(10),
    end=wall_time(15),
    percent_off=50,
    members_only=True,
)


@dataclass(frozen=True)
class Buyer:
    """Stands in for a signed-in, approved member: all the pricing rules read."""

    is_authenticated: bool = True
    is_approved: bool = True


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start : start + BATCH])


def build(listings: int, weeks: int = 8, seed: int = 2026) -> int:
    """Fill the database with seeded random providers, listings and sessions by bulk inserts,
    with every search column worked out as the app does; return the number of sessions."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = clock.london_today(now)
    providers, listing_rows, times, concessions, sessions = [], [], [], [], []
    for n in range(max(1, listings // 5)):
        providers.append(
            {
                "id": n + 1,
                "name": f"{rng.choice(TOWNS)} {rng.choice(WORDS).title()} {n}",
                "kind": ProviderKind.MICRO_ENTERPRISE,
                "description": "A local provider.",
                "email": f"p{n}@example.org",
                "phone": "01332 000000",
                "website": "",
                "address_line_1": "1 Market Place",
                "address_line_2": "",
                "town": "Derby",
                "postcode": "DE1 3AA",
                "premises_accessibility": "",
                "insurance_expires_on": today + timedelta(days=365),
                "dbs_checked_on": today - timedelta(days=30),
                "status": ProviderStatus.APPROVED,
                "applied_at": now,
                "approved_at": now,
                "first_listing_approved_at": now,
            }
        )
    for n in range(listings):
        listing_id = n + 1
        word = rng.choice(WORDS)
        duration = rng.choice([45, 60, 90, 120])
        slots = {
            (rng.randrange(7), wall_time(rng.randrange(8, 20), rng.choice([0, 30])))
            for _ in range(rng.randrange(1, 5))
        }
        provider = rng.choice(providers)
        price = rng.choice([0, 500, 800, 1000, 2500, 4500])
        members_percent = rng.choice([None, None, None, 10])
        off_peak = rng.random() < 0.3
        title = f"{word.title()} session {n}"
        description = f"A {word} session for members. " + " ".join(rng.sample(WORDS, 3))
        places = rng.choice([1, 4, 10, 20])
        listing_rows.append(
            {
                "id": listing_id,
                "provider_id": provider["id"],
                "title": title,
                "description": description,
                "category": rng.choice(list(Category)),
                "price_pence": price,
                "duration_minutes": duration,
                "places_per_session": places,
                "at_home": False,
                "venue_address": "1 Market Place, Derby DE1 3AA",
                "direct_payments_allowed": rng.random() < 0.8,
                "cancellation_notice_hours": 24,
                "members_discount_percent": members_percent,
                "status": (ListingStatus.PUBLISHED if rng.random() < 0.9 else ListingStatus.DRAFT),
                "created_at": now,
                "search_document": search_document(title, description, provider["name"]),
                **{name: rng.random() < 0.4 for name, _label in ACCESSIBILITY_FEATURES},
            }
        )
        times += [
            {"listing_id": listing_id, "weekday": weekday, "starts_at": at} for weekday, at in slots
        ]
        if off_peak:
            concessions.append(
                {
                    "listing_id": listing_id,
                    "days": "01234",
                    "window_start": OFF_PEAK.start,
                    "window_end": OFF_PEAK.end,
                    "percent_off": OFF_PEAK.percent_off,
                    "members_only": True,
                }
            )
        rules = pricing.PricingRules(
            windows=(OFF_PEAK,) if off_peak else (),
            members_discount=pricing.MembersDiscount(members_percent) if members_percent else None,
        )
        weekly = schedule.WeeklySchedule(slots=frozenset(slots), duration_minutes=duration)
        for starts_at, ends_at in schedule.sessions_between(
            weekly, today + timedelta(days=1), today + timedelta(weeks=weeks)
        ):
            sessions.append(
                {
                    "listing_id": listing_id,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "places": places,
                    "booked": rng.choice([0, 0, places // 2, places]),
                    "held": 0,
                    **session_columns(price, rules, starts_at),
                }
            )
    # The worker makes sessions a day at a time as the weeks roll on, so in a real table they
    # lie roughly in order of start: insert them so.
    sessions.sort(key=lambda row: (row["starts_at"], row["listing_id"]))
    for number, row in enumerate(sessions, start=1):
        row["id"] = number
    _insert(Provider, providers)
    _insert(Listing, listing_rows)
    _insert(ScheduleTime, times)
    _insert(Concession, concessions)
    _insert(Session, sessions)
    if db.engine.dialect.name == "postgresql":
        for table in ("marketplace_providers", "marketplace_listings", "marketplace_sessions"):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    db.session.commit()
    with db.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    return len(sessions)


def queries(today: date) -> dict[str, tuple[search.Criteria, int]]:
    """The searches timed: (criteria, page)."""
    eight_weeks = today + timedelta(weeks=8)
    return {
        "everything, next 4 weeks": (search.Criteria(), 1),
        "everything, page 5": (search.Criteria(), 5),
        "text 'gym'": (search.Criteria(text="gym"), 1),
        "text 'derby swim'": (search.Criteria(text="derby swim"), 1),
        "text 'yoga', page 3": (search.Criteria(text="yoga"), 3),
        "category gym and fitness": (search.Criteria(category=Category.GYM_FITNESS), 1),
        "mornings, at most £5": (
            search.Criteria(time_of_day=search.TimeOfDay.MORNING, max_price_pence=500),
            1,
        ),
        "free only": (search.Criteria(max_price_pence=0), 1),
        "off-peak prices only": (search.Criteria(off_peak_only=True), 1),
        "weekends, evenings": (
            search.Criteria(weekdays={5, 6}, time_of_day=search.TimeOfDay.EVENING),
            1,
        ),
        "step-free + hearing loop": (search.Criteria(features={"step_free", "hearing_loop"}), 1),
        "8 weeks, direct payments": (
            search.Criteria(last_day=eight_weeks, direct_payments=True),
            1,
        ),
        "8 weeks, at most £10": (search.Criteria(last_day=eight_weeks, max_price_pence=1000), 1),
        "one day, quiet, BSL": (
            search.Criteria(
                first_day=today + timedelta(days=3),
                last_day=today + timedelta(days=3),
                features={"quiet_sessions", "bsl"},
            ),
            1,
        ),
    }


def _reset_postgres(url: str) -> None:
    app = create_app(TestingConfig(url))
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            connection.commit()
        db.engine.dispose()


def run(url: str, listings: int, repeat: int, label: str) -> dict[str, float]:
    """Build one catalogue and time every search on it; the median of each, in ms."""
    app = create_app(TestingConfig(url))
    medians = {}
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        sessions = build(listings)
        print(
            f"\n{label}: {listings:,} listings, {sessions:,} sessions, "
            f"built in {time.perf_counter() - started:.1f} s; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        assert db.session.scalar(select(func.count(Session.id))) == sessions
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *_: statements.append(1))
        buyer = Buyer()
        for name, (criteria, page) in queries(clock.london_today()).items():
            walls, cpus, result = [], [], None
            for _ in range(repeat):
                db.session.expunge_all()
                statements.clear()
                wall, cpu = time.perf_counter(), time.process_time()
                result = search.search(criteria, buyer, page=page)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                db.session.rollback()
            medians[name] = statistics.median(walls) * 1000
            found = f"more than {result.total:,}" if result.more else f"{result.total:,}"
            print(
                f"{name:<28} best {min(walls) * 1000:6.1f} ms, "
                f"median {medians[name]:6.1f} ms, "
                f"CPU here {statistics.median(cpus) * 1000:5.1f} ms "
                f"({len(statements)} statements); "
                f"{found} found, page {result.page} of {result.pages}"
            )
        db.session.remove()
        db.engine.dispose()
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        help="an empty PostgreSQL (or SQLite) database to fill; default a temporary SQLite file",
    )
    parser.add_argument(
        "--listings", type=int, nargs="+", default=[200], help="catalogue sizes (default 200)"
    )
    parser.add_argument("--repeat", type=int, default=7, help="runs of each search (default 7)")
    parser.add_argument(
        "--reset",
        action="store_true",
        help="drop everything in the PostgreSQL database first (and between sizes)",
    )
    args = parser.parse_args()

    results = {}
    for listings in args.listings:
        if args.database_url and args.database_url.startswith("postgres"):
            if not args.reset:
                parser.error("--reset is needed to empty the PostgreSQL database for each size")
            _reset_postgres(args.database_url)
            results[listings] = run(args.database_url, listings, args.repeat, "PostgreSQL")
        elif args.database_url:
            results[listings] = run(args.database_url, listings, args.repeat, "SQLite")
        else:
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                results[listings] = run(url, listings, args.repeat, "SQLite")
    if len(results) > 1:
        small, large = min(results), max(results)
        print(f"\nGrowth of the median from {small:,} to {large:,} listings:")
        for name in results[small]:
            ratio = results[large][name] / results[small][name]
            print(
                f"{name:<28} {results[small][name]:6.1f} -> "
                f"{results[large][name]:6.1f} ms: ×{ratio:.2f}"
            )
        worst = max(results[large].values())
        print(f"slowest median at {large:,} listings: {worst:.1f} ms")


if __name__ == "__main__":
    main()
