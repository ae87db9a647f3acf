"""Read and write participatory-budgeting elections in the pabulib `.pb` format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TextIO

from coop.voting.tally import Ballot, Proposal, Rule

SECTIONS = ("META", "PROJECTS", "VOTES")

#: The rules a file's META may name that this count knows: rule, completion, comparison.
RULES: dict[str, tuple[Rule, bool, bool]] = {
    "equalshares": ("mes", False, False),
    "equalshares-comparison": ("mes", False, True),
    "equalshares/add1": ("mes", True, False),
    "equalshares/add1-comparison": ("mes", True, True),
    "greedy": ("greedy", False, False),
}


def rule_name(rule: Rule, completion: bool, comparison: bool) -> str:
    """pabulib's name for a way of counting, as a file's META gives it in `rule`."""
    if rule == "greedy":
        return "greedy"
    return "equalshares" + ("/add1" if completion else "") + ("-comparison" if comparison else "")


class PabulibError(ValueError):
    """A `.pb` file that cannot be counted; the message names the line and the problem."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        self.problem = message
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class PbProject:
    """A project row: its id, its cost, and every column as written."""

    id: str
    cost: Fraction
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PbVote:
    """A vote row: the voter's id, the projects approved (as listed), and the voter's weight."""

    voter_id: str
    approved: tuple[str, ...]
    weight: Fraction = Fraction(1)
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PbElection:
    """One pabulib election: META as key/value text, then its projects and votes in order."""

    meta: dict[str, str]
    projects: tuple[PbProject, ...]
    votes: tuple[PbVote, ...]

    @property
    def budget(self) -> Fraction:
        """The budget from META."""
        return _number(self.meta["budget"])

    def proposals(self) -> list[Proposal]:
        """The projects as proposals for `coop.voting.tally.tally`, in file order."""
        return [Proposal(p.id, p.cost) for p in self.projects]

    def ballots(self) -> list[Ballot]:
        """The votes as weighted ballots for `coop.voting.tally.tally`."""
        return [Ballot(v.voter_id, frozenset(v.approved), v.weight) for v in self.votes]


def _number(text: str) -> Fraction:
    """A decimal (or p/q) number read exactly; ValueError if it is not one."""
    text = text.strip()
    if not text:
        raise ValueError("empty")
    return Fraction(text)


def read_pb(path: str | Path) -> PbElection:
    """Read a `.pb` file (UTF-8): PabulibError if it is malformed, OSError if unreadable."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return parse_pb(handle.read())


def parse_pb(text: str) -> PbElection:
    """Parse the text of a `.pb` file, checking what the count relies on.

    Fields are `;`-separated and quoted as the csv module does. Only approval votes are
    accepted. The VOTES section may carry a `weight` column (a number of at least 0, exact
    decimals or p/q; 1 when absent). A voter of weight 0, such as a member of a class the
    co-op's rules give no say, is read and counts for nothing.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", skipinitialspace=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise PabulibError(f"cannot read the row: {error}", reader.line_num) from error
    last_line = rows[-1][0] if rows else 1

    sections: dict[str, tuple[int, list[tuple[int, list[str]]]]] = {}
    current = None
    for line, cells in rows:
        title = cells[0].upper() if len(cells) == 1 else None
        if title in SECTIONS:
            if title in sections:
                raise PabulibError(f"the {title} section appears twice", line)
            expected = SECTIONS[len(sections)]
            if title != expected:
                raise PabulibError(f"expected the {expected} section, found {title}", line)
            sections[title] = (line, [])
            current = title
        elif current is None:
            raise PabulibError("the file must start with the META section", line)
        else:
            sections[current][1].append((line, cells))
    for name in SECTIONS:
        if name not in sections:
            raise PabulibError(f"missing {name} section", last_line)

    meta = _parse_meta(*sections["META"])
    projects = _parse_projects(*sections["PROJECTS"])
    votes = _parse_votes(*sections["VOTES"], {p.id for p in projects})
    return PbElection(meta, projects, votes)


def _header(
    name: str, title_line: int, body: list[tuple[int, list[str]]], required: Iterable[str]
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if not body:
        raise PabulibError(f"the {name} section has no header row", title_line)
    line, header = body[0]
    header = [h.lower() for h in header]
    for column in required:
        if column not in header:
            raise PabulibError(f"the {name} header has no {column!r} column", line)
    if len(set(header)) != len(header):
        raise PabulibError(f"the {name} header names a column twice", line)
    return header, body[1:]


def _record(name: str, header: list[str], line: int, cells: list[str]) -> dict[str, str]:
    if len(cells) != len(header):
        raise PabulibError(
            f"this {name} row has {len(cells)} fields but the header has {len(header)}", line
        )
    return dict(zip(header, cells, strict=True))


def _parse_meta(title_line: int, body: list[tuple[int, list[str]]]) -> dict[str, str]:
    header, rows = _header("META", title_line, body, ("key", "value"))
    if header != ["key", "value"]:
        raise PabulibError("the META header must be key;value", body[0][0])
    meta: dict[str, str] = {}
    for line, cells in rows:
        record = _record("META", header, line, cells)
        key = record["key"]
        if key in meta:
            raise PabulibError(f"META gives {key!r} twice", line)
        meta[key] = record["value"]
        if key == "budget":
            try:
                budget = _number(record["value"])
            except ValueError:
                raise PabulibError(
                    f"the budget {record['value']!r} is not a number", line
                ) from None
            if budget < 0:
                raise PabulibError("the budget cannot be negative", line)
        if key == "vote_type" and record["value"].lower() != "approval":
            raise PabulibError(
                f"vote_type is {record['value']!r}; only approval votes can be counted", line
            )
    if "budget" not in meta:
        raise PabulibError("META has no budget", title_line)
    return meta


def _parse_projects(title_line: int, body: list[tuple[int, list[str]]]) -> tuple[PbProject, ...]:
    header, rows = _header("PROJECTS", title_line, body, ("project_id", "cost"))
    projects: list[PbProject] = []
    seen: set[str] = set()
    for line, cells in rows:
        record = _record("PROJECTS", header, line, cells)
        pid = record["project_id"]
        if not pid:
            raise PabulibError("a project has no id", line)
        if pid in seen:
            raise PabulibError(f"duplicate project id {pid!r}", line)
        seen.add(pid)
        try:
            cost = _number(record["cost"])
        except ValueError:
            raise PabulibError(
                f"the cost of project {pid!r} is not a number: {record['cost']!r}", line
            ) from None
        if cost <= 0:
            raise PabulibError(f"the cost of project {pid!r} must be positive", line)
        projects.append(PbProject(pid, cost, record))
    return tuple(projects)


def _parse_votes(
    title_line: int, body: list[tuple[int, list[str]]], project_ids: set[str]
) -> tuple[PbVote, ...]:
    header, rows = _header("VOTES", title_line, body, ("voter_id", "vote"))
    votes: list[PbVote] = []
    seen: set[str] = set()
    for line, cells in rows:
        record = _record("VOTES", header, line, cells)
        voter = record["voter_id"]
        if not voter:
            raise PabulibError("a vote has no voter_id", line)
        if voter in seen:
            raise PabulibError(f"duplicate voter id {voter!r}", line)
        seen.add(voter)
        approved = tuple(p.strip() for p in record["vote"].split(",") if p.strip())
        for pid in approved:
            if pid not in project_ids:
                raise PabulibError(f"voter {voter!r} voted for unknown project {pid!r}", line)
        if len(set(approved)) != len(approved):
            raise PabulibError(f"voter {voter!r} lists a project twice", line)
        weight = Fraction(1)
        if "weight" in record:
            try:
                weight = _number(record["weight"])
            except (ValueError, ZeroDivisionError):
                raise PabulibError(
                    f"the weight of voter {voter!r} is not a number: {record['weight']!r}", line
                ) from None
            if weight < 0:
                raise PabulibError(f"the weight of voter {voter!r} cannot be negative", line)
        votes.append(PbVote(voter, approved, weight, record))
    return tuple(votes)


def _format_number(value: Fraction | int) -> str:
    """Write a number exactly: an integer, a terminating decimal, or else p/q."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    scaled = abs(value.numerator) * 10**places // value.denominator
    digits = str(scaled).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def write_pb(election: PbElection, out: TextIO | str | Path) -> None:
    """Write an election as a `.pb` file that `read_pb` (and pabulib tools) can read.

    META keeps the caller's keys and values, with budget, vote_type, num_projects and
    num_votes set from the data. Extra project and vote columns are kept; a `weight` column
    is written only when some weight is not 1.
    """
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8", newline="") as handle:
            write_pb(election, handle)
        return
    for p in election.projects:
        if "," in p.id or not p.id.strip():
            raise ValueError(
                f"project id {p.id!r} cannot be written: ids must be non-blank, no commas"
            )
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    meta: dict[str, str] = dict(election.meta)
    meta["budget"] = _format_number(election.budget)
    meta["vote_type"] = "approval"
    meta["num_projects"] = str(len(election.projects))
    meta["num_votes"] = str(len(election.votes))
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, value])

    project_columns = _columns(("project_id", "cost"), (p.fields for p in election.projects))
    writer.writerow(["PROJECTS"])
    writer.writerow(project_columns)
    for p in election.projects:
        values = {**p.fields, "project_id": p.id, "cost": _format_number(p.cost)}
        writer.writerow([values.get(column, "") for column in project_columns])

    weighted = any(v.weight != 1 for v in election.votes)
    first = ("voter_id", "vote", "weight") if weighted else ("voter_id", "vote")
    vote_columns = _columns(first, (v.fields for v in election.votes))
    if not weighted and "weight" in vote_columns:
        vote_columns.remove("weight")
    writer.writerow(["VOTES"])
    writer.writerow(vote_columns)
    for v in election.votes:
        values = {**v.fields, "voter_id": v.voter_id, "vote": ",".join(v.approved)}
        if weighted:
            values["weight"] = _format_number(v.weight)
        writer.writerow([values.get(column, "") for column in vote_columns])


def _columns(first: tuple[str, ...], extra: Iterable[Mapping[str, str]]) -> list[str]:
    columns = list(first)
    for fields in extra:
        for name in fields:
            if name not in columns:
                columns.append(name)
    return columns
