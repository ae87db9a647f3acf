"""Wall times of the surplus-ballot count on real and synthetic elections, against pabutools."""

from __future__ import annotations

import argparse
import random
import statistics
import time
from fractions import Fraction
from pathlib import Path

from coop.voting.pabulib import read_pb
from coop.voting.tally import Ballot, Proposal, TallyResult, class_weights, tally

SWIECIE = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "pabulib" / "Poland_Swiecie_2023.pb"
)

CLASSES = {  # member class: (share of the say, share of the membership)
    "budget_holder": (Fraction(2, 5), 15),
    "personal_assistant": (Fraction(3, 10), 45),
    "carer": (Fraction(1, 5), 25),
    "supporter": (Fraction(1, 10), 15),
}


def synthetic(voters: int, proposals: int = 60, seed: int = 2026):
    """A seeded random co-op ballot: skewed popularity, 1-8 approvals, class weights.

    Costs are 10,000-299,000 whole units, the budget is 30% of their total, and each
    member's weight comes from `class_weights` for their class's share.
    """
    rng = random.Random(seed)
    costs = [rng.randrange(10, 300) * 1000 for _ in range(proposals)]
    popularity = [rng.paretovariate(1.2) for _ in range(proposals)]
    items = [Proposal(f"p{i + 1}", cost) for i, cost in enumerate(costs)]
    names = list(CLASSES)
    member_class = rng.choices(names, weights=[CLASSES[n][1] for n in names], k=voters)
    turnout = {n: member_class.count(n) for n in names}
    weights = class_weights({n: CLASSES[n][0] for n in names}, turnout)
    ballots = []
    for v in range(voters):
        size = rng.choices(range(1, 9), weights=[10, 15, 30, 20, 12, 6, 4, 3])[0]
        approved: set[int] = set()
        while len(approved) < size:
            approved.add(rng.choices(range(proposals), weights=popularity)[0])
        ballots.append(
            Ballot(f"m{v}", frozenset(items[i].id for i in approved), weights[member_class[v]])
        )
    return items, ballots, sum(costs) * 3 // 10


def timed(repeat: int, proposals, ballots, budget) -> tuple[list[float], float, TallyResult]:
    """Wall times of `repeat` full counts, the CPU time of the fastest, and the result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        result = tally(proposals, ballots, budget)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus[walls.index(min(walls))], result


def report(name: str, walls: list[float], cpu: float, result: TallyResult) -> None:
    spread = f"best {min(walls):.3f} s, median {statistics.median(walls):.3f} s"
    print(
        f"{name:<34} {spread} (cpu {cpu:.3f} s); {result.voters:,} voters, "
        f"{len(result.proposals)} proposals, {result.completion_steps} completion raises, "
        f"{len(result.selected)} funded by {result.outcome}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each count (default 3)")
    parser.add_argument("--no-pabutools", action="store_true", help="skip the pabutools run")
    args = parser.parse_args()

    print(f"coop count with Add1 completion and comparison; best and median of {args.repeat}")
    election = read_pb(SWIECIE)
    proposals, ballots, budget = election.proposals(), election.ballots(), election.budget
    walls, cpu, result = timed(args.repeat, proposals, ballots, budget)
    report("Świecie 2023 (pabulib)", walls, cpu, result)
    official = [p.id for p in election.projects if p.fields.get("selected") == "1"]
    print(f"{'':<34} matches the official selection: {list(result.selected) == official}")
    ours, ours_cpu = min(walls), cpu

    for voters in (10_000, 100_000):
        items, weighted, money = synthetic(voters)
        walls, cpu, result = timed(args.repeat, items, weighted, money)
        report(f"synthetic, {voters:,} weighted voters", walls, cpu, result)

    if args.no_pabutools:
        return
    try:
        from pabutools.election import Cost_Sat, parse_pabulib
        from pabutools.rules import method_of_equal_shares
    except ImportError:
        print("pabutools is not installed (pip install -e '.[dev]'): no comparison")
        return
    instance, profile = parse_pabulib(str(SWIECIE))
    cpu, wall = time.process_time(), time.perf_counter()
    outcome = method_of_equal_shares(
        instance, profile, sat_class=Cost_Sat, voter_budget_increment=1
    )
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    same = sorted(p.name for p in outcome) == sorted(official)
    print(
        f"{'pabutools MES, Świecie 2023':<34} {wall:.3f} s (cpu {cpu:.3f} s), one run; "
        f"matches the official selection: {same}"
    )
    print(
        f"speed-up on Świecie: {wall / ours:.0f} times faster than pabutools in wall time, "
        f"{cpu / ours_cpu:.0f} times in CPU time"
    )


if __name__ == "__main__":
    main()
