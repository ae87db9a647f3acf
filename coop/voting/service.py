"""Governance rules: the co-op's voting rules, motions, proxies and secret, checkable votes."""

import csv
import io
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.extensions import db
from coop.members import roles
from coop.members.models import Member, MembershipStatus
from coop.payments import postings
from coop.voting import weighted_count
from coop.voting.models import (
    CastVote,
    Choice,
    Motion,
    Participation,
    Proxy,
    Resolution,
    VotingRules,
)

#: How long before a motion closes members who have not voted are reminded.
REMINDER_BEFORE_CLOSE = timedelta(hours=24)

#: The rules the co-op starts with, until the secretary changes them.
DEFAULT_RULES = dict(
    share_budget_holder=50,
    share_carer=25,
    share_pa=25,
    share_provider=0,
    quorum_percent=10,
    max_proxies=3,
    seconder_required=True,
    commission_basis_points=800,
    min_class_voters=5,
)

#: The most the secretary may set the fewest voters a class needs to be published apart.
MOST_MIN_CLASS_VOTERS = 1000


class VotingError(Exception):
    """A voting rule was broken; the message says so in plain English.

    `field` names the form field the person should correct, where there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AlreadyVoted(VotingError):
    """This member's vote on this motion has already been cast."""


ALREADY_CAST = "This vote has already been cast"


# --- The co-op's rules -------------------------------------------------------------------


def rules_in_force(at: datetime | None = None) -> VotingRules:
    """The rules as they stood at a moment (now by default); the defaults if never changed."""
    at = at or clock.now()
    rules = db.session.scalar(
        select(VotingRules)
        .where(VotingRules.made_at <= at)
        .order_by(VotingRules.made_at.desc(), VotingRules.id.desc())
        .limit(1)
    )
    return rules or VotingRules(**DEFAULT_RULES)


def commission_rate(at: datetime | None = None) -> Fraction:
    """The co-op's commission on a paid booking under the rules in force at a moment."""
    return postings.basis_points(rules_in_force(at).commission_basis_points)


def rules_history() -> list[VotingRules]:
    return list(
        db.session.scalars(
            select(VotingRules).order_by(VotingRules.made_at.desc(), VotingRules.id.desc())
        )
    )


def change_rules(
    by: Member,
    *,
    shares: dict[str, int],
    quorum_percent: int,
    max_proxies: int,
    seconder_required: bool,
    commission_basis_points: int | None = None,
    min_class_voters: int | None = None,
    now: datetime | None = None,
) -> VotingRules:
    """The secretary changes the rules; the change is kept with its date and who made it."""
    if not can_manage_voting(by):
        raise VotingError("Only the secretary can change the co-op's rules")
    problems = weighted_count.validate_class_shares(shares)
    if problems:
        raise VotingError(" ".join(problems), field="share_budget_holder")
    if not 0 <= quorum_percent <= 100:
        raise VotingError("The quorum must be between 0% and 100%", field="quorum_percent")
    if max_proxies < 0:
        raise VotingError(
            "The most proxies a member may hold cannot be negative", field="max_proxies"
        )
    if commission_basis_points is None:
        commission_basis_points = rules_in_force(now).commission_basis_points
    if not 0 <= commission_basis_points < 10_000:
        raise VotingError(
            "The commission must be at least 0% and less than 100%", field="commission_percent"
        )
    if min_class_voters is None:
        min_class_voters = rules_in_force(now).min_class_voters
    if not 1 <= min_class_voters <= MOST_MIN_CLASS_VOTERS:
        raise VotingError(
            f"The fewest voters must be between 1 and {MOST_MIN_CLASS_VOTERS:,}",
            field="min_class_voters",
        )
    rules = VotingRules(
        min_class_voters=min_class_voters,
        commission_basis_points=commission_basis_points,
        share_budget_holder=shares["budget_holder"],
        share_carer=shares["carer"],
        share_pa=shares["pa"],
        share_provider=shares["provider"],
        quorum_percent=quorum_percent,
        max_proxies=max_proxies,
        seconder_required=seconder_required,
        made_at=now or clock.now(),
        made_by=by,
    )
    db.session.add(rules)
    db.session.flush()
    return rules


# --- Who may do what ---------------------------------------------------------------------


def can_manage_voting(actor: Member | None) -> bool:
    """The serving secretary sets the rules and puts motions to the members."""
    return roles.is_secretary(actor)


def is_eligible(member: Member, motion: Motion) -> bool:
    """Members approved before the motion opened, and still members, may vote on it."""
    return (
        member.status is MembershipStatus.APPROVED
        and member.approved_at is not None
        and member.approved_at < motion.opens_at
    )


def state(motion: Motion, now: datetime | None = None) -> str:
    """'upcoming', 'open' or 'closed'."""
    now = now or clock.now()
    if now < motion.opens_at:
        return "upcoming"
    if now < motion.closes_at:
        return "open"
    return "closed"


# --- Motions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MotionDraft:
    title: str
    summary: str
    full_text: str
    proposer: Member
    seconder: Member | None
    resolution: Resolution
    opens_at: datetime
    closes_at: datetime
    quorum_percent: int
    class_quorums: dict[str, int]


def put_motion(by: Member, draft: MotionDraft, now: datetime | None = None) -> Motion:
    """The secretary puts a motion to the members."""
    now = now or clock.now()
    if not can_manage_voting(by):
        raise VotingError("Only the secretary can put a motion to the members")
    if draft.closes_at <= draft.opens_at:
        raise VotingError("The closing time must be after the opening time", field="closes_on")
    if draft.closes_at <= now:
        raise VotingError("The closing time must be in the future", field="closes_on")
    for role, person in (("proposer", draft.proposer), ("seconder", draft.seconder)):
        if person is not None and person.status is not MembershipStatus.APPROVED:
            raise VotingError(f"The {role} must be a current member", field=role)
    if draft.seconder is None and rules_in_force(now).seconder_required:
        raise VotingError("The co-op's rules need a seconder for every motion", field="seconder")
    if draft.seconder is not None and draft.seconder.id == draft.proposer.id:
        raise VotingError("The seconder must be someone other than the proposer", field="seconder")
    if not 0 <= draft.quorum_percent <= 100:
        raise VotingError("The quorum must be between 0% and 100%", field="quorum_percent")
    motion = Motion(
        title=draft.title,
        summary=draft.summary,
        full_text=draft.full_text,
        proposer=draft.proposer,
        seconder=draft.seconder,
        resolution=draft.resolution,
        opens_at=draft.opens_at,
        closes_at=draft.closes_at,
        quorum_percent=draft.quorum_percent,
        class_quorums={k: v for k, v in draft.class_quorums.items() if v},
        created_at=now,
        created_by_id=by.id,
    )
    db.session.add(motion)
    db.session.flush()
    return motion


def motions_by_state(now: datetime | None = None) -> dict[str, list[Motion]]:
    now = now or clock.now()
    motions = db.session.scalars(select(Motion).order_by(Motion.closes_at.desc())).all()
    grouped: dict[str, list[Motion]] = {"open": [], "upcoming": [], "closed": []}
    for motion in motions:
        grouped[state(motion, now)].append(motion)
    grouped["open"].sort(key=lambda m: m.closes_at)
    grouped["upcoming"].sort(key=lambda m: m.opens_at)
    return grouped


# --- Proxies -----------------------------------------------------------------------------


def _covers(appointment: Proxy, motion: Motion) -> bool:
    if appointment.motion_id is not None:
        return appointment.motion_id == motion.id
    opened = clock.london_date(motion.opens_at)
    return appointment.starts_on <= opened <= appointment.ends_on


def appoint_proxy(
    member: Member,
    proxy: Member,
    *,
    motion: Motion | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    now: datetime | None = None,
) -> Proxy:
    """A member appoints another member to vote for them on one motion or for a while.

    The proxy's member row is locked first, so two members appointing the same proxy at once
    cannot take them past the most proxies the rules allow.
    """
    now = now or clock.now()
    if member.status is not MembershipStatus.APPROVED:
        raise VotingError("Only members can appoint a proxy")
    if proxy.id == member.id:
        raise VotingError("You cannot be your own proxy")
    if proxy.status is not MembershipStatus.APPROVED:
        raise VotingError("Your proxy must be a current member of the co-op")
    if (motion is None) == (starts_on is None or ends_on is None):
        raise VotingError("Choose one motion, or a first and last date", field="scope")
    if motion is not None and state(motion, now) == "closed":
        raise VotingError("That motion has closed", field="motion")
    if starts_on is not None and ends_on is not None:
        if ends_on < starts_on:
            raise VotingError(
                "The last date must be the same as or after the first date", field="ends_on"
            )
        if ends_on < clock.london_date(now):
            raise VotingError("The last date must be today or later", field="ends_on")
    db.session.scalar(select(Member.id).where(Member.id == proxy.id).with_for_update())
    held = [a for a in _held_by(proxy.id, now) if a.member_id != member.id]
    limit = rules_in_force(now).max_proxies
    if limit == 0:
        raise VotingError("The co-op's rules do not allow proxies at the moment", field="proxy")
    if len({a.member_id for a in held}) >= limit:
        members = "1 member" if limit == 1 else f"{limit} members"
        raise VotingError(
            f"{proxy.name} already holds proxies for {members}, the most the rules allow",
            field="proxy",
        )
    appointment = Proxy(
        member=member,
        proxy=proxy,
        motion=motion,
        starts_on=starts_on if motion is None else None,
        ends_on=ends_on if motion is None else None,
        created_at=now,
    )
    db.session.add(appointment)
    db.session.flush()
    return appointment


def _held_by(proxy_id: int, now: datetime) -> list[Proxy]:
    """Appointments a member holds that are not revoked and can still be used."""
    today = clock.london_date(now)
    appointments = db.session.scalars(
        select(Proxy).where(Proxy.proxy_id == proxy_id, Proxy.revoked_at.is_(None))
    ).all()
    return [
        a
        for a in appointments
        if (a.motion is not None and a.motion.closes_at > now)
        or (a.ends_on is not None and a.ends_on >= today)
    ]


def _appointments_covering(
    proxy_id: int, motion: Motion, member_id: int | None = None, *, lock: bool = False
) -> list[Proxy]:
    """Unrevoked appointments of this proxy that cover this motion (optionally for one member).

    A date-range appointment covers every motion that opens within its dates, for as long as
    that motion is open, even once the last date has passed. With `lock`, the appointments'
    rows are locked and read afresh, so a revocation and a proxy's vote cannot both succeed.
    """
    query = select(Proxy).where(Proxy.proxy_id == proxy_id, Proxy.revoked_at.is_(None))
    if member_id is not None:
        query = query.where(Proxy.member_id == member_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return [a for a in db.session.scalars(query) if _covers(a, motion)]


def is_proxy_for(proxy: Member, member: Member, motion: Motion) -> bool:
    """Whether `member` has appointed `proxy`, unrevoked, for this motion."""
    return bool(_appointments_covering(proxy.id, motion, member.id))


def appointments_made(member: Member) -> list[Proxy]:
    return list(
        db.session.scalars(
            select(Proxy).where(Proxy.member_id == member.id).order_by(Proxy.created_at.desc())
        )
    )


def appointments_held(member: Member, now: datetime | None = None) -> list[Proxy]:
    return _held_by(member.id, now or clock.now())


def revoke_proxy(appointment: Proxy, member: Member, now: datetime | None = None) -> Proxy:
    """A member takes back a proxy, unless it was for one motion and the proxy has voted.

    The appointment's row is locked and read afresh first: a proxy casting a vote locks it
    too, so either the vote is cast and the revocation refused, or the other way round.
    """
    now = now or clock.now()
    if appointment.member_id != member.id:
        raise VotingError("That proxy is not yours to revoke")
    db.session.scalar(
        select(Proxy)
        .where(Proxy.id == appointment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if appointment.revoked_at is not None:
        raise VotingError("That proxy has already been revoked")
    if appointment.motion is not None:
        cast = participation(appointment.motion, member)
        if cast is not None and cast.proxy_id == appointment.proxy_id:
            raise VotingError("Your proxy has already voted for you on that motion")
    appointment.revoked_at = now
    db.session.flush()
    return appointment


def principals_for(proxy: Member, motion: Motion) -> list[Member]:
    """The members this proxy may still vote for on this motion."""
    principals = {}
    for appointment in _appointments_covering(proxy.id, motion):
        principal = appointment.member
        if is_eligible(principal, motion) and not has_voted(motion, principal):
            principals[principal.id] = principal
    return sorted(principals.values(), key=lambda m: m.name)


def can_vote(actor: Member, for_member: Member, motion: Motion, now: datetime | None = None):
    """None if `actor` may cast `for_member`'s vote on this motion now, else the reason why not."""
    now = now or clock.now()
    if state(motion, now) == "upcoming":
        return "Voting on this motion has not opened yet"
    if state(motion, now) == "closed":
        return "Voting on this motion has closed"
    if not is_eligible(for_member, motion):
        if for_member.id != actor.id:
            return f"{for_member.name} cannot vote on this motion"
        if for_member.status is not MembershipStatus.APPROVED:
            return "Only current members of the co-op can vote"
        return "Only members who joined before this motion opened can vote on it"
    if has_voted(motion, for_member):
        return ALREADY_CAST
    if for_member.id != actor.id:
        if actor.status is not MembershipStatus.APPROVED:
            return "Only members can act as a proxy"
        if not is_proxy_for(actor, for_member, motion):
            return f"You are not {for_member.name}'s proxy for this motion"
    return None


# --- Voting ------------------------------------------------------------------------------


def has_voted(motion: Motion, member: Member) -> bool:
    return (
        db.session.scalar(
            select(Participation.id).where(
                Participation.motion_id == motion.id, Participation.member_id == member.id
            )
        )
        is not None
    )


def participation(motion: Motion, member: Member) -> Participation | None:
    return db.session.scalar(
        select(Participation).where(
            Participation.motion_id == motion.id, Participation.member_id == member.id
        )
    )


def new_receipt_code() -> str:
    """A random code a voter can find their vote by, e.g. 'K7QH-M2XD-9TPA'."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def cast_vote(
    motion: Motion, member: Member, choice: Choice, *, by: Member, now: datetime | None = None
) -> str:
    """Record that `member` has voted and, apart from that, how; return the receipt code.

    The UNIQUE constraint on (motion, member) is what stops a second vote, however many
    requests race: the loser's whole transaction is rolled back, so no stray vote remains.
    """
    now = now or clock.now()
    if by.id != member.id:
        # Lock the appointments this vote is cast under, so a revocation waits (see revoke).
        _appointments_covering(by.id, motion, member.id, lock=True)
    reason = can_vote(by, member, motion, now)
    if reason is not None:
        if reason == ALREADY_CAST:
            raise AlreadyVoted(reason)
        raise VotingError(reason)
    receipt = new_receipt_code()
    try:
        with db.session.begin_nested():
            db.session.add(
                Participation(
                    motion_id=motion.id,
                    member_id=member.id,
                    proxy_id=by.id if by.id != member.id else None,
                    voted_at=now,
                )
            )
            db.session.add(
                CastVote(
                    receipt_code=receipt,
                    motion_id=motion.id,
                    member_class=member.member_class.value,
                    choice=choice,
                )
            )
            db.session.flush()
    except IntegrityError as error:
        raise AlreadyVoted(ALREADY_CAST) from error
    return receipt


# --- Counting ----------------------------------------------------------------------------


def eligible_by_class(motion: Motion) -> dict[str, int]:
    """How many members of each class could vote: approved before opening, not left before."""
    opened_on = clock.london_date(motion.opens_at)
    rows = db.session.execute(
        select(Member.member_class, func.count(Member.id))
        .where(
            Member.approved_at.is_not(None),
            Member.approved_at < motion.opens_at,
            or_(Member.left_on.is_(None), Member.left_on >= opened_on),
        )
        .group_by(Member.member_class)
    ).all()
    return {cls.value: n for cls, n in rows}


def votes_by_class(motion: Motion) -> dict[str, dict[str, int]]:
    rows = db.session.execute(
        select(CastVote.member_class, CastVote.choice, func.count())
        .where(CastVote.motion_id == motion.id)
        .group_by(CastVote.member_class, CastVote.choice)
    ).all()
    tally: dict[str, dict[str, int]] = {}
    for member_class, choice, n in rows:
        tally.setdefault(member_class, {})[choice.value] = n
    return tally


def count(motion: Motion) -> weighted_count.MotionResult:
    """The weighted result, under the rules in force when the motion opened."""
    rules = rules_in_force(motion.opens_at)
    return weighted_count.count_motion(
        votes_by_class(motion),
        eligible_by_class(motion),
        class_shares={k: Fraction(v) for k, v in rules.class_shares.items()},
        resolution=motion.resolution.value,
        quorum_percent=Fraction(motion.quorum_percent),
        class_quorum_percent={k: Fraction(v) for k, v in (motion.class_quorums or {}).items()},
    )


def receipts(motion: Motion) -> list[CastVote]:
    """Every vote cast, by receipt code, for anyone to check and recount."""
    return list(
        db.session.scalars(
            select(CastVote).where(CastVote.motion_id == motion.id).order_by(CastVote.receipt_code)
        )
    )


def receipts_csv(motion: Motion) -> str:
    """Every vote by receipt code, with its class only where that class is published apart."""
    merged = merged_classes_of(motion)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Receipt code", "Member class", "Choice"])
    for vote in receipts(motion):
        shown = OTHER_CLASSES if vote.member_class in merged else vote.member_class
        writer.writerow([vote.receipt_code, shown, vote.choice.value])
    return out.getvalue()


# --- Ballot secrecy in small classes -----------------------------------------------------

#: How a published result or receipt names the classes shown only together.
OTHER_CLASSES = "other"


def merged_classes(voters_by_class: Mapping[str, int], minimum: int) -> frozenset[str]:
    """The classes whose votes are published only together, so no published group of votes
    (a class, or the merged "other classes") comes from fewer than `minimum` voters.

    Every class with some voters but fewer than `minimum` is merged. If the merged voters are
    still fewer than `minimum`, the next smallest classes join them until they are not (or
    every class that voted has joined). Classes nobody in which voted have nothing to hide.
    """
    voting = {c: n for c, n in voters_by_class.items() if n > 0}
    merged = {c for c, n in voting.items() if n < minimum}
    if merged:
        rest = sorted((n, c) for c, n in voting.items() if c not in merged)
        while rest and sum(voting[c] for c in merged) < minimum:
            merged.add(rest.pop(0)[1])
    return frozenset(merged)


def voters_by_class(motion: Motion) -> dict[str, int]:
    """How many of each class voted on a motion (abstentions included)."""
    return {c: sum(choices.values()) for c, choices in votes_by_class(motion).items()}


def merged_classes_of(motion: Motion) -> frozenset[str]:
    """The classes published only together for this motion, under the rules it opened under."""
    return merged_classes(voters_by_class(motion), rules_in_force(motion.opens_at).min_class_voters)


@dataclass(frozen=True)
class PublishedGroup:
    """One row of a published result: a class, or the classes merged for secrecy."""

    member_class: str
    classes: tuple[str, ...]
    share_percent: Fraction
    effective_share_percent: Fraction
    eligible: int
    voted: int
    votes_for: int
    votes_against: int
    abstentions: int
    weighted_for_percent: Fraction
    weighted_against_percent: Fraction

    @property
    def merged(self) -> bool:
        return self.member_class == OTHER_CLASSES


def published_groups(
    result: weighted_count.MotionResult, merged: frozenset[str]
) -> list[PublishedGroup]:
    """The result's rows as they may be published: each class with enough voters on its own,
    then one row for the merged classes (if any)."""

    def group(name: str, rows) -> PublishedGroup:
        return PublishedGroup(
            member_class=name,
            classes=tuple(c.member_class for c in rows),
            share_percent=sum((c.share_percent for c in rows), Fraction(0)),
            effective_share_percent=sum((c.effective_share_percent for c in rows), Fraction(0)),
            eligible=sum(c.eligible for c in rows),
            voted=sum(c.voted for c in rows),
            votes_for=sum(c.votes_for for c in rows),
            votes_against=sum(c.votes_against for c in rows),
            abstentions=sum(c.abstentions for c in rows),
            weighted_for_percent=sum((c.weighted_for_percent for c in rows), Fraction(0)),
            weighted_against_percent=sum((c.weighted_against_percent for c in rows), Fraction(0)),
        )

    groups = [group(c.member_class, [c]) for c in result.classes if c.member_class not in merged]
    hidden = [c for c in result.classes if c.member_class in merged]
    if hidden:
        groups.append(group(OTHER_CLASSES, hidden))
    return groups


# --- Telling members ---------------------------------------------------------------------


def eligible_members(motion: Motion) -> list[Member]:
    return list(
        db.session.scalars(
            select(Member).where(
                Member.status == MembershipStatus.APPROVED,
                Member.approved_at < motion.opens_at,
            )
        )
    )


@dataclass
class Notices:
    """Who should be told what, now: lists of (motion, members) to email."""

    opening: list[tuple[Motion, list[Member]]]
    reminders: list[tuple[Motion, list[Member]]]
    results: list[tuple[Motion, list[Member]]]


def due_notices(now: datetime | None = None) -> Notices:
    """The emails that are due, each marked as sent so it never goes twice."""
    now = now or clock.now()
    notices = Notices([], [], [])
    for motion in db.session.scalars(select(Motion).with_for_update(skip_locked=True)):
        current = state(motion, now)
        if current == "upcoming":
            continue
        if motion.opening_sent_at is None and current == "open":
            notices.opening.append((motion, eligible_members(motion)))
            motion.opening_sent_at = now
        if (
            current == "open"
            and motion.reminder_sent_at is None
            and motion.closes_at - now <= REMINDER_BEFORE_CLOSE
        ):
            waiting = [m for m in eligible_members(motion) if not has_voted(motion, m)]
            notices.reminders.append((motion, waiting))
            motion.reminder_sent_at = now
        if current == "closed" and motion.result_sent_at is None:
            notices.results.append((motion, eligible_members(motion)))
            motion.result_sent_at = now
            motion.opening_sent_at = motion.opening_sent_at or now
            motion.reminder_sent_at = motion.reminder_sent_at or now
    db.session.flush()
    return notices


def votes_cast_for(member: Member) -> list[Participation]:
    """Every vote cast for this member, by them or by a proxy ("by X for Y")."""
    return list(
        db.session.scalars(
            select(Participation)
            .where(Participation.member_id == member.id)
            .order_by(Participation.voted_at.desc())
        )
    )


def published_summary(result: weighted_count.MotionResult, merged: frozenset[str]) -> list[str]:
    """The result's explanation without the sentences that would say how a merged class voted
    (that none of its members voted For or Against)."""
    hidden = tuple(
        f"No {weighted_count.CLASS_NAMES[c][1]} voted For or Against" for c in sorted(merged)
    )
    return [line for line in result.summary if not line.startswith(hidden)]
