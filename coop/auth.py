"""Guarding views with the domains' `can_*` rules."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def allowed_only_if(can: Callable) -> Callable:
    """A view decorator: sign in first, then 403 unless `can(current_user)` is true.

    The rule itself stays in the domain's service (e.g. members.service.can_manage_membership),
    where it is tested for every role.
    """

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
