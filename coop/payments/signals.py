"""Signals through which the domains above the ledger describe its transactions to it.

The ledger stores an id the paying domain gave each transaction (``booking_id``) but never
knows what a booking is. A statement or a quarterly return asks ``describe_transactions``;
each domain that pays through the ledger connects a receiver that answers for the
transactions it made.
"""

from dataclasses import dataclass

from blinker import Namespace

_signals = Namespace()

#: Sent with ``transactions`` (LedgerTransaction objects) and ``viewer`` (the member reading,
#: or None). Each receiver returns ``{transaction id: Description}`` for those it made.
describe_transactions = _signals.signal("describe-transactions")


@dataclass(frozen=True)
class Description:
    """What a transaction paid for, in words, for a statement line or a council's return."""

    #: What kind of thing it was, e.g. "booking".
    what: str
    #: Its name, e.g. "BK-7Q2M4XZP: Gym session".
    text: str
    #: A second line, e.g. "Session on 3 March 2026 at 11:00am".
    detail: str = ""
    #: A page about it that the viewer may open, or None.
    href: str | None = None
    #: Who was paid, e.g. "Derby Gym" (for a council's return).
    provider: str = ""
    #: What was bought, e.g. "Gym session on 3 March 2026 at 11:00am".
    item: str = ""
    #: The paying domain's own reference, e.g. the booking reference "BK-7Q2M4XZP".
    reference: str = ""
    #: The category of service bought, e.g. "Gym and fitness" (for the year's accounts).
    category: str = ""
    #: Who made the payment, when the ledger's poster does not say it well (e.g. the co-op
    #: managing someone's fund).
    made_by: str = ""


def describe(transactions, viewer=None) -> dict[int, Description]:
    """Ask every connected domain to describe the transactions it knows; merge the answers."""
    found: dict[int, Description] = {}
    if not transactions:
        return found
    for _receiver, answer in describe_transactions.send(
        None, transactions=list(transactions), viewer=viewer
    ):
        found.update(answer or {})
    return found


#: Sent with ``booking_ids`` (a set) and ``at`` (a moment). A receiver returns the ids of those
#: bookings whose money is the provider's to keep by then (attended, past the cancellation
#: deadline, or cancelled), so a payout holds back the rest.
releasable_bookings = _signals.signal("releasable-bookings")

#: Sent with ``provider_ids``; a receiver returns ``{provider id: name}``.
name_providers = _signals.signal("name-providers")


def releasable(booking_ids, at) -> set[int]:
    """The bookings (of these) whose money may be paid out at ``at``, as their domain says."""
    found: set[int] = set()
    if not booking_ids:
        return found
    for _receiver, answer in releasable_bookings.send(None, booking_ids=set(booking_ids), at=at):
        found.update(answer or ())
    return found


def provider_names(provider_ids) -> dict[int, str]:
    """Each provider's name, from the domain that keeps providers."""
    found: dict[int, str] = {}
    if not provider_ids:
        return found
    for _receiver, answer in name_providers.send(None, provider_ids=set(provider_ids)):
        found.update(answer or {})
    return found


#: Sent by the card webhook with ``reference``, ``amount_pence`` and ``now`` when Stripe says a
#: payment succeeded. The domain that made the reference returns ``card.Booked`` (it booked;
#: post the money) or ``card.GiveBack`` (the thing is gone; refund it).
card_payment_succeeded = _signals.signal("card-payment-succeeded")

#: Sent with ``reference``, ``declined`` and ``now`` when a card payment failed or was
#: cancelled at Stripe: the domain frees what it held and tells the person.
card_payment_failed = _signals.signal("card-payment-failed")
