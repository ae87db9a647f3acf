"""Shared Lives demo data: a coordinator, six approved carer households and one in assessment,
three referrals, a running arrangement with a review due, and last month's payments."""

from __future__ import annotations

from datetime import datetime, timedelta

from coop import clock
from coop.extensions import db
from coop.members import service as members
from coop.members.demo import DEMO_PASSWORD
from coop.members.models import Member, MemberClass, Office
from coop.shared_lives import payment_run, service
from coop.shared_lives.models import (
    Arrangement,
    ArrangementReview,
    ArrangementType,
    Household,
    HouseholdCarer,
    HouseholdStatus,
    Introduction,
    IntroductionStatus,
    Meeting,
    Room,
    Stay,
    StayKind,
)

#: (email, name, postcode) of the demo's new carers; Dev Sharma (dev@demo.coop) is the sixth.
CARERS = [
    ("kim@demo.coop", "Kim Adeyemi", "DE1 2AB"),  # the coordinator
    ("maria@demo.coop", "Maria Kowalska", "DE22 1AA"),
    ("harpreet@demo.coop", "Harpreet Gill", "DE23 6AB"),
    ("joan@demo.coop", "Joan Whitaker", "DE3 9AA"),
    ("sam.b@demo.coop", "Sam Brown", "DE21 4AB"),
    ("leah@demo.coop", "Leah Morgan", "DE1 1AB"),
    ("olu@demo.coop", "Olu Bello", "DE24 8AA"),
]

HOUSEHOLDS = [
    # name, carer email, postcode, profile, rooms
    ("The Sharmas", "dev@demo.coop", "DE1 3AB",
     dict(languages="English, Punjabi, Hindi", faith="Sikh", interests="cooking, cricket, music",
          makeup="couple with teenagers", pets="", has_woman_carer=True,
          approved_types="long_term,short_break", max_people=2),
     [dict(name="Back bedroom", for_long_term=True, en_suite=True),
      dict(name="Garden room", for_short_breaks=True, step_free=True)]),
    ("The Kowalskis", "maria@demo.coop", "DE22 1AA",
     dict(languages="English, Polish", faith="Christian", interests="gardening, films, walking",
          makeup="retired couple", pets="a cat", has_woman_carer=True,
          approved_types="long_term,short_break,day_support", max_people=2),
     [dict(name="Front bedroom", for_long_term=True, for_short_breaks=True)]),
    ("Harpreet Gill", "harpreet@demo.coop", "DE23 6AB",
     dict(languages="English, Punjabi", faith="Sikh", interests="football, cooking",
          makeup="single woman", has_woman_carer=True,
          approved_types="short_break,day_support", max_people=1),
     [dict(name="Spare room", for_short_breaks=True, step_free=True, en_suite=True)]),
    ("The Whitakers", "joan@demo.coop", "DE3 9AA",
     dict(languages="English", interests="crafts, music, baking", makeup="retired couple",
          pets="two dogs", has_woman_carer=True, smoking=False,
          approved_types="long_term,short_break", max_people=3,
          exclusions="behaviour"),
     [dict(name="Blue room", for_long_term=True),
      dict(name="Annexe", for_long_term=True, for_short_breaks=True, step_free=True)]),
    ("Sam Brown", "sam.b@demo.coop", "DE21 4AB",
     dict(languages="English", interests="football, films, video games", makeup="single man",
          smoking=True, approved_types="day_support,short_break", max_people=1),
     [dict(name="Box room", for_short_breaks=True)]),
    ("The Morgans", "leah@demo.coop", "DE1 1AB",
     dict(languages="English, Welsh", faith="Christian", interests="walking, art, films",
          makeup="couple with young children", pets="a rabbit", has_woman_carer=True,
          approved_types="long_term,short_break,day_support", max_people=2),
     [dict(name="Loft room", for_long_term=True),
      dict(name="Ground-floor room", for_short_breaks=True, step_free=True, en_suite=True)]),
]  # fmt: skip


def _carer(email: str, name: str, postcode: str, secretary: Member, now: datetime) -> Member:
    joined = now - timedelta(days=400)
    member = members.apply(
        members.Application(
            member_class=MemberClass.CARER,
            name=name,
            email=email,
            password=DEMO_PASSWORD,
            address_line_1="1 Demo Street",
            town="Derby",
            postcode=postcode,
        ),
        now=joined,
    )
    members.confirm_email(member, joined)
    members.approve(member, secretary, joined + timedelta(days=1))
    return member


def load(members_by_email: dict[str, Member], now: datetime | None = None) -> None:
    now = now or clock.now()
    today = clock.london_today(now)
    secretary = members_by_email["secretary@demo.coop"]
    people = dict(members_by_email)
    for email, name, postcode in CARERS:
        people[email] = _carer(email, name, postcode, secretary, now)
    coordinator = people["kim@demo.coop"]
    members.appoint(coordinator, Office.SHARED_LIVES_COORDINATOR, today - timedelta(days=300))
    payment_run.set_rates(
        coordinator, today - timedelta(days=365), now=now,
        band_1_weekly_pence=35_000, band_2_weekly_pence=42_000, band_3_weekly_pence=49_000,
        band_4_weekly_pence=56_000, short_break_nightly_pence=7_500,
        day_4h_pence=4_000, day_6h_pence=5_500, day_8h_pence=7_000,
    )  # fmt: skip

    approved_on = today - timedelta(days=200)
    households = {}
    for number, (name, email, postcode, profile, rooms) in enumerate(HOUSEHOLDS):
        household = Household(
            name=name, postcode=postcode, status=HouseholdStatus.APPROVED,
            reasons="We have a spare room and time to share.", reference_1="A neighbour",
            reference_2="A former employer", consents_to_dbs=True, housing_permission=True,
            panel_decided_on=approved_on, panel_reasons="Warm, experienced and well prepared.",
            dbs_checked_on=approved_on - timedelta(days=30), first_aid_on=approved_on,
            mental_capacity_on=approved_on, safeguarding_on=approved_on,
            medication_on=approved_on - timedelta(days=700 - number * 10),
            data_protection_on=approved_on, safety_check_on=approved_on - timedelta(days=150),
            created_at=now - timedelta(days=300), **profile,
        )  # fmt: skip
        db.session.add(household)
        db.session.flush()
        db.session.add(HouseholdCarer(household_id=household.id, member_id=people[email].id))
        for room in rooms:
            db.session.add(Room(household_id=household.id, **room))
        households[name] = household
    db.session.flush()

    waiting = Household(
        name="The Bellos", postcode="DE24 8AA", status=HouseholdStatus.ASSESSMENT,
        reasons="Our children have left home.", reference_1="A church elder",
        reference_2="A colleague", consents_to_dbs=True, housing_permission=True,
        approved_types="short_break", max_people=1, created_at=now - timedelta(days=40),
    )  # fmt: skip
    db.session.add(waiting)
    db.session.flush()
    db.session.add(HouseholdCarer(household_id=waiting.id, member_id=people["olu@demo.coop"].id))

    def referral(**details):
        return service.record_referral(service.ReferralDetails(**details), coordinator, now)

    tom = referral(
        person_name="Tom Hughes", arrangement_type=ArrangementType.LONG_TERM,
        wanted_from=today - timedelta(days=110), wanted_until=None, area_postcode="DE1 3AA",
        needs=frozenset({"medication", "communication"}), health_notes="Epilepsy, well managed.",
        must_haves=frozenset({"no_smoking"}), interests="cricket, music",
        household_wish="a family", shared_summary="Tom loves cricket and music, and needs "
        "reminders to take his tablets.",
    )  # fmt: skip
    asha = referral(
        person_name="Asha Patel", person=people["asha@demo.coop"],
        arrangement_type=ArrangementType.SHORT_BREAK, wanted_from=today + timedelta(days=21),
        wanted_until=today + timedelta(days=24), area_postcode="DE1 2AB",
        needs=frozenset({"personal_care", "mobility"}), health_notes="Uses a wheelchair.",
        must_haves=frozenset({"step_free", "woman_carer"}), language="Punjabi",
        interests="cooking, music", household_wish="a woman on her own or a couple",
        shared_summary="Asha uses a wheelchair, loves cooking and would like a quiet break.",
    )  # fmt: skip
    ben = referral(
        person_name="Ben Clarke", person=people["ben@demo.coop"],
        arrangement_type=ArrangementType.DAY_SUPPORT, wanted_from=today - timedelta(days=40),
        wanted_until=None, area_postcode="DE21 4AA", needs=frozenset({"communication"}),
        interests="football, films", household_wish="someone who likes football",
        shared_summary="Ben likes football and films and uses some Makaton.",
    )  # fmt: skip
    # Left open, for the coordinator to run matching on; Kim has read it once.
    service.open_referral(asha, coordinator, now)

    sharmas = households["The Sharmas"]
    started = today - timedelta(days=100)
    db.session.add(
        Introduction(
            referral_id=tom.id, household_id=sharmas.id, status=IntroductionStatus.AGREED,
            respond_by=started - timedelta(days=20), proposed_at=now - timedelta(days=130),
            person_accepted_at=now - timedelta(days=129),
            household_accepted_at=now - timedelta(days=128),
            person_agreed_at=now - timedelta(days=120),
            household_agreed_at=now - timedelta(days=121),
            meetings=[Meeting(kind="A first visit", held_on=started - timedelta(days=25)),
                      Meeting(kind="An overnight stay", held_on=started - timedelta(days=22))],
        )
    )  # fmt: skip
    arrangement = Arrangement(
        referral_id=tom.id, household_id=sharmas.id, room_id=sharmas.rooms[0].id,
        arrangement_type=ArrangementType.LONG_TERM, starts_on=started, rate_band=2,
        plan="Tom lives with the Sharmas; support with medication and getting to cricket.",
        rent_weekly_pence=10_500, contribution_weekly_pence=2_800,
    )  # fmt: skip
    db.session.add(arrangement)
    db.session.flush()
    for months in (1, 2):  # two monthly reviews held; the third is due
        db.session.add(
            ArrangementReview(
                arrangement_id=arrangement.id,
                held_on=started + timedelta(days=30 * months),
                outcome="Settling in well.",
            )
        )
    tom.status = tom.status.PLACED

    browns = households["Sam Brown"]
    db.session.add(
        Introduction(
            referral_id=ben.id, household_id=browns.id, status=IntroductionStatus.AGREED,
            respond_by=today - timedelta(days=45), proposed_at=now - timedelta(days=55),
            person_accepted_at=now - timedelta(days=54), household_accepted_at=now - timedelta(53),
            person_agreed_at=now - timedelta(days=50), household_agreed_at=now - timedelta(50),
            meetings=[Meeting(kind="A meal together", held_on=today - timedelta(days=51))],
        )
    )  # fmt: skip
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for day in (3, 10, 17):
        on = last_month + timedelta(days=day)
        db.session.add(
            Stay(
                household_id=browns.id, room_id=browns.rooms[0].id, referral_id=ben.id,
                kind=StayKind.DAY_SUPPORT, starts_on=on, ends_on=on + timedelta(days=1),
                hours=6, people=1, booked_at=now - timedelta(days=50),
            )
        )  # fmt: skip
    db.session.flush()
    payment_run.run(last_month, coordinator, now)
