"""Paying a personal assistant's approved hours from a budget holder's budget.

The money moves from the budget to what is owed to the PA (their PA payable account), never
taking the budget below zero: the budget is locked first, as a booking's payment does, so two
approvals at once are decided one after the other. ``posted_by`` is whoever approved the
hours: the budget holder, or someone in their circle of support acting for them.
"""

from collections.abc import Hashable
from datetime import datetime

from sqlalchemy import select

from coop.extensions import db
from coop.members.models import Member
from coop.payments import ledger, postings
from coop.payments.models import LedgerAccount, LedgerTransaction, TransactionKind


def hours_pence(hourly_rate_pence: int, minutes: int) -> int:
    """What `minutes` of work cost at an hourly rate, to the nearest penny (halves up)."""
    if hourly_rate_pence <= 0 or minutes <= 0:
        raise postings.LedgerError("Hours and the rate must both be more than nothing.")
    return (hourly_rate_pence * minutes + 30) // 60


def pa_hours_transaction(
    member_id: Hashable, pa_member_id: Hashable, amount_pence: int, *, available_pence: int,
    memo: str,
) -> postings.Transaction:  # fmt: skip
    """The budget debited and the PA's payable credited; refused with InsufficientFunds when
    the budget cannot cover it, so a budget never goes below zero."""
    if not isinstance(amount_pence, int) or amount_pence <= 0:
        raise postings.LedgerError("A payment for hours must be more than £0.")
    budget = postings.budget_account(member_id)
    if amount_pence > available_pence:
        raise postings.InsufficientFunds(budget, available_pence, amount_pence)
    return postings.Transaction(
        (
            postings.Entry(budget, amount_pence),
            postings.Entry(postings.pa_payable_account(pa_member_id), -amount_pence),
        ),
        memo[:200],
    )


def pay_hours(
    budget_holder: Member,
    pa: Member,
    amount_pence: int,
    memo: str,
    *,
    by: Member,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Post approved PA hours: from the budget holder's budget to what is owed to the PA.

    Raises ``postings.InsufficientFunds`` when the budget holds too little; the caller rolls
    the approval back.
    """
    locked = ledger.lock_budget(budget_holder)
    transaction = pa_hours_transaction(
        budget_holder.id, pa.id, amount_pence, available_pence=ledger.balance_of(locked), memo=memo
    )
    return ledger.post(transaction, TransactionKind.PA_HOURS, posted_by=by, now=now)


def owed_to(pa: Member) -> int:
    """What is owed to a PA for approved hours not yet paid out, in pence."""
    key = ledger.account_key(postings.pa_payable_account(pa.id))
    found = db.session.scalar(select(LedgerAccount).where(LedgerAccount.key == key))
    return 0 if found is None else ledger.balance_of(found)
