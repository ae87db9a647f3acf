"""The server's command line: appointing the first secretary and loading demo data."""

from sqlalchemy import func, select

from coop.members import roles
from coop.members.models import Member, MembershipStatus


def test_create_secretary_makes_an_approved_member_who_holds_the_office(app, db, runner):
    result = runner.invoke(
        args=[
            "members",
            "create-secretary",
            "Sec@Example.org",
            "--name",
            "Sam Okafor",
            "--member-class",
            "carer",
            "--address",
            "1 Friar Gate",
            "--town",
            "Derby",
            "--postcode",
            "de11da",
            "--password",
            "a long enough password",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Sam Okafor <sec@example.org> is the secretary (member 1)." in result.output
    member = db.session.scalar(select(Member))
    assert member.status is MembershipStatus.APPROVED and roles.is_secretary(member)
    assert member.email_confirmed_at is not None and member.postcode == "DE1 1DA"


def test_create_secretary_asks_for_what_is_missing_and_explains_bad_input(app, db, runner):
    result = runner.invoke(
        args=["members", "create-secretary", "sec@example.org"],
        input="pa\nSam Okafor\nshort\nshort\n1 Friar Gate\nDerby\nDE1 1DA\n",
    )
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert db.session.scalar(select(func.count(Member.id))) == 0


def test_create_secretary_promotes_an_existing_member(app, db, runner, make_member):
    member = make_member(email="asha@example.org")
    result = runner.invoke(args=["members", "create-secretary", "asha@example.org"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert roles.is_secretary(db.session.get(Member, member.id))


def test_demo_load_fills_an_empty_database_once(app, db, runner):
    first = runner.invoke(args=["demo", "load", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "secretary@demo.coop" in first.output
    count = db.session.scalar(select(func.count(Member.id)))
    assert count > 10
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    assert db.session.scalar(select(func.count(Member.id))) == count
    refused = runner.invoke(args=["demo", "load"])
    assert refused.exit_code == 1 and "already has members" in refused.output
