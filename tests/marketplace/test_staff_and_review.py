"""A provider cannot be used to move a budget to yourself: staff join only by accepting an
invitation, staff cannot pay their own provider from a budget (and the secretary sees who
tried), and a provider's first listing is reviewed by the secretary before it is public."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from coop.marketplace import bookings, listings, providers
from coop.marketplace.models import ListingStatus, ProviderStaff, Session
from coop.marketplace.staff_models import InvitationStatus, RefusedOwnBooking, StaffInvitation
from coop.payments import ledger
from tests.marketplace.conftest import _a_fortnight_ahead, add_staff
from tests.marketplace.provider_pages import as_, base, count
from tests.pages import error_summary, page, text

# --- Invitations -------------------------------------------------------------------------


@pytest.fixture
def ben(make_member):
    """Ben, a budget holder the gym's staff would like on their staff."""
    return make_member("budget_holder", email="ben@example.org", name="Ben Holder")


def test_an_invitation_is_emailed_and_nobody_is_staff_until_they_accept(
    client, db, gym, gym_staff, ben, mailbox
):
    as_(client, gym_staff)
    response = client.post(f"{base(gym)}/staff", data={"email": "ben@example.org"})
    assert response.status_code == 302
    [message] = mailbox.to("ben@example.org")
    assert "Invitation to join Riverside Gym's staff" in message["Subject"]
    body = mailbox.body(message)
    assert "You are not one of its staff unless you accept" in body and "/account" in body
    assert count(db, ProviderStaff, provider_id=gym.id) == 1

    # Until Ben accepts he cannot reach the provider's pages, nor publish anything.
    as_(client, ben)
    assert client.get(base(gym)).status_code == 404
    assert client.post(f"{base(gym)}/listings/new", data={}).status_code == 404
    words = text(client.get("/account"))
    assert "Gita Gym has invited you to join Riverside Gym's staff" in words
    assert "Accept the invitation from Riverside Gym" in words

    invitation = db.session.scalars(select(StaffInvitation)).one()
    response = client.post(f"/marketplace/invitations/{invitation.id}/accept")
    assert response.location.endswith(base(gym))
    assert "You are now one of Riverside Gym's staff." in text(client.get(response.location))
    assert "invited you" not in text(client.get("/account"))
    db.session.refresh(invitation)
    assert invitation.status is InvitationStatus.ACCEPTED
    assert count(db, ProviderStaff, provider_id=gym.id, member_id=ben.id) == 1


def test_declining_leaves_the_member_off_the_staff(client, db, gym, gym_staff, ben):
    invitation = providers.invite_staff(gym, ben.email, gym_staff)
    db.session.commit()
    as_(client, ben)
    response = client.post(f"/marketplace/invitations/{invitation.id}/decline")
    assert "You have declined the invitation from Riverside Gym." in text(
        client.get(response.location)
    )
    db.session.refresh(invitation)
    assert invitation.status is InvitationStatus.DECLINED
    # A declined invitation cannot then be accepted.
    response = client.post(f"/marketplace/invitations/{invitation.id}/accept")
    assert "already declined" in text(client.get(response.location))
    assert count(db, ProviderStaff, provider_id=gym.id) == 1
    as_(client, gym_staff)
    assert "Invitations waiting for an answer" not in text(client.get(f"{base(gym)}/staff"))


def test_an_invitation_expires_after_14_days(db, gym, gym_staff, ben, monkeypatch):
    invited_at = datetime.now(UTC) - timedelta(days=14, minutes=1)
    invitation = providers.invite_staff(gym, ben.email, gym_staff, now=invited_at)
    db.session.commit()
    assert invitation.expires_at == invited_at + timedelta(days=14)
    assert providers.open_invitations_for(ben) == []
    assert providers.open_invitations_of(gym) == []
    with pytest.raises(providers.ProviderError, match="expired"):
        providers.accept_invitation(invitation, ben)
    db.session.rollback()
    assert not providers.can_manage_provider(ben, gym)
    # A day before it ran out it could still be accepted.
    fresh = providers.invite_staff(gym, ben.email, gym_staff, now=invited_at)
    providers.accept_invitation(fresh, ben, now=invited_at + timedelta(days=13))
    db.session.commit()
    assert providers.can_manage_provider(ben, gym)


def test_only_the_invited_member_can_answer_and_staff_can_withdraw(
    client, db, gym, gym_staff, ben, make_member
):
    invitation = providers.invite_staff(gym, ben.email, gym_staff)
    db.session.commit()
    intruder = make_member("budget_holder", email="ivy@example.org")
    as_(client, intruder)
    for answer in ("accept", "decline"):
        assert client.post(f"/marketplace/invitations/{invitation.id}/{answer}").status_code == 404
    assert "Riverside Gym" not in text(client.get("/account"))
    with pytest.raises(providers.ProviderError, match="not yours"):
        providers.accept_invitation(invitation, intruder)
    db.session.rollback()

    as_(client, gym_staff)
    words = text(client.get(f"{base(gym)}/staff"))
    assert "Ben Holder, invited by Gita Gym" in words
    url = f"{base(gym)}/staff/invitations/{invitation.id}/withdraw"
    response = client.post(url)
    assert "The invitation to Ben Holder is withdrawn." in text(client.get(response.location))
    as_(client, ben)
    response = client.post(f"/marketplace/invitations/{invitation.id}/accept")
    assert "already withdrawn" in text(client.get(response.location))
    assert count(db, ProviderStaff, provider_id=gym.id) == 1


def test_another_provider_cannot_withdraw_or_see_an_invitation(
    client, db, gym, gym_staff, ben, make_member, make_provider
):
    invitation = providers.invite_staff(gym, ben.email, gym_staff)
    db.session.commit()
    rival = make_member("provider", email="rival@example.org")
    theirs = make_provider(rival, name="Rival Fitness")
    as_(client, rival)
    for url in (
        f"{base(gym)}/staff/invitations/{invitation.id}/withdraw",
        f"{base(theirs)}/staff/invitations/{invitation.id}/withdraw",
    ):
        assert client.post(url).status_code == 404
    db.session.refresh(invitation)
    assert invitation.status is InvitationStatus.PENDING


def test_inviting_again_replaces_the_waiting_invitation(db, gym, gym_staff, ben):
    first = providers.invite_staff(gym, ben.email, gym_staff)
    db.session.commit()
    second = providers.invite_staff(gym, ben.email, gym_staff)
    db.session.commit()
    db.session.refresh(first)
    assert first.status is InvitationStatus.WITHDRAWN
    assert providers.open_invitations_for(ben) == [second]


# --- Staff cannot pay their own provider from a budget -----------------------------------


@pytest.fixture
def staff_holder(db, gym, gym_staff, ben, fund):
    """Ben, a budget holder with £50, who has accepted an invitation to the gym's staff."""
    fund(ben, 5000)
    ben = db.session.merge(ben)
    add_staff(gym, ben, gym_staff)
    db.session.commit()
    return ben


def test_staff_cannot_book_their_own_provider_from_their_budget(
    db, gym, staff_holder, make_listing, make_session
):
    session = make_session(make_listing(gym, price_pence=800), starts_at=_a_fortnight_ahead())
    with pytest.raises(bookings.OwnProviderBooking) as refused:
        bookings.book(staff_holder, session)
    assert "You are one of Riverside Gym's staff" in refused.value.message
    assert "cannot pay for its sessions from your budget" in refused.value.message
    db.session.rollback()
    assert ledger.budget_balance(staff_holder) == 5000
    assert count(db, Session, booked=1) == 0
    with pytest.raises(bookings.BookingError, match="Riverside Gym's staff"):
        bookings.join_waitlist(staff_holder, session)
    db.session.rollback()


def test_a_free_session_of_ones_own_provider_moves_no_money_and_may_be_booked(
    db, gym, staff_holder, make_listing, make_session
):
    session = make_session(make_listing(gym, price_pence=0), starts_at=_a_fortnight_ahead())
    booking = bookings.book(staff_holder, session)
    db.session.commit()
    assert booking.total_pence == 0 and ledger.budget_balance(staff_holder) == 5000


def test_the_booking_page_says_why_and_a_forced_booking_is_refused_and_listed(
    client, db, gym, staff_holder, make_listing, make_session, make_member
):
    session = make_session(make_listing(gym, price_pence=800), starts_at=_a_fortnight_ahead())
    as_(client, staff_holder)
    response = client.get(f"/marketplace/sessions/{session.id}/book")
    words = text(response)
    assert "You are one of Riverside Gym's staff" in words
    assert 'name="places"' not in page(response)  # no Book button that leads to a refusal

    response = client.post(
        f"/marketplace/sessions/{session.id}/book", data={"places": "1", "price_pence": "800"}
    )
    assert response.status_code == 400
    assert any("Riverside Gym's staff" in m for _f, m in error_summary(page(response)))
    db.session.expire_all()
    assert ledger.budget_balance(staff_holder) == 5000
    [attempt] = db.session.scalars(select(RefusedOwnBooking)).all()
    assert (attempt.member_id, attempt.provider_id, attempt.total_pence) == (
        staff_holder.id,
        gym.id,
        800,
    )

    as_(client, make_member(secretary=True, email="sec@example.org"))
    words = text(client.get("/marketplace/secretary/listings"))
    assert "Ben Holder (member" in words
    assert "tried to pay £8.00 to Riverside Gym for Gym session" in words


def test_other_budget_holders_still_book_the_providers_sessions(
    db, gym, staff_holder, holder, make_listing, make_session
):
    session = make_session(make_listing(gym, price_pence=800), starts_at=_a_fortnight_ahead())
    booking = bookings.book(holder, session)
    db.session.commit()
    assert booking.total_pence == 800
    assert bookings.why_member_cannot_book(holder, session) is None


# --- A provider's first listing is reviewed ----------------------------------------------


@pytest.fixture
def newcomer(make_member, make_provider):
    """A provider the secretary has approved, with no listing reviewed yet, and its staff."""
    staff = make_member("provider", email="wood@example.org", name="Wendy Wood")
    provider = make_provider(staff, name="Woodwork Shop", listings_reviewed=False)
    return provider, staff


def test_a_first_listing_waits_for_the_secretary_then_later_ones_publish(
    client, db, newcomer, make_listing, make_member, mailbox
):
    provider, staff = newcomer
    first = make_listing(provider, title="Woodwork for beginners", status="draft")
    assert listings.publish_listing(first, staff) == []
    db.session.commit()
    assert first.status is ListingStatus.IN_REVIEW
    assert count(db, Session, listing_id=first.id) == 0
    assert client.get(f"/marketplace/listings/{first.id}").status_code == 404
    as_(client, staff)
    words = text(client.get(f"{base(provider)}/listings/{first.id}"))
    assert "Waiting for review" in words and "checks each provider's first listing" in words

    secretary = make_member(secretary=True, email="sec@example.org")
    as_(client, secretary)
    words = text(client.get("/marketplace/secretary/listings"))
    assert (
        "1 waiting for review" in words and "Woodwork for beginners , from Woodwork Shop" in words
    )
    response = client.post(
        f"/marketplace/secretary/listings/{first.id}", data={"decision": "approve"}
    )
    assert response.status_code == 302
    assert "Woodwork for beginners is published" in text(client.get(response.location))
    db.session.expire_all()
    assert first.status is ListingStatus.PUBLISHED
    assert provider.first_listing_approved_at is not None
    assert count(db, Session, listing_id=first.id) >= 8
    assert client.get(f"/marketplace/listings/{first.id}").status_code == 200
    assert "is published" in mailbox.to("wood@example.org")[0]["Subject"]

    second = make_listing(provider, title="Carving", status="draft")
    assert len(listings.publish_listing(second, staff)) >= 8
    assert second.status is ListingStatus.PUBLISHED


def test_the_secretary_sends_a_listing_back_with_a_reason(
    client, db, newcomer, make_listing, make_member
):
    provider, staff = newcomer
    listing = make_listing(provider, title="Woodwork for beginners", status="draft")
    as_(client, staff)
    response = client.post(
        f"{base(provider)}/listings/{listing.id}/status", data={"action": "publish"}
    )
    words = text(client.get(response.location))
    assert "Waiting for review" in words and "The listing is published" not in words
    assert "The listing is sent to the co-op's secretary" in words

    as_(client, make_member(secretary=True, email="sec@example.org"))
    url = f"/marketplace/secretary/listings/{listing.id}"
    body = page(client.post(url, data={"decision": "reject", "reason": ""}))
    assert any("Say what the provider needs to change" in m for _f, m in error_summary(body))
    client.post(url, data={"decision": "reject", "reason": "Give the price per hour"})
    db.session.expire_all()
    assert listing.status is ListingStatus.DRAFT and provider.first_listing_approved_at is None

    as_(client, staff)
    words = text(client.get(f"{base(provider)}/listings/{listing.id}"))
    assert "What to change: Give the price per hour" in words
    # Publishing again sends it back to the secretary, not to the public.
    client.post(f"{base(provider)}/listings/{listing.id}/status", data={"action": "publish"})
    db.session.expire_all()
    assert listing.status is ListingStatus.IN_REVIEW


@pytest.mark.parametrize("who", ["gym staff", "budget holder", "provider's own staff"])
def test_only_the_secretary_reviews_listings(
    client, db, newcomer, make_listing, gym_staff, holder, who
):
    provider, staff = newcomer
    listing = make_listing(provider, status="draft")
    listings.publish_listing(listing, staff)
    db.session.commit()
    actor = {"gym staff": gym_staff, "budget holder": holder, "provider's own staff": staff}[who]
    as_(client, actor)
    assert client.get("/marketplace/secretary/listings").status_code == 403
    url = f"/marketplace/secretary/listings/{listing.id}"
    assert client.post(url, data={"decision": "approve"}).status_code == 403
    with pytest.raises(providers.ProviderError, match="Only the secretary"):
        listings.approve_listing(listing, actor)
    db.session.rollback()
    assert listing.status is ListingStatus.IN_REVIEW


@pytest.mark.parametrize(
    "from_status, to_status, allowed",
    [
        (ListingStatus.DRAFT, ListingStatus.IN_REVIEW, True),
        (ListingStatus.IN_REVIEW, ListingStatus.PUBLISHED, True),
        (ListingStatus.IN_REVIEW, ListingStatus.DRAFT, True),
        (ListingStatus.IN_REVIEW, ListingStatus.ARCHIVED, True),
        (ListingStatus.PUBLISHED, ListingStatus.IN_REVIEW, False),
        (ListingStatus.ARCHIVED, ListingStatus.IN_REVIEW, False),
    ],
)
def test_the_moves_of_a_listing_through_review(from_status, to_status, allowed):
    assert listings.can_move_listing(from_status, to_status) is allowed
