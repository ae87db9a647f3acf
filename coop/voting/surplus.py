"""Reinvesting the surplus: proposals, approval ballots, and the count by equal shares."""

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from coop import clock
from coop.extensions import db
from coop.members.models import Member, MembershipStatus
from coop.money import format_pence
from coop.payments import accounts
from coop.voting import pabulib, tally
from coop.voting.models import (
    ProposalStatus,
    SurplusApproval,
    SurplusBallot,
    SurplusParticipation,
    SurplusProposal,
    SurplusVote,
)
from coop.voting.service import (
    OTHER_CLASSES,
    AlreadyVoted,
    VotingError,
    can_manage_voting,
    is_eligible,
    merged_classes,
    new_receipt_code,
    rules_in_force,
    state,
)

#: Completion raises each member's share one pound at a time.
UNIT_PENCE = 100


def open_ballot(
    by: Member,
    *,
    financial_year: str,
    amount_pence: int,
    proposals_close_at: datetime,
    opens_at: datetime,
    closes_at: datetime,
    now: datetime | None = None,
    figures: "accounts.YearAccounts | None" = None,
    share_less_reason: str | None = None,
) -> SurplusBallot:
    """The secretary opens a year's surplus ballot, first for proposals, then for votes.

    ``figures`` are the closed year's accounts the amount comes from (see
    :func:`proposed_surplus`): sharing less than their surplus needs a reason, which is
    recorded with the ballot, and more than a surplus the accounts show cannot be shared.
    """
    now = now or clock.now()
    if not can_manage_voting(by):
        raise VotingError("Only the secretary can open a surplus ballot")
    if amount_pence <= 0:
        raise VotingError("The amount to share must be more than £0")
    share_less_reason = (share_less_reason or "").strip() or None
    if figures is not None and figures.surplus_pence > 0:
        if financial_year.strip() != figures.label:
            raise VotingError(
                f"The last closed financial year in the accounts is {figures.label}, with a "
                f"surplus of {format_pence(figures.surplus_pence)}: open its ballot"
            )
        if amount_pence > figures.surplus_pence:
            raise VotingError(
                f"The accounts for {figures.label} show a surplus of "
                f"{format_pence(figures.surplus_pence)}, so no more than that can be shared"
            )
        if amount_pence < figures.surplus_pence and not share_less_reason:
            raise VotingError(
                f"Say why you are sharing less than the surplus of "
                f"{format_pence(figures.surplus_pence)}; members will see your reason"
            )
    if figures is not None and financial_year.strip() != figures.label:
        figures = None  # a year before the co-op's accounts were kept here: typed by hand
    if not proposals_close_at <= opens_at:
        raise VotingError("Proposals must close before, or when, voting opens")
    if closes_at <= opens_at:
        raise VotingError("Voting must close after it opens")
    if closes_at <= now:
        raise VotingError("Voting must close in the future")
    ballot = SurplusBallot(
        financial_year=financial_year.strip(),
        amount_pence=amount_pence,
        proposals_close_at=proposals_close_at,
        opens_at=opens_at,
        closes_at=closes_at,
        created_at=now,
        created_by_id=by.id,
        accounts_income_pence=figures.income_pence if figures else None,
        accounts_costs_pence=figures.costs_pence if figures else None,
        surplus_pence=figures.surplus_pence if figures else None,
        share_less_reason=(
            share_less_reason if figures and amount_pence < figures.surplus_pence else None
        ),
    )
    db.session.add(ballot)
    db.session.flush()
    return ballot


def proposed_surplus(now: datetime | None = None) -> "accounts.YearAccounts":
    """The last closed financial year's accounts, whose surplus a new ballot proposes."""
    return accounts.closed_year_accounts(clock.london_today(now))


def earmark_funded(ballot: SurplusBallot, now: datetime | None = None) -> list[SurplusProposal]:
    """Once voting has closed, set each funded proposal's money aside in the ledger, in an
    earmarked-surplus account named for it; done once (the ledger's UNIQUE key guards it).

    Called by the secretary's button on the results page or the scheduled command, never by
    reading a page. Returns the proposals set aside now.
    """
    now = now or clock.now()
    if state(ballot, now) != "closed":
        raise VotingError("The funded proposals can be set aside once voting has closed")
    counted = count(ballot)
    done = []
    for proposal in counted.proposals:
        if counted.proposal_result(proposal).funded:
            made = accounts.earmark_surplus(
                f"surplus-proposal:{proposal.id}",
                proposal.title,
                f"Surplus ballot {ballot.financial_year}",
                proposal.cost_pence,
                now,
            )
            if made is not None:
                done.append(proposal)
    if ballot.earmarked_at is None:
        ballot.earmarked_at = now
    db.session.flush()
    return done


def earmark_closed_ballots(now: datetime | None = None) -> int:
    """Set aside the funded proposals of every ballot that has closed and not been set aside
    yet; the worker runs it, so the money is earmarked when voting closes. Returns how many
    proposals were set aside now."""
    now = now or clock.now()
    waiting = db.session.scalars(
        select(SurplusBallot).where(
            SurplusBallot.earmarked_at.is_(None), SurplusBallot.closes_at <= now
        )
    )
    return sum(len(earmark_funded(ballot, now)) for ballot in list(waiting))


def ballots() -> list[SurplusBallot]:
    return list(db.session.scalars(select(SurplusBallot).order_by(SurplusBallot.opens_at.desc())))


def submit_proposal(
    ballot: SurplusBallot,
    member: Member,
    *,
    title: str,
    description: str,
    cost_pence: int,
    helps: str,
    now: datetime | None = None,
) -> SurplusProposal:
    """A member proposes a way to spend part of the surplus."""
    now = now or clock.now()
    if member.status is not MembershipStatus.APPROVED:
        raise VotingError("Only members can make proposals")
    if now >= ballot.proposals_close_at:
        raise VotingError("Proposals for this ballot have closed")
    if cost_pence <= 0:
        raise VotingError("The cost must be more than £0")
    if cost_pence > ballot.amount_pence:
        raise VotingError(
            f"The cost is more than the whole surplus of {format_pence(ballot.amount_pence)}"
        )
    proposal = SurplusProposal(
        ballot=ballot,
        title=title.strip(),
        description=description.strip(),
        cost_pence=cost_pence,
        helps=helps.strip(),
        submitted_by_id=member.id,
        submitted_at=now,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def decide_proposal(
    by: Member,
    proposal: SurplusProposal,
    accept: bool,
    reason: str = "",
    now: datetime | None = None,
) -> SurplusProposal:
    """The secretary puts a proposal on the ballot, or explains why not."""
    now = now or clock.now()
    if not can_manage_voting(by):
        raise VotingError("Only the secretary can decide which proposals go on the ballot")
    if now >= proposal.ballot.opens_at:
        raise VotingError("Voting has opened, so the ballot can no longer change")
    if accept:
        proposal.status = ProposalStatus.ACCEPTED
        proposal.decline_reason = None
    else:
        if not reason.strip():
            raise VotingError("Enter the reason the proposal is not going on the ballot")
        proposal.status = ProposalStatus.DECLINED
        proposal.decline_reason = reason.strip()
    db.session.flush()
    return proposal


def on_ballot(ballot: SurplusBallot) -> list[SurplusProposal]:
    """The accepted proposals, in the order they appear on the ballot."""
    return [p for p in ballot.proposals if p.status is ProposalStatus.ACCEPTED]


def has_voted(ballot: SurplusBallot, member: Member) -> bool:
    return (
        db.session.scalar(
            select(SurplusParticipation.id).where(
                SurplusParticipation.ballot_id == ballot.id,
                SurplusParticipation.member_id == member.id,
            )
        )
        is not None
    )


def why_cannot_vote(ballot: SurplusBallot, member: Member, now: datetime | None = None):
    """None if the member may vote now, else the reason in plain English."""
    now = now or clock.now()
    current = state(ballot, now)
    if current == "upcoming":
        return "Voting on this ballot has not opened yet"
    if current == "closed":
        return "Voting on this ballot has closed"
    if not is_eligible(member, ballot):
        return "Only members who joined before voting opened can vote on this ballot"
    if has_voted(ballot, member):
        return "You have already voted on this ballot"
    return None


def cast_approvals(
    ballot: SurplusBallot, member: Member, proposal_ids: set[int], now: datetime | None = None
) -> str:
    """Record that the member voted and, apart from that, what they approved; return a receipt."""
    now = now or clock.now()
    reason = why_cannot_vote(ballot, member, now)
    if reason == "You have already voted on this ballot":
        raise AlreadyVoted(reason)
    if reason:
        raise VotingError(reason)
    allowed = {p.id for p in on_ballot(ballot)}
    if not set(proposal_ids) <= allowed:
        raise VotingError("Choose only proposals on this ballot")
    receipt = new_receipt_code()
    try:
        with db.session.begin_nested():
            db.session.add(
                SurplusParticipation(ballot_id=ballot.id, member_id=member.id, voted_at=now)
            )
            vote = SurplusVote(
                receipt_code=receipt, ballot_id=ballot.id, member_class=member.member_class.value
            )
            vote.approvals = [SurplusApproval(proposal_id=pid) for pid in sorted(proposal_ids)]
            db.session.add(vote)
            db.session.flush()
    except IntegrityError as error:
        raise AlreadyVoted("You have already voted on this ballot") from error
    return receipt


def votes(ballot: SurplusBallot) -> list[SurplusVote]:
    return list(
        db.session.scalars(
            select(SurplusVote)
            .where(SurplusVote.ballot_id == ballot.id)
            .options(selectinload(SurplusVote.approvals))
            .order_by(SurplusVote.receipt_code)
        )
    )


@dataclass(frozen=True)
class Count:
    """A counted surplus ballot, with weights and plain-English explanations."""

    result: tally.TallyResult
    explanation: tally.Explanation
    weights: dict[str, Fraction]
    proposals: list[SurplusProposal]
    votes: list[SurplusVote]
    #: Classes published (and weighted) only together, for ballot secrecy.
    merged: frozenset[str] = frozenset()

    def proposal_result(self, proposal: SurplusProposal) -> tally.ProposalResult:
        return self.result.proposal(str(proposal.id))

    def where_my_share_went(self, receipt_code: str) -> str | None:
        """Explain one voter's share, found by the receipt code only they were shown."""
        code = receipt_code.strip().upper()
        if not any(v.receipt_code == code for v in self.votes):
            return None
        names = {str(p.id): p.title for p in self.proposals}
        return tally.explain_share(self.result, code, format_pence, names)


def secret_weights(
    class_shares: dict[str, int], per_class: dict[str, int], minimum: int
) -> tuple[dict[str, Fraction], frozenset[str]]:
    """Each class's weight, with classes too small to publish apart weighted as one group.

    A class with a say but fewer than `minimum` voters would be recognisable by its weight in
    the published ballots, so the classes `merged_classes` merges (small ones, made up to
    `minimum` voters with the next smallest) share their combined share equally among all their
    voters. Classes with no say keep weight 0; the export leaves out small ones' ballots. The
    co-op's count uses these same weights, so a recount of the export is exact.
    """
    with_say = {c: n for c, n in per_class.items() if class_shares.get(c, 0) > 0}
    merged = merged_classes(with_say, minimum)
    group = {c: OTHER_CLASSES if c in merged else c for c in class_shares}
    group_shares: dict[str, Fraction] = {}
    for name, share in class_shares.items():
        group_shares[group[name]] = group_shares.get(group[name], Fraction(0)) + Fraction(share)
    group_voters: dict[str, int] = {}
    for name, count in per_class.items():
        group_voters[group[name]] = group_voters.get(group[name], 0) + count
    weights = tally.class_weights(group_shares, group_voters)
    without_say = {c for c, n in per_class.items() if c not in with_say and 0 < n < minimum}
    return {c: weights[group[c]] for c in class_shares}, merged | without_say


def weighted_ballots(ballot: SurplusBallot, cast: list[SurplusVote]):
    """Each vote as a tally ballot weighted by its class (small classes merged for secrecy),
    under the rules when voting opened; also the classes published only together."""
    rules = rules_in_force(ballot.opens_at)
    per_class: dict[str, int] = {}
    for vote in cast:
        per_class[vote.member_class] = per_class.get(vote.member_class, 0) + 1
    weights, merged = secret_weights(rules.class_shares, per_class, rules.min_class_voters)
    return (
        weights,
        merged,
        [
            tally.Ballot(
                voter=vote.receipt_code,
                approved=frozenset(str(a.proposal_id) for a in vote.approvals),
                weight=weights[vote.member_class],
            )
            for vote in cast
        ],
    )


def count(ballot: SurplusBallot) -> Count:
    """Share out the surplus by the Method of Equal Shares (with completion and comparison)."""
    proposals = on_ballot(ballot)
    cast = votes(ballot)
    weights, merged, weighted = weighted_ballots(ballot, cast)
    result = tally.tally(
        [tally.Proposal(str(p.id), p.cost_pence) for p in proposals],
        weighted,
        ballot.amount_pence,
        unit=UNIT_PENCE,
    )
    names = {str(p.id): p.title for p in proposals}
    return Count(
        result, tally.explain(result, format_pence, names), weights, proposals, cast, merged
    )


def voters_by_class(ballot: SurplusBallot) -> dict[str, int]:
    rows = db.session.execute(
        select(SurplusVote.member_class, func.count())
        .where(SurplusVote.ballot_id == ballot.id)
        .group_by(SurplusVote.member_class)
    ).all()
    return dict(rows)


def export_pb(ballot: SurplusBallot) -> pabulib.PbElection:
    """The closed ballot as a pabulib election: anonymous voter ids and class weights.

    Money is written in pounds, so a tool that raises shares one whole currency unit at a
    time (as equal shares' completion does) raises them by £1, as the co-op's own count does,
    and reaches the same result.
    """
    if state(ballot) != "closed":
        raise VotingError("A ballot can be exported once voting has closed")
    proposals = on_ballot(ballot)
    cast = votes(ballot)
    _weights, merged, weighted = weighted_ballots(ballot, cast)
    # A small class with no say would be recognisable by its weight of 0; its ballots count
    # for nothing, so leaving them out changes no recount.
    classes = {v.receipt_code: v.member_class for v in cast}
    weighted = [b for b in weighted if b.weight or classes[b.voter] not in merged]
    return pabulib.PbElection(
        meta={
            "description": f"Surplus ballot {ballot.financial_year}",
            "country": "United Kingdom",
            "unit": "co-op",
            "instance": ballot.financial_year,
            "num_projects": str(len(proposals)),
            "num_votes": str(len(weighted)),
            "budget": f"{ballot.amount_pence // 100}.{ballot.amount_pence % 100:02d}",
            "vote_type": "approval",
            "rule": pabulib.rule_name("mes", completion=True, comparison=True),
            "currency": "GBP",
        },
        projects=tuple(
            pabulib.PbProject(
                id=str(p.id), cost=Fraction(p.cost_pence, UNIT_PENCE), fields={"name": p.title}
            )
            for p in proposals
        ),
        votes=tuple(
            pabulib.PbVote(
                voter_id=f"v{i}",
                approved=tuple(sorted(b.approved, key=int)),
                weight=b.weight,
            )
            for i, b in enumerate(weighted, start=1)
        ),
    )
