"""Members without email are sent letters about their bookings, never emails that fail."""

from datetime import date

from coop.marketplace import bookings
from coop.marketplace import emails as booking_emails
from coop.members import letters, paper, service
from coop.members.models import MemberClass
from coop.members.paper_models import ReceivedBy
from tests.marketplace.provider_pages import as_, base
from tests.pages import page


def paper_member(db, secretary):
    """An approved budget holder who applied by phone and has no email address."""
    member, _record = paper.record_application(
        paper.PaperDetails(
            member_class=MemberClass.BUDGET_HOLDER,
            name="Peggy Paper",
            address_line_1="3 Mill Lane",
            town="Belper",
            postcode="DE56 1AA",
            received_by=ReceivedBy.PHONE,
            received_on=date.today(),
        ),
        secretary,
    )
    paper.confirm_identity(member, secretary, "Met at the drop-in")
    service.approve(member, secretary)
    db.session.commit()
    return member


def test_booking_messages_to_a_member_without_email_are_letters(
    client, db, make_member, fund, gym, gym_staff, holder, make_listing, make_session, mailbox
):
    secretary = make_member(secretary=True, email="sec@example.org")
    member = paper_member(db, secretary)
    fund(member, 5000)
    member = db.session.merge(member)
    session = make_session(make_listing(gym, title="Gym session", price_pence=800))
    bookings.book(holder, session)  # Asha has an email address
    db.session.commit()

    booking = bookings.book(member, session)
    db.session.commit()
    assert booking_emails.send_booking_confirmed(booking) is True
    db.session.commit()
    [letter] = [x for x in letters.letters_for(member) if x.subject == "Booked: Gym session"]
    assert booking.reference in letter.body
    assert "not printed here" in letter.body  # the calendar file cannot go by post

    # The provider cancels the session through its page: everyone booked is told, and the
    # member without email by letter.
    as_(client, gym_staff)
    mailbox.messages.clear()
    response = client.post(
        f"{base(gym)}/sessions/{session.id}/cancel",
        data={"reason": "The hall is flooded"},
    )
    assert response.status_code == 302, page(response)
    db.session.expire_all()
    cancelled = [x for x in letters.letters_for(member) if x.subject.startswith("Session cancel")]
    assert len(cancelled) == 1 and "The hall is flooded" in cancelled[0].body
    assert [m["To"] for m in mailbox.messages] == ["asha@example.org"]
    assert letters.letters_to_send()[-1].id == cancelled[0].id
