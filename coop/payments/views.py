"""Budgets and the ledger: budget statements, and the secretary recording money arriving."""

from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/payments", template_folder="templates")

from coop.payments import models as _models  # noqa: E402,F401 - the tables, for migrations
