"""Sending email: each message goes into the outbox with the change that causes it."""

from flask import current_app, has_request_context, url_for

from coop import outbox

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
    """Put a plain-text email in the outbox, in the caller's transaction; return True.

    The message exists only if the caller commits, so a change that is rolled back sends
    nothing; the worker (`flask worker`) sends it, retrying until the mail server takes it.
    ``attachments`` are (filename, content type, bytes), e.g. a booking's calendar file.
    Nothing about a person's needs belongs in an email body: keep to what happened and a link.
    """
    site = current_app.config["SITE_NAME"]
    outbox.enqueue(to, f"{subject} – {site}", body, attachments)
    return True
