"""Development only: the outbox's emails on a page, so `make run` needs no mail server."""

import re

from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup, escape

from coop import outbox

bp = Blueprint("dev_mail", __name__)

#: A web address in an email body, up to the next space.
LINK = re.compile(r"https?://\S+")
#: Addresses a request to the development server comes from when it is on this machine.
LOOPBACK = {"127.0.0.1", "::1"}


def with_links(body: str) -> Markup:
    """The body, escaped, with each web address made a link."""
    parts, last = [], 0
    for found in LINK.finditer(body):
        url = found.group(0)
        parts.append(escape(body[last : found.start()]))
        parts.append(Markup('<a class="govuk-link" href="{0}">{0}</a>').format(url))
        last = found.end()
    parts.append(escape(body[last:]))
    return Markup("").join(parts)


def available() -> bool:
    """Never in production; elsewhere only to a browser on this machine, not through a proxy,
    since the page shows every member's emailed links."""
    if current_app.config.get("PRODUCTION"):
        return False
    forwarded = request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded")
    return request.remote_addr in LOOPBACK and not forwarded


@bp.get("/dev/mail")
def mail():
    if not available():
        abort(404)
    return render_template(
        "dev/mail.html",
        messages=outbox.recent(),
        with_links=with_links,
        mail_server=current_app.config.get("MAIL_SERVER"),
    )
