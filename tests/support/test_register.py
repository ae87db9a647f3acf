"""The PA register: checks in date for three years, lapsed PAs hidden, searching by skill,
district, day and time, and regular shifts shared between families on one calendar."""

from datetime import date, time, timedelta

import pytest

from coop.members.models import Member
from coop.support import pa_register, shared_pas
from coop.support.models import PaProfile, Skill
from tests.support.conftest import NOW, TODAY


def profile(**checks) -> PaProfile:
    fields = dict(
        dbs_issued_on=date(2024, 3, 3), right_to_work_seen_on=date(2024, 3, 3),
        right_to_work_until=None, references_on=date(2024, 3, 3),
    )  # fmt: skip
    fields.update(checks)
    return PaProfile(**fields)


@pytest.mark.parametrize(
    ("checks", "on", "problems"),
    [
        ({}, date(2027, 3, 2), []),
        ({}, date(2027, 3, 3), ["DBS certificate lapsed on 3 March 2027"]),
        ({"dbs_issued_on": None}, TODAY, ["No DBS certificate recorded"]),
        ({"right_to_work_seen_on": None}, TODAY, ["Right to work not seen"]),
        ({"right_to_work_until": date(2026, 3, 2)}, TODAY, ["Right to work ended on 2 March 2026"]),
        ({"right_to_work_until": TODAY}, TODAY, []),
        ({"references_on": None}, TODAY, ["References not received"]),
        ({"dbs_issued_on": date(2024, 2, 29)}, date(2027, 2, 28),
         ["DBS certificate lapsed on 28 February 2027"]),
    ],
)  # fmt: skip
def test_checks_are_in_date_for_three_years(checks, on, problems):
    assert pa_register.lapsed_checks(profile(**checks), on) == problems


@pytest.mark.parametrize(
    ("typed", "district"),
    [("DE22", "DE22"), ("de22 3sq", "DE22"), ("DE223SQ", "DE22"), ("W1A", "W1A"), ("22", None)],
)
def test_districts(typed, district):
    assert pa_register.district_of(typed) == district


def test_search_by_skill_district_day_and_time_never_shows_lapsed_pas(db, make_pa):
    make_pa("Hoist PA", skills={Skill.HOIST}, districts="DE22,DE1",
            windows=[(0, time(9), time(17))])  # fmt: skip
    make_pa("Evening PA", skills={Skill.HOIST, Skill.BSL}, districts="DE1",
            windows=[(0, time(17), time(22)), (2, time(9), time(17))])  # fmt: skip
    make_pa("Lapsed PA", skills={Skill.HOIST}, districts="DE22",
            dbs_issued_on=TODAY - timedelta(days=4 * 365))  # fmt: skip

    def names(**wanted):
        return [p.member.name for p in pa_register.search(pa_register.Search(**wanted), TODAY)]

    assert names() == ["Evening PA", "Hoist PA"]
    assert names(skill=Skill.HOIST, district="DE22") == ["Hoist PA"]
    assert names(skill=Skill.BSL) == ["Evening PA"]
    assert names(weekday=2) == ["Evening PA"]
    assert names(weekday=0, starts=time(10), ends=time(12)) == ["Hoist PA"]
    assert names(weekday=0, starts=time(18), ends=time(20)) == ["Evening PA"]
    assert names(weekday=6) == []


def test_a_profile_refuses_what_is_not_a_district_or_a_window(db, make_pa):
    pa = make_pa("Femi")
    details = dict(skills=frozenset({Skill.DRIVING}), languages="", districts="DE22, nowhere",
                   hourly_rate_pence=1500, introduction="")  # fmt: skip
    with pytest.raises(pa_register.SupportError, match="nowhere is not a postcode district"):
        pa_register.save_profile(pa, pa_register.ProfileDetails(**details), NOW)
    details["districts"] = "DE22"
    with pytest.raises(pa_register.SupportError, match="On Monday, the end time"):
        pa_register.save_profile(
            pa, pa_register.ProfileDetails(**details, windows=((0, time(17), time(9)),)), NOW
        )


def test_only_the_secretary_or_a_coordinator_records_checks(db, make_pa, make_member):
    pa = make_pa("Femi", checked=False)
    someone = db.session.get(Member, make_member().id)
    with pytest.raises(pa_register.SupportError, match="Only the secretary or a coordinator"):
        pa_register.record_checks(
            pa_register.profile_of(pa), pa_register.Checks(TODAY, TODAY, None, TODAY), someone
        )


# --- Shared PAs ----------------------------------------------------------------------------


def test_two_families_share_a_pa_on_one_calendar_and_each_sees_only_its_own(
    db, make_pa, make_family
):
    asha, ben = make_family("Asha"), make_family("Ben")
    femi = make_pa("Femi")
    tuesday_morning = shared_pas.Regular(
        weekday=1, starts=time(9, 30), ends=time(12), starts_on=TODAY
    )
    shared_pas.add_regular(femi, asha, tuesday_morning, asha, NOW)
    shared_pas.add_regular(
        femi, ben, shared_pas.Regular(weekday=1, starts=time(13), ends=time(15), starts_on=TODAY),
        ben, NOW,
    )  # fmt: skip

    with pytest.raises(shared_pas.Clash, match="already works a regular shift on Tuesdays"):
        shared_pas.add_regular(
            femi, ben,
            shared_pas.Regular(weekday=1, starts=time(11), ends=time(13), starts_on=TODAY), ben,
            NOW,
        )  # fmt: skip

    week = (NOW, NOW + timedelta(days=7))
    pa_days = [
        (s.budget_holder.name, s.starts_at.hour) for s in shared_pas.pa_calendar(femi, *week)
    ]
    assert pa_days == [("Asha", 9), ("Ben", 13)]
    assert {s.budget_holder_id for s in shared_pas.family_calendar(asha, *week)} == {asha.id}
    assert {s.budget_holder_id for s in shared_pas.family_calendar(ben, *week)} == {ben.id}
    # Written ahead for the weeks to come, every Tuesday.
    ahead = shared_pas.pa_calendar(femi, NOW, NOW + timedelta(days=shared_pas.HORIZON_DAYS + 1))
    assert len(ahead) == 2 * (shared_pas.HORIZON_DAYS // 7 + 1)


def test_a_regular_shift_overlapping_a_cover_shift_is_refused(db, make_pa, make_family):
    from coop.support import cover

    asha, ben = make_family("Asha"), make_family("Ben")
    femi = make_pa("Femi")
    request = cover.ask(
        asha,
        cover.Wanted(day=TODAY + timedelta(days=7), starts=time(14), ends=time(18),
                     district="DE22", skills=frozenset()),
        asha, NOW,
    )  # fmt: skip
    cover.accept(request, femi, NOW)
    with pytest.raises(shared_pas.Clash, match="already working at that time on a Tuesday"):
        shared_pas.add_regular(
            femi, ben,
            shared_pas.Regular(weekday=1, starts=time(17), ends=time(19), starts_on=TODAY),
            ben, NOW,
        )  # fmt: skip


def test_weeks_keep_london_wall_clock_time_across_the_clock_change():
    weeks = list(
        shared_pas.weeks_of(
            6, time(10), time(12), date(2026, 3, 1), None, date(2026, 3, 1), date(2026, 4, 5)
        )  # fmt: skip
    )
    assert [w[0].astimezone(pa_register.clock.LONDON).hour for w in weeks] == [10] * 6
    assert weeks[0][0].utcoffset() is not None


def test_the_worker_writes_the_weeks_ahead_once(db, make_pa, make_family):
    asha, femi = make_family("Asha"), make_pa("Femi")
    shared_pas.add_regular(
        femi, asha, shared_pas.Regular(weekday=3, starts=time(9), ends=time(10), starts_on=TODAY),
        asha, NOW,
    )  # fmt: skip
    assert shared_pas.extend_calendars(NOW)[0] == 0
    assert shared_pas.extend_calendars(NOW + timedelta(days=7))[0] == 1
