"""The double-entry ledger: accounts, transactions and their entries, all in integer pence."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    UniqueConstraint,
    event,
    inspect,
)
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
    COSTS = postings.COSTS
    EARMARKED_SURPLUS = postings.EARMARKED_SURPLUS
    CARER_PAYABLE = postings.CARER_PAYABLE
    PA_PAYABLE = postings.PA_PAYABLE
    POOL = postings.POOL

    @property
    def label(self) -> str:
        return {
            "budget": "Budget",
            "provider_payable": "Owed to provider",
            "commission_income": "Commission income",
            "bank": "Bank",
            "funding": "Due from funder",
            "costs": "The co-op's costs",
            "earmarked_surplus": "Surplus earmarked for a proposal",
            "carer_payable": "Owed to carer household",
            "pa_payable": "Owed to personal assistant",
            "pool": "Pooled fund",
        }[self.value]


class TransactionKind(enum.Enum):
    """Why money moved."""

    FUNDING = "funding"
    BOOKING_PAYMENT = "booking_payment"
    REFUND = "refund"
    REVERSAL = "reversal"
    PAYOUT = "payout"
    COST = "cost"
    EARMARK = "earmark"
    EARMARK_SPENT = "earmark_spent"
    FUND_PAYMENT = "fund_payment"
    CARER_PAYMENT = "carer_payment"
    PA_HOURS = "pa_hours"
    POOL_CONTRIBUTION = "pool_contribution"
    POOL_SPEND = "pool_spend"
    POOL_RETURN = "pool_return"

    @property
    def label(self) -> str:
        return {
            "funding": "Money received",
            "booking_payment": "Booking paid",
            "refund": "Refund",
            "reversal": "Correction",
            "payout": "Paid to provider",
            "cost": "The co-op's cost",
            "earmark": "Surplus earmarked",
            "earmark_spent": "Spent from earmarked surplus",
            "fund_payment": "Paid from the fund",
            "carer_payment": "Shared Lives carer payment",
            "pa_hours": "PA hours paid",
            "pool_contribution": "Paid into a pooled fund",
            "pool_spend": "Spent from a pooled fund",
            "pool_return": "Returned from a pooled fund",
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


class PayoutItemKind(enum.Enum):
    """Which money of a booking a payout line settles: its payment, or a refund of it."""

    PAYMENT = "payment"
    REFUND = "refund"


class Payout(db.Model):
    """Money paid to a provider for the bookings its items list, recorded with the bank's
    reference; posted to the ledger as provider payable -> bank."""

    __tablename__ = "payments_payouts"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="pays_something"),
        CheckConstraint("period_last >= period_first", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("marketplace_providers.id"), index=True)
    #: The days whose money it covers (money posted up to the end of ``period_last``).
    period_first: Mapped[date]
    period_last: Mapped[date]
    paid_on: Mapped[date]
    #: The reference on the bank transfer, so the provider can match it.
    bank_reference: Mapped[str] = mapped_column(String(60))
    amount_pence: Mapped[int]
    made_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("payments_transactions.id"), unique=True)

    items: Mapped[list["PayoutItem"]] = relationship(
        back_populates="payout", order_by="PayoutItem.id"
    )
    made_by: Mapped[Member] = relationship()


class PayoutItem(db.Model):
    """One booking's payment (or a refund of it) settled by a payout; UNIQUE, so no booking's
    money is ever paid out twice."""

    __tablename__ = "payments_payout_items"
    __table_args__ = (
        UniqueConstraint("booking_id", "kind", name="uq_payments_payout_items_booking_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payments_payouts.id"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("marketplace_bookings.id"))
    kind: Mapped[PayoutItemKind] = mapped_column(enum_column(PayoutItemKind, "payout_item_kind"))
    #: The provider's share: positive for a payment, negative for a refund taken back.
    amount_pence: Mapped[int]

    payout: Mapped[Payout] = relationship(back_populates="items")


class CostCategory(enum.Enum):
    """What the co-op's own money was spent on."""

    INSURANCE = "insurance"
    WEBSITE = "website"
    ROOM_HIRE = "room_hire"
    BANK_CHARGES = "bank_charges"
    ACCOUNTANCY = "accountancy"
    TRAINING = "training"
    EXPENSES = "expenses"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "insurance": "Insurance",
            "website": "The website",
            "room_hire": "Room hire",
            "bank_charges": "Bank charges",
            "accountancy": "Accountancy and audit",
            "training": "Training",
            "expenses": "Volunteers' expenses",
            "other": "Other",
        }[self.value]


class CoopCost(db.Model):
    """One of the co-op's own costs, recorded by the treasurer and posted costs -> bank."""

    __tablename__ = "payments_costs"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spent_on: Mapped[date] = mapped_column(index=True)
    amount_pence: Mapped[int]
    category: Mapped[CostCategory] = mapped_column(enum_column(CostCategory, "cost_category"))
    description: Mapped[str] = mapped_column(String(200))
    #: The invoice or bank reference, so an auditor can trace it.
    reference: Mapped[str] = mapped_column(String(60))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("payments_transactions.id"), unique=True)


class Earmark(db.Model):
    """Surplus set aside for one purpose members voted for (a funded proposal), posted to its
    own earmarked-surplus account, so members can follow what is spent against it."""

    __tablename__ = "payments_earmarks"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who set it aside and for what, e.g. "surplus-proposal:12"; UNIQUE, so once only.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: e.g. "Surplus ballot 2025 to 2026".
    source: Mapped[str] = mapped_column(String(120))
    amount_pence: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("payments_transactions.id"), unique=True)


class FundPaymentKind(enum.Enum):
    """What an individual service fund pays besides bookings."""

    PA_WAGES = "pa_wages"
    HOUSEHOLD_BILL = "household_bill"
    PERSONAL_ALLOWANCE = "personal_allowance"
    LARGER_ITEM = "larger_item"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "pa_wages": "PA wages",
            "household_bill": "Household bill",
            "personal_allowance": "Personal allowance",
            "larger_item": "Larger item",
            "other": "Other",
        }[self.value]


class RepeatEvery(enum.Enum):
    WEEK = "week"
    MONTH = "month"

    @property
    def label(self) -> str:
        return {"week": "Every week", "month": "Every month"}[self.value]


class Receipt(db.Model):
    """A scanned receipt or invoice (PDF, PNG or JPEG, checked by its content), kept with the
    payment it proves."""

    __tablename__ = "payments_receipts"
    __table_args__ = (
        CheckConstraint(
            "content_type IN ('application/pdf', 'image/png', 'image/jpeg')", name="known_type"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))


class RepeatingPayment(db.Model):
    """A payment the fund makes on a schedule (a weekly allowance, a monthly bill), posted by
    the scheduled command on each date, never overdrawing the fund."""

    __tablename__ = "payments_repeating"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    payee: Mapped[str] = mapped_column(String(120))
    kind: Mapped[FundPaymentKind] = mapped_column(enum_column(FundPaymentKind, "fund_payment_kind"))
    amount_pence: Mapped[int]
    every: Mapped[RepeatEvery] = mapped_column(enum_column(RepeatEvery, "repeat_every"))
    #: The next date it falls due.
    next_on: Mapped[date] = mapped_column(index=True)
    #: The first date it started on (monthly payments keep this day of the month).
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    reference: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Why the last due payment was not made (e.g. the fund was short), for the treasurer.
    problem: Mapped[str | None] = mapped_column(String(300))
    problem_on: Mapped[date | None]

    member: Mapped[Member] = relationship(foreign_keys=[member_id])


class FundPayment(db.Model):
    """A payment out of an individual service fund to a named payee, posted budget -> bank."""

    __tablename__ = "payments_fund_payments"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="positive_amount"),
        UniqueConstraint("repeating_id", "due_on", name="uq_payments_fund_payments_due_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    payee: Mapped[str] = mapped_column(String(120))
    kind: Mapped[FundPaymentKind] = mapped_column(enum_column(FundPaymentKind, "fund_payment_kind"))
    amount_pence: Mapped[int]
    paid_on: Mapped[date]
    reference: Mapped[str] = mapped_column(String(60))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("payments_receipts.id"))
    #: The repeating payment it was made for, and the date it fell due (UNIQUE together, so a
    #: scheduled run twice pays once).
    repeating_id: Mapped[int | None] = mapped_column(ForeignKey("payments_repeating.id"))
    due_on: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("payments_transactions.id"), unique=True)

    receipt: Mapped[Receipt | None] = relationship()


class AuditorGrant(db.Model):
    """Read-only access for an auditor (e.g. a council's) to one budget holder's returns,
    given by the secretary, in force once the budget holder agrees and until a date."""

    __tablename__ = "payments_auditor_grants"
    __table_args__ = (CheckConstraint("auditor_id != member_id", name="not_own_auditor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    auditor_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    #: Who the auditor works for, e.g. "Derby City Council direct payments team".
    organisation: Mapped[str] = mapped_column(String(120))
    #: The last day the access lasts.
    until: Mapped[date]
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the budget holder agreed; nothing is shown until they do.
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the budget holder or the secretary ended it early.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    auditor: Mapped[Member] = relationship(foreign_keys=[auditor_id])
    member: Mapped[Member] = relationship(foreign_keys=[member_id])


class AuditorView(db.Model):
    """One look an auditor took at a budget holder's return: every view is logged."""

    __tablename__ = "payments_auditor_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("payments_auditor_grants.id"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: What was seen, e.g. "return 2026-01-01 to 2026-03-31 (PDF)".
    what: Mapped[str] = mapped_column(String(120))

    grant: Mapped[AuditorGrant] = relationship()


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
