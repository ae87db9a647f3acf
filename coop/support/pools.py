"""Pooled funds: set one up, join, pay in, agree spending by majority, leave with notice.

The pool's money is its own ledger account (``coop.payments.pools``). Each member's unspent
contribution is what they paid in, less their part of what was spent (shared by what each had
in the pool at the time) and anything returned: across the current members it always adds up
to the pool's balance, so a member leaving gets back exactly what of theirs is still there.
Nothing here commits.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.email import external_url
from coop.extensions import db
from coop.members import lookup
from coop.members.letters import notify
from coop.members.models import Member
from coop.members.roles import is_budget_holder
from coop.money import MAX_PENCE, format_pence
from coop.payments import ledger, postings
from coop.payments import pools as money
from coop.support.pool_models import (
    ContributionRule,
    Pool,
    PoolMember,
    PoolSpend,
    PoolVote,
    SpendStatus,
)

#: The most members one pool may have.
MAX_MEMBERS = 12


class PoolError(Exception):
    """Something a pool refuses; the message says why in plain English."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- Pure rules --------------------------------------------------------------------------


def decision(agrees: int, against: int, members: int) -> SpendStatus:
    """Whether spending is agreed (more than half the members say yes), refused (so many say
    no that more than half can no longer say yes), or still open."""
    if agrees * 2 > members:
        return SpendStatus.AGREED
    if (members - against) * 2 <= members:
        return SpendStatus.REFUSED
    return SpendStatus.OPEN


@dataclass(frozen=True)
class Part:
    """One member's part of the pool: what of theirs is in it, and their share of it."""

    member_id: int
    name: str
    unspent_pence: int
    #: Per thousand of the pool (so 333 is 33.3%), rounded down.
    per_mille: int


def parts(holdings: list[tuple[int, str, int]]) -> list[Part]:
    """Each member's part of the pool, from (member id, name, unspent pence)."""
    total = sum(unspent for _, _, unspent in holdings)
    return [
        Part(member_id, name, unspent, (unspent * 1000 // total) if total else 0)
        for member_id, name, unspent in holdings
    ]


# --- Setting up and joining --------------------------------------------------------------


@dataclass(frozen=True)
class Invitee:
    """Someone to invite: their email address or member number, and their set amount."""

    who: str
    fixed_amount_pence: int | None = None


def create(
    founder: Member,
    name: str,
    purpose: str,
    rule: ContributionRule,
    notice_days: int,
    invitees: list[Invitee],
    *,
    equal_amount_pence: int | None = None,
    founder_amount_pence: int | None = None,
    now: datetime | None = None,
) -> Pool:
    """A budget holder sets up a pool and invites others; the founder is its first member."""
    now = now or clock.now()
    if not is_budget_holder(founder):
        raise PoolError("Only approved budget holders can set up a pooled fund.")
    name = (name or "").strip()
    if not name:
        raise PoolError("Enter a name for the pool.", "name")
    if not isinstance(notice_days, int) or not 0 <= notice_days <= 365:
        raise PoolError("Enter a notice period from 0 to 365 days.", "notice_days")
    if rule is ContributionRule.EQUAL:
        _check_amount(equal_amount_pence, "amount")
    else:
        _check_amount(founder_amount_pence, "founder_amount")
    pool = Pool(
        name=name[:100],
        purpose=(purpose or "").strip()[:2000],
        rule=rule,
        equal_amount_pence=equal_amount_pence if rule is ContributionRule.EQUAL else None,
        notice_days=notice_days,
        created_by=founder,
        created_at=now,
    )
    pool.members.append(
        PoolMember(
            member=founder,
            invited_at=now,
            joined_at=now,
            fixed_amount_pence=founder_amount_pence if rule is ContributionRule.FIXED else None,
        )
    )
    seen = {founder.id}
    for invitee in invitees:
        person = lookup.by_email_or_number(invitee.who)
        if person is None or not is_budget_holder(person):
            raise PoolError(
                f"We could not find a budget holder with the email address or member number "
                f"“{invitee.who}”.",
                "people",
            )
        if person.id in seen:
            raise PoolError(f"“{invitee.who}” is listed twice, or is you.", "people")
        seen.add(person.id)
        if rule is ContributionRule.FIXED:
            _check_amount(invitee.fixed_amount_pence, "people", f"{person.name}'s amount")
        pool.members.append(
            PoolMember(
                member=person,
                invited_at=now,
                fixed_amount_pence=invitee.fixed_amount_pence
                if rule is ContributionRule.FIXED
                else None,
            )
        )
    if len(pool.members) < 2:
        raise PoolError("Invite at least one other budget holder.", "people")
    if len(pool.members) > MAX_MEMBERS:
        raise PoolError(f"A pool can have up to {MAX_MEMBERS} members.", "people")
    db.session.add(pool)
    db.session.flush()
    link = external_url("support.pool", pool_id=pool.id)
    for membership in pool.members[1:]:
        notify(
            membership.member,
            f"{founder.name} invites you to a pooled fund",
            f"{founder.name} has set up “{pool.name}”, a pooled fund for budget holders to "
            f"share. You would pay in {format_pence(contribution_of(membership))} at a time "
            f"from your budget. Spending needs more than half the members to agree, and "
            f"leaving takes {pool.notice_days} days' notice.\n\nSee it and say yes or no:\n"
            f"{link}\n",
            now=now,
        )
    return pool


def _check_amount(amount: int | None, field: str, what: str = "The amount") -> None:
    if not isinstance(amount, int) or amount < 1:
        raise PoolError(f"Enter {what.lower() if what[0] == 'T' else what}, more than £0.", field)
    if amount > MAX_PENCE:
        raise PoolError(f"{what} is too large.", field)


def contribution_of(membership: PoolMember) -> int:
    """What this member pays in each time, by the pool's rule."""
    pool = membership.pool
    if pool.rule is ContributionRule.EQUAL:
        return pool.equal_amount_pence
    return membership.fixed_amount_pence


def membership_of(pool: Pool, member: Member) -> PoolMember | None:
    return next((m for m in pool.members if m.member_id == member.id), None)


def pool_of(viewer: Member, pool_id: int) -> Pool | None:
    """The pool if the viewer is in it or invited to it (not declined, not left); else None."""
    pool = db.session.get(Pool, pool_id)
    if pool is None or viewer is None or not viewer.is_authenticated:
        return None
    mine = membership_of(pool, viewer)
    if mine is None or mine.declined_at is not None:
        return None
    return pool


def pools_of(member: Member) -> list[Pool]:
    """The pools a member is in or invited to, newest first."""
    return list(
        db.session.scalars(
            select(Pool)
            .join(PoolMember)
            .where(PoolMember.member_id == member.id, PoolMember.declined_at.is_(None))
            .order_by(Pool.created_at.desc(), Pool.id.desc())
        )
    )


def join(pool: Pool, member: Member, now: datetime | None = None) -> PoolMember:
    now = now or clock.now()
    mine = _mine(pool, member)
    if not mine.is_invited:
        raise PoolError("You have already answered this invitation.")
    mine.joined_at = now
    return mine


def decline(pool: Pool, member: Member, now: datetime | None = None) -> PoolMember:
    now = now or clock.now()
    mine = _mine(pool, member)
    if not mine.is_invited:
        raise PoolError("You have already answered this invitation.")
    mine.declined_at = now
    return mine


def _mine(pool: Pool, member: Member) -> PoolMember:
    mine = membership_of(pool, member)
    if mine is None:
        raise PoolError("You are not in this pool.")
    return mine


def _current(pool: Pool, member: Member) -> PoolMember:
    mine = _mine(pool, member)
    if not mine.is_current:
        raise PoolError("Only the pool's current members can do that.")
    return mine


# --- Paying in ---------------------------------------------------------------------------


def pay_in(pool: Pool, member: Member, now: datetime | None = None) -> PoolMember:
    """The member pays their contribution into the pool from their budget."""
    now = now or clock.now()
    mine = _current(pool, member)
    if mine.notice_given_at is not None:
        raise PoolError("You have given notice to leave, so you cannot pay in any more.")
    amount = contribution_of(mine)
    try:
        money.contribute(member, pool.id, amount, f"Paid into the pool “{pool.name}”", now)
    except postings.InsufficientFunds as short:
        raise PoolError(
            f"Your budget holds {format_pence(short.available_pence)}, so it cannot pay in "
            f"{format_pence(amount)}: it needs {format_pence(short.shortfall_pence)} more. "
            "Nothing has been paid in."
        ) from None
    db.session.flush()
    db.session.refresh(mine)  # read again under the pool's lock, so nothing is lost
    mine.paid_in_pence += amount
    return mine


def balance(pool: Pool) -> int:
    return money.pool_balance(pool.id)


# --- Spending ----------------------------------------------------------------------------


def propose_spend(
    pool: Pool,
    member: Member,
    payee: str,
    amount_pence: int,
    what_for: str,
    now: datetime | None = None,
) -> PoolSpend:
    """A member proposes spending; they agree to it by proposing, and the others vote."""
    now = now or clock.now()
    _current(pool, member)
    payee, what_for = (payee or "").strip(), (what_for or "").strip()
    if not payee:
        raise PoolError("Enter who is to be paid.", "payee")
    if not what_for:
        raise PoolError("Say what the money is for.", "what_for")
    _check_amount(amount_pence, "amount")
    held = balance(pool)
    if amount_pence > held:
        raise PoolError(
            f"The pool holds {format_pence(held)}, so it cannot pay {format_pence(amount_pence)}.",
            "amount",
        )
    spend = PoolSpend(
        pool_id=pool.id,
        proposed_by=member,
        payee=payee[:120],
        amount_pence=amount_pence,
        what_for=what_for[:300],
        status=SpendStatus.OPEN,
        proposed_at=now,
    )
    db.session.add(spend)
    db.session.flush()
    vote(spend, member, True, now)
    if spend.status is SpendStatus.OPEN:
        link = external_url("support.pool", pool_id=pool.id)
        for other in pool.current:
            if other.member_id != member.id:
                notify(
                    other.member,
                    f"Agree spending from “{pool.name}”?",
                    f"{member.name} proposes paying {format_pence(amount_pence)} to {spend.payee} "
                    f"from the pool, for: {spend.what_for}.\n\nIt needs more than half the "
                    f"members to agree. Say yes or no:\n{link}\n",
                    now=now,
                )
    return spend


def spend_of(pool: Pool, spend_id: int) -> PoolSpend | None:
    return db.session.scalar(
        select(PoolSpend).where(PoolSpend.id == spend_id, PoolSpend.pool_id == pool.id)
    )


def vote(spend: PoolSpend, member: Member, agrees: bool, now: datetime | None = None) -> PoolSpend:
    """A current member says yes or no, once; the proposal is decided as soon as more than
    half the current members agree (then paid at once if the pool holds enough)."""
    now = now or clock.now()
    pool = spend.pool
    _current(pool, member)
    spend = _locked(spend)
    if spend.status is not SpendStatus.OPEN:
        raise PoolError(f"This has already been decided: {spend.status.label.lower()}.")
    try:
        with db.session.begin_nested():
            db.session.add(
                PoolVote(spend=spend, member_id=member.id, agrees=bool(agrees), voted_at=now)
            )
    except IntegrityError:
        raise PoolError("You have already said yes or no to this.") from None
    _decide(spend, now, by=member)
    return spend


def _locked(spend: PoolSpend) -> PoolSpend:
    """Lock the proposal until the transaction ends, reading it (and its votes) afresh, so two
    votes at once are counted one after the other and it is paid once."""
    db.session.flush()  # nothing decided so far is lost by reading afresh
    db.session.expire(spend)
    return db.session.scalars(
        select(PoolSpend)
        .where(PoolSpend.id == spend.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _decide(spend: PoolSpend, now: datetime, by: Member | None) -> None:
    current = {m.member_id for m in spend.pool.current}
    votes = [v for v in spend.votes if v.member_id in current]
    outcome = decision(
        sum(1 for v in votes if v.agrees), sum(1 for v in votes if not v.agrees), len(current)
    )
    if outcome is SpendStatus.OPEN:
        return
    spend.status = outcome
    spend.decided_at = now
    if outcome is SpendStatus.AGREED:
        pay_agreed(spend, by, now)


def pay_agreed(spend: PoolSpend, by: Member | None, now: datetime | None = None) -> bool:
    """Pay an agreed spend from the pool, sharing it between the current members by what each
    has in it. False (nothing changes) when the pool does not hold enough yet."""
    now = now or clock.now()
    spend = _locked(spend)
    if spend.status is not SpendStatus.AGREED:
        raise PoolError("Only agreed spending can be paid.")
    pool = spend.pool
    try:
        with db.session.begin_nested():
            posted = money.spend(
                pool.id,
                spend.amount_pence,
                f"Pool “{pool.name}”: paid {spend.payee} for {spend.what_for}",
                by,
                now,
            )
    except postings.InsufficientFunds:
        return False
    current = _fresh(pool)
    shares = money.allocate(spend.amount_pence, [m.unspent_pence for m in current])
    for membership, part in zip(current, shares, strict=True):
        membership.spent_pence += part
    spend.status = SpendStatus.PAID
    spend.paid_at = now
    spend.transaction_id = posted.id
    return True


def _fresh(pool: Pool) -> list[PoolMember]:
    """The current members, read again now the pool's account is locked."""
    db.session.flush()
    for membership in pool.members:
        db.session.refresh(membership)
    return pool.current


def withdraw_spend(spend: PoolSpend, member: Member, now: datetime | None = None) -> PoolSpend:
    if spend.proposed_by_id != member.id:
        raise PoolError("Only the person who proposed it can withdraw it.")
    if spend.status is not SpendStatus.OPEN:
        raise PoolError("It has already been decided.")
    spend.status = SpendStatus.WITHDRAWN
    spend.decided_at = now or clock.now()
    return spend


def spends(pool: Pool) -> list[PoolSpend]:
    return list(
        db.session.scalars(
            select(PoolSpend)
            .where(PoolSpend.pool_id == pool.id)
            .order_by(PoolSpend.proposed_at.desc(), PoolSpend.id.desc())
        )
    )


# --- Leaving -----------------------------------------------------------------------------


def give_notice(pool: Pool, member: Member, now: datetime | None = None) -> PoolMember:
    """A member gives notice; they leave (and get their unspent contribution back) once the
    notice period has passed. The others are told, and shown the new split."""
    now = now or clock.now()
    mine = _current(pool, member)
    if mine.notice_given_at is not None:
        raise PoolError(f"You have already given notice: you leave on {mine.leaves_on:%d/%m/%Y}.")
    mine.notice_given_at = now
    mine.leaves_on = clock.london_today(now) + timedelta(days=pool.notice_days)
    link = external_url("support.pool", pool_id=pool.id)
    after = split_after(pool, [mine])
    lines = "\n".join(
        f"- {part.name}: {format_pence(part.unspent_pence)} ({part.per_mille / 10:.1f}%)"
        for part in after
    )
    for other in pool.current:
        if other.member_id != member.id:
            notify(
                other.member,
                f"{member.name} is leaving “{pool.name}”",
                f"{member.name} has given notice and leaves the pool on "
                f"{clock.format_date(mine.leaves_on)}, taking back what of theirs is unspent. "
                f"As things stand, the pool would then be shared like this:\n{lines}\n\n{link}\n",
                now=now,
            )
    return mine


def split_after(pool: Pool, leaving: list[PoolMember]) -> list[Part]:
    """How the pool would be shared once these members have left (what the others see)."""
    leaving_ids = {m.id for m in leaving}
    staying = [m for m in pool.current if m.id not in leaving_ids]
    return parts([(m.member_id, m.member.name, m.unspent_pence) for m in staying])


def current_split(pool: Pool) -> list[Part]:
    return parts([(m.member_id, m.member.name, m.unspent_pence) for m in pool.current])


def leave_now(membership: PoolMember, now: datetime | None = None) -> int:
    """The member leaves: their unspent contribution goes back to their budget. Returns it."""
    now = now or clock.now()
    pool = membership.pool
    ledger.lock_budget(membership.member)  # the budget first, then the pool, as everywhere
    money.lock_pool(pool.id)
    _fresh(pool)
    back = membership.unspent_pence
    if back:
        money.give_back(
            pool.id,
            membership.member,
            back,
            f"Returned from the pool “{pool.name}” on leaving",
            membership.member,
            now,
        )
    membership.returned_pence += back
    membership.left_at = now
    for spend in db.session.scalars(
        select(PoolSpend).where(PoolSpend.pool_id == pool.id, PoolSpend.status == SpendStatus.OPEN)
    ):
        _decide(spend, now, by=None)  # one fewer member may decide it
    notify(
        membership.member,
        f"You have left “{pool.name}”",
        f"Your notice has ended and you have left the pool. {format_pence(back)} of your "
        "contribution was unspent and has been returned to your budget.\n",
        now=now,
    )
    return back


def settle_leavers(now: datetime | None = None) -> list[PoolMember]:
    """Everyone whose notice has ended leaves (the scheduled job runs this)."""
    now = now or clock.now()
    today: date = clock.london_today(now)
    due = list(
        db.session.scalars(
            select(PoolMember)
            .where(
                PoolMember.left_at.is_(None),
                PoolMember.leaves_on.is_not(None),
                PoolMember.leaves_on <= today,
            )
            .order_by(PoolMember.pool_id, PoolMember.id)
        )
    )
    for membership in due:
        leave_now(membership, now)
    return due


def is_leaving(membership: PoolMember) -> bool:
    return membership.notice_given_at is not None and membership.left_at is None
