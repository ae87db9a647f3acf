"""Error pages in the site's own style, saying what went wrong and what to do."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from coop.extensions import db

#: What each error means to a person, and what they can do next.
MESSAGES = {
    400: (
        "Something was wrong with that request",
        "Go back, check what you entered and try again.",
    ),
    403: (
        "You do not have permission to see this page",
        "If you think you should, contact the co-op's secretary.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. "
        "If you pasted it, check you copied the whole address.",
    ),
    405: ("That action is not allowed here", "Go back and use the buttons on the page."),
    413: ("What you sent is too large", "Go back and send something smaller."),
    429: (
        "Too many attempts",
        "To keep accounts safe we limit how often this can be tried. "
        "Wait a minute, then try again.",
    ),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. Nothing you entered has been lost on our side; "
        "if it keeps happening, contact the co-op's secretary.",
    ),
}


def _roll_back() -> None:
    """End a failed transaction first: the page reads the signed-in member from the database,
    and on PostgreSQL every query in an aborted transaction fails, so the error page would too.
    """
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a broken connection must not stop the error page
        db.session.remove()


def render_error(code: int, title: str | None = None, advice: str | None = None):
    """Render the error page for an HTTP status code, after rolling back any failed work."""
    _roll_back()
    default_title, default_advice = MESSAGES.get(code, MESSAGES[500])
    return (
        render_template(
            "error.html", code=code, title=title or default_title, advice=advice or default_advice
        ),
        code,
    )


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render_error(
            400,
            "Your form could not be sent",
            "This happens when a page has been open a long time or cookies are blocked. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("Unhandled error", exc_info=error)
        return render_error(500)
