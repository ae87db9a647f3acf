"""The double-entry ledger: accounts, transactions and their entries, all in integer pence."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.members.models import Member
from coop.payments import postings


class AccountKind(enum.Enum):
    """What an account holds; the values are the kinds used by ``postings``."""

    BUDGET = postings.BUDGET
    PROVIDER_PAYABLE = postings.PROVIDER_PAYABLE
    COMMISSION_INCOME = postings.COMMISSION_INCOME
    BANK = postings.BANK
    FUNDING = postings.FUNDING
    CARER_PAYABLE = postings.CARER_PAYABLE

    @property
    def label(self) -> str:
        return {
            "budget": "Budget",
            "provider_payable": "Owed to provider",
            "commission_income": "Commission income",
            "bank": "Bank",
            "funding": "Due from funder",
            "carer_payable": "Owed to carer household",
        }[self.value]


class TransactionKind(enum.Enum):
    """Why money moved."""

    FUNDING = "funding"
    BOOKING_PAYMENT = "booking_payment"
    REFUND = "refund"
    REVERSAL = "reversal"
    CARER_PAYMENT = "carer_payment"

    @property
    def label(self) -> str:
        return {
            "funding": "Money received",
            "booking_payment": "Booking paid",
            "refund": "Refund",
            "reversal": "Correction",
            "carer_payment": "Shared Lives carer payment",
        }[self.value]

    @property
    def is_funding(self) -> bool:
        return self is TransactionKind.FUNDING

    @property
    def is_refund(self) -> bool:
        return self is TransactionKind.REFUND


class FundingKind(enum.Enum):
    """How a budget holder's money reaches the co-op (mirrors ``postings.FundingKind``)."""

    DIRECT_PAYMENT = "direct_payment"
    INDIVIDUAL_SERVICE_FUND = "individual_service_fund"

    @property
    def label(self) -> str:
        return {
            "direct_payment": "Direct payment",
            "individual_service_fund": "Individual service fund",
        }[self.value]

    @property
    def posting_kind(self) -> postings.FundingKind:
        return postings.FundingKind[self.name]


class LedgerAccount(db.Model):
    """One account of the ledger; its balance is always the sum of its entries."""

    __tablename__ = "payments_accounts"
    __table_args__ = (
        CheckConstraint("kind != 'budget' OR member_id IS NOT NULL", name="budget_has_member"),
        CheckConstraint(
            "kind != 'provider_payable' OR provider_id IS NOT NULL", name="payable_has_provider"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The account's key from ``postings``, written out, e.g. "budget:42" or "bank:client".
    key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind, "account_kind"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketplace_providers.id"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member: Mapped[Member | None] = relationship()


class LedgerTransaction(db.Model):
    """A balanced set of entries recorded together; never edited, only reversed."""

    __tablename__ = "payments_transactions"
    __table_args__ = (
        CheckConstraint(
            "kind != 'funding' OR (funding_kind IS NOT NULL AND received_on IS NOT NULL"
            " AND reference IS NOT NULL)",
            name="funding_has_details",
        ),
        CheckConstraint(
            "kind != 'reversal' OR reverses_id IS NOT NULL", name="reversal_has_target"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TransactionKind] = mapped_column(enum_column(TransactionKind, "transaction_kind"))
    memo: Mapped[str] = mapped_column(String(200))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: The person whose action posted it: the secretary for money received, the budget holder
    #: for a booking, whoever cancelled for a refund.
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    #: The transaction this one undoes; UNIQUE, so nothing is reversed or refunded twice.
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments_transactions.id"), unique=True
    )
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketplace_bookings.id"), index=True
    )
    funding_kind: Mapped[FundingKind | None] = mapped_column(
        enum_column(FundingKind, "funding_kind")
    )
    #: The date the money arrived (from the bank statement or the funder's remittance).
    received_on: Mapped[date | None]
    #: The bank or remittance reference, so an auditor can trace the money.
    reference: Mapped[str | None] = mapped_column(String(60))

    entries: Mapped[list["LedgerEntry"]] = relationship(
        back_populates="transaction", order_by="LedgerEntry.id"
    )
    posted_by: Mapped[Member | None] = relationship()
    reverses: Mapped["LedgerTransaction | None"] = relationship(remote_side=[id])


class LedgerEntry(db.Model):
    """One line of a transaction: a debit (positive) or credit (negative) to one account."""

    __tablename__ = "payments_entries"
    __table_args__ = (CheckConstraint("amount_pence != 0", name="moves_money"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("payments_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("payments_accounts.id"), index=True)
    amount_pence: Mapped[int]

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[LedgerAccount] = relationship()


class LedgerIsAppendOnly(Exception):
    """Raised when code tries to change or delete a recorded transaction or entry."""


def _refuse(target) -> None:
    raise LedgerIsAppendOnly(
        f"{type(target).__name__} {target.id} is recorded; post a reversing transaction instead"
    )


@event.listens_for(LedgerEntry, "before_update")
@event.listens_for(LedgerTransaction, "before_update")
def _refuse_edits(mapper, _connection, target) -> None:
    state = inspect(target)
    if any(state.attrs[column.key].history.has_changes() for column in mapper.column_attrs):
        _refuse(target)


@event.listens_for(LedgerEntry, "before_delete")
@event.listens_for(LedgerTransaction, "before_delete")
def _refuse_deletes(_mapper, _connection, target) -> None:
    _refuse(target)
