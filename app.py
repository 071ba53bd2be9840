"""Musyawarah's application factory: ``flask --app app run`` finds create_app."""
import os
from datetime import timedelta

import click
from flask import Flask
from gunicorn.errors import AppImportError

MISSING_SECRET_KEY = (
    "SECRET_KEY must be set in production: export SECRET_KEY=<a long random value> "
    "(make one with: python -c 'import secrets; print(secrets.token_hex(32))')")


class ConfigurationError(click.ClickException, AppImportError, RuntimeError):
    """The environment cannot run the service; the message says what to set.

    Each way of starting the app reports it as its one line instead of a traceback:
    the flask command prints a ClickException as "Error: <message>" and exits 1;
    a gunicorn worker prints an AppImportError's message without logging its traceback,
    and the master stops with "App failed to load" (exit 4); `gunicorn --preload`
    prints a RuntimeError as "Error: <message>" and exits 1.
    """


def check_environment(environ=None) -> None:
    """What create_app would refuse, judged from the environment alone.

    gunicorn.conf.py calls it in gunicorn's master before any worker is forked:
    otherwise each worker fails on its own, prints the line once per worker, and
    gunicorn's shutdown can trip over the second failure with a traceback of its own.
    """
    environ = os.environ if environ is None else environ
    if environ.get("MUSYAWARAH_ENV", "development") == "production" and not environ.get(
            "SECRET_KEY"):
        raise ConfigurationError(MISSING_SECRET_KEY)


def create_app(test_config=None):
    """Build the app: configuration, extensions via init_app, blueprints."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        MUSYAWARAH_ENV=os.environ.get("MUSYAWARAH_ENV", "development"),
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        DATABASE_URL=os.environ.get("DATABASE_URL")
        or f"sqlite:///{os.path.join(app.instance_path, 'musyawarah.sqlite3')}",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        # A meeting can keep a page open for hours: the token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="id",
        BABEL_DEFAULT_TIMEZONE="Asia/Jakarta",
        BABEL_TRANSLATION_DIRECTORIES=os.path.join(app.root_path, "translations"),
        LANGUAGES=("id", "en"),
        TALLY_REFRESH_SECONDS=5,
        # How many reverse proxies (nginx…) stand in front: their X-Forwarded-* are trusted.
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0") or 0),
        # Static URLs carry a content hash (see web.asset), so they may be cached long.
        SEND_FILE_MAX_AGE_DEFAULT=365 * 24 * 3600,
        # The largest request body: a file bigger than a form takes (a CSV of people: 1 MB)
        # still arrives, so the page can say what the limit is; beyond this, a 413.
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        # A form's text held in memory: the people import's confirm form carries its file
        # back (1 MB as base64 is 1.4 MB), above the 500 KB Werkzeug allows by default.
        MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024,
    )
    if test_config is not None:
        app.config.update(test_config)
    production = app.config["MUSYAWARAH_ENV"] == "production"
    if not app.config["SECRET_KEY"]:
        if production:
            raise ConfigurationError(MISSING_SECRET_KEY)
        app.config["SECRET_KEY"] = "development-only-secret"
    if production and (test_config or {}).get("SESSION_COOKIE_SECURE") is not False:
        # Flask presets this key to False, so setdefault would never take effect.
        app.config["SESSION_COOKIE_SECURE"] = True
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix
        count = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    from workflow import cli
    from workflow.core import db
    from workflow.web import compress
    from workflow.web import init_app as init_web

    db.init_app(app)
    # after_request hooks run last-registered first: gzip is registered before the
    # others so it runs after them all, on the body and headers as they leave.
    compress.init_app(app)
    init_web(app)
    cli.init_app(app)
    return app
