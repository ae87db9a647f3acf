"""coop: a platform for a user-led social care co-operative."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(config=None) -> Flask:
    """Build the app: configuration, extensions, blueprints and CLI commands."""
    # Flask is imported here, not at the top, so that pure modules such as the count
    # behind `coop-tally` can be imported without it.
    from flask import Flask
    from govuk_frontend_wtf.main import WTFormsHelpers
    from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

    from coop import cli, database, dev_mail, errors, pages, security, templating
    from coop import config as config_module
    from coop.extensions import csrf, db, limiter, login_manager, mail, migrate
    from coop.marketplace import (  # noqa: F401 - each adds its routes to the blueprint
        booking_views,
        listing_views,
        payout_views,
        pooled_views,
        provider_views,
        search_views,
    )
    from coop.marketplace.views import bp as marketplace_bp
    from coop.members import (  # noqa: F401 - circle tables; paper routes on the members blueprint
        circle_models,
        circle_views,
        paper_views,
    )
    from coop.members.views import bp as members_bp
    from coop.payments.views import bp as payments_bp
    from coop.shared_lives.views import bp as shared_lives_bp
    from coop.support import buddy_views, pool_views  # noqa: F401 - routes on the support blueprint
    from coop.support.views import bp as support_bp
    from coop.urls import IdConverter
    from coop.voting import surplus_views  # noqa: F401 - adds its routes to the voting blueprint
    from coop.voting.views import bp as voting_bp

    app = Flask(__name__)
    app.config.from_object(config or config_module.Config())
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{app.instance_path}/coop.db"
    config_module.check(app.config)  # production without SECRET_KEY stops here
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.instance_secret_key(app.instance_path)
    if proxies := int(app.config.get("TRUSTED_PROXIES") or 0):
        # Only then is X-Forwarded-For believed, and only the hops those proxies added.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        import os

        os.makedirs(app.instance_path, exist_ok=True)

    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("coop"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    db.init_app(app)
    with app.app_context():
        database.configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    WTFormsHelpers(app)
    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)

    app.url_map.converters["int"] = IdConverter  # ids bounded to the columns: before blueprints
    app.register_blueprint(pages.bp)
    app.register_blueprint(dev_mail.bp)  # a 404 in production
    app.register_blueprint(members_bp)
    app.register_blueprint(voting_bp)
    app.register_blueprint(marketplace_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(shared_lives_bp)
    app.register_blueprint(support_bp)
    cli.init_app(app)  # command groups, imported when their commands run
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
