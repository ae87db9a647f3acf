"""The Shared Lives blueprint: the scheme's start page, and the coordinator's, carer
households' and the person's pages (coordinator_views, household_views, person_views)."""

from flask import Blueprint, render_template

bp = Blueprint("shared_lives", __name__, url_prefix="/shared-lives", template_folder="templates")

from coop.shared_lives import models as _models  # noqa: E402,F401 - the tables, for migrations


@bp.get("")
def start():
    """The scheme's public start page: what Shared Lives is and where each person goes next."""
    from flask_login import current_user

    from coop.shared_lives import service

    return render_template(
        "shared_lives/start.html",
        coordinator=service.can_coordinate(current_user),
        households=service.households_of(current_user),
        referrals=service.referrals_of_person(current_user),
    )
