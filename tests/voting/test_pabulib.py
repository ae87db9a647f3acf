"""Tests for reading and writing pabulib .pb files, and the `flask voting tally-pb` command."""

from __future__ import annotations

import io
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from coop.voting.cli import voting_cli
from coop.voting.pabulib import (
    RULES,
    PabulibError,
    PbElection,
    PbProject,
    PbVote,
    parse_pb,
    read_pb,
    write_pb,
)
from coop.voting.tally import tally
from coop.voting.tally_cli import choose_counting

DATA = Path(__file__).parent.parent / "data" / "pabulib"
SWIECIE = DATA / "Poland_Swiecie_2023.pb"

SMALL = """META
key;value
description;A small test
budget;100
vote_type;approval
rule;equalshares/add1
PROJECTS
project_id;cost;name
a;60;"Garden; phase 1"
b;40;"The ""big"" bench"
c;30;Lamp
VOTES
voter_id;vote;weight
v1;a,b;1
v2;a;0.5
v3;b,c;3/2
v4;;2
"""


def test_parse_reads_meta_projects_and_weighted_votes():
    election = parse_pb(SMALL)
    assert election.meta["rule"] == "equalshares/add1"
    assert election.budget == 100
    assert [(p.id, p.cost) for p in election.projects] == [("a", 60), ("b", 40), ("c", 30)]
    assert election.projects[0].fields["name"] == "Garden; phase 1"
    assert election.projects[1].fields["name"] == 'The "big" bench'
    assert [(v.voter_id, v.approved, v.weight) for v in election.votes] == [
        ("v1", ("a", "b"), 1),
        ("v2", ("a",), Fraction(1, 2)),
        ("v3", ("b", "c"), Fraction(3, 2)),
        ("v4", (), 2),
    ]


def test_weight_defaults_to_one_and_spaces_around_fields_are_ignored():
    text = (
        "META\nkey; value\nbudget; 10\n"
        "PROJECTS\nproject_id; cost\n1; 4\n"
        "VOTES\nvoter_id; vote\n7; 1\n"
    )
    election = parse_pb(text)
    assert election.budget == 10
    assert election.votes[0].approved == ("1",)
    assert election.votes[0].weight == 1


def test_a_voter_of_weight_zero_is_read_and_counts_for_nothing():
    election = parse_pb(_broken("v2;a;0.5", "v2;a;0"))
    assert election.votes[1].weight == 0
    with_zero = tally(election.proposals(), election.ballots(), election.budget)
    without = tally(election.proposals(), [b for b in election.ballots() if b.voter != "v2"], 100)
    assert with_zero.voters == 3
    assert with_zero.total_weight == without.total_weight == 9 / Fraction(2)
    assert with_zero.proposal("a").approvals == 1
    assert with_zero.selected == without.selected
    assert with_zero.endowment == without.endowment


def _broken(old: str, new: str) -> str:
    assert old in SMALL
    return SMALL.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            _broken("VOTES\nvoter_id;vote;weight\n", "VOTERS\nvoter_id;vote;weight\n"),
            17,
            "missing VOTES",
        ),
        (SMALL.split("PROJECTS")[0], 6, "missing PROJECTS"),
        (_broken("v1;a,b;1", "v1;a,z;1"), 14, "unknown project 'z'"),
        (_broken("b;40;", "b;forty;"), 10, "cost of project 'b' is not a number"),
        (_broken("c;30;", "c;0;"), 11, "must be positive"),
        (_broken("v2;a;0.5", "v2;a;heavy"), 15, "weight of voter 'v2' is not a number"),
        (_broken("v2;a;0.5", "v2;a;-1"), 15, "weight of voter 'v2' cannot be negative"),
        (_broken("v2;a;0.5", "v2;a;-0.25"), 15, "cannot be negative"),
        (_broken("v2;a;0.5", "v1;a;0.5"), 15, "duplicate voter id 'v1'"),
        (_broken("c;30;Lamp", "a;30;Lamp"), 11, "duplicate project id 'a'"),
        (_broken("vote_type;approval", "vote_type;ordinal"), 5, "only approval votes"),
        (_broken("budget;100", "budget;lots"), 4, "budget 'lots' is not a number"),
        (_broken("budget;100\n", ""), 1, "META has no budget"),
        (_broken("project_id;cost;name", "project_id;price;name"), 8, "no 'cost' column"),
        (_broken("v1;a,b;1", "v1;a,b"), 14, "has 2 fields but the header has 3"),
        (_broken("v1;a,b;1", "v1;a,a;1"), 14, "lists a project twice"),
        (_broken("META\n", "PROJECTS\n"), 1, "expected the META section"),
        ("hello\n" + SMALL, 1, "must start with the META section"),
    ],
)
def test_malformed_files_name_the_line_and_the_problem(text, line, problem):
    with pytest.raises(PabulibError) as caught:
        parse_pb(text)
    assert caught.value.line == line
    assert problem in str(caught.value)
    assert str(caught.value).startswith(f"line {line}: ")


def test_round_trip_keeps_everything_the_count_uses():
    election = parse_pb(SMALL)
    out = io.StringIO()
    write_pb(election, out)
    again = parse_pb(out.getvalue())
    assert again.budget == election.budget
    assert again.projects == election.projects
    assert [(v.voter_id, v.approved, v.weight) for v in again.votes] == [
        (v.voter_id, v.approved, v.weight) for v in election.votes
    ]
    assert again.meta["num_projects"] == "3"
    assert again.meta["num_votes"] == "4"


def test_writer_keeps_weights_exact_and_omits_them_when_all_are_one(tmp_path):
    election = PbElection(
        meta={"description": "Surplus ballot 2026", "budget": "1200"},
        projects=(PbProject("p1", Fraction(500)), PbProject("p2", Fraction(700))),
        votes=(
            PbVote("1", ("p1",), Fraction(2, 3)),
            PbVote("2", ("p1", "p2"), Fraction(5, 8)),
            PbVote("3", (), Fraction(7)),
        ),
    )
    path = tmp_path / "ballot.pb"
    write_pb(election, path)
    text = path.read_text(encoding="utf-8")
    assert "1;p1;2/3\n" in text
    assert "2;p1,p2;0.625\n" in text
    assert "3;;7\n" in text
    assert [v.weight for v in read_pb(path).votes] == [Fraction(2, 3), Fraction(5, 8), 7]

    unweighted = PbElection(election.meta, election.projects, (PbVote("1", ("p2",)),))
    out = io.StringIO()
    write_pb(unweighted, out)
    assert "voter_id;vote\n1;p2\n" in out.getvalue()


def test_writer_refuses_ids_that_cannot_be_written():
    election = PbElection({"budget": "1"}, (PbProject("a,b", Fraction(1)),), ())
    with pytest.raises(ValueError, match="no commas"):
        write_pb(election, io.StringIO())


names = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n,"), min_size=1)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(1, 10**6), min_size=1, max_size=5),
    st.lists(
        st.tuples(st.sets(st.integers(0, 4)), st.fractions(min_value=0)),
        max_size=6,
    ),
    st.lists(names, min_size=5, max_size=5, unique=True),
    names,
)
def test_any_election_survives_a_round_trip(costs, votes, ids, description):
    ids = [i.strip() or f"id{n}" for n, i in enumerate(ids)]
    if len(set(ids)) != len(ids):
        ids = [f"id{n}" for n in range(len(ids))]
    projects = tuple(PbProject(ids[i], Fraction(c)) for i, c in enumerate(costs))
    election = PbElection(
        {"description": description.strip() or "x", "budget": "1000"},
        projects,
        tuple(
            PbVote(f"v{n}", tuple(ids[i] for i in sorted(a) if i < len(costs)), weight)
            for n, (a, weight) in enumerate(votes)
        ),
    )
    out = io.StringIO()
    write_pb(election, out)
    again = parse_pb(out.getvalue())
    assert [(p.id, p.cost) for p in again.projects] == [(p.id, p.cost) for p in projects]
    assert [(v.voter_id, v.approved, v.weight) for v in again.votes] == [
        (v.voter_id, v.approved, v.weight) for v in election.votes
    ]


# Real data.


def test_swiecie_parses_as_published():
    election = read_pb(SWIECIE)
    assert election.budget == 1_070_000
    assert len(election.projects) == 22
    assert len(election.votes) == 2553
    assert election.meta["rule"] == "equalshares/add1"


def test_swiecie_count_reproduces_the_official_selection():
    election = read_pb(SWIECIE)
    official = [p.id for p in election.projects if p.fields["selected"] == "1"]
    result = tally(election.proposals(), election.ballots(), election.budget)
    assert list(result.selected) == official


def test_swiecie_round_trip_counts_the_same():
    election = read_pb(SWIECIE)
    out = io.StringIO()
    write_pb(election, out)
    again = parse_pb(out.getvalue())
    assert again.projects == election.projects
    first = tally(election.proposals(), election.ballots(), election.budget)
    second = tally(again.proposals(), again.ballots(), again.budget)
    assert first.selected == second.selected


# The command line.


def test_cli_prints_the_official_swiecie_selection_in_file_order():
    official = [p.id for p in read_pb(SWIECIE).projects if p.fields["selected"] == "1"]
    result = CliRunner().invoke(voting_cli, ["tally-pb", str(SWIECIE)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == official
    assert result.stderr == "Counted with equalshares/add1: the rule the file names.\n"


def test_cli_options_choose_the_rule(tmp_path):
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    runner = CliRunner()
    # Weighted approvals: b 2.5, a 1.5, c 1.5. Greedy buys b (40), then a (60) fills the
    # budget of 100, and c no longer fits.
    greedy = runner.invoke(voting_cli, ["tally-pb", str(path), "--rule", "greedy"])
    assert greedy.exit_code == 0, greedy.output
    assert greedy.stdout.splitlines() == ["a", "b"]
    assert greedy.stderr == (
        "Counted with greedy: the file names equalshares/add1, changed by --rule greedy.\n"
    )
    plain = runner.invoke(voting_cli, ["tally-pb", str(path), "--no-completion", "--no-comparison"])
    assert plain.exit_code == 0, plain.output
    election = parse_pb(SMALL)
    expected = tally(
        election.proposals(), election.ballots(), 100, completion=False, comparison=False
    )
    assert plain.stdout.splitlines() == list(expected.selected)
    assert plain.stderr == (
        "Counted with equalshares: the file names equalshares/add1, changed by --no-completion "
        "--no-comparison.\n"
    )


# Which rule a file is counted with: the one META names, unless the options say otherwise.

FOUR_MEMBERS = """META
key;value
budget;20
rule;{rule}
PROJECTS
project_id;cost
van;17
garden;9
kiln;12
VOTES
voter_id;vote
1;van,garden
2;van,garden
3;van
4;kiln
"""


@pytest.mark.parametrize(
    ("rule", "selected"),
    [
        # Shares start at 5: the van's backers have 15, so the garden is bought. With Add1,
        # shares rise to 10, where the van is bought first and the garden no longer fits.
        ("equalshares", ["garden"]),
        ("equalshares/add1", ["van"]),
        # Greedy (van, 3 approvals, then nothing else fits) is preferred by voter 3 alone,
        # over equal shares' garden; equal shares with Add1 agree with greedy.
        ("equalshares-comparison", ["van"]),
        ("equalshares/add1-comparison", ["van"]),
        ("greedy", ["van"]),
        ("  EqualShares  ", ["garden"]),
    ],
)
def test_the_rule_the_file_names_is_the_rule_it_is_counted_with(tmp_path, rule, selected):
    path = tmp_path / "four.pb"
    path.write_text(FOUR_MEMBERS.format(rule=rule), encoding="utf-8")
    result = CliRunner().invoke(voting_cli, ["tally-pb", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == selected
    name = rule.strip().lower()
    assert result.stderr == f"Counted with {name}: the rule the file names.\n"


@pytest.mark.parametrize(
    ("named", "options", "said"),
    [
        ("equalshares/add1", {}, "equalshares/add1: the rule the file names"),
        (
            "equalshares/add1",
            {"comparison": True},
            "equalshares/add1-comparison: the file names equalshares/add1, changed by --comparison",
        ),
        (
            "equalshares/add1",
            {"comparison": False, "rule": "mes"},
            "equalshares/add1: the rule the file names",
        ),
        (
            "greedy",
            {"rule": "mes"},
            "equalshares/add1-comparison: the file names greedy, changed by --rule mes",
        ),
        (
            "greedy",
            {"rule": "mes", "completion": False},
            "equalshares-comparison: the file names greedy, changed by --rule mes --no-completion",
        ),
        ("greedy", {"completion": True}, "greedy: the rule the file names"),
        (
            "equalshares-comparison",
            {"rule": "greedy", "comparison": True},
            "greedy: the file names equalshares-comparison, changed by --rule greedy",
        ),
        (
            None,
            {},
            "equalshares/add1-comparison: the file names no rule, so the co-op's own",
        ),
        (
            "unknown",
            {},
            "equalshares/add1-comparison: the file names 'unknown', which this count does not "
            "know, so the co-op's own",
        ),
        (
            "greedy-no-skip",
            {"comparison": False},
            "equalshares/add1: the file names 'greedy-no-skip', which this count does not "
            "know, so the co-op's own equalshares/add1-comparison, changed by --no-comparison",
        ),
    ],
)
def test_the_options_change_the_files_rule_and_say_so(named, options, said):
    counting = choose_counting(named, **options)
    assert counting.describe() == f"Counted with {said}."
    assert RULES[counting.name] == (counting.rule, counting.completion, counting.comparison)


def test_cli_reports_a_malformed_file_with_its_line(tmp_path):
    path = tmp_path / "bad.pb"
    path.write_text(_broken("v1;a,b;1", "v1;a,z;1"), encoding="utf-8")
    result = CliRunner().invoke(voting_cli, ["tally-pb", str(path)])
    assert result.exit_code == 2
    assert "line 14: voter 'v1' voted for unknown project 'z'" in result.stderr
    assert result.stdout == ""


def test_cli_reports_a_missing_file(tmp_path):
    result = CliRunner().invoke(voting_cli, ["tally-pb", str(tmp_path / "nowhere.pb")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
    assert "nowhere.pb" in result.stderr


# `coop-tally`: the same count, installed as a console script, without the app.

PB_FILES = sorted(DATA.glob("*.pb"))


def test_coop_tally_imports_neither_flask_nor_sqlalchemy():
    code = (
        "import sys\n"
        "from coop.voting.tally_cli import main\n"
        f"status = main([{str(SWIECIE)!r}])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'sqlalchemy', 'flask_sqlalchemy', 'jinja2', 'werkzeug', 'click'}))\n"
        "raise SystemExit(status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
    assert done.stdout.splitlines()[:-1] == [
        p.id for p in read_pb(SWIECIE).projects if p.fields["selected"] == "1"
    ]


@pytest.mark.parametrize("path", PB_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize(
    "options",
    [[], ["--rule", "greedy"], ["--no-completion"], ["--comparison"], ["--rule", "mes"]],
    ids=" ".join,
)
def test_coop_tally_prints_what_flask_tally_pb_prints(runner, coop_tally, path, options):
    flask_run = runner.invoke(args=["voting", "tally-pb", str(path), *options])
    script_run = coop_tally(path, *options)
    assert script_run.returncode == flask_run.exit_code == 0, script_run.stderr
    assert script_run.stdout == flask_run.stdout
    assert script_run.stderr == flask_run.stderr
    assert script_run.stdout


@pytest.mark.parametrize("problem", ["malformed", "missing", "a folder"])
def test_coop_tally_fails_as_flask_tally_pb_fails(runner, coop_tally, tmp_path, problem):
    path = {"malformed": tmp_path / "bad.pb", "missing": tmp_path / "none.pb", "a folder": tmp_path}
    path = path[problem]
    if problem == "malformed":
        path.write_text(_broken("budget;100", "budget;lots"), encoding="utf-8")
    flask_run = runner.invoke(args=["voting", "tally-pb", str(path)])
    script_run = coop_tally(path)
    assert script_run.returncode == flask_run.exit_code == 2
    assert script_run.stdout == flask_run.stdout == ""
    assert script_run.stderr == flask_run.stderr
    assert script_run.stderr.startswith("Error: ")
