"""`coop-tally FILE.pb`: recount a pabulib election without the app (no Flask, no database)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from coop.voting.pabulib import RULES, PabulibError, read_pb, rule_name
from coop.voting.tally import Rule, tally

#: How the co-op counts its own ballots, and so any file whose META names no known rule.
DEFAULT_RULE = "equalshares/add1-comparison"


@dataclass(frozen=True)
class Counting:
    """How to count a file: the rule and its steps, and why, in words for standard error."""

    rule: Rule
    completion: bool
    comparison: bool
    why: str

    @property
    def name(self) -> str:
        return rule_name(self.rule, self.completion, self.comparison)

    def describe(self) -> str:
        return f"Counted with {self.name}: {self.why}."


def choose_counting(
    named: str | None,
    rule: Rule | None = None,
    completion: bool | None = None,
    comparison: bool | None = None,
) -> Counting:
    """The rule the file names in META (`named`), unless the options say otherwise.

    A file that names no rule, or one this count does not know, is counted as the co-op
    counts its own ballots. `rule="mes"` on a greedy file takes completion and comparison
    from the co-op's rule too; for greedy they mean nothing.
    """
    named = (named or "").strip()
    known = RULES.get(named.lower())
    base = rule_name(*(known or RULES[DEFAULT_RULE]))
    chosen, with_completion, with_comparison = known or RULES[DEFAULT_RULE]
    options = []
    if rule is not None:
        options.append(f"--rule {rule}")
        if rule != chosen:
            chosen, with_completion, with_comparison = RULES[
                DEFAULT_RULE if rule == "mes" else "greedy"
            ]
    if chosen == "mes" and completion is not None:
        options.append("--completion" if completion else "--no-completion")
        with_completion = completion
    if chosen == "mes" and comparison is not None:
        options.append("--comparison" if comparison else "--no-comparison")
        with_comparison = comparison
    name = rule_name(chosen, with_completion, with_comparison)
    if known:
        why = "the rule the file names" if name == base else f"the file names {base}"
    else:
        missing = f"{named!r}, which this count does not know" if named else "no rule"
        why = f"the file names {missing}, so the co-op's own" + ("" if name == base else f" {base}")
    if name != base:
        why += f", changed by {' '.join(options)}"
    return Counting(chosen, with_completion, with_comparison, why)


def count_file(
    path: Path,
    rule: Rule | None = None,
    completion: bool | None = None,
    comparison: bool | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Count a pabulib file and print the selected project ids, one a line, in file order.

    Says on `err` which rule it used, or what is wrong with the file. Returns the exit
    code: 0 when counted, 2 when the file cannot be read or is malformed. Both
    `coop-tally` and `flask voting tally-pb` run this, so they print the same.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        election = read_pb(path)
    except PabulibError as error:
        print(f"Error: {path}: {error}", file=err)
        return 2
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        print(f"Error: cannot read {path}: {reason}", file=err)
        return 2
    counting = choose_counting(election.meta.get("rule"), rule, completion, comparison)
    result = tally(
        election.proposals(),
        election.ballots(),
        election.budget,
        rule=counting.rule,
        completion=counting.completion,
        comparison=counting.comparison,
        unit=1,
    )
    for project_id in result.selected:
        print(project_id, file=out)
    print(counting.describe(), file=err)
    return 0


#: The help both commands give, so that they describe themselves alike.
HELP = {
    "command": (
        "Count a pabulib FILE.pb and print the selected project ids, one per line, in the "
        "file's project order. The rule is the one the file's META names (equalshares, "
        "equalshares/add1, either with -comparison, or greedy) unless the options say "
        f"otherwise; a file naming no known rule is counted with {DEFAULT_RULE}, as the "
        "co-op counts. Standard error says which rule was used. Money is counted in whole "
        "currency units, as pabulib files are; ties go to more approvals, then to the "
        "project listed first."
    ),
    "rule": "mes (the Method of Equal Shares) or greedy (most approved first).",
    "completion": "Raise shares one currency unit at a time while the outcome fits (Add1).",
    "comparison": "Switch to the greedy outcome if strictly more voters prefer it.",
}


def main(argv: Sequence[str] | None = None) -> int:
    """The `coop-tally` console script."""
    parser = argparse.ArgumentParser(prog="coop-tally", description=HELP["command"])
    parser.add_argument("file", type=Path, help="the pabulib .pb file")
    parser.add_argument("--rule", choices=["mes", "greedy"], help=HELP["rule"])
    parser.add_argument(
        "--completion", action=argparse.BooleanOptionalAction, help=HELP["completion"]
    )
    parser.add_argument(
        "--comparison", action=argparse.BooleanOptionalAction, help=HELP["comparison"]
    )
    args = parser.parse_args(argv)
    return count_file(args.file, args.rule, args.completion, args.comparison)


if __name__ == "__main__":
    raise SystemExit(main())
