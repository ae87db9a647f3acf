"""The support blueprint: pooled funds (pool_views) and peer buddies (buddy_views) add their
routes to it."""

from flask import Blueprint

bp = Blueprint("support", __name__, url_prefix="/support", template_folder="templates")

from coop.support import buddy_models as _buddy_models  # noqa: E402,F401 - tables, for migrations
from coop.support import pool_models as _pool_models  # noqa: E402,F401 - likewise
