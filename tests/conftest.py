"""Fixtures: a migrated, seeded database per test (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), the app, its client and an ``auth`` helper.

The demo village is migrated and seeded once per backend; each test gets its
own copy (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL),
so tests never see each other's writes.
"""
import itertools
import os
import re
import shutil
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select
from werkzeug.serving import make_server

from app import create_app
from workflow import demo
from workflow.core import migrate
from workflow.core.db import ENGINE_KEY, make_engine, normalise_url
from workflow.models import User

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
_counter = itertools.count()


def _seed(url: str) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        demo.load(session)
    engine.dispose()  # SQLite: closing the last connection folds the WAL into the file


def _pg_admin(url: str):
    """A connection to the server's maintenance database, outside any transaction."""
    admin_url = make_url(normalise_url(url)).set(database="postgres")
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, tmp_path_factory):
    """(kind, template) for one backend: the seeded database every test copies."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        _seed(f"sqlite:///{path}")
        yield "sqlite", path
        return
    base = os.environ["TEST_DATABASE_URL"]
    name = f"musyawarah_tpl_{os.getpid()}"
    admin = _pg_admin(base)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    _seed(make_url(normalise_url(base)).set(database=name).render_as_string(hide_password=False))
    yield "postgresql", name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(backend, tmp_path):
    """A fresh copy of the seeded demo database for one test."""
    kind, template = backend
    if kind == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    base = os.environ["TEST_DATABASE_URL"]
    name = f"musyawarah_t_{os.getpid()}_{next(_counter)}"
    admin = _pg_admin(base)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(normalise_url(base)).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def app(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                      "SECRET_KEY": "test-secret", "TALLY_REFRESH_SECONDS": 1})
    yield app
    app.extensions[ENGINE_KEY].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A session on the test's database, for arranging and checking rows directly."""
    with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def users(db):
    """The demo accounts by user name."""
    return {u.username: u for u in db.exec(select(User))}


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class AuthActions:
    """Log in and out through the real forms, CSRF token included."""

    def __init__(self, client):
        self._client = client

    def token(self) -> str:
        page = self._client.get("/login").get_data(as_text=True)
        return CSRF_RE.search(page).group(1)

    def login(self, username="warga1", password=demo.PASSWORD):
        return self._client.post("/login", data={
            "username": username, "password": password, "csrf_token": self.token()})

    def logout(self):
        return self._client.post("/logout", data={"csrf_token": self.token()})

    def post(self, url, data=None, htmx=False, **kwargs):
        """POST a form with a valid CSRF token, as a plain form or as htmx would."""
        headers = {"HX-Request": "true"} if htmx else {}
        return self._client.post(url, data={"csrf_token": self.token(), **(data or {})},
                                 headers=headers, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free loopback port, in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
