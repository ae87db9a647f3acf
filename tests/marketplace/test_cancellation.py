"""The one cancellation rule: its deadline, the refund due, who may cancel, and its words."""

from datetime import UTC, datetime, timedelta

import pytest

from coop.marketplace import cancellation

START = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("hours", "policy"),
    [
        (
            24,
            "Cancel at least 24 hours before the start for a full refund. "
            "If you cancel later you will not get a refund.",
        ),
        (
            1,
            "Cancel at least 1 hour before the start for a full refund. "
            "If you cancel later you will not get a refund.",
        ),
        (0, "You can cancel at any time before the start for a full refund."),
    ],
)
def test_cancellation_policy_in_words(hours, policy):
    assert cancellation.policy(hours) == policy


def test_the_deadline_is_the_notice_period_before_the_start():
    assert cancellation.deadline(START, 24) == START - timedelta(hours=24)
    assert cancellation.deadline(START, 0) == START


@pytest.mark.parametrize(
    ("before_start", "notice_hours", "refund"),
    [
        (timedelta(days=3), 24, 1500),  # well before the deadline
        (timedelta(hours=24), 24, 1500),  # exactly at the deadline: still in time
        (timedelta(hours=24) - timedelta(seconds=1), 24, 0),  # a second late
        (timedelta(hours=1), 24, 0),  # inside the notice period
        (timedelta(minutes=1), 0, 1500),  # no notice needed
        (timedelta(0), 0, 0),  # started: nothing to cancel
        (-timedelta(hours=1), 0, 0),  # already over
    ],
)
def test_refund_due(before_start, notice_hours, refund):
    now = START - before_start
    assert cancellation.refund_due(1500, START, notice_hours, now) == refund


@pytest.mark.parametrize(
    ("before_start", "allowed"),
    [(timedelta(hours=1), True), (timedelta(seconds=1), True), (timedelta(0), False)],
)
def test_a_booking_can_be_cancelled_only_before_it_starts(before_start, allowed):
    assert cancellation.can_cancel(START, START - before_start) is allowed
