"""Pages that belong to no one domain: home, health check, statements, section front pages."""

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from coop.extensions import csrf, db

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    return render_template("pages/home.html")


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """Report whether the app can reach its database, for load balancers and monitoring."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
def privacy():
    return render_template("pages/privacy.html")


@bp.get("/rules")
def rules():
    return render_template("pages/rules.html")
