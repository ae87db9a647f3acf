"""What falls due: households' checks and training, and arrangements' reviews.

Pure date arithmetic over the facts a household or arrangement holds, so pages, matching and
the reminder job all agree on when something is due.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

#: Each household check: its column, its name, and how many months it lasts.
HOUSEHOLD_CHECKS = (
    ("dbs_checked_on", "DBS check", 36),
    ("first_aid_on", "first aid training", 36),
    ("mental_capacity_on", "Mental Capacity Act training", 36),
    ("safeguarding_on", "safeguarding training", 36),
    ("medication_on", "medication training", 24),
    ("data_protection_on", "data protection training", 24),
    ("safety_check_on", "home health-and-safety check", 12),
    ("carer_review_on", "yearly carer review", 12),
)

#: Days ahead the coordinator's page and the reminders look.
DUE_SOON_DAYS = 30


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DueItem:
    #: Identifies what fell due, e.g. "household:3:dbs_checked_on"; with the date, a reminder.
    key: str
    what: str
    subject: str
    due_on: date
    #: The household whose carers are reminded.
    household_id: int

    def overdue(self, today: date) -> bool:
        return self.due_on < today

    @property
    def reminder_key(self) -> str:
        return f"{self.key}:{self.due_on.isoformat()}"


def household_due(household, today: date) -> list[DueItem]:
    """Each check of the household with the date it falls due; one never done is due at once.

    The yearly carer review counts from the panel's approval until the first is recorded.
    """
    items = []
    for column, what, months in HOUSEHOLD_CHECKS:
        last = getattr(household, column)
        if column == "carer_review_on" and last is None:
            last = household.panel_decided_on
        due_on = add_months(last, months) if last else today
        items.append(
            DueItem(
                f"household:{household.id}:{column}", what, household.name, due_on, household.id
            )
        )
    return items


def lapses(household, today: date) -> list[str]:
    """Why a household cannot be matched on `today`: its DBS check or approval has lapsed."""
    found = []
    if household.dbs_checked_on is None:
        found.append("no DBS check is recorded")
    elif add_months(household.dbs_checked_on, 36) <= today:
        found.append(f"the DBS check of {household.dbs_checked_on:%d/%m/%Y} has run out")
    approved_from = household.carer_review_on or household.panel_decided_on
    if approved_from is not None and add_months(approved_from, 12) <= today:
        found.append("the yearly carer review is overdue, so the approval has lapsed")
    return found


def review_date(starts_on: date, number: int) -> date:
    """The date of an arrangement's review number `number` (1, 2, ...): monthly for its first
    6 months, then yearly."""
    if number <= 6:
        return add_months(starts_on, number)
    return add_months(starts_on, 6 + 12 * (number - 6))


def next_review(starts_on: date, reviews_held: int) -> date:
    """The next review due: each review recorded counts for the next one on the schedule."""
    return review_date(starts_on, reviews_held + 1)


def arrangement_due(arrangement) -> DueItem:
    due_on = next_review(arrangement.starts_on, len(arrangement.reviews))
    return DueItem(
        f"arrangement:{arrangement.id}:review",
        "arrangement review",
        f"{arrangement.referral.person_name} with {arrangement.household.name}",
        due_on,
        arrangement.household_id,
    )


def falling_due(items: list[DueItem], today: date) -> tuple[list[DueItem], list[DueItem]]:
    """(overdue, due in the next 30 days), each soonest first."""
    items = sorted(items, key=lambda item: (item.due_on, item.key))
    overdue = [item for item in items if item.due_on < today]
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    soon = [item for item in items if today <= item.due_on <= horizon]
    return overdue, soon
