"""One vote each, however many requests race: through the real server on PostgreSQL.

Gunicorn runs the app as production does (four worker processes of eight threads, CSRF on,
real sign-ins), and threads lined up on a barrier post their votes at the same moment.
"""

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from werkzeug.security import generate_password_hash

from coop.extensions import db as _db
from coop.members import service as members
from coop.members.models import Member, MemberClass
from coop.voting import service
from coop.voting.models import CastVote, Choice, Motion, Participation, Proxy
from tests.conftest import PASSWORD
from tests.races import REQUEST_LIMIT, Browser, Reply, _in_parallel, _new_member

VOTERS = 200
SAME_MEMBER_TRIES = 20


RECEIPT = re.compile(r'class="coop-receipt">([A-Z0-9-]+)<')


# --- The co-op: 200 members and open motions, made through the service -----------------


@pytest.fixture
def coop(pg_app, monkeypatch):
    """A secretary, 200 approved members and two open motions, committed for the server."""
    # One real password hash for everyone: signing in still checks it with scrypt.
    password_hash = generate_password_hash(PASSWORD)
    monkeypatch.setattr(members, "hash_password", lambda _password: password_hash)
    classes = [MemberClass.BUDGET_HOLDER, MemberClass.CARER, MemberClass.PA]
    with pg_app.app_context():
        now = datetime.now(UTC)
        secretary = _new_member("secretary@race.example", MemberClass.BUDGET_HOLDER, now)
        members.make_secretary(secretary, now)
        voters = [_new_member(f"voter{n}@race.example", classes[n % 3], now) for n in range(VOTERS)]
        _db.session.commit()
        opens = datetime.now(UTC)
        motions = [
            service.put_motion(
                secretary,
                service.MotionDraft(
                    title=title,
                    summary="Put to every member at once.",
                    full_text="That the co-op does the thing.",
                    proposer=voters[0],
                    seconder=voters[1],
                    resolution=service.Resolution.ORDINARY,
                    opens_at=opens,
                    closes_at=opens + timedelta(days=7),
                    quorum_percent=10,
                    class_quorums={},
                ),
                now=opens,
            )
            for title in ("Everyone votes at once", "One member, many clicks")
        ]
        _db.session.commit()
        result = (
            [(m.id, m.email) for m in voters],
            [m.id for m in motions],
        )
        _db.session.remove()
    return result


# --- The races -------------------------------------------------------------------------


def test_two_hundred_members_voting_at_the_same_moment_each_cast_exactly_one_vote(
    pg_app, server, coop
):
    voters, (motion_id, _) = coop
    path = f"/voting/motions/{motion_id}"
    choices = ["for", "against", "abstain"]

    def vote(i: int, barrier: threading.Barrier) -> Reply:
        browser = Browser(server)
        browser.sign_in(voters[i][1])
        token = browser.csrf_token(path)
        barrier.wait()
        return browser.post(f"{path}/cast", {"csrf_token": token, "choice": choices[i % 3]})

    replies = _in_parallel(VOTERS, vote)

    assert [r.status for r in replies if r.status >= 500] == []
    assert [r.status for r in replies] == [200] * VOTERS
    receipts = [RECEIPT.search(r.body) for r in replies]
    assert all(receipts), [r.body for r, found in zip(replies, receipts, strict=True) if not found]
    with pg_app.app_context():
        took_part = _db.session.scalars(
            select(Participation.member_id).where(Participation.motion_id == motion_id)
        ).all()
        assert sorted(took_part) == sorted(member_id for member_id, _ in voters)
        codes = _db.session.scalars(
            select(CastVote.receipt_code).where(CastVote.motion_id == motion_id)
        ).all()
        assert len(codes) == VOTERS
        # Each voter was shown their own receipt, and every receipt is a vote counted.
        assert sorted(codes) == sorted(found[1] for found in receipts)
        tally = dict(
            _db.session.execute(
                select(CastVote.choice, func.count())
                .where(CastVote.motion_id == motion_id)
                .group_by(CastVote.choice)
            ).all()
        )
        assert tally == {Choice.FOR: 67, Choice.AGAINST: 67, Choice.ABSTAIN: 66}


def test_one_member_casting_twenty_times_at_once_casts_one_vote(pg_app, server, coop):
    voters, (_, motion_id) = coop
    member_id, email = voters[7]
    path = f"/voting/motions/{motion_id}"
    signed_in = Browser(server)
    signed_in.sign_in(email)
    token = signed_in.csrf_token(path)

    def click(_i: int, barrier: threading.Barrier) -> Reply:
        tab = Browser(server, signed_in.cookies)  # the same session, as in a double click
        barrier.wait()
        return tab.post(f"{path}/cast", {"csrf_token": token, "choice": "against"})

    replies = _in_parallel(SAME_MEMBER_TRIES, click)

    assert [r.status for r in replies] == [200] * SAME_MEMBER_TRIES
    cast = [r for r in replies if RECEIPT.search(r.body)]
    refused = [r for r in replies if "already been cast" in r.body]
    assert len(cast) == 1
    assert len(refused) == SAME_MEMBER_TRIES - 1
    assert all("Vote cast" not in r.body for r in refused)
    with pg_app.app_context():
        took_part = _db.session.scalars(
            select(Participation).where(Participation.motion_id == motion_id)
        ).all()
        assert [p.member_id for p in took_part] == [member_id]
        votes = _db.session.scalars(select(CastVote).where(CastVote.motion_id == motion_id)).all()
        assert [(v.receipt_code, v.choice) for v in votes] == [
            (RECEIPT.search(cast[0].body)[1], Choice.AGAINST)
        ]


# --- A revocation racing the proxy's vote ----------------------------------------------


@pytest.mark.parametrize("first", ["revocation", "proxy_vote"])
def test_a_revocation_and_the_proxys_vote_at_once_cannot_both_succeed(
    pg_app, make_member, make_motion, first
):
    """Whichever starts first holds the appointment's row lock; the other waits, then sees it.

    The first transaction is held open while the second runs, as a slow request would be.
    """
    yara, percy = make_member(name="Yara Principal"), make_member(name="Percy Proxy")
    motion = make_motion()
    with pg_app.app_context():
        appointment = service.appoint_proxy(
            _db.session.get(Member, yara.id),
            _db.session.get(Member, percy.id),
            motion=_db.session.get(Motion, motion.id),
        )
        _db.session.commit()
        appointment_id = appointment.id
        _db.session.remove()

    def revoke() -> None:
        service.revoke_proxy(
            _db.session.get(Proxy, appointment_id), _db.session.get(Member, yara.id)
        )

    def proxy_vote() -> None:
        service.cast_vote(
            _db.session.get(Motion, motion.id),
            _db.session.get(Member, yara.id),
            Choice.FOR,
            by=_db.session.get(Member, percy.id),
        )

    steps = {"revocation": revoke, "proxy_vote": proxy_vote}
    second_step = steps["proxy_vote" if first == "revocation" else "revocation"]
    outcome: dict = {}

    def second() -> None:
        with pg_app.app_context():
            try:
                second_step()
                _db.session.commit()
                outcome["second"] = "succeeded"
            except service.VotingError as error:
                _db.session.rollback()
                outcome["second"] = str(error)

    with pg_app.app_context():
        steps[first]()  # done but not yet committed
        _db.session.flush()
        other = threading.Thread(target=second)
        other.start()
        _wait_while_running_and_not_waiting_on_a_lock(pg_app, other)
        _db.session.commit()
        outcome["first"] = "succeeded"
    other.join(timeout=REQUEST_LIMIT)
    assert not other.is_alive()

    with pg_app.app_context():
        revoked = _db.session.get(Proxy, appointment_id).revoked_at is not None
        by_proxy = _db.session.scalar(
            select(func.count()).where(
                Participation.member_id == yara.id, Participation.proxy_id == percy.id
            )
        )
    assert outcome["first"] == "succeeded"
    assert not (revoked and by_proxy), outcome
    assert outcome["second"] != "succeeded"
    expected = {
        "revocation": "You are not Yara Principal's proxy for this motion",
        "proxy_vote": "Your proxy has already voted for you on that motion",
    }[first]
    assert outcome["second"] == expected


def _wait_while_running_and_not_waiting_on_a_lock(app, thread: threading.Thread) -> None:
    """Until the thread has finished, or its query is waiting for a row lock (bounded)."""
    deadline = time.monotonic() + 30
    while thread.is_alive() and time.monotonic() < deadline:
        with _db.engine.connect() as conn:
            waiting = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
        time.sleep(0.05)
