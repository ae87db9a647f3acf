"""Factories for governance tests: a movable clock for the voting rules, motions, and a way to
run the `coop-tally` console script."""

import subprocess
import sys
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import has_app_context

from coop.extensions import db as _db
from coop.members.models import Member
from coop.voting import service
from coop.voting.models import Resolution


class Clock:
    """What the voting service takes as "now": real time until a test moves it."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)

    def move_to(self, moment: datetime) -> None:
        self.fixed = moment

    def after_closing(self, motion) -> None:
        """Move to a minute after the motion closed, so its results are published."""
        self.fixed = motion.closes_at + timedelta(minutes=1)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Move the co-op's clock (views and services alike read coop.clock.now)."""
    moving = Clock()
    monkeypatch.setattr("coop.clock.now", moving)
    return moving


@dataclass(frozen=True)
class MadeMotion:
    """What a test needs to know about a motion it made; read it again for anything more."""

    id: int
    title: str
    opens_at: datetime
    closes_at: datetime

    @property
    def url(self) -> str:
        return f"/voting/motions/{self.id}"


@pytest.fixture
def make_motion(app, secretary, make_member):
    """Put a motion through the service: `make_motion(state="open", proposer=m, seconder=s)`.

    An "open" motion opens the moment it is made, so members made before it may vote on it
    and members made after it joined too late. An "upcoming" one opens a day later.
    """
    made = {"n": 0}

    def make(
        state: str = "open",
        *,
        title: str | None = None,
        proposer: Member | None = None,
        seconder: Member | None = None,
        resolution: str = "ordinary",
        quorum_percent: int = 0,
        class_quorums: dict[str, int] | None = None,
        open_for: timedelta = timedelta(days=7),
    ) -> MadeMotion:
        made["n"] += 1
        if seconder is None:
            seconder = make_member(name=f"Seconder {made['n']}")
        proposer = proposer or secretary
        # Like make_member: inside the `db` fixture's context use its session, since a second
        # one would wait on SQLite's write lock; otherwise use a context of its own.
        own_context = not has_app_context()
        with app.app_context() if own_context else nullcontext():
            now = datetime.now(UTC)
            opens_at = {"open": now, "upcoming": now + timedelta(days=1)}[state]
            motion = service.put_motion(
                _db.session.get(Member, secretary.id),
                service.MotionDraft(
                    title=title or f"Motion {made['n']}",
                    summary="What the motion means, in plain English.",
                    full_text="That the co-op does the thing.",
                    proposer=_db.session.get(Member, proposer.id),
                    seconder=_db.session.get(Member, seconder.id),
                    resolution=Resolution(resolution),
                    opens_at=opens_at,
                    closes_at=opens_at + open_for,
                    quorum_percent=quorum_percent,
                    class_quorums=class_quorums or {},
                ),
                now=now,
            )
            _db.session.commit()
            result = MadeMotion(motion.id, motion.title, motion.opens_at, motion.closes_at)
            if own_context:
                _db.session.remove()
        return result

    return make


@pytest.fixture
def coop_tally():
    """Run the installed `coop-tally` script as someone recounting a file would:
    `coop_tally(path, "--rule", "greedy")` returns the finished process."""
    script = Path(sys.executable).with_name("coop-tally")
    assert script.exists(), "coop-tally is not installed: run pip install -e '.[dev]'"

    def run(*args: object) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(script), *map(str, args)], capture_output=True, text=True, timeout=300
        )

    return run
