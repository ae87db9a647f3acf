"""The exact count of a surplus ballot: the Method of Equal Shares, as equalshares.net runs it."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

Rule = Literal["mes", "greedy"]
Number = int | Fraction

#: Relative slack when floats only order the candidates; every decision itself is exact.
_FLOAT_SLACK = 1e-9
#: Below this, floats lose relative precision (subnormals), so they are treated as 0.
_TINY = 1e-290
#: How many remembered (backer group, weight) pairs to keep between completion runs.
_CLASS_CACHE_LIMIT = 1_500_000


@dataclass(frozen=True)
class Proposal:
    """A proposal on a surplus ballot: its id and its cost in the smallest money unit."""

    id: str
    cost: Number


@dataclass(frozen=True)
class Ballot:
    """One member's approval ballot: who voted, what they approved, and their weight."""

    voter: str
    approved: frozenset[str]
    weight: Number = 1

    def __post_init__(self) -> None:
        if not isinstance(self.approved, frozenset):
            object.__setattr__(self, "approved", frozenset(self.approved))


@dataclass(frozen=True)
class MesRound:
    """One round of the equal-shares count: the proposal bought and the price per unit of weight.

    `rho` is the fraction of the cost each backer pays per unit of weight, so a backer of
    weight w pays `rho * w * cost`, or all they have left if that is less;
    `payment_per_weight` is that payment in money (`rho * cost`).
    """

    number: int
    proposal: str
    rho: Fraction
    payment_per_weight: Fraction


@dataclass(frozen=True)
class PaymentGroup:
    """Backers of a bought proposal with the same weight who paid in the same way.

    Either they all paid the full price (rho * weight * cost, the same for each), or they
    all had less than that left and paid everything they had (amounts from `least` to
    `most`), or they had nothing left at all (a group paying 0).
    """

    voters: int
    weight: Fraction
    share: Fraction  #: each one's share of the budget at the start of the count
    paid_all: bool  #: True when they paid everything they had left, short of the full price
    paid: Fraction  #: what the group paid in all
    least: Fraction  #: the smallest payment by one of them
    most: Fraction  #: the largest payment by one of them


@dataclass(frozen=True)
class ProposalResult:
    """How one proposal fared, with the figures needed to explain it in plain English."""

    id: str
    cost: Fraction
    funded: bool
    approvals: int  #: members (of positive weight) who approved it
    approval_weight: Fraction  #: their total weight
    round: int | None  #: equal-shares round in which it was bought, if it was
    rho: Fraction | None
    payment_per_weight: Fraction | None
    payments: tuple[PaymentGroup, ...]  #: who paid what, when bought by equal shares
    backers_left: Fraction | None  #: what its backers had left when equal shares ended
    in_greedy: bool  #: whether the greedy count would fund it
    greedy_rank: int | None  #: its place in the greedy order (1 = most approved)
    greedy_left: Fraction | None  #: budget the greedy count had left when it came to it


@dataclass(frozen=True)
class Share:
    """Where one member's share of the budget went in the equal-shares count."""

    voter: str
    weight: Fraction
    share: Fraction
    payments: dict[str, Fraction]  #: proposal id -> what they paid, in round order
    left: Fraction


@dataclass(frozen=True)
class TallyResult:
    """The outcome of a count, with everything needed to explain it."""

    rule: Rule
    completion: bool
    comparison: bool
    budget: Fraction
    unit: Fraction
    selected: tuple[str, ...]  #: funded proposals, in ballot order
    outcome: Rule  #: whose outcome was funded: equal shares, or greedy after the comparison
    mes_selected: tuple[str, ...] | None  #: equal shares (with completion), before comparison
    greedy_selected: tuple[str, ...]  #: the greedy outcome, in ballot order
    rounds: tuple[MesRound, ...]
    endowment: Fraction | None  #: money per unit of weight in the final equal-shares run
    completion_steps: int  #: how many one-unit raises the completion kept
    #: what the outcome of one more raise would have cost, the reason the completion stopped;
    #: None when it stopped because everything anyone backed was funded, or did not run
    next_cost: Fraction | None
    voters: int  #: ballots counted (positive weight)
    weighted: bool  #: whether any ballot counted has a weight other than 1
    total_weight: Fraction
    prefer_mes: Fraction | None  #: weight preferring equal shares in the comparison
    prefer_greedy: Fraction | None  #: weight preferring greedy in the comparison
    proposals: tuple[ProposalResult, ...]
    _ballots: tuple[Ballot, ...] = field(repr=False, compare=False, default=())

    @property
    def start_endowment(self) -> Fraction | None:
        """Money per unit of weight before the completion raised it."""
        if self.endowment is None:
            return None
        return self.endowment - self.completion_steps * self.unit

    @property
    def spent(self) -> Fraction:
        """Total cost of the funded proposals."""
        return sum((p.cost for p in self.proposals if p.funded), Fraction(0))

    def proposal(self, proposal_id: str) -> ProposalResult:
        """The result for one proposal, by id."""
        for result in self.proposals:
            if result.id == proposal_id:
                return result
        raise KeyError(proposal_id)

    def share(self, voter: str) -> Share:
        """Where a member's share went in the final equal-shares run, so a page can show it."""
        for ballot in self._ballots:
            if ballot.voter == voter:
                return _share_of(ballot, self.endowment or Fraction(0), self.rounds)
        raise KeyError(voter)

    def payments(self, proposal_id: str) -> dict[str, Fraction]:
        """What each backer paid towards a proposal bought by equal shares (empty otherwise)."""
        paid: dict[str, Fraction] = {}
        if not any(r.proposal == proposal_id for r in self.rounds):
            return paid
        for ballot in self._ballots:
            if proposal_id in ballot.approved and ballot.weight > 0:
                share = _share_of(ballot, self.endowment or Fraction(0), self.rounds)
                paid[ballot.voter] = share.payments[proposal_id]
        return paid


def class_weights(
    class_shares: dict[str, Fraction], voters_per_class: dict[str, int]
) -> dict[str, Fraction]:
    """Weight of one voter in each member class, so each class carries its agreed share.

    A class's share is split equally among its members who voted, and the weights are
    scaled to average 1 over everyone counted, so an unweighted ballot and a ballot whose
    shares match the turnout give every voter weight 1. A class with share 0 gets weight 0
    (its votes are left out); a class with a share but no voters simply has no voters.
    """
    for name, share in class_shares.items():
        if share < 0:
            raise ValueError(f"class {name!r} has a negative share")
    for name, count in voters_per_class.items():
        if count < 0:
            raise ValueError(f"class {name!r} has a negative number of voters")
        if name not in class_shares:
            raise ValueError(f"class {name!r} has voters but no share")
    counted = {
        name: count
        for name, count in voters_per_class.items()
        if count > 0 and class_shares[name] > 0
    }
    total_share = sum((Fraction(class_shares[name]) for name in counted), Fraction(0))
    total_voters = sum(counted.values())
    weights = {}
    for name in class_shares:
        if name in counted:
            weights[name] = (
                Fraction(class_shares[name]) * total_voters / (counted[name] * total_share)
            )
        else:
            weights[name] = Fraction(0)
    return weights


def tally(
    proposals: Sequence[Proposal],
    ballots: Iterable[Ballot],
    budget: Number,
    *,
    rule: Rule = "mes",
    completion: bool = True,
    comparison: bool = True,
    unit: Number = 1,
) -> TallyResult:
    """Count a surplus ballot exactly, as equalshares.net does, and say why each result came out.

    `rule="mes"` runs the Method of Equal Shares with cost utilities; with `completion` the
    money per unit of weight starts at the budget per unit of weight rounded down to a
    whole `unit` and rises one `unit` at a time for as long as the next run's outcome fits
    the budget, even past an outcome to which nothing more could be added (Add1, integral,
    as equalshares.net's tool counts real elections); with `comparison` the greedy outcome
    replaces it only if strictly more weight prefers it. `rule="greedy"` funds the most
    approved proposals that fit. Ties go to the proposal with more weighted approvals, then
    to the one listed first.
    """
    if rule not in ("mes", "greedy"):
        raise ValueError(f"unknown rule {rule!r}: use 'mes' or 'greedy'")
    ballots = tuple(ballots)
    election = _Election(proposals, ballots, budget, unit)
    greedy_order, greedy_set, greedy_left = election.greedy()
    rounds: tuple[MesRound, ...] = ()
    endowment = next_cost = None
    steps = 0
    prefer_mes = prefer_greedy = None
    mes_state = None
    if rule == "greedy":
        chosen = greedy_set
        outcome: Rule = "greedy"
    else:
        mes_state, completed = election.equal_shares(completion)
        if completed is not None:
            steps = completed.end - completed.start
            if completed.next_cost is not None:
                next_cost = Fraction(completed.next_cost, election.money_scale)
        chosen = set(mes_state.winners)
        outcome = "mes"
        endowment = mes_state.endowment_per_weight()
        rounds = mes_state.rounds()
        if comparison:
            prefer_mes, prefer_greedy = election.preferences(chosen, greedy_set)
            if prefer_greedy > prefer_mes:
                chosen = greedy_set
                outcome = "greedy"
    results = election.proposal_results(chosen, mes_state, greedy_order, greedy_set, greedy_left)
    ids = election.ids
    return TallyResult(
        rule=rule,
        completion=completion,
        comparison=comparison,
        budget=Fraction(budget),
        unit=Fraction(unit),
        selected=tuple(ids[c] for c in range(election.n) if c in chosen),
        outcome=outcome,
        mes_selected=(
            None if mes_state is None else tuple(ids[c] for c in sorted(mes_state.winners))
        ),
        greedy_selected=tuple(ids[c] for c in sorted(greedy_set)),
        rounds=rounds,
        endowment=endowment,
        completion_steps=steps,
        next_cost=next_cost,
        voters=election.voters,
        weighted=any(w != election.weight_scale for _, w in election.voter_groups),
        total_weight=Fraction(election.total, election.weight_scale),
        prefer_mes=prefer_mes,
        prefer_greedy=prefer_greedy,
        proposals=results,
        _ballots=ballots,
    )


def _share_of(ballot: Ballot, endowment: Fraction, rounds: Sequence[MesRound]) -> Share:
    """Replay the rounds for one ballot: what the member paid, round by round."""
    weight = Fraction(ballot.weight)
    share = endowment * weight
    left = share
    payments: dict[str, Fraction] = {}
    if weight > 0:
        for round_ in rounds:
            if round_.proposal in ballot.approved:
                paid = min(left, round_.payment_per_weight * weight)
                payments[round_.proposal] = paid
                left -= paid
    return Share(ballot.voter, weight, share, payments, left)


def _floor_ratio(num: int, den: int) -> float:
    """num / den as a float to order candidates by, or 0.0 when too small to be trusted."""
    value = num / den
    return value if value > _TINY else 0.0


def _bits(mask: int) -> list[int]:
    """Indices of the set bits of a mask."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


@dataclass(frozen=True)
class _Completion:
    """How far the completion raised money per unit of weight, in units, and why it stopped."""

    start: int
    end: int
    next_cost: int | None  #: the next raise's outcome's cost (scaled), if over the budget


class _Election:
    """A ballot prepared for counting: scaled to integers, voters grouped by ballot.

    Money is multiplied by `money_scale` and weights by `weight_scale` so both are integers.
    Voters with the same approvals pay the same per unit of weight, so they are merged.
    """

    def __init__(
        self, proposals: Sequence[Proposal], ballots: Sequence[Ballot], budget: Number, unit: Number
    ) -> None:
        self.ids = [p.id for p in proposals]
        self.n = len(self.ids)
        index = {}
        for i, proposal in enumerate(proposals):
            if proposal.id in index:
                raise ValueError(f"proposal {proposal.id!r} is listed twice")
            if proposal.cost <= 0:
                raise ValueError(f"proposal {proposal.id!r} must cost more than nothing")
            index[proposal.id] = i
        if budget < 0:
            raise ValueError("the budget cannot be negative")
        if unit <= 0:
            raise ValueError("the completion unit must be positive")
        amounts = [Fraction(p.cost) for p in proposals] + [Fraction(budget), Fraction(unit)]
        self.money_scale = math.lcm(*(a.denominator for a in amounts))
        scaled = [int(a * self.money_scale) for a in amounts]
        self.cost = scaled[: self.n]
        self.budget, self.unit = scaled[self.n], scaled[self.n + 1]
        bit = {pid: 1 << i for pid, i in index.items()}
        seen: set[str] = set()
        # Ballots of the same kind, (approvals mask, weight numerator, weight denominator),
        # are counted together; weights are usually a handful of shared objects.
        kinds: dict[tuple[int, int, int], int] = {}
        weight_parts: dict[int, tuple[object, int, int]] = {}
        for ballot in ballots:
            if ballot.voter in seen:
                raise ValueError(f"voter {ballot.voter!r} has two ballots")
            seen.add(ballot.voter)
            weight = ballot.weight
            parts = weight_parts.get(id(weight))
            if parts is None or parts[0] is not weight:
                value = weight if isinstance(weight, int | Fraction) else Fraction(weight)
                if value < 0:
                    raise ValueError(f"voter {ballot.voter!r} has a negative weight")
                parts = weight_parts[id(weight)] = (weight, value.numerator, value.denominator)
            mask = 0
            try:
                for pid in ballot.approved:
                    mask |= bit[pid]
            except KeyError as error:
                raise ValueError(
                    f"voter {ballot.voter!r} approved unknown proposal {error.args[0]!r}"
                ) from None
            if parts[1]:
                key = (mask, parts[1], parts[2])
                kinds[key] = kinds.get(key, 0) + 1
        self.weight_scale = math.lcm(*{den for _, _, den in kinds}) if kinds else 1
        self.voters = sum(kinds.values())
        #: (approvals mask, scaled weight) -> how many voters cast exactly that
        self.voter_groups: dict[tuple[int, int], int] = {}
        groups: dict[int, int] = {}  # approvals mask -> total scaled weight
        voters_by_mask: dict[int, int] = {}
        for (mask, num, den), count in kinds.items():
            w = num * (self.weight_scale // den)
            self.voter_groups[(mask, w)] = count
            groups[mask] = groups.get(mask, 0) + w * count
            voters_by_mask[mask] = voters_by_mask.get(mask, 0) + count
        self.groups = groups
        self.total = sum(groups.values())
        self.approvals = [0] * self.n
        self.support = [0] * self.n
        #: for each proposal, its backers' ballots: (approvals mask, total weight)
        self.backer_groups: list[list[tuple[int, int]]] = [[] for _ in range(self.n)]
        #: everything approved by someone who approved each proposal
        self.reach = [0] * self.n
        for mask, w in groups.items():
            item = (mask, w)
            for i in _bits(mask):
                self.approvals[i] += voters_by_mask[mask]
                self.support[i] += w
                self.backer_groups[i].append(item)
                self.reach[i] |= mask
        self.backed = sum(1 << i for i in range(self.n) if self.support[i] > 0)
        self._co_backers: list[dict[int, list[tuple[int, int]]] | None] = [None] * self.n
        self._classes: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self._cached = 0

    def co_backers(self, c: int, p_bit: int) -> list[tuple[int, int]]:
        """Ballots (mask, weight) of those who backed both `c` and the proposal `p_bit`."""
        table = self._co_backers[c]
        if table is None:
            table = {}
            own = 1 << c
            for item in self.backer_groups[c]:
                x = item[0] ^ own
                while x:
                    low = x & -x
                    found = table.get(low)
                    if found is None:
                        table[low] = [item]
                    else:
                        found.append(item)
                    x ^= low
            self._co_backers[c] = table
        return table.get(p_bit, [])

    def classes(self, c: int, funded: int) -> list[tuple[int, int]]:
        """Backers of `c` by which funded proposals they approved: (that mask, their weight).

        This depends only on the set funded, not on the endowment or the order of rounds,
        so it is kept for every run of the completion; a set not seen before is usually
        worked out from one seen with a proposal fewer, by moving just the co-backers.
        """
        funded &= self.reach[c]
        cache = self._classes
        found = cache.get((c, funded))
        if found is not None:
            return found
        x = funded
        while x:
            low = x & -x
            parent = cache.get((c, funded ^ low))
            if parent is not None:
                table = dict(parent)
                before = funded ^ low
                for mask, w in self.co_backers(c, low):
                    s = mask & before
                    left = table[s] - w
                    if left:
                        table[s] = left
                    else:
                        del table[s]
                    s |= low
                    table[s] = table.get(s, 0) + w
                break
            x ^= low
        else:
            table = {}
            get = table.get
            for mask, w in self.backer_groups[c]:
                s = mask & funded
                table[s] = get(s, 0) + w
        found = list(table.items())
        if self._cached > _CLASS_CACHE_LIMIT:
            cache.clear()
            self._cached = 0
        cache[(c, funded)] = found
        self._cached += len(found)
        return found

    def greedy(self) -> tuple[list[int], set[int], dict[int, Fraction]]:
        """Most weighted approvals first, skipping what no longer fits.

        Returns the order considered, the proposals chosen, and the budget left as each
        proposal came up. Proposals nobody backed are never funded.
        """
        order = sorted(
            (c for c in range(self.n) if self.support[c] > 0),
            key=lambda c: (-self.support[c], c),
        )
        left = self.budget
        chosen, left_at = set(), {}
        for c in order:
            left_at[c] = Fraction(left, self.money_scale)
            if self.cost[c] <= left:
                chosen.add(c)
                left -= self.cost[c]
        return order, chosen, left_at

    def preferences(self, mes: set[int], greedy: set[int]) -> tuple[Fraction, Fraction]:
        """Weight preferring each outcome, by how many approved proposals each one funds."""
        mes_mask = sum(1 << c for c in mes)
        greedy_mask = sum(1 << c for c in greedy)
        prefer_mes = prefer_greedy = 0
        for mask, w in self.groups.items():
            a = (mask & mes_mask).bit_count()
            b = (mask & greedy_mask).bit_count()
            if a > b:
                prefer_mes += w
            elif b > a:
                prefer_greedy += w
        return (
            Fraction(prefer_mes, self.weight_scale),
            Fraction(prefer_greedy, self.weight_scale),
        )

    def outcome_cost(self, winners: Iterable[int]) -> int:
        return sum(self.cost[c] for c in winners)

    def equal_shares(self, completion: bool) -> tuple[_MesRun, _Completion | None]:
        """Run equal shares, with Add1 integral completion if asked: the final run, and how
        the completion went (None without completion).

        Completion follows the tool that counts real elections on equalshares.net, not the
        short reference code beside it: money per unit of weight rises one unit at a time
        for as long as the next run's outcome fits the budget, even past an outcome that
        is already exhaustive, since a later outcome can differ from it.
        """
        if self.total == 0:
            return _MesRun(self, Fraction(0)).run(), None
        if not completion:
            return _MesRun(self, Fraction(self.budget, self.total)).run(), None
        # Money per unit of (real) weight is k * unit; per unit of scaled weight it is
        # k * unit / weight_scale.
        start = k = (self.budget * self.weight_scale) // (self.total * self.unit)
        current = self._run_at(k)
        while True:
            if current.winner_mask & self.backed == self.backed:
                # Every later outcome fits as well (only backed proposals are ever funded,
                # and these all fit together), and from some raise on every one funds all
                # of them: raising more would never end and never change the outcome.
                return current, _Completion(start, k, None)
            same = self.raises_without_change(current, k)
            if same:
                k += same
                current = self._run_at(k)
                continue
            nxt = self._run_at(k + 1)
            cost = self.outcome_cost(nxt.winners)
            if cost > self.budget:
                return current, _Completion(start, k, cost)
            k += 1
            current = nxt

    def raises_without_change(self, run: _MesRun, k: int) -> int:
        """How many more one-unit raises surely give the same outcome as `run` (often 0).

        If no backer ever paid all they had, each group's money is the endowment less fixed
        prices, so a raise adds the same to everyone and nobody falls short. If also the
        proposals were bought in strictly falling order of (weighted approvals, ballot
        order) and every proposal left over ranks below them, none of those can beat a
        winner, whose rho is already the least possible (1 / its approval weight). Then
        the outcome changes only once a leftover proposal becomes affordable at the end.
        """
        if run.capped:
            return 0
        rank = [(self.support[c], -c) for c in run.winners]
        if any(a <= b for a, b in zip(rank, rank[1:], strict=False)):
            return 0
        leftover = _bits(self.backed & ~run.winner_mask)
        if not leftover:
            return 0
        if rank and max((self.support[c], -c) for c in leftover) >= rank[-1]:
            return 0
        denom = run.denoms[-1]
        raises = None
        for c in leftover:
            money = sum(run.money_now(s) * w for s, w in self.classes(c, run.winner_mask))
            # Affordable after m more raises once money + m * unit * support / weight_scale
            # (over the denominator) reaches the cost.
            short = (self.cost[c] * denom - money) * self.weight_scale
            step = self.unit * self.support[c] * denom
            fits = -(-short // step) - 1  # the most raises that still leave it short
            raises = fits if raises is None else min(raises, fits)
        return max(raises, 0)

    def _run_at(self, k: int) -> _MesRun:
        return _MesRun(self, Fraction(k * self.unit, self.weight_scale)).run()

    def proposal_results(
        self,
        chosen: set[int],
        mes: _MesRun | None,
        greedy_order: list[int],
        greedy_chosen: set[int],
        greedy_left: dict[int, Fraction],
    ) -> tuple[ProposalResult, ...]:
        """The per-proposal figures: payments for the bought, money left for the rest."""
        rank = {c: i + 1 for i, c in enumerate(greedy_order)}
        payments = mes.payment_groups() if mes is not None else {}
        results = []
        for c in range(self.n):
            rnd = mes.round_of[c] if mes is not None else -1
            bought = rnd >= 0
            results.append(
                ProposalResult(
                    id=self.ids[c],
                    cost=Fraction(self.cost[c], self.money_scale),
                    funded=c in chosen,
                    approvals=self.approvals[c],
                    approval_weight=Fraction(self.support[c], self.weight_scale),
                    round=rnd + 1 if bought else None,
                    rho=mes.rho(rnd) if bought else None,
                    payment_per_weight=mes.payment_per_weight(rnd) if bought else None,
                    payments=payments.get(c, ()),
                    backers_left=(mes.backers_left(c) if mes is not None and not bought else None),
                    in_greedy=c in greedy_chosen,
                    greedy_rank=rank.get(c),
                    greedy_left=greedy_left.get(c),
                )
            )
        return tuple(results)


class _MesRun:
    """One run of equal shares for a given endowment, in exact integer arithmetic.

    A voter's money per unit of weight depends only on which funded proposals they backed,
    so voters are tracked by that set (a bit mask `s`) and its money is worked out once.
    Money per unit of scaled weight is an integer over a common denominator that grows as
    rounds are bought: `denoms[j]` is the denominator after j rounds, `factor[j]` turns a
    numerator over `denoms[j]` into one over the current denominator, and remembered money
    is brought up to date only when it is next needed.
    """

    def __init__(self, election: _Election, endowment: Fraction) -> None:
        self.election = election
        self.endowment = endowment  # per unit of scaled weight, in scaled money
        self.denoms = [endowment.denominator]
        self.mults: list[int] = []  # denoms[k + 1] == denoms[k] * mults[k]
        self.factor = [1]
        #: mask -> (money numerator, round whose denominator it is over)
        self.memo: dict[int, tuple[int, int]] = {0: (endowment.numerator, 0)}
        self.payment: list[int] = []  # per round: payment numerator over denoms[round + 1]
        self.pay_now: list[int] = []  # the same payments over the current denominator
        self.ratio: list[tuple[int, int]] = []  # per round: rho = num / (den * denoms[round])
        self.round_of = [-1] * election.n
        self.winners: list[int] = []
        self.winner_mask = 0
        self.capped = False  #: whether any backer had less than the price and paid all

    def money_now(self, s: int) -> int:
        """Money per unit of scaled weight, over the current denominator, of the voters whose
        funded approvals are exactly `s` (every such group was recorded when it arose)."""
        j = len(self.winners)
        num, k = self.memo[s]
        if k != j:
            num *= self.factor[k]
            self.memo[s] = (num, j)
        return num

    def evaluate(self, c: int) -> tuple[int, int] | None:
        """The smallest rho at which the backers of `c` can buy it, as (num, den), or None.

        rho = num / (den * D) for the current denominator D. Backers who would be asked
        for more than they have pay all they have; the rest share what is left equally
        per unit of weight.
        """
        election = self.election
        support = election.support[c]
        need = election.cost[c] * self.denoms[-1]
        if not self.winner_mask:
            if self.memo[0][0] * support < need:
                return None
            return need, support * election.cost[c]
        j = len(self.winners)
        memo, factor = self.memo, self.factor
        # The backers who pay all they have are exactly those with less than the final
        # price t. Start from the price if nobody were short (an equal split), take
        # everyone below it as paying all they have, recompute the price, and repeat
        # until nobody new falls below it. Money is compared, and summed, over the
        # denominator it was recorded with, to avoid bringing each amount up to date.
        paid, rest = 0, support
        items = election.classes(c, self.winner_mask)
        while True:
            cuts = self.cuts(-(-(need - paid) // rest))
            sums = [0] * (j + 1)
            high = []
            for item in items:
                num, k = memo[item[0]]
                if num < cuts[k]:
                    sums[k] += num * item[1]
                    rest -= item[1]
                else:
                    high.append(item)
            if len(high) == len(items):
                return need - paid, rest * election.cost[c]
            paid += sum(total * f for total, f in zip(sums, factor, strict=True) if total)
            if not rest:
                return None  # everyone would pay all they have and still fall short
            items = high

    def cuts(self, threshold: int) -> list[int]:
        """For each round k, the least numerator over `denoms[k]` that is not below
        `threshold` (a numerator over the current denominator): ceil(threshold / factor[k]).
        """
        cuts = [threshold]
        for mult in reversed(self.mults):
            threshold = -(-threshold // mult)
            cuts.append(threshold)
        cuts.reverse()
        return cuts

    def run(self) -> _MesRun:
        """Buy proposals round by round at the lowest rho until none is affordable."""
        election = self.election
        support = election.support
        remaining = [c for c in range(election.n) if support[c] > 0]
        if self.endowment == 0:
            return self
        # rho never falls from one round to the next, so the last one seen is a lower
        # bound; floats only order the candidates, and the slack keeps the cut-off safe.
        bound = {c: _floor_ratio(1, support[c]) for c in remaining}
        while remaining:
            remaining.sort(key=bound.__getitem__)
            best = None
            best_float = math.inf
            dropped = []
            denom = self.denoms[-1]
            for c in remaining:
                if best_float > _TINY and bound[c] > best_float * (1 + _FLOAT_SLACK):
                    break
                found = self.evaluate(c)
                if found is None:
                    dropped.append(c)  # its backers will never have more money than now
                    continue
                num, den = found
                value = _floor_ratio(num, den * denom)
                bound[c] = value
                if best is None:
                    best, best_float = (num, den, c), value
                    continue
                b_num, b_den, b = best
                diff = num * b_den - b_num * den
                if diff < 0 or (diff == 0 and (support[c], -c) > (support[b], -b)):
                    best, best_float = (num, den, c), value
            for c in dropped:
                remaining.remove(c)
            if best is None:
                break
            num, den, c = best
            remaining.remove(c)
            self.buy(c, num, den // election.cost[c])
        return self

    def buy(self, c: int, num: int, rest: int) -> None:
        """Record that `c` was bought: backers pay num / (rest * D) per unit of weight, or all
        they have if that is less."""
        election = self.election
        g = math.gcd(num, rest)
        mult = rest // g
        pay = num // g  # over the new denominator, denoms[-1] * mult
        j = len(self.winners)
        self.mults.append(mult)
        self.factor = [f * mult for f in self.factor]
        self.factor.append(1)
        self.denoms.append(self.denoms[-1] * mult)
        # Every group of backers becomes a group that also backed c: those with less than
        # the price are left with nothing, the rest with what they had less the price.
        bit = 1 << c
        memo, factor = self.memo, self.factor
        cuts = self.cuts(pay)
        for s, _ in election.classes(c, self.winner_mask):
            had, k = memo[s]
            if had < cuts[k]:
                memo[s | bit] = (0, j + 1)
                self.capped = True
            else:
                memo[s | bit] = (had * factor[k] - pay, j + 1)
        self.ratio.append((num, rest * election.cost[c]))
        self.payment.append(pay)
        self.pay_now = [p * mult for p in self.pay_now]
        self.pay_now.append(pay)
        self.round_of[c] = j
        self.winners.append(c)
        self.winner_mask |= bit

    # Figures for the result, in real money and real weight.

    def endowment_per_weight(self) -> Fraction:
        e = self.election
        return self.endowment * e.weight_scale / e.money_scale

    def payment_per_weight(self, rnd: int) -> Fraction:
        e = self.election
        return Fraction(self.payment[rnd], self.denoms[rnd + 1]) * e.weight_scale / e.money_scale

    def rho(self, rnd: int) -> Fraction:
        num, den = self.ratio[rnd]
        return Fraction(num, den * self.denoms[rnd]) * self.election.weight_scale

    def rounds(self) -> tuple[MesRound, ...]:
        ids = self.election.ids
        return tuple(
            MesRound(i + 1, ids[c], self.rho(i), self.payment_per_weight(i))
            for i, c in enumerate(self.winners)
        )

    def backers_left(self, c: int) -> Fraction:
        """What the backers of `c` had left at the end, in money."""
        e = self.election
        total = sum(self.money_now(s) * w for s, w in e.classes(c, self.winner_mask))
        return Fraction(total, self.denoms[-1] * e.money_scale)

    def payment_groups(self) -> dict[int, tuple[PaymentGroup, ...]]:
        """For each bought proposal, its backers grouped by weight and by how they paid."""
        e = self.election
        # Voters who backed the same funded proposals with the same weight paid alike.
        alike: dict[tuple[int, int], int] = {}
        for (mask, w), count in e.voter_groups.items():
            key = (mask & self.winner_mask, w)
            alike[key] = alike.get(key, 0) + count
        before = [0]
        for c in self.winners:
            before.append(before[-1] | 1 << c)
        # (proposal, weight, paid all) -> [voters, total paid, least, most], over D * M
        tiers: dict[tuple[int, int, int], list[int]] = {}
        for (mask, w), count in alike.items():
            for c in _bits(mask):
                rnd = self.round_of[c]
                had = self.money_now(mask & before[rnd]) * w
                price = self.pay_now[rnd] * w
                # 0: paid the full price; 1: paid all they had, short of it; 2: had nothing
                capped = 0 if had >= price else 1 if had else 2
                paid = price if capped == 0 else had
                tier = tiers.get((c, w, capped))
                if tier is None:
                    tiers[(c, w, capped)] = [count, paid * count, paid, paid]
                else:
                    tier[0] += count
                    tier[1] += paid * count
                    tier[2] = min(tier[2], paid)
                    tier[3] = max(tier[3], paid)
        denominator = self.denoms[-1] * e.money_scale
        endowment = self.endowment_per_weight()
        found: dict[int, list[PaymentGroup]] = {}
        for (c, w, capped), (count, total, least, most) in tiers.items():
            weight = Fraction(w, e.weight_scale)
            found.setdefault(c, []).append(
                PaymentGroup(
                    count,
                    weight,
                    endowment * weight,
                    capped > 0,
                    Fraction(total, denominator),
                    Fraction(least, denominator),
                    Fraction(most, denominator),
                )
            )
        return {
            c: tuple(sorted(groups, key=lambda g: (g.paid_all, g.most == 0, -g.voters, g.weight)))
            for c, groups in found.items()
        }


# Plain-English explanations.

Money = Callable[[int], str]


@dataclass(frozen=True)
class Explanation:
    """Sentences explaining a count: an overview and one sentence per proposal."""

    summary: tuple[str, ...]
    proposals: dict[str, str]


def _whole(amount: Fraction) -> int:
    """Round money to the nearest whole unit (halves up) for display."""
    return math.floor(amount + Fraction(1, 2))


def _members(count: int) -> str:
    return f"{count:,} member" + ("" if count == 1 else "s")


def _weight(weight: Fraction) -> str:
    if weight.denominator == 1:
        return f"{weight.numerator:,}"
    return f"{float(weight):,.2f}"


def _payment_phrase(group: PaymentGroup, money: Money, alone: bool) -> str:
    share = money(_whole(group.share))
    each = "" if group.voters == 1 else "each "
    if group.paid_all and not group.most:
        text = f"had nothing left of their {share} share"
        return f"who {text}" if alone else f"{group.voters:,} {text}"
    if group.paid_all:
        amount = money(_whole(group.least))
        if group.most != group.least:
            amount = f"{amount} to {money(_whole(group.most))}"
        paid = f"everything they had left, {amount}, of their {share} share"
        each = ""
    else:
        paid = f"{money(_whole(group.least))} of their {share} share"
    if alone:
        return f"who {each}paid {paid}"
    return f"{group.voters:,} {each}paid {paid}"


def explain(
    result: TallyResult, money: Money, names: Mapping[str, str] | None = None
) -> Explanation:
    """Plain-English sentences for a results page: how the count went and why each proposal
    was or was not funded. `money` formats a whole number of the smallest money unit;
    `names` gives proposals' titles by id, where a page has them."""
    names = names or {}
    summary = []
    spent = money(_whole(result.spent))
    budget = money(_whole(result.budget))
    if result.rule == "greedy":
        summary.append(
            f"The most approved proposals were funded first, skipping any that no longer fitted; "
            f"{spent} of the {budget} budget is spent."
        )
    else:
        endowment = money(_whole(result.endowment or Fraction(0)))
        summary.append(
            f"Each member's share of the budget was {endowment} per unit of voting weight; "
            "proposals were bought one at a time from the shares of their backers, each time "
            "the one its backers could pay for with the smallest part of its cost each."
        )
        if result.completion and any(p.approvals for p in result.proposals):
            summary.append(_explain_completion(result, money))
        if result.comparison and result.prefer_mes is not None:
            if set(result.greedy_selected) == set(result.mes_selected or ()):
                summary.append(
                    "Funding the most approved proposals first would have chosen the same."
                )
            else:
                chosen = [names.get(i, i) for i in result.greedy_selected]
                summary.append(
                    "Funding the most approved proposals first would have chosen: "
                    f"{', '.join(chosen) or 'nothing'}."
                )
                mes_w = _weight(result.prefer_mes)
                greedy_w = _weight(result.prefer_greedy or Fraction(0))
                if result.outcome == "greedy":
                    summary.append(
                        f"More voting weight preferred that ({greedy_w} against {mes_w}), "
                        "so it replaced the equal-shares outcome."
                    )
                else:
                    summary.append(
                        f"Counting voting weight, {mes_w} preferred the equal-shares outcome "
                        f"and {greedy_w} preferred that one, so the equal-shares outcome stands."
                    )
        summary.append(f"{spent} of the {budget} budget is spent.")
    proposals = {p.id: _explain_proposal(result, p, money) for p in result.proposals}
    return Explanation(tuple(summary), proposals)


def _explain_completion(result: TallyResult, money: Money) -> str:
    """How far the completion raised shares and why it stopped there."""
    per = "per unit of voting weight" if result.weighted else "per member"
    start = money(_whole(result.start_endowment or Fraction(0)))
    end = money(_whole(result.endowment or Fraction(0)))
    if result.next_cost is None:
        if not result.completion_steps:
            return "Every proposal anyone voted for was funded without raising shares."
        return (
            f"Shares were raised from {start} to {end} {per}, when every proposal anyone "
            "voted for was funded."
        )
    more = (
        f"another {money(_whole(result.unit))} {per} would have funded proposals costing "
        f"{money(_whole(result.next_cost))}, more than the {money(_whole(result.budget))} budget"
    )
    if not result.completion_steps:
        return f"Shares stayed at {start} {per}: {more}."
    return f"Shares were raised from {start} to {end} {per} to spend more of the budget; {more}."


def _explain_proposal(result: TallyResult, p: ProposalResult, money: Money) -> str:
    cost = money(_whole(p.cost))
    if p.approvals == 0:
        return "Not funded: nobody voted for it."
    backed = f"backed by {_members(p.approvals)}"
    if result.outcome == "greedy":
        place = f"it had the {_ordinal(p.greedy_rank or 0)} most weighted approvals"
        left = money(_whole(p.greedy_left or Fraction(0)))
        if p.funded:
            return f"Funded: {backed}; {place} and {left} of the budget was left, it costs {cost}."
        return (
            f"Not funded: {backed}; {place}, but only {left} was left when its turn came, "
            f"and it costs {cost}."
        )
    if p.funded:
        if len(p.payments) == 1:
            detail = _payment_phrase(p.payments[0], money, alone=True)
            return f"Funded in round {p.round}: {backed}, {detail}."
        parts = "; ".join(_payment_phrase(g, money, alone=False) for g in p.payments)
        return f"Funded in round {p.round}: {backed}. {parts[0].upper()}{parts[1:]}."
    left = money(_whole(p.backers_left or Fraction(0)))
    return f"Not funded: its backers had {left} left, it costs {cost}."


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def explain_share(
    result: TallyResult, voter: str, money: Money, names: Mapping[str, str] | None = None
) -> str:
    """Plain English for one member: where their share of the budget went."""
    names = names or {}
    if result.rule == "greedy" or result.endowment is None:
        return "This count funded the most approved proposals first; it did not use shares."
    share = result.share(voter)
    if share.weight == 0:
        return "Your vote had no weight in this count, so you had no share to spend."
    spent = [
        f"{money(_whole(paid))} towards {names.get(pid, pid)}"
        for pid, paid in share.payments.items()
        if paid
    ]
    start = f"Your share was {money(_whole(share.share))}"
    if not spent:
        text = (
            f"{start}; none of it was spent, because none of the proposals you backed was bought."
        )
    else:
        text = (
            f"{start}: you paid {', '.join(spent)}, and {money(_whole(share.left))} was not spent."
        )
    if result.outcome == "greedy":
        text += " In the end the most approved proposals were funded instead."
    return text
