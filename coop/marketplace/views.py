"""The marketplace blueprint: finding services and listings (search_views), booking them
(booking_views) and providers running them (provider_views, listing_views) add their routes
to it."""

from flask import Blueprint

bp = Blueprint("marketplace", __name__, url_prefix="/marketplace", template_folder="templates")

from coop.marketplace import card_models as _card_models  # noqa: E402,F401 - likewise
from coop.marketplace import models as _models  # noqa: E402,F401 - the tables, for migrations
from coop.marketplace import search_columns as _search_columns  # noqa: E402,F401 - keeps them
from coop.marketplace import staff_models as _staff_models  # noqa: E402,F401 - likewise
