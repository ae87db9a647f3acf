"""Membership rules that need no web request: postcodes, state moves, registers, tokens."""

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from coop import clock, create_app
from coop.config import Config
from coop.extensions import db as _db
from coop.members import service, sign_ins, tokens
from coop.members.models import MemberClass, MembershipStatus, SignIn
from coop.postcodes import normalise_postcode

S = MembershipStatus


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("de1 3ab", "DE1 3AB"),
        ("DE13AB", "DE1 3AB"),
        ("  sw1a  1aa ", "SW1A 1AA"),
        ("EC1A1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("gir0aa", "GIR 0AA"),
        ("", None),
        ("12345", None),
        ("DE1", None),
        ("QE1 3AB", None),  # Q never starts a postcode
        ("DE1 3CB", None),  # C never appears in the unit letters
        ("DE1 3AB X", None),
        ("DE1-3AB", None),
    ],
)
def test_postcodes_are_checked_and_normalised(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    "from_status, to_status, allowed",
    [
        (S.APPLIED, S.APPROVED, True),
        (S.APPLIED, S.REJECTED, True),
        (S.APPROVED, S.LEFT, True),
        (S.APPLIED, S.LEFT, False),
        (S.APPROVED, S.REJECTED, False),
        (S.APPROVED, S.APPLIED, False),
        (S.REJECTED, S.APPROVED, False),
        (S.REJECTED, S.LEFT, False),
        (S.LEFT, S.APPROVED, False),
        (S.LEFT, S.APPLIED, False),
        (S.APPROVED, S.APPROVED, False),
    ],
)
def test_membership_moves_only_forward_along_the_rules(from_status, to_status, allowed):
    assert service.can_move(from_status, to_status) is allowed


def test_tokens_round_trip_and_are_bound_to_their_value():
    token = tokens.make_token("secret", tokens.RESET_SALT, 7, "hash-1")
    member_id, fingerprint = tokens.read_token(
        "secret", tokens.RESET_SALT, token, timedelta(hours=1)
    )
    assert member_id == 7
    assert tokens.matches(fingerprint, "hash-1")
    assert not tokens.matches(fingerprint, "hash-2")


def test_tokens_signed_for_one_purpose_do_not_work_for_another():
    token = tokens.make_token("secret", tokens.CONFIRM_SALT, 7, "a@b.org")
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_token("secret", tokens.RESET_SALT, token, timedelta(hours=1))
    assert error.value.expired is False


def test_tampered_tokens_are_refused():
    token = tokens.make_token("secret", tokens.CONFIRM_SALT, 7, "a@b.org")
    with pytest.raises(tokens.TokenError):
        tokens.read_token("other-secret", tokens.CONFIRM_SALT, token, timedelta(hours=1))
    with pytest.raises(tokens.TokenError):
        tokens.read_token("secret", tokens.CONFIRM_SALT, token[:-2] + "xx", timedelta(hours=1))


def test_expired_tokens_say_they_expired(monkeypatch):
    import itsdangerous.timed

    token = tokens.make_token("secret", tokens.CONFIRM_SALT, 7, "a@b.org")
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 3 * 3600)
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_token("secret", tokens.CONFIRM_SALT, token, timedelta(hours=2))
    assert error.value.expired is True


def _application(**overrides):
    values = dict(
        member_class=MemberClass.CARER,
        name="Dee Carer",
        email="Dee@Example.org",
        password="long enough password",
        address_line_1="1 Road",
        town="Derby",
        postcode="de1 3ab",
    )
    values.update(overrides)
    return service.Application(**values)


def test_applying_stores_a_normalised_email_and_postcode_and_a_hashed_password(db):
    member = service.apply(_application())
    assert member.email == "dee@example.org"
    assert member.postcode == "DE1 3AB"
    assert member.status is S.APPLIED
    assert "long enough password" not in member.password_hash
    assert member.password_hash.startswith("scrypt:")
    assert service.check_password(member, "long enough password")
    assert not service.check_password(member, "wrong password!!")


def test_production_hashes_passwords_with_full_strength_scrypt(monkeypatch, tmp_path):
    """The suite hashes cheaply (TestingConfig), so this checks what production does."""
    for name in ("COOP_ENV", "DATABASE_URL", "COOP_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    app = create_app(config)
    with app.app_context():
        _db.create_all()
        member = service.apply(_application())
        assert member.password_hash.startswith("scrypt:32768:8:1$")
        assert service.check_password(member, "long enough password")
        service.set_password(member, "another long password")
        assert member.password_hash.startswith("scrypt:32768:8:1$")
        assert service.check_password(member, "another long password")
        _db.session.rollback()


def test_the_same_email_cannot_apply_twice_in_any_case(db):
    service.apply(_application())
    db.session.commit()
    with pytest.raises(service.EmailTaken):
        service.apply(_application(email="DEE@example.ORG"))


def test_a_provider_must_name_its_organisation(db):
    with pytest.raises(service.MembershipError, match="organisation"):
        service.apply(_application(member_class=MemberClass.PROVIDER))


def test_approval_gives_a_number_a_date_and_one_pound_share(db, make_member):
    secretary = db.session.merge(make_member(secretary=True))
    first = service.apply(_application())
    service.confirm_email(first)
    service.approve(first, secretary)
    second = service.apply(_application(email="e@example.org"))
    service.confirm_email(second)
    service.approve(second, secretary)
    assert (first.member_number, second.member_number) == (
        secretary.member_number + 1,
        secretary.member_number + 2,
    )
    assert first.joined_on is not None
    assert (first.shares_held, first.share_capital_paid_pence) == (1, 100)
    assert [c.to_status for c in first.status_changes] == [S.APPLIED, S.APPROVED]
    assert first.status_changes[-1].changed_by == secretary


def test_only_the_secretary_may_approve_or_reject(db, make_member):
    member = db.session.merge(make_member())
    applicant = service.apply(_application())
    service.confirm_email(applicant)
    with pytest.raises(service.MembershipError, match="secretary"):
        service.approve(applicant, member)
    with pytest.raises(service.MembershipError, match="secretary"):
        service.reject(applicant, member, "No")
    assert applicant.status is S.APPLIED


def test_an_unconfirmed_email_cannot_be_approved(db, make_member):
    secretary = db.session.merge(make_member(secretary=True))
    applicant = service.apply(_application())
    with pytest.raises(service.MembershipError, match="confirmed"):
        service.approve(applicant, secretary)


def test_rejection_needs_a_reason(db, make_member):
    secretary = db.session.merge(make_member(secretary=True))
    applicant = service.apply(_application())
    with pytest.raises(service.MembershipError, match="reason"):
        service.reject(applicant, secretary, "   ")
    service.reject(applicant, secretary, "Lives outside the area we serve")
    assert applicant.status is S.REJECTED
    assert applicant.rejection_reason == "Lives outside the area we serve"


def test_leaving_keeps_the_member_in_the_register_with_a_date(db, make_member):
    member = db.session.merge(make_member())
    service.leave(member)
    db.session.commit()
    assert member.status is S.LEFT and member.left_on is not None
    in_register = db.session.scalars(service.register_query()).all()
    assert member in in_register
    with pytest.raises(service.MembershipError):
        service.leave(member)


def test_the_last_secretary_cannot_end_their_term(db, make_member):
    secretary = db.session.merge(make_member(secretary=True))
    (office,) = secretary.offices
    with pytest.raises(service.MembershipError, match="always have a secretary"):
        service.end_term(office, office.started_on)


def test_register_search_finds_by_name_email_postcode_and_number(db, make_member):
    asha = make_member(name="Asha Patel", email="asha@example.org")
    make_member(name="Ben Clarke", member_class="pa")
    make_member(name="Applicant Only", status="applied")

    def names(search="", member_class=None):
        query = service.register_query(search, member_class)
        return [m.name for m in db.session.scalars(query)]

    assert names() == ["Asha Patel", "Ben Clarke"]
    assert names("asha") == ["Asha Patel"]
    assert names("ASHA@EXAMPLE") == ["Asha Patel"]
    assert names(str(asha.member_number)) == ["Asha Patel"]
    assert names(member_class=MemberClass.PA) == ["Ben Clarke"]
    assert names("nobody") == []


def test_register_csv_holds_what_the_law_requires_and_cannot_run_formulas(db, make_member):
    make_member(name='=HYPERLINK("http://evil")', email="x@example.org")
    members = db.session.scalars(service.register_query()).all()
    lines = service.register_csv(members).splitlines()
    assert lines[0] == ",".join(service.REGISTER_COLUMNS)
    for column in [
        "Name",
        "Postal address",
        "Email address",
        "Member class",
        "Shares held",
        "Amount paid on shares",
        "Other property held in the society",
        "Date joined",
        "Date left",
    ]:
        assert column in lines[0]
    assert "'=HYPERLINK" in lines[1]
    assert "£1.00" in lines[1]


# --- Sign-ins --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("secretary", True),
        ("approved", False),
        ("applied", False),
        ("rejected", False),
        ("left", False),
        ("nobody", False),
    ],
)
def test_only_the_secretary_may_sign_members_out(db, make_member, who, allowed):
    target = db.session.merge(make_member(email="target@example.org"))
    if who == "nobody":
        actor = None
    elif who == "secretary":
        actor = db.session.merge(make_member(secretary=True))
    else:
        actor = db.session.merge(make_member(status=who))
    assert service.can_sign_members_out(actor) is allowed
    sign_ins.start(target, remember=True)
    if allowed:
        assert service.sign_member_out(target, actor) == 1
    else:
        with pytest.raises(service.MembershipError, match="secretary"):
            service.sign_member_out(target, actor)
    assert sign_ins.count(target) == (0 if allowed else 1)


def test_a_sign_in_key_finds_its_member_until_it_ends(db, make_member):
    member = db.session.merge(make_member())
    key = sign_ins.start(member, remember=False)
    other = sign_ins.start(member, remember=True)
    assert key != other and key.startswith(f"{member.id}:")
    assert sign_ins.member_for(key) is member and member.sign_in_key == key
    assert sign_ins.end(key) is True
    assert sign_ins.member_for(key) is None and sign_ins.end(key) is False
    assert sign_ins.member_for(other) is member
    for forged in ["", str(member.id), f"{member.id}:", f"x:{other.split(':')[1]}", "::"]:
        assert sign_ins.member_for(forged) is None, forged
    someone_else = db.session.merge(make_member())
    assert sign_ins.member_for(f"{someone_else.id}:{other.split(':')[1]}") is None


@pytest.mark.parametrize(
    "change",
    [
        lambda member: service.set_password(member, "a new long password"),
        lambda member: service.leave(member),
        lambda member: service.sign_out_everywhere(member),
    ],
    ids=["password changed", "left the co-op", "signed out everywhere"],
)
def test_these_changes_end_every_sign_in_of_the_member_only(db, make_member, change):
    member = db.session.merge(make_member())
    other = db.session.merge(make_member())
    keys = [sign_ins.start(member, remember=r) for r in (True, False)]
    kept = sign_ins.start(other, remember=True)
    change(member)
    assert [sign_ins.member_for(key) for key in keys] == [None, None]
    assert sign_ins.member_for(kept) is other


def test_signing_in_clears_away_the_members_lapsed_sign_ins(db, make_member):
    member = db.session.merge(make_member())
    now = clock.now()
    old = sign_ins.start(member, remember=True, now=now - timedelta(days=31))
    assert sign_ins.member_for(old, now) is None
    sign_ins.start(member, remember=False, now=now)
    assert db.session.scalar(select(func.count(SignIn.id))) == 1
