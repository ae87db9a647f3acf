"""Template filters and globals shared by every page."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for

from coop.money import format_pence

LONDON = ZoneInfo("Europe/London")


def local_datetime(value: datetime | None) -> str:
    """Show a UTC time as London wall-clock time, e.g. '3 March 2026 at 2:30pm'."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    local = value.astimezone(LONDON)
    hour = local.strftime("%I").lstrip("0")
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace(
        "PM", "pm"
    )


def long_date(value: date | datetime | None) -> str:
    """Show a date the GOV.UK way, e.g. '3 March 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date() if value.tzinfo else value.date()
    return f"{value.day} {value:%B %Y}"


def navigation() -> list[dict]:
    """The main sections in the header; the one you are in is marked as current."""
    from flask_login import current_user

    secretary_pages = ("members.secretary_", "marketplace.secretary_", "payments.secretary_")
    # (text, endpoint, the endpoint prefixes that count as being in that section)
    items = [
        ("Marketplace", "marketplace.search", ("marketplace.",)),
        ("Voting", "voting.index", ("voting.",)),
        ("Shared Lives", "pages.shared_lives", ("pages.shared_lives",)),
    ]
    if current_user.is_authenticated:
        if current_user.is_secretary:
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
    app.add_template_filter(local_datetime, "local_datetime")
    app.add_template_filter(long_date, "long_date")
    app.add_template_global(navigation, "navigation")

    @app.context_processor
    def _site():
        return {"site_name": app.config["SITE_NAME"]}
