"""Members are told when voting opens, reminded a day before it closes, and told the result."""

from datetime import UTC, datetime, timedelta

from coop import clock
from coop.extensions import db as _db
from coop.voting import emails, service
from coop.voting.models import Choice, Resolution

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def _motion(secretary, opens_at, closes_at=None, seconder=None):
    """Put a motion to members, the day before it opens unless it has opened already."""
    return service.put_motion(
        secretary,
        service.MotionDraft(
            title="Start a respite fund",
            summary="Set money aside for carers' breaks.",
            full_text="That the co-op starts a respite fund.",
            proposer=secretary,
            seconder=seconder,
            resolution=Resolution.ORDINARY,
            opens_at=opens_at,
            closes_at=closes_at or opens_at + timedelta(days=7),
            quorum_percent=10,
            class_quorums={},
        ),
        now=min(opens_at, clock.now()) - timedelta(minutes=1),
    )


def test_opening_reminder_and_result_each_go_once_to_the_right_members(
    app, db, mailbox, make_member, monkeypatch
):
    monkeypatch.setitem(service.DEFAULT_RULES, "seconder_required", False)
    before = NOW - timedelta(days=10)
    with monkeypatch.context() as joined_earlier:
        joined_earlier.setattr("coop.clock.now", lambda: before)
        secretary = make_member(secretary=True, email="sec@example.org")
        asha = make_member(email="asha@example.org")
        make_member(member_class="carer", email="ben@example.org")
        make_member(status="applied", email="applicant@example.org")
    motion = _motion(secretary, NOW, NOW + timedelta(days=7))
    late = make_member(email="late@example.org")  # joined after opening
    late.approved_at = NOW + timedelta(hours=1)
    _db.session.commit()

    assert emails.send_due_notices(NOW - timedelta(hours=1)) == {
        "opening": 0,
        "reminder": 0,
        "result": 0,
    }
    sent = emails.send_due_notices(NOW + timedelta(minutes=5))
    _db.session.commit()
    assert sent["opening"] == 3
    assert {m["To"] for m in mailbox.messages} == {
        "sec@example.org",
        "asha@example.org",
        "ben@example.org",
    }
    assert all(m["Subject"].startswith("Vote now: Start a respite fund") for m in mailbox.messages)
    assert emails.send_due_notices(NOW + timedelta(minutes=10))["opening"] == 0

    service.cast_vote(motion, asha, Choice.FOR, by=asha, now=NOW + timedelta(days=1))
    _db.session.commit()
    mailbox.messages.clear()
    assert emails.send_due_notices(NOW + timedelta(days=5))["reminder"] == 0
    sent = emails.send_due_notices(NOW + timedelta(days=6, hours=1))
    _db.session.commit()
    assert sent["reminder"] == 2
    assert {m["To"] for m in mailbox.messages} == {"sec@example.org", "ben@example.org"}
    assert emails.send_due_notices(NOW + timedelta(days=6, hours=2))["reminder"] == 0

    mailbox.messages.clear()
    sent = emails.send_due_notices(NOW + timedelta(days=7, minutes=1))
    _db.session.commit()
    assert sent == {"opening": 0, "reminder": 0, "result": 3}
    body = mailbox.body(mailbox.to("ben@example.org")[0])
    assert "Quorum was met" in body and "/voting/motions/" in body and "/results" in body
    assert emails.send_due_notices(NOW + timedelta(days=8))["result"] == 0
    assert "late@example.org" not in {m["To"] for m in mailbox.messages}


def test_a_motion_that_closed_unnoticed_sends_only_its_result(app, db, mailbox, make_member):
    secretary = make_member(secretary=True, email="sec@example.org")
    secretary.approved_at = NOW - timedelta(days=30)
    member = make_member(email="m@example.org")
    member.approved_at = NOW - timedelta(days=30)
    motion = _motion(secretary, NOW, seconder=member)
    _db.session.commit()
    sent = emails.send_due_notices(NOW + timedelta(days=30))
    assert sent == {"opening": 0, "reminder": 0, "result": 2}
    assert motion.result_sent_at is not None


def test_the_send_notices_command_sends_what_is_due_once(app, db, runner, mailbox, make_member):
    secretary = make_member(secretary=True, email="sec@example.org")
    secretary.approved_at = clock.now() - timedelta(days=3)
    member = make_member(email="m@example.org")
    member.approved_at = clock.now() - timedelta(days=3)
    _motion(secretary, clock.now() - timedelta(hours=1), seconder=member)
    _db.session.commit()
    result = runner.invoke(args=["voting", "send-notices"])
    assert result.exit_code == 0, result.output
    assert "Sent 2 opening, 0 reminder and 0 result emails." in result.output
    assert {m["To"] for m in mailbox.messages} == {"sec@example.org", "m@example.org"}
    again = runner.invoke(args=["voting", "send-notices"])
    assert "Sent 0 opening" in again.output
