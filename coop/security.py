"""Security headers and cookie policy, through Flask-Talisman."""

from flask import Flask, g, request
from flask_login import current_user

from coop.extensions import talisman

#: No inline script or style anywhere: everything the pages run comes from /static.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def init_app(app: Flask) -> None:
    """Send the security headers on every response; force HTTPS only in production."""
    production = bool(app.config.get("PRODUCTION"))
    talisman.init_app(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        force_https=production,
        strict_transport_security=production,
        session_cookie_secure=production,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    app.after_request(_cache_policy)
    # Talisman writes the policy in its own after_request; Flask runs them last-registered
    # first, so this one goes to the front of the list to run after Talisman's.
    app.after_request_funcs.setdefault(None, []).insert(0, _extra_sources)


def _extra_sources(response):
    """Add the origins a page asked for (``g.csp_extra``, e.g. Stripe.js on the card payment
    page) to the policy for that page only: every other page keeps the strict one."""
    extra = g.pop("csp_extra", None)
    header = response.headers.get("Content-Security-Policy")
    if not extra or not header:
        return response
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    for directive, sources in extra.items():
        have = directives.setdefault(directive, ["'self'"] if directive != "frame-src" else [])
        have.extend(source for source in sources if source not in have)
    response.headers["Content-Security-Policy"] = "; ".join(
        " ".join([name, *sources]) for name, sources in directives.items()
    )
    return response


def _cache_policy(response):
    """No page shown to a signed-in member is stored by a browser or proxy: `no-store`.

    Every signed-in page carries something personal (at least the member's name in the
    header; the account, data export, budget statement, bookings, calendar files, the register
    and ledger CSVs much more), so the rule is "signed in means no-store" rather than a list
    that a new page could be left off. Static files and public pages seen signed out stay
    cacheable; those vary by the session cookie, so a shared cache never serves one member's
    page to another.
    """
    if request.endpoint == "static":
        return response
    response.vary.add("Cookie")
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response
