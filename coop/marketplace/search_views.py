"""Finding services: the search page and the public listing page; routes on the marketplace
blueprint."""

from datetime import timedelta

from flask import abort, render_template, request, url_for
from flask_login import current_user

from coop import clock
from coop.marketplace import bookings, cancellation, schedule, search, service
from coop.marketplace.models import Category
from coop.marketplace.search_forms import MOST_DAYS_AHEAD, SearchForm
from coop.marketplace.views import bp
from coop.urls import parse_id


def _search_form() -> SearchForm:
    """The form as typed; dates left out of the address altogether start as the defaults."""
    form = SearchForm(formdata=request.args)
    today = clock.london_today()
    if "from_date" not in request.args:
        form.from_date.data, form.from_date.raw_data = today, None
    latest = today + timedelta(days=MOST_DAYS_AHEAD)
    first = form.from_date.data or today
    if "to_date" not in request.args and first <= latest:
        form.to_date.data = min(first + timedelta(weeks=search.DEFAULT_WEEKS), latest)
        form.to_date.raw_data = None
    return form


def _criteria(form: SearchForm) -> search.Criteria:
    category = form.category.data
    time_of_day = form.time_of_day.data
    return search.Criteria(
        text=form.q.data or "",
        category=Category(category) if category in {c.value for c in Category} else None,
        first_day=form.from_date.data,
        last_day=form.to_date.data,
        time_of_day=(
            search.TimeOfDay(time_of_day)
            if time_of_day in {t.value for t in search.TimeOfDay}
            else None
        ),
        max_price_pence=form.max_price_pence,
        features=form.chosen_features,
        direct_payments=bool(form.direct_payments.data),
        weekdays=form.chosen_days,
        off_peak_only=bool(form.off_peak.data),
    )


def _page_url(number: int) -> str:
    """This search again, on another page."""
    args = {key: values for key, values in request.args.lists() if key != "page"}
    return url_for("marketplace.search", **args, page=number)


def _pagination(results: search.ResultsPage) -> dict | None:
    """Parameters for GOV.UK's pagination component: first, last and nearby pages."""
    if results.pages <= 1:
        return None
    shown = {1, results.pages, results.page - 1, results.page, results.page + 1}
    items, previous = [], 0
    for number in sorted(n for n in shown if 1 <= n <= results.pages):
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append(
            {"number": number, "href": _page_url(number), "current": number == results.page}
        )
        previous = number
    return {
        "items": items,
        "previous": {"href": _page_url(results.page - 1)} if results.page > 1 else None,
        "next": {"href": _page_url(results.page + 1)} if results.page < results.pages else None,
        "landmarkLabel": "Pages of results",
    }


@bp.get("/", endpoint="search")
def search_page():
    form = _search_form()
    results = None
    if form.validate():
        results = search.search(
            _criteria(form), current_user, page=parse_id(request.args.get("page")) or 1
        )
    return render_template(
        "marketplace/search.html",
        form=form,
        results=results,
        pagination=_pagination(results) if results else None,
        describe_start=clock.format_start,
        cannot_book=bookings.why_cannot_book_anyone(current_user),
    )


@bp.get("/listings/<int:listing_id>")
def listing(listing_id: int):
    found = search.listing_for_page(listing_id)
    today = clock.london_today()
    if found is None or not search.can_view_listing(current_user, found, today):
        abort(404)
    weekly = service.weekly_schedule(found)
    return render_template(
        "marketplace/listing.html",
        listing=found,
        provider=found.provider,
        not_public=search.why_not_public(found, today),
        schedule_text=schedule.describe_schedule(weekly),
        duration_text=schedule.describe_duration(found.duration_minutes),
        closures=search.coming_closures(found, today),
        cancellation=cancellation.policy(found.cancellation_notice_hours),
        discounts=search.price_rules_in_words(found),
        sessions=search.coming_sessions(found, current_user),
        rating=search.ratings_for([found.id]).get(found.id),
        reviews=search.reviews_of(found),
        describe_start=clock.format_start,
        cannot_book=bookings.why_cannot_book_anyone(current_user),
    )
