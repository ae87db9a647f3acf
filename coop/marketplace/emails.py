"""Emails about bookings, with a calendar file; put in the outbox with the change they tell of
(a member without email is sent a letter instead, in the same transaction)."""

from datetime import UTC

from flask import current_app

from coop import clock
from coop.email import external_url
from coop.marketplace import cancellation
from coop.marketplace.models import Booking, Session, WaitlistEntry
from coop.members.letters import notify
from coop.money import format_pence


def where(booking_or_session) -> str:
    """Where a session happens, in words."""
    session = getattr(booking_or_session, "session", booking_or_session)
    listing = session.listing
    return "At your home" if listing.at_home else listing.venue_address


def calendar_file(booking: Booking) -> bytes:
    """An iCalendar (.ics) file for the booking, for any calendar app."""
    session, listing = booking.session, booking.session.listing
    provider = listing.provider
    import icalendar  # only when a calendar file is made: it is slow to import

    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{current_app.config['SITE_NAME']}//Marketplace//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"{booking.reference}@{current_app.config['SITE_NAME'].replace(' ', '-')}")
    event.add("dtstamp", clock.now())
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", f"{listing.title} ({provider.name})")
    event.add("location", where(booking))
    event.add(
        "description",
        f"Booking reference {booking.reference}. {booking.places} place"
        f"{'s' if booking.places != 1 else ''}, {format_pence(booking.total_pence)}.\n"
        f"Provider: {provider.name}, {provider.phone}, {provider.email}.\n"
        f"{cancellation.policy(booking.cancellation_notice_hours)}",
    )
    event.add("status", "CANCELLED" if booking.cancelled_at else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def _ics(booking: Booking) -> tuple:
    return ((f"{booking.reference}.ics", "text/calendar", calendar_file(booking)),)


def send_booking_confirmed(booking: Booking) -> bool:
    session, listing = booking.session, booking.session.listing
    paid = (
        f"{format_pence(booking.total_pence)} has been paid by card."
        if booking.total_pence and booking.paid_by_card
        else f"{format_pence(booking.total_pence)} has been paid from your budget."
        if booking.total_pence
        else "This session is free."
    )
    body = (
        f"Hello {booking.member.name},\n\n"
        f"You have booked {listing.title} with {listing.provider.name}.\n\n"
        f"When: {clock.format_moment(session.starts_at)}\n"
        f"Where: {where(booking)}\n"
        f"Places: {booking.places}\n"
        f"Reference: {booking.reference}\n\n"
        f"{paid}\n{cancellation.policy(booking.cancellation_notice_hours)}\n\n"
        "The calendar file attached adds the session to your calendar.\n"
        f"See or cancel the booking: {external_url('marketplace.booking', booking_id=booking.id)}\n"
    )
    return notify(booking.member, f"Booked: {listing.title}", body, _ics(booking))


def send_booking_cancelled(booking: Booking) -> bool:
    listing = booking.session.listing
    refund = (
        f"{format_pence(booking.refund_pence)} is being refunded to your card. It can take a "
        "few days to reach your account."
        if booking.refund_pence and booking.paid_by_card
        else f"{format_pence(booking.refund_pence)} has been returned to your budget."
        if booking.refund_pence
        else "There is no refund, because the booking was cancelled within the notice period."
        if booking.total_pence
        else "The session was free, so there is nothing to refund."
    )
    body = (
        f"Hello {booking.member.name},\n\n"
        f"Your booking {booking.reference} for {listing.title} on "
        f"{clock.format_moment(booking.session.starts_at)} is cancelled.\n\n{refund}\n\n"
        f"Your bookings: {external_url('marketplace.my_bookings')}\n"
    )
    return notify(booking.member, f"Cancelled: {listing.title}", body, _ics(booking))


def send_session_cancelled(session: Session, bookings: list[Booking]) -> int:
    """Tell everyone booked that the provider cancelled the session; returns how many sent."""
    sent = 0
    listing = session.listing
    for booking in bookings:
        refund = (
            f"The {format_pence(booking.refund_pence)} you paid is being refunded to your card."
            if booking.refund_pence and booking.paid_by_card
            else f"The {format_pence(booking.refund_pence)} you paid has been returned to your "
            "budget."
            if booking.refund_pence
            else "The session was free, so there is nothing to refund."
        )
        body = (
            f"Hello {booking.member.name},\n\n"
            f"{listing.provider.name} has cancelled {listing.title} on "
            f"{clock.format_moment(session.starts_at)}.\n"
            f"Their reason: {session.cancel_reason}\n\n{refund}\n\n"
            f"Find another session: {external_url('marketplace.listing', listing_id=listing.id)}\n"
        )
        if notify(booking.member, f"Session cancelled: {listing.title}", body, _ics(booking)):
            sent += 1
    return sent


def send_offers(offers: list[WaitlistEntry]) -> int:
    """Tell each person a place is held for them, until when, and where to book it."""
    sent = 0
    for entry in offers:
        session = entry.session
        body = (
            f"Hello {entry.member.name},\n\n"
            f"A place has come free in {session.listing.title} on "
            f"{clock.format_moment(session.starts_at)}, and we are holding it for you until "
            f"{clock.format_moment(entry.offer_expires_at)}.\n\n"
            f"Book it here: {external_url('marketplace.book', session_id=session.id)}\n\n"
            "If you do not book it by then, it will be offered to the next person waiting.\n"
        )
        if notify(entry.member, f"A place is held for you: {session.listing.title}", body):
            sent += 1
    return sent
