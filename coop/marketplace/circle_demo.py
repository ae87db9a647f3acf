"""Demo data for circles of support: Dev Sharma (a carer) acts for Asha Patel, who lets him
see her bookings and budget and book for her up to £20 a booking; he has booked her an
off-peak gym session, which her statement shows as "by Dev Sharma for Asha Patel"."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from coop import clock
from coop.extensions import db
from coop.marketplace import bookings
from coop.marketplace.models import Listing, Session
from coop.members import circles
from coop.members.circle_models import Permission
from coop.members.models import Member

#: The most Dev may spend from Asha's budget on one booking, in pence.
DEV_LIMIT_PENCE = 20_00


def load(members_by_email: dict[str, Member], now: datetime | None = None) -> None:
    """Asha chooses Dev, and Dev books her next free off-peak gym session for her."""
    now = now or clock.now()
    asha, dev = members_by_email["asha@demo.coop"], members_by_email["dev@demo.coop"]
    chosen = now - timedelta(days=3)
    circles.give(asha, dev, circles.Choice(Permission.BOOK, DEV_LIMIT_PENCE), chosen)
    circles.give(asha, dev, circles.Choice(Permission.SEE), chosen)
    gym = db.session.scalar(select(Listing).where(Listing.title == "Gym session"))
    if gym is None:
        return
    session = _next_off_peak(gym, now + timedelta(days=2), asha)
    if session is not None:
        bookings.book(asha, session, by=dev, now=now - timedelta(days=1))


def _next_off_peak(gym: Listing, after: datetime, asha: Member) -> Session | None:
    """The first 11:00 gym session after ``after`` that Asha has not booked."""
    for session in db.session.scalars(
        select(Session)
        .where(Session.listing_id == gym.id, Session.starts_at > after)
        .order_by(Session.starts_at)
    ):
        at_eleven = session.starts_at.astimezone(clock.LONDON).time() == time(11)
        if at_eleven and bookings.live_booking(session, asha) is None:
            return session
    return None
