"""Security headers and cookie policy, through Flask-Talisman."""

from flask import Flask, request
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
