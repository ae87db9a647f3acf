"""Tables for the co-op's rules, motions, proxies and secret ballots."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.members.models import Member
from coop.voting.weighted_count import Choice, Resolution


class VotingRules(db.Model):
    """One version of the co-op's voting rules; a change adds a row, so history is kept."""

    __tablename__ = "voting_rules"
    __table_args__ = (
        CheckConstraint(
            "share_budget_holder + share_carer + share_pa + share_provider = 100",
            name="shares_total_100",
        ),
        CheckConstraint(
            "share_budget_holder >= 0 AND share_carer >= 0 AND share_pa >= 0"
            " AND share_provider >= 0",
            name="shares_not_negative",
        ),
        CheckConstraint("quorum_percent BETWEEN 0 AND 100", name="quorum_is_a_percentage"),
        CheckConstraint("max_proxies >= 0", name="max_proxies_not_negative"),
        CheckConstraint(
            "commission_basis_points BETWEEN 0 AND 9999", name="commission_below_100_percent"
        ),
        CheckConstraint("min_class_voters BETWEEN 1 AND 1000", name="min_class_voters_at_least_1"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Each member class's share of the voting power, in whole percent.
    share_budget_holder: Mapped[int]
    share_carer: Mapped[int]
    share_pa: Mapped[int]
    share_provider: Mapped[int]
    #: Percentage of eligible members who must take part for a vote to count.
    quorum_percent: Mapped[int]
    #: The most members one member may hold proxies for at once.
    max_proxies: Mapped[int]
    seconder_required: Mapped[bool] = mapped_column(default=True)
    #: The co-op's commission on each paid marketplace booking, in basis points (800 is 8%).
    commission_basis_points: Mapped[int] = mapped_column(default=800, server_default="800")
    #: Ballot secrecy: a class's votes are published apart only when at least this many of
    #: its members voted; smaller classes are published merged (see service.merged_classes).
    min_class_voters: Mapped[int] = mapped_column(default=5, server_default="5")
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Empty for the defaults the co-op started with.
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))

    made_by: Mapped[Member | None] = relationship()

    @property
    def class_shares(self) -> dict[str, int]:
        return {
            "budget_holder": self.share_budget_holder,
            "carer": self.share_carer,
            "pa": self.share_pa,
            "provider": self.share_provider,
        }


class Motion(db.Model):
    """A question put to the members, open for votes between two moments."""

    __tablename__ = "voting_motions"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("quorum_percent BETWEEN 0 AND 100", name="quorum_is_a_percentage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    summary: Mapped[str] = mapped_column(Text)
    full_text: Mapped[str] = mapped_column(Text)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    seconder_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    resolution: Mapped[Resolution] = mapped_column(enum_column(Resolution, "resolution", length=16))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    quorum_percent: Mapped[int]
    #: Optional quorum for particular classes, e.g. {"budget_holder": 20}.
    class_quorums: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    #: When each email went out, so a notice is never sent twice.
    opening_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposer: Mapped[Member] = relationship(foreign_keys=[proposer_id])
    seconder: Mapped[Member | None] = relationship(foreign_keys=[seconder_id])


class Participation(db.Model):
    """That a member has voted on a motion, and who cast it: never how they voted."""

    __tablename__ = "voting_participation"
    __table_args__ = (
        UniqueConstraint("motion_id", "member_id", name="uq_voting_participation_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("voting_motions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    #: The proxy who cast the vote, or empty when the member voted themselves.
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    motion: Mapped["Motion"] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    proxy: Mapped[Member | None] = relationship(foreign_keys=[proxy_id])


class CastVote(db.Model):
    """How one vote went, kept apart from who cast it.

    No member id, no time, and a random key: nothing here can be joined to Participation.
    The receipt code lets the voter find their own vote in the published list.
    """

    __tablename__ = "voting_cast_votes"
    #: On SQLite, rows are kept in key (random receipt code) order, not the order votes
    #: arrived, so that order cannot be matched against who voted when.
    __table_args__ = {"sqlite_with_rowid": False}

    receipt_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("voting_motions.id"), index=True)
    member_class: Mapped[str] = mapped_column(String(32))
    choice: Mapped[Choice] = mapped_column(enum_column(Choice, "choice", length=16))


class Proxy(db.Model):
    """A member's appointment of another member to vote for them."""

    __tablename__ = "voting_proxies"
    __table_args__ = (
        CheckConstraint("member_id != proxy_id", name="not_own_proxy"),
        CheckConstraint(
            "(motion_id IS NOT NULL AND starts_on IS NULL AND ends_on IS NULL)"
            " OR (motion_id IS NULL AND starts_on IS NOT NULL AND ends_on IS NOT NULL"
            " AND ends_on >= starts_on)",
            name="one_motion_or_a_date_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    proxy_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    #: Either one motion...
    motion_id: Mapped[int | None] = mapped_column(ForeignKey("voting_motions.id"))
    #: ...or every motion that opens within these dates (London dates, inclusive).
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    proxy: Mapped[Member] = relationship(foreign_keys=[proxy_id])
    motion: Mapped[Motion | None] = relationship()


# --- Reinvesting the surplus -------------------------------------------------------------


class ProposalStatus(enum.Enum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {
            "submitted": "Waiting for the secretary",
            "accepted": "On the ballot",
            "declined": "Not on the ballot",
        }[self.value]


class SurplusBallot(db.Model):
    """A year's participatory budget: members approve proposals and equal shares decides."""

    __tablename__ = "voting_surplus_ballots"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="positive_amount"),
        CheckConstraint("proposals_close_at <= opens_at", name="proposals_close_before_voting"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint(
            "surplus_pence IS NULL OR amount_pence >= surplus_pence"
            " OR share_less_reason IS NOT NULL",
            name="sharing_less_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "2026 to 2027".
    financial_year: Mapped[str] = mapped_column(String(40))
    #: The figures from the co-op's accounts for that closed year, when it was opened:
    #: commission income, the co-op's costs, and the surplus (income less costs).
    accounts_income_pence: Mapped[int | None]
    accounts_costs_pence: Mapped[int | None]
    surplus_pence: Mapped[int | None]
    #: Why the secretary put less than the surplus to the vote (required when they did).
    share_less_reason: Mapped[str | None] = mapped_column(Text)
    #: When the funded proposals were set aside in the ledger (once, after voting closed).
    earmarked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The surplus to share out, in pence.
    amount_pence: Mapped[int]
    proposals_close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))

    proposals: Mapped[list["SurplusProposal"]] = relationship(
        back_populates="ballot", order_by="SurplusProposal.id"
    )


class SurplusProposal(db.Model):
    """A member's idea for spending part of the surplus."""

    __tablename__ = "voting_surplus_proposals"
    __table_args__ = (
        CheckConstraint("cost_pence > 0", name="positive_cost"),
        CheckConstraint(
            "status != 'declined' OR decline_reason IS NOT NULL", name="declined_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("voting_surplus_ballots.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    cost_pence: Mapped[int]
    #: Who it helps, in the proposer's words, e.g. "Family carers".
    helps: Mapped[str] = mapped_column(String(200))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus, "proposal_status", length=16), default=ProposalStatus.SUBMITTED
    )
    decline_reason: Mapped[str | None] = mapped_column(Text)

    ballot: Mapped[SurplusBallot] = relationship(back_populates="proposals")
    submitted_by: Mapped[Member] = relationship()


class SurplusParticipation(db.Model):
    """That a member has voted on a surplus ballot: never what they approved."""

    __tablename__ = "voting_surplus_participation"
    __table_args__ = (
        UniqueConstraint("ballot_id", "member_id", name="uq_voting_surplus_participation_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("voting_surplus_ballots.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SurplusVote(db.Model):
    """One anonymous approval ballot: its receipt code, the voter's class, what it approved."""

    __tablename__ = "voting_surplus_votes"
    #: On SQLite, rows are kept in key (random receipt code) order, not the order votes
    #: arrived, so that order cannot be matched against who voted when.
    __table_args__ = {"sqlite_with_rowid": False}

    receipt_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("voting_surplus_ballots.id"), index=True)
    member_class: Mapped[str] = mapped_column(String(32))

    approvals: Mapped[list["SurplusApproval"]] = relationship(
        back_populates="vote", order_by="SurplusApproval.proposal_id"
    )


class SurplusApproval(db.Model):
    """One proposal approved on one anonymous ballot."""

    __tablename__ = "voting_surplus_approvals"
    #: On SQLite, rows are kept in key (random receipt code) order, not the order votes
    #: arrived, so that order cannot be matched against who voted when.
    __table_args__ = {"sqlite_with_rowid": False}

    receipt_code: Mapped[str] = mapped_column(
        ForeignKey("voting_surplus_votes.receipt_code"), primary_key=True
    )
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("voting_surplus_proposals.id"), primary_key=True
    )

    vote: Mapped[SurplusVote] = relationship(back_populates="approvals")
