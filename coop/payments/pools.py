"""Money several budget holders put together: shares of one booking, and pooled funds.

The pure part (splitting pence, the shape of each posting) takes plain values; the rest stores
them through ``ledger``. Every budget a pooled booking takes money from is locked first, in
one fixed order (by account id), so two pooled bookings sharing people wait for each other
instead of deadlocking, and either every share is posted or none is.
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import select

from coop import clock
from coop.extensions import db
from coop.members.models import Member
from coop.payments import ledger, postings
from coop.payments.models import LedgerAccount, LedgerTransaction, TransactionKind

# --- Pure: splitting money ---------------------------------------------------------------


def split_equally(total_pence: int, people: int) -> list[int]:
    """Split a total into ``people`` whole-penny shares that add up to it exactly.

    Everyone gets the total divided by the number of people, rounded down; the pennies left
    over go one each to the first people in the list (the organiser is first), so £10.00
    between three is £3.34, £3.33, £3.33.
    """
    if people < 1:
        raise postings.LedgerError("A split needs at least one person.")
    if not isinstance(total_pence, int) or total_pence < 0:
        raise postings.LedgerError("The total must be a whole number of pence, not below 0.")
    each, left_over = divmod(total_pence, people)
    return [each + (1 if number < left_over else 0) for number in range(people)]


def allocate(amount_pence: int, weights: Sequence[int]) -> list[int]:
    """Share an amount out in proportion to the weights, in whole pence that add up to it.

    Each gets its exact proportion rounded down; the pennies left over go to the largest
    remainders (the earlier in the list on a tie). A zero weight gets nothing. Used to split
    what a pooled fund spends between its members by what each has in it.
    """
    total_weight = sum(weights)
    if total_weight <= 0:
        raise postings.LedgerError("There is nothing to share the amount between.")
    if any(weight < 0 for weight in weights):
        raise postings.LedgerError("A weight cannot be below 0.")
    exact = [Fraction(amount_pence * weight, total_weight) for weight in weights]
    shares = [int(part) for part in exact]  # floor: every part is at least 0
    left_over = amount_pence - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left_over]:
        shares[i] += 1
    return shares


def pool_account(pool_id: Hashable) -> postings.Account:
    """The account holding a pooled fund's money."""
    return (postings.POOL, pool_id)


def pay_into_pool(
    member_id: Hashable, pool_id: Hashable, amount_pence: int, *, available_pence: int, memo: str
) -> postings.Transaction:
    """A member pays into a pooled fund from their budget: the budget debited, the pool
    credited. Refused with InsufficientFunds when the budget cannot cover it."""
    postings._require_positive_pence(amount_pence, "A payment into a pooled fund")
    account = postings.budget_account(member_id)
    if amount_pence > available_pence:
        raise postings.InsufficientFunds(account, available_pence, amount_pence)
    return postings.Transaction(
        (
            postings.Entry(account, amount_pence),
            postings.Entry(pool_account(pool_id), -amount_pence),
        ),
        memo[:200],
    )


def spend_from_pool(
    pool_id: Hashable,
    amount_pence: int,
    *,
    available_pence: int,
    bank: postings.Account,
    memo: str,
) -> postings.Transaction:
    """The pool pays someone outside the co-op: the pool debited, the bank credited. Never more
    than the pool holds."""
    postings._require_positive_pence(amount_pence, "A payment from a pooled fund")
    account = pool_account(pool_id)
    if amount_pence > available_pence:
        raise postings.InsufficientFunds(account, available_pence, amount_pence)
    return postings.Transaction(
        (postings.Entry(account, amount_pence), postings.Entry(bank, -amount_pence)), memo[:200]
    )


def return_from_pool(
    pool_id: Hashable, member_id: Hashable, amount_pence: int, *, available_pence: int, memo: str
) -> postings.Transaction:
    """Money goes back from the pool to a member's budget (a member leaving)."""
    postings._require_positive_pence(amount_pence, "Money returned from a pooled fund")
    account = pool_account(pool_id)
    if amount_pence > available_pence:
        raise postings.InsufficientFunds(account, available_pence, amount_pence)
    return postings.Transaction(
        (
            postings.Entry(account, amount_pence),
            postings.Entry(postings.budget_account(member_id), -amount_pence),
        ),
        memo[:200],
    )


# --- Shares of one booking ---------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """One person's part of a pooled booking: whose budget pays, how much, and who acted."""

    member: Member
    amount_pence: int
    #: Whoever agreed to the share for them (themselves, or someone in their circle).
    by: Member | None = None


class SharesNotCovered(postings.LedgerError):
    """At least one budget cannot cover its share; nothing was posted.

    ``short`` maps each such member's id to how many pence more their budget needs.
    """

    def __init__(self, short: dict[int, int]):
        self.short = short
        super().__init__("One or more shares are not covered.")


def lock_budgets(members: Sequence[Member]) -> dict[int, LedgerAccount]:
    """Lock every member's budget account in one fixed order (by account id), so two requests
    locking overlapping budgets never wait on each other in a circle. Keyed by member id."""
    opened = {member.id: ledger.account(postings.budget_account(member.id)) for member in members}
    locked = db.session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.id.in_([account.id for account in opened.values()]))
        .order_by(LedgerAccount.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {account.member_id: account for account in locked}


def charge_shares(
    shares: Sequence[Share],
    provider_id: int,
    booking_id: int,
    memo: str,
    commission_rate: Fraction,
    now: datetime | None = None,
) -> list[LedgerTransaction]:
    """Take every share of a pooled booking from its budget, or none at all.

    All the budgets are locked first and every balance checked before anything is posted;
    if any share is not covered, SharesNotCovered says by how much and nothing is posted.
    Each share is its own booking payment (budget -> provider and commission), so each can
    be refunded to the budget it came from.
    """
    now = now or clock.now()
    paying = [share for share in shares if share.amount_pence > 0]
    locked = lock_budgets([share.member for share in paying])
    available = {member_id: ledger.balance_of(account) for member_id, account in locked.items()}
    short = {
        share.member.id: share.amount_pence - available[share.member.id]
        for share in paying
        if share.amount_pence > available[share.member.id]
    }
    if short:
        raise SharesNotCovered(short)
    posted = []
    for share in paying:
        transaction = postings.pay_for_booking(
            share.member.id,
            provider_id,
            share.amount_pence,
            commission_rate,
            available_pence=available[share.member.id],
            memo=f"{memo} (shared booking)",
        )
        posted.append(
            ledger.post(
                transaction,
                TransactionKind.BOOKING_PAYMENT,
                posted_by=share.by or share.member,
                booking_id=booking_id,
                now=now,
            )
        )
    return posted


def booking_payments(booking_id: int) -> list[LedgerTransaction]:
    """Every payment of a booking (one for a booking paid by one budget, one per share of a
    pooled booking), oldest first."""
    return list(
        db.session.scalars(
            select(LedgerTransaction)
            .where(
                LedgerTransaction.booking_id == booking_id,
                LedgerTransaction.kind == TransactionKind.BOOKING_PAYMENT,
            )
            .order_by(LedgerTransaction.id)
        )
    )


def refund_booking_payments(
    booking_id: int, memo: str, by: Member | None, now: datetime | None = None
) -> list[LedgerTransaction]:
    """Refund each payment of a booking to the budget it came from; a payment already refunded
    is left alone (and UNIQUE on what a refund reverses stops a second one anyway)."""
    refunded = set(
        db.session.scalars(
            select(LedgerTransaction.reverses_id).where(
                LedgerTransaction.booking_id == booking_id,
                LedgerTransaction.kind == TransactionKind.REFUND,
            )
        )
    )
    return [
        ledger.refund(payment, memo, by, now)
        for payment in booking_payments(booking_id)
        if payment.id not in refunded
    ]


# --- Pooled funds ------------------------------------------------------------------------


def lock_pool(pool_id: int) -> LedgerAccount:
    """Lock a pooled fund's account until the transaction ends, and return it."""
    opened = ledger.account(pool_account(pool_id))
    return db.session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.id == opened.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def pool_balance(pool_id: int) -> int:
    """What a pooled fund holds now, in pence."""
    found = db.session.scalar(
        select(LedgerAccount).where(LedgerAccount.key == ledger.account_key(pool_account(pool_id)))
    )
    return 0 if found is None else ledger.balance_of(found)


def pool_statement(pool_id: int) -> list[ledger.StatementLine]:
    """Every movement in and out of a pooled fund, oldest first."""
    found = db.session.scalar(
        select(LedgerAccount).where(LedgerAccount.key == ledger.account_key(pool_account(pool_id)))
    )
    return [] if found is None else ledger.statement(found)


def contribute(
    member: Member, pool_id: int, amount_pence: int, memo: str, now: datetime | None = None
) -> LedgerTransaction:
    """Pay into a pooled fund from the member's budget (the budget locked first, then the
    pool). Raises ``postings.InsufficientFunds`` when the budget cannot cover it."""
    budget = ledger.lock_budget(member)
    lock_pool(pool_id)
    transaction = pay_into_pool(
        member.id, pool_id, amount_pence, available_pence=ledger.balance_of(budget), memo=memo
    )
    return ledger.post(transaction, TransactionKind.POOL_CONTRIBUTION, posted_by=member, now=now)


def spend(
    pool_id: int, amount_pence: int, memo: str, by: Member | None, now: datetime | None = None
) -> LedgerTransaction:
    """Pay from a pooled fund to someone outside the co-op, through the client bank account.
    Raises ``postings.InsufficientFunds`` when the pool does not hold enough."""
    pool = lock_pool(pool_id)
    transaction = spend_from_pool(
        pool_id,
        amount_pence,
        available_pence=ledger.balance_of(pool),
        bank=ledger.CLIENT_BANK,
        memo=memo,
    )
    return ledger.post(transaction, TransactionKind.POOL_SPEND, posted_by=by, now=now)


def give_back(
    pool_id: int,
    member: Member,
    amount_pence: int,
    memo: str,
    by: Member | None,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Return money from a pooled fund to a member's budget (the budget locked first, as
    everywhere, then the pool)."""
    ledger.lock_budget(member)
    pool = lock_pool(pool_id)
    transaction = return_from_pool(
        pool_id, member.id, amount_pence, available_pence=ledger.balance_of(pool), memo=memo
    )
    return ledger.post(transaction, TransactionKind.POOL_RETURN, posted_by=by, now=now)
