"""Members without email: applications taken on paper or by phone, and the letters sent to them."""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.database import UTCDateTime, enum_column
from coop.extensions import db
from coop.members.models import Member


class ReceivedBy(enum.Enum):
    """How an application that did not come through the website reached the secretary."""

    POST = "post"
    PHONE = "phone"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return {"post": "On paper", "phone": "By phone", "in_person": "In person"}[self.value]


class PaperApplication(db.Model):
    """How the secretary recorded an application made off the website, and who checked the
    applicant is who they say they are (instead of an emailed confirmation)."""

    __tablename__ = "members_paper_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), unique=True)
    received_by: Mapped[ReceivedBy] = mapped_column(enum_column(ReceivedBy, "received_by"))
    received_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"))
    identity_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identity_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))
    #: What the secretary saw, in their words, e.g. "Met at the drop-in; knew her from 2019".
    identity_note: Mapped[str] = mapped_column(Text, default="")
    #: An email address the secretary added for the member, until the member confirms it;
    #: only then does it become their address (and a way to sign in).
    pending_email: Mapped[str | None] = mapped_column(String(254))
    pending_email_added_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    recorded_by: Mapped[Member] = relationship(foreign_keys=[recorded_by_id])
    identity_confirmed_by: Mapped[Member | None] = relationship(
        foreign_keys=[identity_confirmed_by_id]
    )


class Letter(db.Model):
    """Something the site would have emailed a member with no email address, for the secretary
    to print and post."""

    __tablename__ = "members_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members_members.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Empty until the secretary marks it as posted.
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("members_members.id"))

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    posted_by: Mapped[Member | None] = relationship(foreign_keys=[posted_by_id])
