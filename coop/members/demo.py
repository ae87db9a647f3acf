"""Demo members: a secretary and members of every class, for trying the site out."""

from datetime import datetime, timedelta

from coop import clock
from coop.members import paper, service
from coop.members.models import Member, MemberClass
from coop.members.paper_models import ReceivedBy

#: Every demo account signs in with this password.
DEMO_PASSWORD = "demo-password-2026"

PEOPLE = [
    # (email, name, class, organisation, address, town, postcode, approved)
    (
        "secretary@demo.coop",
        "Sam Okafor",
        MemberClass.CARER,
        None,
        "12 Friar Gate",
        "Derby",
        "DE1 1DA",
        True,
    ),
    (
        "asha@demo.coop",
        "Asha Patel",
        MemberClass.BUDGET_HOLDER,
        None,
        "4 Abbey Street",
        "Derby",
        "DE22 3SQ",
        True,
    ),
    (
        "ben@demo.coop",
        "Ben Clarke",
        MemberClass.BUDGET_HOLDER,
        None,
        "27 Kedleston Road",
        "Derby",
        "DE22 1FW",
        True,
    ),
    (
        "chloe@demo.coop",
        "Chloe Evans",
        MemberClass.BUDGET_HOLDER,
        None,
        "8 Normanton Road",
        "Derby",
        "DE1 2GJ",
        True,
    ),
    (
        "dev@demo.coop",
        "Dev Sharma",
        MemberClass.CARER,
        None,
        "15 Uttoxeter New Road",
        "Derby",
        "DE22 3NL",
        True,
    ),
    (
        "erin@demo.coop",
        "Erin Walsh",
        MemberClass.CARER,
        None,
        "3 Duffield Road",
        "Derby",
        "DE22 1AA",
        True,
    ),
    (
        "femi@demo.coop",
        "Femi Adeyemi",
        MemberClass.PA,
        None,
        "41 Burton Road",
        "Derby",
        "DE23 6EH",
        True,
    ),
    (
        "grace@demo.coop",
        "Grace Lin",
        MemberClass.PA,
        None,
        "9 London Road",
        "Derby",
        "DE1 2QR",
        True,
    ),
    (
        "gym@demo.coop",
        "Harry Dixon",
        MemberClass.PROVIDER,
        "Riverside Community Gym",
        "Riverside Works, Bridge Gate",
        "Derby",
        "DE1 3AX",
        True,
    ),
    (
        "pace@demo.coop",
        "Priya Nair",
        MemberClass.PROVIDER,
        "Pace Support Planning",
        "Unit 2, Sadler Gate",
        "Derby",
        "DE1 3NL",
        True,
    ),
    (
        "woodwork@demo.coop",
        "Tom Hughes",
        MemberClass.PROVIDER,
        "Hughes Woodwork Tuition",
        "The Old Forge, Mill Lane",
        "Belper",
        "DE56 1LX",
        True,
    ),
    (
        "ivy@demo.coop",
        "Ivy Morgan",
        MemberClass.BUDGET_HOLDER,
        None,
        "22 Osmaston Road",
        "Derby",
        "DE1 2HR",
        False,
    ),
    (
        "jack@demo.coop",
        "Jack Reid",
        MemberClass.PA,
        None,
        "6 Ashbourne Road",
        "Derby",
        "DE22 3AD",
        False,
    ),
]


def load(now: datetime | None = None) -> dict[str, Member]:
    """Add the demo members; returns them by email. Applicants are left for the secretary."""
    now = now or clock.now()
    start = now - timedelta(days=120)
    members: dict[str, Member] = {}
    secretary = None
    for i, (email, name, cls, org, line1, town, postcode, approved) in enumerate(PEOPLE):
        member = service.apply(
            service.Application(
                member_class=cls,
                name=name,
                email=email,
                password=DEMO_PASSWORD,
                address_line_1=line1,
                town=town,
                postcode=postcode,
                organisation_name=org,
            ),
            now=start + timedelta(days=i),
        )
        service.confirm_email(member, start + timedelta(days=i))
        if secretary is None:
            secretary = service.make_secretary(member, start)
        elif approved:
            service.approve(member, secretary, start + timedelta(days=i + 1))
        members[email] = member
    _paper_applicant(secretary, start + timedelta(days=len(PEOPLE)))
    return members


def _paper_applicant(secretary: Member, now: datetime) -> Member:
    """Kath Boyle applied by phone and has no email address: her application waits for the
    secretary to confirm her identity in person, and she will be sent letters."""
    member, _record = paper.record_application(
        paper.PaperDetails(
            member_class=MemberClass.BUDGET_HOLDER,
            name="Kath Boyle",
            address_line_1="7 Chapel Street",
            town="Belper",
            postcode="DE56 1AR",
            received_by=ReceivedBy.PHONE,
            received_on=clock.london_today(now),
        ),
        secretary,
        now,
    )
    return member
