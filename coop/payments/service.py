"""Who may see which budget, and the figures the money pages and the auditor's file show."""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, select

from coop.extensions import db
from coop.members import roles
from coop.members.models import Member, MemberClass, MembershipStatus
from coop.members.roles import is_budget_holder
from coop.payments import postings
from coop.payments.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from coop.spreadsheet import safe_cell

# --- Who may do what ---------------------------------------------------------------------


def can_see_own_budget(actor: Member | None) -> bool:
    """An approved budget holder sees their own budget and its statement."""
    return is_budget_holder(actor)


def can_manage_budgets(actor: Member | None) -> bool:
    """The serving secretary sees every budget, records money arriving and downloads the ledger."""
    return roles.is_secretary(actor)


# --- Budgets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetHolderBalance:
    member: Member
    balance_pence: int


def budget_holders(search: str = "") -> list[BudgetHolderBalance]:
    """Every approved budget holder with what their budget holds, by name.

    One grouped query, so the list costs the same however many budget holders there are.
    """
    raw = func.coalesce(func.sum(LedgerEntry.amount_pence), 0)
    query = (
        select(Member, raw)
        .outerjoin(
            LedgerAccount,
            and_(LedgerAccount.member_id == Member.id, LedgerAccount.kind == AccountKind.BUDGET),
        )
        .outerjoin(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(
            Member.member_class == MemberClass.BUDGET_HOLDER,
            Member.status == MembershipStatus.APPROVED,
        )
        .group_by(Member.id)
        .order_by(func.lower(Member.name), Member.id)
    )
    search = (search or "").strip()
    if search:
        query = query.where(func.lower(Member.name).contains(search.lower(), autoescape=True))
    return [
        BudgetHolderBalance(member, postings.natural_balance((postings.BUDGET,), int(total)))
        for member, total in db.session.execute(query).all()
    ]


def budget_holder(member_id: int) -> Member | None:
    """The member with this id if they hold (or held) a budget: a budget holder of any status."""
    member = db.session.get(Member, member_id)
    if member is None or member.member_class is not MemberClass.BUDGET_HOLDER:
        return None
    return member


# --- The auditor's file ------------------------------------------------------------------

LEDGER_COLUMNS = [
    "Transaction",
    "Posted at (UTC)",
    "Kind",
    "Memo",
    "Reference",
    "Received on",
    "Account",
    "Amount (pence)",
    "Amount (pounds)",
]


def pounds(pence: int) -> str:
    """Pence as a plain decimal number of pounds for a spreadsheet, e.g. -1250 -> '-12.50'."""
    return f"{Decimal(pence).scaleb(-2):.2f}"


def ledger_csv() -> str:
    """Every entry of every transaction, in the order they were posted, for an auditor.

    Debits are positive and credits negative, so each transaction's entries add up to zero.
    Text that people typed is guarded against spreadsheet formulas; the numbers are ours.
    """
    rows = db.session.execute(
        select(LedgerTransaction, LedgerEntry.amount_pence, LedgerAccount.key)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .order_by(LedgerTransaction.id, LedgerEntry.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LEDGER_COLUMNS)
    for transaction, amount, key in rows:
        writer.writerow(
            [
                transaction.id,
                transaction.posted_at.isoformat(),
                safe_cell(transaction.kind.value),
                safe_cell(transaction.memo),
                safe_cell(transaction.reference),
                transaction.received_on.isoformat() if transaction.received_on else "",
                safe_cell(key),
                amount,
                pounds(amount),
            ]
        )
    return out.getvalue()
