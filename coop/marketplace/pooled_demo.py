"""Demo data: Asha, Ben and Chloe booked an off-peak gym session together, split equally."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from coop import clock
from coop.extensions import db
from coop.marketplace import pooled_bookings
from coop.marketplace.models import Listing, Session
from coop.marketplace.pooled_models import PooledBooking, SplitKind
from coop.members.models import Member


def load(people: dict[str, Member], now: datetime | None = None) -> PooledBooking:
    """A pooled gym booking: three places next week at 11:00, each paying a third, booked.

    Money moves through the same rules as on the site, so Chloe's budget is paid into first
    by the pooled fund demo (``coop.support.pool_demo``), which runs before this.
    """
    now = now or clock.now()
    asha, ben, chloe = (people[f"{n}@demo.coop"] for n in ("asha", "ben", "chloe"))
    gym = db.session.scalar(select(Listing).where(Listing.title == "Gym session"))
    session = next(
        s
        for s in db.session.scalars(
            select(Session)
            .where(Session.listing_id == gym.id, Session.starts_at > now + timedelta(days=3))
            .order_by(Session.starts_at)
        )
        if s.starts_at.astimezone(clock.LONDON).time() == time(11)
    )
    pooled = pooled_bookings.propose(
        asha, session, [ben.email, chloe.email], 3, SplitKind.EQUAL, now=now - timedelta(hours=2)
    )
    pooled_bookings.send(pooled, asha, now=now - timedelta(hours=2))
    pooled_bookings.agree(pooled, ben, ben, now=now - timedelta(hours=1))
    pooled_bookings.agree(pooled, chloe, chloe, now=now - timedelta(minutes=30))
    return pooled
