"""Peer support buddies: the suggestion rule, and asking, answering, ending, asking later."""

import pytest
from sqlalchemy import select

from coop.outbox import OutboxMessage
from coop.support import buddies
from coop.support.buddy_models import PairStatus, Topic, Way

T, W = Topic, Way


def _wish(member_id, name, *, offers=False, asks=False, topics=(), ways=()):
    return buddies.Wish(member_id, name, offers, asks, frozenset(topics), frozenset(ways))


def test_a_pair_is_suggested_with_the_reasons():
    me = _wish(1, "Asha", asks=True, topics=[T.EMPLOYING_PAS, T.SHARED_LIVES], ways=[W.PHONE])
    ben = _wish(
        2, "Ben", offers=True, topics=[T.EMPLOYING_PAS, T.SHARED_LIVES], ways=[W.PHONE, W.ONLINE]
    )
    [suggestion] = buddies.suggest(me, [ben])
    assert suggestion.direction == buddies.SUPPORTS_YOU
    assert suggestion.reasons == (
        "Ben offers support on Employing PAs and shared lives, as you chose.",
        "You could both meet by phone.",
    )


@pytest.mark.parametrize(
    "other",
    [
        _wish(2, "No topic", offers=True, topics=[T.MENTAL_HEALTH], ways=[W.PHONE]),
        _wish(2, "No way", offers=True, topics=[T.EMPLOYING_PAS], ways=[W.MEETING]),
        _wish(2, "Also asks", asks=True, topics=[T.EMPLOYING_PAS], ways=[W.PHONE]),
        _wish(1, "Me", offers=True, topics=[T.EMPLOYING_PAS], ways=[W.PHONE]),
    ],
)
def test_nobody_is_suggested_without_a_topic_a_way_and_an_offer(other):
    me = _wish(1, "Asha", asks=True, topics=[T.EMPLOYING_PAS], ways=[W.PHONE])
    assert buddies.suggest(me, [other]) == []


def test_the_best_fit_comes_first_and_an_offerer_sees_those_asking():
    me = _wish(1, "Asha", asks=True, offers=True, topics=list(T), ways=list(W))
    one = _wish(2, "Ben", offers=True, topics=[T.MENTAL_HEALTH], ways=[W.PHONE])
    two = _wish(3, "Chloe", offers=True, topics=[T.MENTAL_HEALTH, T.YOUNG_ADULT], ways=[W.PHONE])
    asker = _wish(4, "Dan", asks=True, topics=[T.NEW_TO_DIRECT_PAYMENTS], ways=[W.ONLINE])
    found = buddies.suggest(me, [one, asker, two])
    assert [(s.name, s.direction) for s in found] == [
        ("Chloe", buddies.SUPPORTS_YOU),
        ("Ben", buddies.SUPPORTS_YOU),
        ("Dan", buddies.ASKS_YOU),
    ]


@pytest.fixture
def pair_people(db, make_member):
    asha = db.session.merge(make_member(name="Asha Holder", email="asha@example.org"))
    ben = db.session.merge(make_member("carer", name="Ben Carer", email="ben@example.org"))
    buddies.save_profile(
        asha,
        offers=False,
        asks=True,
        topics={T.EMPLOYING_PAS},
        ways={W.PHONE},
        phone="07700 900001",
    )
    buddies.save_profile(
        ben, offers=True, asks=False, topics={T.EMPLOYING_PAS}, ways={W.PHONE}, phone="07700 900002"
    )
    db.session.commit()
    return asha, ben


def test_contact_details_are_shared_only_when_both_say_yes(db, pair_people):
    asha, ben = pair_people
    [suggestion] = buddies.suggestions_for(asha)
    assert suggestion.member_id == ben.id
    pair = buddies.ask(asha, ben.id)
    db.session.commit()
    assert pair.asker_id == asha.id and pair.offerer_id == ben.id
    assert not buddies.contact_shown(pair)
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == ben.email))
    assert "07700" not in body
    assert buddies.suggestions_for(asha) == []  # not suggested twice while asked
    with pytest.raises(buddies.BuddyError, match="Only the person who was asked"):
        buddies.answer(pair, asha, True)
    buddies.answer(pair, ben, True)
    db.session.commit()
    assert pair.status is PairStatus.ACTIVE and buddies.contact_shown(pair)


def test_either_can_end_it(db, pair_people):
    asha, ben = pair_people
    pair = buddies.ask(asha, ben.id)
    buddies.answer(pair, ben, True)
    buddies.end(pair, asha)
    db.session.commit()
    assert pair.status is PairStatus.ENDED and not buddies.contact_shown(pair)
    assert [s.member_id for s in buddies.suggestions_for(ben)] == [asha.id]  # may ask again


def test_someone_who_said_no_can_ask_later_but_is_not_pestered(db, pair_people):
    asha, ben = pair_people
    pair = buddies.ask(asha, ben.id)
    buddies.answer(pair, ben, False)
    db.session.commit()
    assert pair.status is PairStatus.DECLINED
    assert buddies.suggestions_for(asha) == []  # Ben said no: Asha is not shown him again
    with pytest.raises(buddies.BuddyError, match="only ask someone the site suggests"):
        buddies.ask(asha, ben.id)
    db.session.rollback()
    # Ben said no, but later asks Asha himself; she says yes.
    assert [s.member_id for s in buddies.suggestions_for(ben)] == [asha.id]
    pair = buddies.ask(ben, asha.id)
    assert pair.status is PairStatus.ASKED and pair.asked_by_id == ben.id
    assert pair.asker_id == asha.id  # Asha is still the one asking for support
    buddies.answer(pair, asha, True)
    db.session.commit()
    assert pair.status is PairStatus.ACTIVE


def test_taking_a_break_hides_you_from_suggestions(db, pair_people):
    asha, ben = pair_people
    buddies.stop(ben)
    db.session.commit()
    assert buddies.suggestions_for(asha) == []


@pytest.mark.parametrize(
    ("offers", "asks", "topics", "ways", "message"),
    [
        (False, False, {T.EMPLOYING_PAS}, {W.PHONE}, "offer support, ask for it"),
        (True, False, set(), {W.PHONE}, "at least one topic"),
        (True, False, {T.EMPLOYING_PAS}, set(), "at least one way"),
    ],
)
def test_opting_in_needs_a_role_a_topic_and_a_way(
    db, make_member, offers, asks, topics, ways, message
):
    member = db.session.merge(make_member())
    with pytest.raises(buddies.BuddyError, match=message):
        buddies.save_profile(member, offers=offers, asks=asks, topics=topics, ways=ways)
