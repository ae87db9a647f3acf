"""Wall times of the surplus-ballot count on real and synthetic elections, and of a whole
recount (`coop-tally FILE.pb`, process start to finish) against pabutools."""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from fractions import Fraction
from itertools import accumulate
from pathlib import Path

from coop.voting.pabulib import read_pb
from coop.voting.tally import Ballot, Proposal, TallyResult, class_weights, tally

PABULIB = Path(__file__).resolve().parent.parent / "tests" / "data" / "pabulib"
SWIECIE = PABULIB / "Poland_Swiecie_2023.pb"

#: pabutools' equal shares with Add1 completion, run as a whole process on one file; it
#: prints the selected ids, then the time of its count alone.
PABUTOOLS = """
import sys, time
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import method_of_equal_shares
instance, profile = parse_pabulib(sys.argv[1])
start = time.perf_counter()
outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
count = time.perf_counter() - start
print("\\n".join(sorted(p.name for p in outcome)))
print(count)
"""

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
    popularity = list(accumulate(rng.paretovariate(1.2) for _ in range(proposals)))
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
            approved.add(rng.choices(range(proposals), cum_weights=popularity)[0])
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


def peak_memory_mb() -> float:
    """The most memory this process has held so far (resident set size), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def national() -> None:
    """A national co-op's ballot, counted once: 1,000,000 weighted voters on 100 proposals."""
    start = time.perf_counter()
    items, weighted, money = synthetic(1_000_000, proposals=100)
    made = time.perf_counter() - start
    distinct = len({(b.approved, b.weight) for b in weighted})
    walls, cpu, result = timed(1, items, weighted, money)
    report("synthetic, 1,000,000 weighted voters", walls, cpu, result)
    print(
        f"{'':<34} {distinct:,} distinct ballots (approvals and weight), drawn in {made:.1f} s; "
        f"peak memory of the process {peak_memory_mb():,.0f} MB"
    )


def whole_process(path: Path, repeat: int) -> None:
    """`coop-tally FILE` from process start to finish, against pabutools' whole process."""
    script = Path(sys.executable).with_name("coop-tally")
    if not script.exists():
        print("coop-tally is not installed (pip install -e '.[dev]'): no whole-process figures")
        return
    official = sorted(p.id for p in read_pb(path).projects if p.fields.get("selected") == "1")
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([script, path], capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - start)
    ours = min(walls)
    print(
        f"{path.name:<34} coop-tally best {ours:.2f} s, median {statistics.median(walls):.2f} s; "
        f"matches the official selection: {sorted(done.stdout.split()) == official}"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PABUTOOLS, path], capture_output=True, text=True)
    theirs = time.perf_counter() - start
    if done.returncode:
        print(f"{'':<34} pabutools failed: {done.stderr.strip().splitlines()[-1:]}")
        return
    *selected, count = done.stdout.split()
    print(
        f"{'':<34} pabutools {theirs:.2f} s (its count alone {float(count):.2f} s), one run; "
        f"matches the official selection: {sorted(selected) == official}"
    )
    print(f"{'':<34} whole process: coop-tally {theirs / ours:.0f} times faster than pabutools")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each count (default 3)")
    parser.add_argument("--no-pabutools", action="store_true", help="skip the pabutools runs")
    parser.add_argument(
        "--no-national", action="store_true", help="skip the 1,000,000-voter ballot"
    )
    args = parser.parse_args()

    print(
        f"coop count with Add1 completion and comparison; best and median of {args.repeat}; "
        f"{os.cpu_count()} CPUs"
    )
    election = read_pb(SWIECIE)
    proposals, ballots, budget = election.proposals(), election.ballots(), election.budget
    walls, cpu, result = timed(args.repeat, proposals, ballots, budget)
    report("Świecie 2023 (pabulib)", walls, cpu, result)
    official = [p.id for p in election.projects if p.fields.get("selected") == "1"]
    print(f"{'':<34} matches the official selection: {list(result.selected) == official}")

    for voters in (10_000, 100_000):
        items, weighted, money = synthetic(voters)
        walls, cpu, result = timed(args.repeat, items, weighted, money)
        report(f"synthetic, {voters:,} weighted voters", walls, cpu, result)
    if not args.no_national:
        national()

    if args.no_pabutools:
        return
    try:
        import pabutools  # noqa: F401 - only to know whether it is there
    except ImportError:
        print("pabutools is not installed (pip install -e '.[dev]'): no comparison")
        return
    print(
        "\nWhole recount of each pabulib file in tests/data, wall time from process start to "
        "finish:\ncoop-tally FILE.pb against pabutools' method_of_equal_shares (Cost_Sat, "
        "voter_budget_increment=1)"
    )
    for path in sorted(PABULIB.glob("*.pb")):
        whole_process(path, args.repeat)


if __name__ == "__main__":
    main()
