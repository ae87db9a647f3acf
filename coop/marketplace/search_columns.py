"""What the search asks the database about, kept on the rows it searches.

The search decides every filter in SQL, so each session row carries its start on the London
clock (minute of the day and weekday) and the price of a place for members and for everyone
else, worked out by :func:`coop.marketplace.pricing.price_of_place`, the one place prices are
decided. Each listing carries one text of its title, description and provider's name for
full-text search.

:func:`refresh_listing` and :func:`refresh_session` write them. They run from a
``before_flush`` listener, so whatever changes a listing's price, members' discount or
off-peak prices, a provider's name, or makes a session (``listings.update_listing``,
``add_concession``, ``remove_concession``, ``generate_sessions``, the demo, the tests'
factories), the columns are rewritten in the same flush, and so the same transaction, as the
change. Bulk inserts that bypass the ORM (the benchmarks) call :func:`session_columns` and
:func:`search_document` themselves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session as OrmSession

from coop import clock
from coop.marketplace import pricing, service
from coop.marketplace.models import Concession, Listing, Provider, Session

#: The listing columns the prices of its sessions are worked out from.
PRICE_INPUTS = ("price_pence", "members_discount_percent", "concessions")
#: The listing columns its search document is made of (with its provider's name).
DOCUMENT_INPUTS = ("title", "description", "provider", "provider_id")


def session_columns(base_pence: int, rules: pricing.PricingRules, starts_at: datetime) -> dict:
    """The search columns of a session starting at ``starts_at`` of a listing with this base
    price and these rules (a pure function: plain values in, column values out)."""
    local = starts_at.astimezone(clock.LONDON)
    public = pricing.price_of_place(base_pence, rules, starts_at, is_member=False)
    member = pricing.price_of_place(base_pence, rules, starts_at, is_member=True)
    return {
        "local_minute": local.hour * 60 + local.minute,
        "local_weekday": local.weekday(),
        "public_price_pence": public.price_pence,
        "member_price_pence": member.price_pence,
        "public_off_peak": isinstance(public.discount, pricing.ConcessionWindow),
        "member_off_peak": isinstance(member.discount, pricing.ConcessionWindow),
    }


def search_document(title: str, description: str, provider_name: str) -> str:
    """The one text a listing is found by."""
    return "\n".join((title or "", description or "", provider_name or ""))


def _apply(session: Session, base_pence: int, rules: pricing.PricingRules) -> None:
    for name, value in session_columns(base_pence, rules, session.starts_at).items():
        if getattr(session, name, None) != value:
            setattr(session, name, value)


def refresh_session(session: Session, listing: Listing) -> None:
    """Write one session's search columns from its start and its listing's prices."""
    _apply(session, listing.price_pence, service.pricing_rules(listing))


def refresh_document(listing: Listing, provider: Provider | None = None) -> None:
    """Write a listing's search document from its words and its provider's name."""
    provider = provider or listing.provider
    document = search_document(
        listing.title, listing.description, provider.name if provider else ""
    )
    if listing.search_document != document:
        listing.search_document = document


def refresh_listing(listing: Listing, provider: Provider | None = None) -> None:
    """Write the search document of a listing and the search columns of all its sessions,
    after a change to its price, discounts, words or provider."""
    refresh_document(listing, provider)
    rules = service.pricing_rules(listing)
    for session in listing.sessions:
        _apply(session, listing.price_pence, rules)


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _provider_of(db_session: OrmSession, listing: Listing) -> Provider | None:
    if listing.provider is not None:
        return listing.provider
    if isinstance(listing.provider_id, int):
        return db_session.get(Provider, listing.provider_id)
    return None


def _listing_of(db_session: OrmSession, obj) -> Listing | None:
    """The listing a session or concession belongs to, loaded or pending."""
    if obj.listing is not None:
        return obj.listing
    listing_id = obj.listing_id or inspect(obj).attrs.listing_id.loaded_value
    if isinstance(listing_id, int):
        return db_session.get(Listing, listing_id)
    return None


@event.listens_for(OrmSession, "before_flush")
def _before_flush(db_session: OrmSession, _context, _instances) -> None:
    """Refresh the search columns of whatever this flush changes, before it is written."""
    listings: dict[int, Listing] = {}
    documents: dict[int, Listing] = {}
    sessions: list[Session] = []
    with db_session.no_autoflush:
        for obj in db_session.new:
            if isinstance(obj, Session):
                sessions.append(obj)
            elif isinstance(obj, Listing):
                documents[id(obj)] = obj
            elif isinstance(obj, Concession):
                listing = _listing_of(db_session, obj)
                if listing is not None:
                    listings[id(listing)] = listing
        for obj in db_session.dirty:
            if isinstance(obj, Listing):
                if _changed(obj, PRICE_INPUTS):
                    listings[id(obj)] = obj
                if _changed(obj, DOCUMENT_INPUTS):
                    documents[id(obj)] = obj
            elif isinstance(obj, Session) and _changed(obj, ("starts_at",)):
                sessions.append(obj)
            elif isinstance(obj, Concession) and _changed(
                obj, ("days", "window_start", "window_end", "percent_off", "members_only")
            ):
                listing = _listing_of(db_session, obj)
                if listing is not None:
                    listings[id(listing)] = listing
            elif isinstance(obj, Provider) and _changed(obj, ("name",)):
                for listing in obj.listings:
                    documents[id(listing)] = listing
        for obj in db_session.deleted:
            if isinstance(obj, Concession):
                listing = _listing_of(db_session, obj)
                if listing is not None:
                    listings[id(listing)] = listing
        for listing in listings.values():
            refresh_listing(listing, _provider_of(db_session, listing))
        for listing in documents.values():
            if id(listing) not in listings:
                refresh_document(listing, _provider_of(db_session, listing))
        for session in sessions:
            listing = _listing_of(db_session, session)
            if listing is not None:
                refresh_session(session, listing)
