"""Introductions: both sides say yes to meeting, meet, then both agree; the household answers
within the time the scheme sets, is reminded once before it runs out, and the coordinator is
told once when it has."""

from datetime import UTC, datetime, timedelta

import pytest

from coop import clock
from coop.shared_lives import reminders, service
from coop.shared_lives.models import Introduction, IntroductionStatus, Meeting, ReminderSent
from tests.shared_lives.conftest import TODAY, agree_both

IS = IntroductionStatus


@pytest.fixture
def introduced(db, coordinator, make_member, make_household, make_referral):
    """(introduction, the person) for a short break with a ranked household."""
    person = make_member(email="pat@example.org")
    household = make_household()
    referral = make_referral(person=person)
    introduction = service.propose_introduction(referral, household, coordinator)
    db.session.commit()
    return introduction, person


def _in_state(introduction: Introduction, status: IntroductionStatus) -> Introduction:
    """The introduction put straight into `status`, with what that state holds."""
    now = datetime.now(UTC)
    if status in (IS.ACCEPTED, IS.AGREED):
        introduction.person_accepted_at = introduction.household_accepted_at = now
        introduction.meetings.append(Meeting(kind="A first visit", held_on=TODAY))
    if status is IS.AGREED:
        introduction.person_agreed_at = introduction.household_agreed_at = now
    if status in (IS.DECLINED, IS.WITHDRAWN):
        introduction.decline_reason = "No room after all"
    introduction.status = status
    return introduction


def _step(step, introduction, person, coordinator):
    carer = introduction.household.carers[0].member
    if step == "say yes to meeting":
        service.person_accepts(introduction, person)
    elif step == "decline":
        service.answer_introduction(introduction, carer, False, "We are moving house")
    elif step == "record a meeting":
        service.record_meeting(introduction, "A meal together", TODAY, "", carer)
    elif step == "agree after meeting":
        service.agree(introduction, carer, "household", True)
    elif step == "pull out":
        service.say_no(introduction, person, "Too far from my college")
    elif step == "start or book":
        room = next(r for r in introduction.household.rooms if r.for_short_breaks)
        start = introduction.referral.wanted_from
        service.book_stay(room, service.StayKind.SHORT_BREAK, start, start + timedelta(2),
                          coordinator, referral=introduction.referral)  # fmt: skip


@pytest.mark.parametrize("status", list(IS))
@pytest.mark.parametrize("step", list(service.INTRODUCTION_STEPS))
def test_each_step_is_allowed_only_in_the_states_its_table_names(
    db, coordinator, introduced, status, step
):
    introduction, person = introduced
    _in_state(introduction, status)
    db.session.flush()
    if status in service.INTRODUCTION_STEPS[step]:
        _step(step, introduction, person, coordinator)
    else:
        with pytest.raises(service.SharedLivesError):
            _step(step, introduction, person, coordinator)


@pytest.mark.parametrize("before", list(IS))
@pytest.mark.parametrize("after", list(IS))
def test_the_moves_table(before, after):
    introduction = Introduction(status=before)
    if after in service.INTRODUCTION_MOVES[before]:
        service._move(introduction, after)
        assert introduction.status is after
    else:
        with pytest.raises(service.SharedLivesError, match="cannot become"):
            service._move(introduction, after)


def test_the_households_yes_is_to_meeting_not_to_the_arrangement(db, coordinator, introduced):
    introduction, person = introduced
    carer = introduction.household.carers[0].member
    service.answer_introduction(introduction, carer, True)
    service.person_accepts(introduction, person)
    assert introduction.status is IS.ACCEPTED
    with pytest.raises(service.SharedLivesError, match="at least one meeting"):
        service.agree(introduction, carer, "household", True)
    service.record_meeting(introduction, "An overnight stay", TODAY, "Went well", carer)
    service.agree(introduction, carer, "household", True)
    assert introduction.status is IS.ACCEPTED  # the person has not agreed yet
    with pytest.raises(service.SharedLivesError, match="both agree first"):
        service.start_arrangement(introduction, None, TODAY, "Plan", 1, coordinator)
    # The household speaks for itself; the person, or a coordinator for them, for the person.
    with pytest.raises(service.SharedLivesError, match="Only that side"):
        service.agree(introduction, carer, "person", True)
    service.agree(introduction, coordinator, "person", True)
    assert introduction.status is IS.AGREED


def test_whoever_acts_for_the_person_answers_for_them(
    db, coordinator, make_member, make_household, make_referral
):
    sister = make_member(email="sister@example.org")
    household = make_household()
    referral = make_referral(acting_for=sister)
    introduction = service.propose_introduction(referral, household, coordinator)
    agree_both(introduction, sister)
    assert introduction.status is IS.AGREED


def test_saying_no_after_meeting_ends_it_with_the_reason(db, coordinator, introduced):
    introduction, person = introduced
    carer = introduction.household.carers[0].member
    service.person_accepts(introduction, person)
    service.answer_introduction(introduction, carer, True)
    service.record_meeting(introduction, "A first visit", TODAY, "", carer)
    with pytest.raises(service.SharedLivesError, match="Enter why"):
        service.agree(introduction, carer, "household", False, "  ")
    service.agree(introduction, carer, "household", False, "We could not manage the stairs")
    assert introduction.status is IS.WITHDRAWN
    assert introduction.decline_reason == "The household said no: We could not manage the stairs"


def test_the_time_to_answer_is_the_schemes(app, db, coordinator, make_household, make_referral):
    app.config["SHARED_LIVES_ANSWER_DAYS"] = "5"
    now = datetime.now(UTC)
    introduction = service.propose_introduction(
        make_referral(), make_household(), coordinator, now=now
    )
    assert introduction.respond_by == clock.london_today(now) + timedelta(days=5)
    carer = introduction.household.carers[0].member
    late = now + timedelta(days=7)
    with pytest.raises(service.SharedLivesError, match="time to answer ran out"):
        service.answer_introduction(introduction, carer, True, now=late)


def test_the_answer_reminder_and_the_overdue_notice_each_go_once(
    db, client, auth, runner, mailbox, coordinator, make_member, make_household, make_referral
):
    carer = make_member("carer", email="hana@example.org")
    household = make_household(carer)
    soon = service.propose_introduction(make_referral(person_name="Sol"), household, coordinator)
    late = service.propose_introduction(make_referral(person_name="Lea"), household, coordinator)
    waiting = service.propose_introduction(make_referral(person_name="Wyn"), household, coordinator)
    soon.respond_by = TODAY + timedelta(days=2)
    late.respond_by = TODAY - timedelta(days=1)
    waiting.respond_by = TODAY + timedelta(days=10)  # not yet within the reminder days
    db.session.commit()

    assert reminders.send_answer_reminders(TODAY, datetime.now(UTC)) == 2
    to_carer = [m for m in mailbox.to("hana@example.org") if "introduction" in m["Subject"]]
    assert [m["Subject"] for m in to_carer] == [
        "Shared Lives: please answer an introduction – Together Co-op"
    ]
    assert "would like to meet Sol" in mailbox.body(to_carer[0])
    to_coordinator = mailbox.to(coordinator.email)
    assert [m["Subject"] for m in to_coordinator] == [
        "Shared Lives: an introduction was not answered in time – Together Co-op"
    ]
    assert "did not answer the introduction to Lea" in mailbox.body(to_coordinator[0])

    count = len(mailbox.messages)
    runner.invoke(args=["shared-lives", "send-reminders"])
    assert [m for m in mailbox.messages[count:] if "introduction" in m["Subject"]] == []
    keys = db.session.scalars(db.select(ReminderSent.key).where(ReminderSent.key.like("intro%")))
    assert set(keys) == {
        f"introduction:{late.id}:overdue:{late.respond_by.isoformat()}",
        f"introduction:{soon.id}:answer-by:{soon.respond_by.isoformat()}",
    }

    auth.login(coordinator.email)
    page = client.get("/shared-lives/coordinator").get_data(as_text=True)
    assert "Overdue: not answered in time" in page
    assert "Lea and Household 1</a>: answer was due by" in page
    assert "Sol and Household 1</a>: answer due by" in page
    assert "Wyn and" not in page


@pytest.mark.parametrize("days", ["0", "-3", "a fortnight", "91", "１４"])
def test_refuses_a_time_to_answer_that_cannot_work(monkeypatch, days):
    from coop import create_app
    from coop.config import ConfigError

    monkeypatch.setenv("COOP_SHARED_LIVES_ANSWER_DAYS", days)
    with pytest.raises(ConfigError, match="COOP_SHARED_LIVES_ANSWER_DAYS"):
        create_app()
