"""Template filters and globals shared by every page."""

from flask import Flask, request, url_for

from coop.clock import format_date, format_moment, format_start
from coop.members import roles
from coop.money import format_pence


def navigation() -> list[dict]:
    """The main sections in the header; the one you are in is marked as current."""
    from flask_login import current_user

    secretary_pages = ("members.secretary_", "marketplace.secretary_", "payments.secretary_")
    # (text, endpoint, the endpoint prefixes that count as being in that section)
    items = [
        ("Marketplace", "marketplace.search", ("marketplace.",)),
        ("Voting", "voting.index", ("voting.",)),
        ("Shared Lives", "shared_lives.start", ("shared_lives.",)),
        ("PAs and cover", "support.start", ("support.",)),
    ]
    if current_user.is_authenticated:
        if roles.is_secretary(current_user):
            items.append(("Secretary", "members.secretary_applications", secretary_pages))
        items.append(("Your account", "members.account", ("members.account", "payments.budget")))
    else:
        items.append(("Sign in", "members.login", ("members.login",)))
        items.append(("Join the co-op", "members.register", ("members.register",)))
    current = request.endpoint or ""
    in_secretary_pages = current.startswith(secretary_pages)
    return [
        {
            "href": url_for(endpoint),
            "text": text,
            "active": current.startswith(sections)
            and (sections is secretary_pages or not in_secretary_pages),
        }
        for text, endpoint, sections in items
    ]


def init_app(app: Flask) -> None:
    """Register the filters and globals."""
    app.add_template_filter(format_pence, "pence")
    app.add_template_filter(format_moment, "local_datetime")
    app.add_template_filter(format_start, "local_start")
    app.add_template_filter(format_date, "long_date")
    app.add_template_global(navigation, "navigation")

    @app.context_processor
    def _site():
        return {"site_name": app.config["SITE_NAME"]}
