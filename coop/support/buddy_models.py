"""Peer support buddies: members who offer or ask for support on a topic, and the pairs made."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.members.models import Member


class Topic(enum.Enum):
    NEW_TO_DIRECT_PAYMENTS = "new_to_direct_payments"
    EMPLOYING_PAS = "employing_pas"
    YOUNG_ADULT = "young_adult"
    SHARED_LIVES = "shared_lives"
    MENTAL_HEALTH = "mental_health"

    @property
    def label(self) -> str:
        return {
            "new_to_direct_payments": "New to direct payments",
            "employing_pas": "Employing PAs",
            "young_adult": "Caring for a young adult",
            "shared_lives": "Shared Lives",
            "mental_health": "Mental health",
        }[self.value]


class Way(enum.Enum):
    PHONE = "phone"
    MEETING = "meeting"
    ONLINE = "online"

    @property
    def label(self) -> str:
        return {"phone": "By phone", "meeting": "Meeting in person", "online": "Online"}[self.value]


class PairStatus(enum.Enum):
    ASKED = "asked"
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return {
            "asked": "Waiting for an answer",
            "active": "Buddies",
            "declined": "Said no",
            "ended": "Ended",
        }[self.value]


def _codes(values) -> str:
    return ",".join(sorted(value.value for value in values))


class BuddyProfile(db.Model):
    """A member's choice to offer or ask for peer support, on which topics and how."""

    __tablename__ = "support_buddy_profiles"
    __table_args__ = (CheckConstraint("offers OR asks", name="offers_or_asks"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), unique=True)
    offers: Mapped[bool] = mapped_column(default=False)
    asks: Mapped[bool] = mapped_column(default=False)
    #: Topic values, comma separated, e.g. "employing_pas,shared_lives".
    topic_codes: Mapped[str] = mapped_column(String(200))
    #: Way values, comma separated, e.g. "online,phone".
    way_codes: Mapped[str] = mapped_column(String(60))
    #: A few words others see before pairing, e.g. "Mum of a 19-year-old, 6 years of PAs".
    about: Mapped[str] = mapped_column(Text, default="")
    #: Shared with a buddy only once both have said yes.
    phone: Mapped[str] = mapped_column(String(30), default="")
    #: Off while the member takes a break: nobody is suggested them.
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()

    @property
    def topics(self) -> frozenset[Topic]:
        return frozenset(Topic(code) for code in self.topic_codes.split(",") if code)

    @topics.setter
    def topics(self, values) -> None:
        self.topic_codes = _codes(values)

    @property
    def ways(self) -> frozenset[Way]:
        return frozenset(Way(code) for code in self.way_codes.split(",") if code)

    @ways.setter
    def ways(self, values) -> None:
        self.way_codes = _codes(values)


class BuddyPair(db.Model):
    """A pairing between someone asking for support and someone offering it.

    One row for each two people (UNIQUE); it moves between asked, active (both said yes),
    declined and ended, and can be asked again.
    """

    __tablename__ = "support_buddy_pairs"
    __table_args__ = (
        UniqueConstraint("asker_id", "offerer_id", name="uq_support_buddy_pairs_once"),
        CheckConstraint("asker_id != offerer_id", name="two_people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The member asking for support.
    asker_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    #: The member offering it.
    offerer_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    status: Mapped[PairStatus] = mapped_column(enum_column(PairStatus, "buddy_pair_status"))
    #: Whoever asked most recently; the other one answers.
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Why the site suggested them, as shown when asking.
    reasons: Mapped[str] = mapped_column(String(300), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who said no, the last time one of them did; they may ask later.
    declined_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))

    asker: Mapped[Member] = relationship(foreign_keys=[asker_id])
    offerer: Mapped[Member] = relationship(foreign_keys=[offerer_id])

    def other(self, member: Member) -> Member:
        return self.offerer if member.id == self.asker_id else self.asker

    def has(self, member: Member) -> bool:
        return member.id in (self.asker_id, self.offerer_id)
