"""Sending email: through SMTP when MAIL_SERVER is set, otherwise written to the log."""

from flask import current_app, has_request_context, url_for
from flask_mail import Message

from coop.extensions import mail

#: Where links point when neither COOP_SERVER_URL nor a web request says (a command at the
#: server's shell in development).
DEVELOPMENT_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email: on COOP_SERVER_URL when set, else the request's host."""
    base = current_app.config.get("SERVER_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    if not base:
        current_app.logger.warning(
            "COOP_SERVER_URL is not set; emailed links use %s", DEVELOPMENT_URL
        )
    with current_app.test_request_context(base_url=base or DEVELOPMENT_URL):
        return url_for(endpoint, _external=True, **values)


def send(to: str, subject: str, body: str, attachments: tuple = ()) -> bool:
    """Send a plain-text email; return False (and log why) if it could not be sent.

    ``attachments`` are (filename, content type, bytes), e.g. a booking's calendar file.
    Nothing about a person's needs belongs in an email body: keep to what happened and a link.
    """
    site = current_app.config["SITE_NAME"]
    if not current_app.config.get("MAIL_SERVER"):
        current_app.logger.info("Email to %s: %s\n%s", to, subject, body)
        return True
    message = Message(subject=f"{subject} – {site}", recipients=[to], body=body)
    for filename, content_type, data in attachments:
        message.attach(filename, content_type, data)
    try:
        mail.send(message)
    except Exception:  # noqa: BLE001 - any SMTP failure is reported the same way
        current_app.logger.exception("Could not send email %r", subject)
        return False
    return True
