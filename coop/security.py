"""Security headers and cookie policy, through Flask-Talisman."""

from flask import Flask

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
