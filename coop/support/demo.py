"""PA register and cover demo data: four PAs with different skills and districts (Owen's DBS
certificate has lapsed, so he is hidden), Asha's own list of PAs, an open cover request of
Ben's for tomorrow afternoon, and Grace shared by Asha and Chloe on regular Monday shifts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from coop import clock
from coop.members import service as members
from coop.members.demo import DEMO_PASSWORD
from coop.members.models import Member, MemberClass
from coop.support import cover, pa_register, shared_pas
from coop.support.models import Skill

S = Skill
WEEKDAYS = tuple((day, time(8), time(18)) for day in range(5))
EVENINGS_AND_WEEKENDS = ((0, time(16), time(22)), (2, time(16), time(22)),
                         (5, time(9), time(21)), (6, time(9), time(21)))  # fmt: skip

#: email, skills, districts, rate (pence), gender, availability, years since DBS, introduction
PAS = [
    ("femi@demo.coop", {S.PERSONAL_CARE, S.HOIST, S.MEDICATION, S.DRIVING}, "DE1,DE22,DE23",
     1500, "man", WEEKDAYS, 1, "Ten years as a PA; happy with hoists, and I drive."),
    ("grace@demo.coop", {S.PERSONAL_CARE, S.LEARNING_DISABILITY, S.AUTISM, S.PEG_FEEDING},
     "DE1,DE3,DE22", 1600, "woman", WEEKDAYS + ((5, time(9), time(13)),), 2,
     "I support two families regularly and take cover when I can."),
    ("nadia@demo.coop", {S.PERSONAL_CARE, S.BSL, S.DEMENTIA}, "DE21,DE22,DE24", 1450, "woman",
     EVENINGS_AND_WEEKENDS, 1, "Fluent in BSL; evenings and weekends."),
    ("owen@demo.coop", {S.DRIVING, S.PERSONAL_CARE}, "DE22,DE56", 1400, "man", WEEKDAYS, 4,
     "Driving and days out."),
]  # fmt: skip
NEW_PAS = [
    ("nadia@demo.coop", "Nadia Hussain", "DE24 8AA"),
    ("owen@demo.coop", "Owen Price", "DE56 1AR"),
]


def _new_pa(email: str, name: str, postcode: str, secretary: Member, now: datetime) -> Member:
    joined = now - timedelta(days=300)
    member = members.apply(
        members.Application(
            member_class=MemberClass.PA, name=name, email=email, password=DEMO_PASSWORD,
            address_line_1="2 Demo Street", town="Derby", postcode=postcode,
        ),
        now=joined,
    )  # fmt: skip
    members.confirm_email(member, joined)
    members.approve(member, secretary, joined + timedelta(days=1))
    return member


def _next(weekday: int, today: date) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def load(members_by_email: dict[str, Member], now: datetime | None = None) -> None:
    now = now or clock.now()
    today = clock.london_today(now)
    secretary = members_by_email["secretary@demo.coop"]
    people = dict(members_by_email)
    for email, name, postcode in NEW_PAS:
        people[email] = _new_pa(email, name, postcode, secretary, now)
    for email, skills, districts, rate, gender, windows, years, intro in PAS:
        profile = pa_register.save_profile(
            people[email],
            pa_register.ProfileDetails(
                skills=frozenset(skills), languages="English", districts=districts,
                hourly_rate_pence=rate, introduction=intro, gender=gender, windows=windows,
            ),
            now,
        )  # fmt: skip
        dbs = today - timedelta(days=365 * years + 30)
        pa_register.record_checks(
            profile,
            pa_register.Checks(dbs, dbs, None, dbs + timedelta(days=14)),
            secretary,
            now,
        )

    asha, ben, chloe = (people[f"{n}@demo.coop"] for n in ("asha", "ben", "chloe"))
    femi, grace = people["femi@demo.coop"], people["grace@demo.coop"]
    cover.add_own(asha, femi, asha, now)
    cover.add_own(asha, grace, asha, now)

    # Grace is shared: Asha on Monday mornings, Chloe on Monday and Thursday afternoons.
    monday = _next(0, today + timedelta(days=1))
    for family, weekday, starts, ends in (
        (asha, 0, time(9), time(12)),
        (chloe, 0, time(13), time(16)),
        (chloe, 3, time(13), time(16)),
    ):
        shared_pas.add_regular(
            grace, family, shared_pas.Regular(weekday, starts, ends, monday), family, now
        )

    # Ben's PA is off sick tomorrow afternoon: still open, waiting for a PA to accept.
    tomorrow = today + timedelta(days=1)
    cover.ask(
        ben,
        cover.Wanted(day=tomorrow, starts=time(14), ends=time(17), district="DE22",
                     skills=frozenset({S.PERSONAL_CARE}), tasks="Lunch, and a walk to the park."),
        ben,
        now,
    )  # fmt: skip
