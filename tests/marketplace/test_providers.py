"""Running a provider (the service): registration, approval, staff, insurance and money."""

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from coop.marketplace import bookings, providers
from coop.marketplace.models import (
    Booking,
    Closure,
    Concession,
    Listing,
    Provider,
    ProviderKind,
    ProviderStaff,
    ProviderStatus,
    Review,
    ScheduleTime,
    Session,
)
from coop.marketplace.schedule import MONDAY
from coop.marketplace.staff_models import StaffInvitation
from coop.payments import ledger
from tests.marketplace.conftest import add_staff


def details(**changes) -> providers.ProviderDetails:
    fields = {
        "name": "Riverside Gym",
        "kind": ProviderKind.COMMUNITY_VENUE,
        "description": "A friendly community gym.",
        "email": "Hello@Riverside.example",
        "phone": "01332 111222",
        "address_line_1": "2 River Lane",
        "town": "Derby",
        "postcode": "de1 3aa",
        "insurance_expires_on": date.today() + timedelta(days=200),
    }
    return providers.ProviderDetails(**(fields | changes))


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- Who may do what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "member_class, status, secretary, allowed",
    [
        ("provider", "approved", False, True),
        ("provider", "applied", False, False),
        ("provider", "left", False, False),
        ("budget_holder", "approved", False, False),
        ("carer", "approved", False, False),
        ("budget_holder", "approved", True, False),
    ],
)
def test_only_approved_provider_members_may_register_a_provider(
    db, make_member, member_class, status, secretary, allowed
):
    member = make_member(member_class, status, secretary=secretary)
    assert providers.can_register_provider(member) is allowed


def test_only_a_providers_own_staff_may_manage_it(db, make_member, make_provider, gym, gym_staff):
    other_staff = make_member("provider")
    make_provider(other_staff)
    secretary = make_member(secretary=True)
    assert providers.can_manage_provider(gym_staff, gym)
    assert not providers.can_manage_provider(other_staff, gym)
    assert not providers.can_manage_provider(secretary, gym)
    assert not providers.can_manage_provider(None, gym)
    # The secretary may look, to decide; another provider may not.
    assert providers.can_view_provider(secretary, gym)
    assert not providers.can_view_provider(other_staff, gym)


def test_staff_who_leave_the_coop_can_no_longer_manage(db, gym, gym_staff):
    from coop.members import service as members

    members.leave(db.session.merge(gym_staff))
    db.session.commit()
    assert not providers.can_manage_provider(gym_staff, gym)


# --- Registering and approving -----------------------------------------------------------


def test_registering_makes_a_waiting_provider_with_its_first_staff(db, gym_staff):
    provider = providers.register_provider(gym_staff, details())
    db.session.commit()
    assert provider.status is ProviderStatus.APPLIED
    assert provider.postcode == "DE1 3AA"
    assert provider.email == "hello@riverside.example"
    assert [s.member_id for s in provider.staff] == [gym_staff.id]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"postcode": "nowhere"}, "postcode", "Enter a real UK postcode"),
        (
            {"insurance_expires_on": date.today() - timedelta(days=1)},
            "insurance_expires_on",
            "must be today or in the future",
        ),
        (
            {"dbs_checked_on": date.today() + timedelta(days=3)},
            "dbs_checked_on",
            "must be today or in the past",
        ),
        ({"name": "  "}, "name", "cannot be left empty"),
    ],
)
def test_registering_refuses_bad_details_naming_the_field(db, gym_staff, changes, field, message):
    with pytest.raises(providers.ProviderError) as refused:
        providers.register_provider(gym_staff, details(**changes))
    assert refused.value.field == field
    assert message in refused.value.message
    assert count(db, Provider) == 0


def test_a_budget_holder_cannot_register_a_provider(db, make_member):
    with pytest.raises(providers.ProviderError, match="joined as providers"):
        providers.register_provider(make_member("budget_holder"), details())


@pytest.mark.parametrize(
    "from_status, to_status, allowed",
    [
        (ProviderStatus.APPLIED, ProviderStatus.APPROVED, True),
        (ProviderStatus.APPLIED, ProviderStatus.REJECTED, True),
        (ProviderStatus.REJECTED, ProviderStatus.APPLIED, True),
        (ProviderStatus.APPROVED, ProviderStatus.REJECTED, False),
        (ProviderStatus.APPROVED, ProviderStatus.APPLIED, False),
        (ProviderStatus.REJECTED, ProviderStatus.APPROVED, False),
    ],
)
def test_provider_moves(from_status, to_status, allowed):
    assert providers.can_move_provider(from_status, to_status) is allowed


@pytest.mark.parametrize(
    "status, waiting, approved, rejected",
    [
        (ProviderStatus.APPLIED, True, False, False),
        (ProviderStatus.APPROVED, False, True, False),
        (ProviderStatus.REJECTED, False, False, True),
    ],
)
def test_a_provider_says_where_it_stands(status, waiting, approved, rejected):
    provider = Provider(status=status)
    assert (provider.is_waiting, provider.is_approved, provider.is_rejected) == (
        waiting,
        approved,
        rejected,
    )


def test_the_secretary_approves_and_rejects_with_a_reason(db, make_member, make_provider):
    secretary = make_member(secretary=True)
    waiting = make_provider(status="applied")
    turned_down = make_provider(status="applied")
    assert providers.waiting_providers() == [waiting, turned_down]

    providers.approve_provider(waiting, secretary)
    with pytest.raises(providers.ProviderError, match="Enter the reason"):
        providers.reject_provider(turned_down, secretary, "  ")
    providers.reject_provider(turned_down, secretary, "No insurance certificate")
    db.session.commit()

    assert waiting.status is ProviderStatus.APPROVED and waiting.approved_at is not None
    assert turned_down.rejection_reason == "No insurance certificate"
    assert providers.waiting_providers() == []
    with pytest.raises(providers.ProviderError, match="cannot be changed"):
        providers.approve_provider(turned_down, secretary)


def test_only_the_secretary_decides(db, make_provider, gym_staff):
    waiting = make_provider(gym_staff, status="applied")
    with pytest.raises(providers.ProviderError, match="Only the secretary"):
        providers.approve_provider(waiting, gym_staff)
    assert waiting.status is ProviderStatus.APPLIED


def test_a_rejected_provider_can_ask_again(db, make_provider, gym_staff):
    rejected = make_provider(gym_staff, status="rejected")
    providers.apply_again(rejected, gym_staff)
    assert rejected.status is ProviderStatus.APPLIED


def test_updating_details_needs_staff_and_accepts_a_new_insurance_date(
    db, make_member, gym, gym_staff
):
    new_date = date.today() + timedelta(days=400)
    with pytest.raises(providers.ProviderError):
        providers.update_provider(gym, details(insurance_expires_on=new_date), make_member())
    providers.update_provider(gym, details(insurance_expires_on=new_date), gym_staff)
    assert gym.insurance_expires_on == new_date and gym.name == "Riverside Gym"


# --- Staff -------------------------------------------------------------------------------


def test_staff_invite_an_approved_member_who_joins_only_on_accepting(
    db, make_member, gym, gym_staff
):
    pat = make_member("carer", email="pat@example.org", name="Pat")
    make_member("carer", "applied", email="new@example.org")
    invitation = providers.invite_staff(gym, " PAT@example.org ", gym_staff)
    db.session.commit()
    # Invited is not staff: Pat has not agreed yet.
    assert {s.member.email for s in gym.staff} == {"gym@example.org"}
    assert not providers.can_manage_provider(pat, gym)
    assert providers.open_invitations_for(pat) == [invitation]
    assert providers.open_invitations_of(gym) == [invitation]

    providers.accept_invitation(invitation, pat)
    db.session.commit()
    assert {s.member.email for s in gym.staff} == {"gym@example.org", "pat@example.org"}
    assert providers.can_manage_provider(pat, gym)
    assert providers.open_invitations_for(pat) == []

    with pytest.raises(providers.ProviderError, match="already one of your staff"):
        providers.invite_staff(gym, "pat@example.org", gym_staff)
    for unknown in ("new@example.org", "nobody@example.org"):
        with pytest.raises(providers.ProviderError, match="no approved member") as refused:
            providers.invite_staff(gym, unknown, gym_staff)
        assert refused.value.field == "email"


def test_another_providers_staff_cannot_invite_staff(db, make_member, make_provider, gym):
    intruder = make_member("provider")
    make_provider(intruder)
    with pytest.raises(providers.ProviderError, match="own staff"):
        providers.invite_staff(gym, intruder.email, intruder)
    assert count(db, ProviderStaff) == 2
    assert count(db, StaffInvitation) == 0


def test_staff_remove_someone_else_by_row_or_by_member(db, make_member, gym, gym_staff):
    pat = make_member("carer", email="pat@example.org", name="Pat")
    sam = make_member("carer", email="sam@example.org", name="Sam")
    pats_row = add_staff(gym, pat, gym_staff)
    add_staff(gym, sam, gym_staff)
    db.session.commit()

    assert providers.remove_staff(gym, pats_row, gym_staff) == pat
    assert providers.remove_staff(gym, sam, gym_staff) == sam
    db.session.commit()
    assert [s.member_id for s in gym.staff] == [gym_staff.id]
    assert not providers.can_manage_provider(pat, gym)
    assert count(db, ProviderStaff) == 1


def test_the_last_staff_account_cannot_be_removed(db, make_member, gym, gym_staff):
    with pytest.raises(providers.ProviderError) as refused:
        providers.remove_staff(gym, gym.staff[0], gym_staff)
    assert refused.value.message == (
        "A provider needs at least one staff account. Add someone else before removing yourself."
    )

    pat = make_member("carer", email="pat@example.org", name="Pat")
    add_staff(gym, pat, gym_staff)
    providers.remove_staff(gym, gym_staff, pat)
    db.session.commit()
    with pytest.raises(providers.ProviderError, match="at least one staff account") as refused:
        providers.remove_staff(gym, pat, pat)
    assert refused.value.message.endswith("before removing yourself.")
    assert [s.member_id for s in gym.staff] == [pat.id]


def test_staff_may_remove_themselves_while_someone_else_remains(db, make_member, gym, gym_staff):
    pat = make_member("carer", email="pat@example.org", name="Pat")
    add_staff(gym, pat, gym_staff)
    db.session.commit()

    assert providers.remove_staff(gym, gym_staff, gym_staff) == gym_staff
    db.session.commit()
    assert not providers.can_manage_provider(gym_staff, gym)
    assert providers.provider_for(gym_staff, gym.id) is None
    assert providers.can_manage_provider(pat, gym)
    # Having left, they cannot remove anyone else.
    with pytest.raises(providers.ProviderError, match="own staff"):
        providers.remove_staff(gym, pat, gym_staff)


def test_another_providers_staff_cannot_remove_staff_or_be_removed(
    db, make_member, make_provider, gym, gym_staff
):
    pat = make_member("carer", email="pat@example.org", name="Pat")
    add_staff(gym, pat, gym_staff)
    intruder = make_member("provider", name="Ivy Intruder")
    theirs = make_provider(intruder)
    ian = make_member("carer", email="ian@example.org")
    their_second = add_staff(theirs, ian, intruder)
    db.session.commit()

    # Not their provider: refused, whichever staff account they aim at.
    for target in (gym.staff[0], pat, gym_staff):
        with pytest.raises(providers.ProviderError, match="own staff"):
            providers.remove_staff(gym, target, intruder)
    # My provider, but their staff: not found through mine, and refused if passed directly.
    assert providers.load_owned(ProviderStaff, their_second.id, gym) is None
    assert providers.load_owned(ProviderStaff, gym.staff[1].id, gym).member_id == pat.id
    for target in (their_second, intruder):
        with pytest.raises(providers.ProviderError, match="not one of Riverside Gym's staff"):
            providers.remove_staff(gym, target, gym_staff)
    assert count(db, ProviderStaff) == 4


# --- Looking things up stays inside the provider -----------------------------------------


#: Every kind of thing a provider owns, each loaded only through its provider.
OWNED_KINDS = [
    ProviderStaff,
    StaffInvitation,
    Listing,
    ScheduleTime,
    Closure,
    Concession,
    Session,
    Booking,
    Review,
]


def test_lookups_never_cross_to_another_provider(
    db, make_member, make_provider, make_listing, make_session, gym, gym_staff
):
    theirs = make_listing(make_provider())
    make_session(theirs)
    assert providers.provider_for(gym_staff, theirs.provider_id) is None
    assert providers.provider_for(gym_staff, gym.id) == gym
    assert providers.bookings_for(gym) == []
    assert set(providers.OWNER_PATHS) == set(OWNED_KINDS)


@pytest.mark.parametrize("model", OWNED_KINDS, ids=lambda model: model.__name__)
def test_a_provider_loads_its_own_things_and_never_anothers(
    db, make_provider, gym, one_of_each, model
):
    mine, theirs = one_of_each(gym), one_of_each(make_provider())
    assert providers.load_owned(model, mine[model].id, gym) == mine[model]
    assert providers.load_owned(model, theirs[model].id, gym) is None
    assert providers.load_owned(model, 999999, gym) is None


@pytest.mark.parametrize(
    "model, parent",
    [(ScheduleTime, Listing), (Closure, Listing), (Concession, Listing), (Booking, Session)],
    ids=lambda model: model.__name__,
)
def test_a_listings_or_sessions_things_load_only_within_it(db, gym, one_of_each, model, parent):
    first, second = one_of_each(gym), one_of_each(gym)
    thing = first[model]
    assert providers.load_owned(model, thing.id, gym, within=first[parent]) == thing
    assert providers.load_owned(model, thing.id, gym, within=second[parent]) is None


# --- Money -------------------------------------------------------------------------------

#: A Friday in March 2026, before the sessions below.
BEFORE_SPRING = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def mondays(db, gym, make_listing, make_session):
    """The gym's £8 sessions at 10:00 on Mondays 6 and 13 April 2026 (BST), 4 places each."""
    listing = make_listing(gym, schedule=((MONDAY, time(10, 0)),), price_pence=800, places=4)
    return [
        make_session(listing, starts_at=datetime(2026, 4, day, 9, 0, tzinfo=UTC)) for day in (6, 13)
    ]


def test_earnings_are_payments_less_refunds_split_by_commission(
    db, mondays, gym, holder, make_listing, make_provider, make_session
):
    first, second = mondays
    kept = bookings.book(holder, first, places=2, now=BEFORE_SPRING)  # £16.00
    refunded = bookings.book(holder, second, now=BEFORE_SPRING)  # £8.00, then cancelled
    bookings.cancel(refunded, holder, now=BEFORE_SPRING)
    # Another provider's booking counts for them, not the gym.
    other = make_listing(make_provider(), price_pence=500)
    other_session = make_session(other, starts_at=datetime(2026, 3, 23, 10, 0, tzinfo=UTC))
    bookings.book(holder, other_session, now=BEFORE_SPRING)
    db.session.commit()
    money = providers.earnings(gym)
    assert money == ledger.Earnings(gross_pence=1600, commission_pence=128, net_pence=1472)
    by_booking = providers.earnings_by_booking(gym)
    assert by_booking[kept.id] == money
    assert by_booking[refunded.id] == ledger.Earnings(0, 0, 0)
    assert providers.earnings(other.provider).gross_pence == 500


def test_the_bookings_csv_has_a_row_per_booking_and_no_formulas(
    db, mondays, gym, make_member, fund
):
    sly = make_member("budget_holder", name="=HYPERLINK(1)")
    fund(sly, 5000)
    sly = db.session.merge(sly)
    booking = bookings.book(sly, mondays[0], now=BEFORE_SPRING)
    db.session.commit()

    rows = list(csv.reader(io.StringIO(providers.bookings_csv(gym))))
    assert rows[0] == providers.BOOKING_COLUMNS
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Member name"] == "'=HYPERLINK(1)"
    assert row["Reference"] == booking.reference
    assert row["Listing"] == "Gym session"
    assert row["Session start"] == "6 April 2026 at 10:00am"
    assert (row["Gross"], row["Commission"], row["Net"]) == ("£8.00", "£0.64", "£7.36")
    assert (row["Status"], row["Refund"], row["Places"]) == ("Booked", "£0.00", "1")


# --- Insurance ---------------------------------------------------------------------------


def test_insurance_warnings(db, gym):
    today = date(2026, 6, 1)
    gym.insurance_expires_on = date(2026, 5, 31)
    assert "ran out on 31 May 2026" in providers.insurance_warning(gym, today)
    assert "hidden" in providers.insurance_warning(gym, today)
    gym.insurance_expires_on = date(2026, 6, 1)
    assert "runs out on 1 June 2026 (today)" in providers.insurance_warning(gym, today)
    gym.insurance_expires_on = date(2026, 7, 1)
    assert "(in 30 days)" in providers.insurance_warning(gym, today)
    gym.insurance_expires_on = date(2026, 7, 2)
    assert providers.insurance_warning(gym, today) is None


def test_lapsed_providers_are_claimed_once_per_lapse(db, make_provider):
    today = date.today()
    lapsed = make_provider(insurance_expires_on=today - timedelta(days=1))
    make_provider(insurance_expires_on=today)  # still covered today
    make_provider(status="applied", insurance_expires_on=today - timedelta(days=5))
    assert providers.lapsed_providers(today) == [lapsed]
    assert providers.claim_lapse_notice(lapsed) is True
    db.session.commit()
    assert providers.lapsed_providers(today) == []
    assert providers.claim_lapse_notice(lapsed) is False
