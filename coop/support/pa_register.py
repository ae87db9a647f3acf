"""The PA register: PAs publish what they offer; the secretary or a coordinator records the
checks a council audit asks for; budget holders and their helpers search it.

A PA whose DBS certificate is more than three years old, whose right to work is unseen or has
ended, or whose references are missing is hidden from every search and told of no cover: the
queries treat a lapsed check as lapsed on the day, with nothing to switch off.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from coop import clock
from coop.extensions import db
from coop.members import roles
from coop.members.models import Member, MemberClass, MembershipStatus, Office, Officer
from coop.support.models import Availability, PaProfile, Skill, skills_text

#: A DBS certificate is taken as in date for this many years from the date on it.
DBS_YEARS = 3
#: The shape of a postcode district (the outward code), e.g. DE1, DE22, NG10, W1A.
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
#: The most a PA may ask per hour (£100), to catch typing slips.
MAX_RATE_PENCE = 10_000
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class SupportError(Exception):
    """Something the support network refuses; the message says why in plain English."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- Who may do what ---------------------------------------------------------------------


def is_pa(actor: Member | None) -> bool:
    """An approved PA member, who may publish a profile in the register."""
    return roles.is_of_class(actor, MemberClass.PA)


def can_coordinate(actor: Member | None) -> bool:
    """The secretary and the co-op's coordinators (the Shared Lives coordinators, who already
    check carers' DBS and references for the scheme) record PAs' checks and are told of cover
    still open close to its start."""
    return roles.is_secretary(actor) or roles.is_shared_lives_coordinator(actor)


def coordinators() -> list[Member]:
    """Everyone `can_coordinate` says yes to, to tell about cover still open."""
    query = (
        select(Member)
        .join(Officer, Officer.member_id == Member.id)
        .where(
            Officer.office.in_([Office.SECRETARY, Office.SHARED_LIVES_COORDINATOR]),
            Officer.ended_on.is_(None),
            Member.status == MembershipStatus.APPROVED,
        )
        .order_by(Member.name, Member.id)
    )
    return list(db.session.scalars(query).unique())


# --- Pure rules --------------------------------------------------------------------------


def years_after(day: date, years: int) -> date:
    """The same date some years later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def lapsed_checks(profile: PaProfile, day: date) -> list[str]:
    """What is missing or out of date on `day`, in plain English; empty when all is in date."""
    problems = []
    if profile.dbs_issued_on is None:
        problems.append("No DBS certificate recorded")
    elif day >= (ends := years_after(profile.dbs_issued_on, DBS_YEARS)):
        problems.append(f"DBS certificate lapsed on {clock.format_date(ends)}")
    if profile.right_to_work_seen_on is None:
        problems.append("Right to work not seen")
    elif profile.right_to_work_until is not None and day > profile.right_to_work_until:
        problems.append(f"Right to work ended on {clock.format_date(profile.right_to_work_until)}")
    if profile.references_on is None:
        problems.append("References not received")
    return problems


def checks_in_date(profile: PaProfile, day: date) -> bool:
    return not lapsed_checks(profile, day)


def district_of(text: str | None) -> str | None:
    """A postcode district typed or taken from a postcode ("de22 3sq" -> "DE22"), or None."""
    compact = re.sub(r"\s+", " ", (text or "").strip().upper())
    outward = compact.split(" ")[0] if compact else ""
    if " " not in compact and len(outward) > 4:
        outward = outward[:-3]  # a whole postcode typed without its space
    return outward if DISTRICT.match(outward) else None


def available(windows: list[tuple[int, time, time]], weekday: int, starts: time, ends: time):
    """Whether one of the weekly windows (weekday, from, to) holds [starts, ends] that day."""
    return any(w == weekday and a <= starts and ends <= b for w, a, b in windows)


def windows_of(profile: PaProfile) -> list[tuple[int, time, time]]:
    return [(a.weekday, a.starts, a.ends) for a in profile.availability]


# --- The PA's profile --------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileDetails:
    skills: frozenset[Skill]
    languages: str
    districts: str
    hourly_rate_pence: int
    introduction: str
    gender: str = ""
    published: bool = True
    #: (weekday, from, to): the days not listed are days off.
    windows: tuple[tuple[int, time, time], ...] = ()


def profile_of(member: Member | None) -> PaProfile | None:
    if member is None or getattr(member, "id", None) is None:
        return None
    return db.session.scalar(select(PaProfile).where(PaProfile.member_id == member.id))


def save_profile(member: Member, details: ProfileDetails, now: datetime | None = None):
    """A PA publishes or updates their profile; the checks stay as recorded."""
    now = now or clock.now()
    if not is_pa(member):
        raise SupportError("Only PA members of the co-op can be in the PA register.")
    districts = []
    for word in re.split(r"[,\s]+", details.districts or ""):
        if not word:
            continue
        district = district_of(word)
        if district is None or district != word.strip().upper():
            raise SupportError(
                f"{word} is not a postcode district: enter districts like DE1, DE22", "districts"
            )
        if district not in districts:
            districts.append(district)
    if not districts:
        raise SupportError("Enter at least one postcode district you cover, like DE22", "districts")
    if not details.skills:
        raise SupportError("Select at least one skill", "skills")
    if not 0 < details.hourly_rate_pence <= MAX_RATE_PENCE:
        raise SupportError("Enter an hourly rate between £0.01 and £100", "hourly_rate")
    if details.gender not in ("", "woman", "man", "other"):
        raise SupportError("Choose how you describe yourself, or prefer not to say", "gender")
    for weekday, starts, ends in details.windows:
        if ends <= starts:
            raise SupportError(
                f"On {DAYS[weekday]}, the end time must be after the start time",
                f"day_{weekday}_to",
            )
    profile = profile_of(member)
    if profile is None:
        profile = PaProfile(member_id=member.id, hourly_rate_pence=details.hourly_rate_pence)
        db.session.add(profile)
    profile.skills = skills_text(details.skills)
    profile.languages = details.languages.strip()
    profile.districts = ",".join(districts)
    profile.hourly_rate_pence = details.hourly_rate_pence
    profile.introduction = details.introduction.strip()
    profile.gender = details.gender
    profile.published = details.published
    profile.updated_at = now
    profile.availability = [
        Availability(weekday=w, starts=a, ends=b) for w, a, b in sorted(details.windows)
    ]
    db.session.flush()
    return profile


# --- Checks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checks:
    dbs_issued_on: date | None
    right_to_work_seen_on: date | None
    right_to_work_until: date | None
    references_on: date | None


def record_checks(profile: PaProfile, checks: Checks, by: Member, now: datetime | None = None):
    """The secretary or a coordinator records the PA's checks as seen."""
    now = now or clock.now()
    if not can_coordinate(by):
        raise SupportError("Only the secretary or a coordinator can record a PA's checks.")
    today = clock.london_today(now)
    for name, day in (
        ("dbs_issued_on", checks.dbs_issued_on),
        ("right_to_work_seen_on", checks.right_to_work_seen_on),
        ("references_on", checks.references_on),
    ):
        if day is not None and day > today:
            raise SupportError("The date must be today or in the past", name)
    if checks.right_to_work_until is not None and checks.right_to_work_seen_on is None:
        raise SupportError(
            "Enter when the right to work was seen as well as when it ends", "right_to_work_seen_on"
        )
    profile.dbs_issued_on = checks.dbs_issued_on
    profile.right_to_work_seen_on = checks.right_to_work_seen_on
    profile.right_to_work_until = checks.right_to_work_until
    profile.references_on = checks.references_on
    profile.checks_recorded_by_id = by.id
    profile.checks_recorded_at = now
    db.session.flush()
    return profile


def all_profiles() -> list[PaProfile]:
    """Every PA's profile, for the coordinator's list of checks."""
    return list(
        db.session.scalars(
            select(PaProfile).join(Member, PaProfile.member_id == Member.id).order_by(Member.name)
        )
    )


# --- Searching ---------------------------------------------------------------------------


def bookable_profiles(day: date) -> list[PaProfile]:
    """Published profiles of current PA members whose checks are in date on `day`."""
    query = (
        select(PaProfile)
        .join(Member, PaProfile.member_id == Member.id)
        .where(
            PaProfile.published.is_(True),
            Member.status == MembershipStatus.APPROVED,
            Member.member_class == MemberClass.PA,
        )
        .order_by(Member.name, Member.id)
    )
    return [p for p in db.session.scalars(query) if checks_in_date(p, day)]


@dataclass(frozen=True)
class Search:
    skill: Skill | None = None
    district: str | None = None
    weekday: int | None = None
    starts: time | None = None
    ends: time | None = None


def search(wanted: Search, today: date) -> list[PaProfile]:
    """The register, filtered: PAs with the skill, covering the district, available on the
    day (and from `starts` to `ends` when given). Lapsed checks are never shown."""
    found = []
    for profile in bookable_profiles(today):
        if wanted.skill is not None and wanted.skill not in profile.skill_set:
            continue
        if wanted.district and wanted.district not in profile.district_set:
            continue
        if wanted.weekday is not None:
            starts = wanted.starts or time(0, 0)
            ends = wanted.ends or starts
            windows = windows_of(profile)
            if wanted.starts is None:
                if not any(w == wanted.weekday for w, _a, _b in windows):
                    continue
            elif not available(windows, wanted.weekday, starts, ends):
                continue
        found.append(profile)
    return found
