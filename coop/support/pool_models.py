"""Pooled funds: budget holders put money together in a pool with its own ledger account."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.members.models import Member


class ContributionRule(enum.Enum):
    """How much each member pays in each time: all the same, or an amount set for each."""

    EQUAL = "equal"
    FIXED = "fixed"

    @property
    def label(self) -> str:
        return {"equal": "Everyone pays the same", "fixed": "A set amount for each person"}[
            self.value
        ]


class SpendStatus(enum.Enum):
    OPEN = "open"
    AGREED = "agreed"
    PAID = "paid"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "open": "Waiting for votes",
            "agreed": "Agreed, not paid yet",
            "paid": "Agreed and paid",
            "refused": "Not agreed",
            "withdrawn": "Withdrawn",
        }[self.value]


class Pool(db.Model):
    """A pooled fund: who is in it, how they pay in, and how much notice leaving takes."""

    __tablename__ = "support_pools"
    __table_args__ = (
        CheckConstraint("notice_days BETWEEN 0 AND 365", name="notice_in_range"),
        CheckConstraint(
            "rule != 'equal' OR (equal_amount_pence IS NOT NULL AND equal_amount_pence > 0)",
            name="equal_has_amount",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: What the pool is for, in the members' words, e.g. "Sharing Femi's hours".
    purpose: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[ContributionRule] = mapped_column(enum_column(ContributionRule, "pool_rule"))
    #: What each member pays in each time, under the equal rule.
    equal_amount_pence: Mapped[int | None]
    #: How many days after giving notice a member leaves and gets their money back.
    notice_days: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    created_by: Mapped[Member] = relationship()
    members: Mapped[list["PoolMember"]] = relationship(
        back_populates="pool", order_by="PoolMember.id"
    )

    @property
    def current(self) -> list["PoolMember"]:
        """The members who have joined and not left (those giving notice still count)."""
        return [m for m in self.members if m.joined_at is not None and m.left_at is None]


class PoolMember(db.Model):
    """A budget holder in a pool: invited, joined, leaving or left, and their money in it.

    ``paid_in - spent - returned`` is what of theirs is still in the pool (their unspent
    contribution); across the current members it adds up to the pool's balance.
    """

    __tablename__ = "support_pool_members"
    __table_args__ = (
        UniqueConstraint("pool_id", "member_id", name="uq_support_pool_members_once"),
        CheckConstraint(
            "fixed_amount_pence IS NULL OR fixed_amount_pence > 0", name="fixed_positive"
        ),
        CheckConstraint(
            "paid_in_pence >= 0 AND spent_pence >= 0 AND returned_pence >= 0",
            name="amounts_not_negative",
        ),
        CheckConstraint(
            "paid_in_pence - spent_pence - returned_pence >= 0", name="unspent_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("support_pools.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    #: What this member pays in each time, under the fixed-amounts rule.
    fixed_amount_pence: Mapped[int | None]
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_in_pence: Mapped[int] = mapped_column(default=0)
    #: Their part of what the pool has spent, shared by what each had in it at the time.
    spent_pence: Mapped[int] = mapped_column(default=0)
    returned_pence: Mapped[int] = mapped_column(default=0)
    notice_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The day they leave and get their unspent contribution back.
    leaves_on: Mapped[date | None]
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pool: Mapped[Pool] = relationship(back_populates="members")
    member: Mapped[Member] = relationship()

    @property
    def unspent_pence(self) -> int:
        return self.paid_in_pence - self.spent_pence - self.returned_pence

    @property
    def is_current(self) -> bool:
        return self.joined_at is not None and self.left_at is None

    @property
    def is_invited(self) -> bool:
        return self.joined_at is None and self.declined_at is None


class PoolSpend(db.Model):
    """A proposal to spend from the pool; it is agreed when more than half the members agree."""

    __tablename__ = "support_pool_spends"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="positive_amount"),
        CheckConstraint("status != 'paid' OR transaction_id IS NOT NULL", name="paid_posted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("support_pools.id"), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    #: Who is paid, e.g. "Femi Adeyemi (PA)" or "Peak District day trip".
    payee: Mapped[str] = mapped_column(String(120))
    amount_pence: Mapped[int]
    what_for: Mapped[str] = mapped_column(String(300))
    status: Mapped[SpendStatus] = mapped_column(
        enum_column(SpendStatus, "pool_spend_status"), default=SpendStatus.OPEN
    )
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments_transactions.id"), unique=True
    )

    pool: Mapped[Pool] = relationship()
    proposed_by: Mapped[Member] = relationship()
    votes: Mapped[list["PoolVote"]] = relationship(back_populates="spend", order_by="PoolVote.id")


class PoolVote(db.Model):
    """One member's yes or no to spending; once each (UNIQUE)."""

    __tablename__ = "support_pool_votes"
    __table_args__ = (UniqueConstraint("spend_id", "member_id", name="uq_support_pool_votes_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spend_id: Mapped[int] = mapped_column(ForeignKey("support_pool_spends.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    agrees: Mapped[bool]
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    spend: Mapped[PoolSpend] = relationship(back_populates="votes")
    member: Mapped[Member] = relationship()
