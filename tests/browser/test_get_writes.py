"""The check every browser journey makes: a GET that writes or emails is caught, a POST is not."""

from sqlalchemy import event, text

from coop.extensions import db
from tests.browser.conftest import GetWrites


def _with_listener(app, method):
    writes = GetWrites()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", writes.statement)
    try:
        with app.test_request_context("/marketplace/bookings", method=method):
            db.session.execute(text("SELECT 1"))
            db.session.execute(text("UPDATE members_members SET name = name WHERE id = -1"))
            db.session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", writes.statement)
    return writes.seen


def test_a_write_while_answering_a_get_is_caught(app, db):
    seen = _with_listener(app, "GET")
    assert len(seen) == 1
    assert seen[0].startswith("GET /marketplace/bookings?: UPDATE members_members")


def test_writes_while_answering_a_post_are_allowed(app, db):
    assert _with_listener(app, "POST") == []
