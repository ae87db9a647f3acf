"""Who someone is to the co-op: the one place the site asks about member classes and offices.

Every domain's ``can_*`` rules start here, so "is the secretary" or "is a budget holder" is
answered one way everywhere. An actor may be ``None`` or Flask-Login's anonymous user.
"""

from coop.members.models import Member, MemberClass, Office


def is_member(actor: Member | None) -> bool:
    """A signed-in, approved member of the co-op."""
    return actor is not None and bool(actor.is_authenticated) and actor.is_approved


def is_of_class(actor: Member | None, member_class: MemberClass) -> bool:
    """An approved member of the given class."""
    return is_member(actor) and actor.member_class is member_class


def is_budget_holder(actor: Member | None) -> bool:
    """An approved budget holder, who may book and pay from their own budget."""
    return is_of_class(actor, MemberClass.BUDGET_HOLDER)


def holds_office(actor: Member | None, office: Office) -> bool:
    """An approved member serving in ``office`` now (a term with no end date)."""
    return is_member(actor) and any(
        term.office is office and term.ended_on is None for term in actor.offices
    )


def is_secretary(actor: Member | None) -> bool:
    """The serving secretary, who keeps the registers and runs the co-op's business."""
    return holds_office(actor, Office.SECRETARY)


def is_treasurer(actor: Member | None) -> bool:
    """Whoever looks after the co-op's money: the serving treasurer, or else the secretary."""
    return holds_office(actor, Office.TREASURER) or is_secretary(actor)


def is_shared_lives_coordinator(actor: Member | None) -> bool:
    """A serving Shared Lives coordinator (an office the secretary appoints in the register of
    officers), who sees and manages everything in the Shared Lives scheme."""
    return holds_office(actor, Office.SHARED_LIVES_COORDINATOR)
