"""Fixtures: a migrated, seeded database per test (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), the app, its client and an ``auth`` helper.

The demo village is migrated and seeded once per backend (and per pytest-xdist worker);
each test gets its own copy from ``databases`` (the one factory of database copies), so
tests never see each other's writes:

- on SQLite a file copy;
- on PostgreSQL a database made with ``CREATE DATABASE ... TEMPLATE`` and, once its test
  is done, put back as it was made and reused: its other connections are ended, the
  tables whose rows differ from the template's in content or place (and the tables that
  refer to them) are emptied, vacuumed and refilled with the template's rows, and the
  sequences set back; a check that every row is back in its place follows. A copy whose
  schema a test changed (the migration tests), or that would not come back exactly, is
  dropped instead. Dropping costs PostgreSQL a checkpoint, about half a second, which
  once per test made up most of the suite's time; putting a copy back costs a few
  hundredths.
"""
import itertools
import os
import re
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from flask import template_rendered
from flask.testing import FlaskClient
from hypothesis import settings
from jinja2 import BytecodeCache, StrictUndefined
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select
from werkzeug.serving import make_server

from app import create_app
from tests.helpers import create_user_cheaply, hash_cheaply
from workflow import demo
from workflow.core import migrate
from workflow.core.db import ENGINE_KEY, make_engine, normalise_url
from workflow.models import Community, Dusun, Membership, Round, User

# How many examples hypothesis tries, by profile (HYPOTHESIS_PROFILE; "ci" unless set):
# - ci, what `make test` runs: 100 for the pure property tests (hypothesis' own default);
#   the tests that drive the app scale theirs from it (helpers.examples): test_fuzz sends
#   40 requests per POST route, test_stateful makes 25 random runs of 30 steps per template;
# - dev: a quarter of those (25; fuzz 10, stateful 6), to iterate quickly;
# - thorough: four times (400; fuzz 160, stateful 100), for a long hunt now and then.
# The pure tests keep hypothesis' deadline (the engine must stay fast); the tests that
# touch a database set deadline=None themselves.
settings.register_profile("ci", max_examples=100, print_blob=True)
settings.register_profile("dev", max_examples=25)
settings.register_profile("thorough", max_examples=400, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
_counter = itertools.count()


def _seed(url: str) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    # The demo accounts' hashes are cheap ones (see helpers.CHEAP_HASHER): every login of a
    # test is verified as a real one is, without a fifth of a second of argon2 each.
    # The app's context: the activation codes are made with the tests' secret key.
    keys = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret"})
    with Session(engine, expire_on_commit=False) as session, pytest.MonkeyPatch.context() as patch, \
            keys.app_context():
        hash_cheaply(patch)
        demo.load(session)
    keys.extensions[ENGINE_KEY].dispose()
    engine.dispose()  # SQLite: closing the last connection folds the WAL into the file


def _pg_admin(url: str):
    """A connection to the server's maintenance database, outside any transaction."""
    admin_url = make_url(normalise_url(url)).set(database="postgres")
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


# Everything in a PostgreSQL database's schema that a test could change: tables, columns,
# defaults, constraints, indexes, sequences, views, triggers, functions and types.
_PG_SCHEMA = """
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
  SELECT format('rel %s.%s %s', n.nspname, c.relname, c.relkind) AS item
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  UNION ALL
  SELECT format('col %s.%s %s %s %s %s %s', c.relname, a.attnum, a.attname,
                format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attisdropped,
                pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
     AND a.attnum > 0
  UNION ALL
  SELECT format('con %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace NOT IN ('pg_catalog'::regnamespace,
                                                  'information_schema'::regnamespace)
  UNION ALL
  SELECT format('idx %s', pg_get_indexdef(indexrelid)) FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  UNION ALL
  SELECT format('trg %s', pg_get_triggerdef(oid)) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT format('fun %s %s', p.oid::regprocedure, md5(p.prosrc)) FROM pg_proc p
   WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  UNION ALL
  SELECT format('typ %s %s', t.oid::regtype, t.typtype) FROM pg_type t
   WHERE t.typnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  UNION ALL
  SELECT format('enum %s %s %s', enumtypid::regtype, enumsortorder, enumlabel) FROM pg_enum
  UNION ALL
  SELECT format('set %s', s.setconfig) FROM pg_db_role_setting s
    JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()
  UNION ALL
  SELECT format('ext %s %s', extname, extversion) FROM pg_extension
) AS schema
"""


def _conninfo(url: str) -> str:
    """A URL of the database for psycopg itself."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class _PgTemplate:
    """What puts a used copy of one PostgreSQL template back as it was made: the digest of
    its schema, each table's rows as ``COPY`` text (exact for every type) with a digest of
    their content and place, and each sequence's value."""

    def __init__(self, url):
        engine = create_engine(url)
        with engine.connect() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            quote = connection.dialect.identifier_preparer.format_table
            self.tables = [quote(table) for table in metadata.sorted_tables]  # parents first
            # The tables whose rows must go before a table's rows can: those referring to it.
            self.referrers = {quote(table): {quote(other) for other in metadata.sorted_tables
                                             if any(key.column.table is table
                                                    for key in other.foreign_keys)}
                              for table in metadata.sorted_tables}
            self.rows_digest = " UNION ALL ".join(
                f"SELECT '{table}', md5(coalesce(string_agg(r.ctid::text || ' ' || r::text,"
                f" E'\\n' ORDER BY r.ctid), '')) FROM {table} AS r" for table in self.tables)
            cursor = connection.connection.driver_connection.cursor()
            self.rows = {}
            for table in self.tables:
                with cursor.copy(f"COPY {table} TO STDOUT") as copy:
                    self.rows[table] = b"".join(bytes(block) for block in copy)
        engine.dispose()
        # The template's rows laid out as a refill lays them out: in the same order, each
        # table packed from its first page. Seeding updates rows (a program's state...), which
        # leaves them elsewhere; a used copy refilled row for row could never match that, and
        # would be dropped and made anew (a tenth of a second or more) after every test.
        with psycopg.connect(_conninfo(url), autocommit=True) as connection:
            self._refill(connection, self.tables)
            self.schema, self.state = self._read(connection.cursor())

    def _read(self, cursor):
        """(schema digest, {table: rows digest, sequence: (called, value)})."""
        schema = cursor.execute(_PG_SCHEMA).fetchone()[0]
        state = dict(cursor.execute(self.rows_digest).fetchall())
        state.update((name, (called, value)) for name, called, value in cursor.execute(
            "SELECT format('%I.%I', schemaname, sequencename), last_value IS NOT NULL,"
            " coalesce(last_value, start_value) FROM pg_sequences").fetchall())
        return schema, state

    def _refill(self, connection, tables) -> None:
        """Empty ``tables`` (parents first, the order of ``self.tables``) and fill them with
        the template's rows."""
        if not tables:
            return
        cursor = connection.cursor()
        with connection.transaction():
            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {table}")
        # Only this connection is left, so the emptied tables shrink to nothing and the
        # rows go back to the very places they had (a fresh copy's order of rows).
        cursor.execute(f"VACUUM {', '.join(tables)}")
        with connection.transaction():
            for table in tables:
                if self.rows[table]:
                    with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                        copy.write(self.rows[table])

    def restore(self, connection) -> bool:
        """Put the copy on ``connection`` (a psycopg connection in autocommit) back as the
        template was; False when that cannot be done: its schema changed, or a table
        would not come back row for row in its place."""
        cursor = connection.cursor()
        schema, state = self._read(cursor)
        if schema != self.schema or state.keys() != self.state.keys():
            return False
        changed = {name for name in self.state if state[name] != self.state[name]}
        tables = set()
        todo = [table for table in self.tables if table in changed]
        while todo:  # a table's rows go, and so do the rows that refer to them
            table = todo.pop()
            if table not in tables:
                tables.add(table)
                todo += self.referrers[table]
        self._refill(connection, [table for table in self.tables if table in tables])
        for name in changed - set(self.tables):
            called, value = self.state[name]
            cursor.execute("SELECT setval(%s, %s, %s)", (name, value, called))
        return self._read(cursor) == (self.schema, self.state)


class Databases:
    """The one factory of database copies: ``copy(template)`` gives a fresh copy's URL,
    ``release(url)`` takes it back. A template is conftest's seeded demo village
    (``backend``) or one made from it with ``template(build)``."""

    def __init__(self, kind, tmp_path_factory):
        self.kind = kind
        self.tmp = tmp_path_factory
        self.made = {}      # url -> its template
        if kind == "sqlite":
            self.files = tmp_path_factory.mktemp("db")
        if kind == "postgresql":
            self.base = make_url(normalise_url(os.environ["TEST_DATABASE_URL"]))
            self.admin = create_engine(self.base.set(database="postgres"),
                                       isolation_level="AUTOCOMMIT")
            self.templates = {}   # template name -> _PgTemplate
            self.free = {}        # template name -> [names of refilled copies]
            self.names = []       # every database made, to drop at the end

    def _url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'
                                    + (f' TEMPLATE "{template}"' if template else "")))
        self.names.append(name)

    def _drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def seeded(self):
        """The migrated demo village, the template every test's database copies."""
        if self.kind == "sqlite":
            path = self.files / "template.sqlite3"
            _seed(f"sqlite:///{path}")
            return path
        name = f"musyawarah_tpl_{os.getpid()}"
        self._create(name)
        _seed(self._url(name))
        self.templates[name] = _PgTemplate(self._url(name))
        return name

    def template(self, source, build):
        """A new template: a copy of ``source`` that ``build(url)`` changed (it must close
        its connections); returns (template, what build returned)."""
        url = self.copy(source)
        del self.made[url]
        result = build(url)
        if self.kind == "sqlite":
            return Path(make_url(url).database), result
        name = make_url(url).database
        self.templates[name] = _PgTemplate(url)
        return name, result

    def copy(self, template) -> str:
        """The URL of a fresh copy of ``template``, for the caller alone."""
        n = next(_counter)
        if self.kind == "sqlite":
            path = self.files / f"copy{n}.sqlite3"
            shutil.copyfile(template, path)
            url = f"sqlite:///{path}"
        else:
            free = self.free.setdefault(template, [])
            if free:
                name = free.pop()
            else:
                name = f"musyawarah_t_{os.getpid()}_{n}"
                self._create(name, template)
            url = self._url(name)
        self.made[url] = template
        return url

    def release(self, url: str) -> None:
        """Done with a copy: a file copy is deleted; a PostgreSQL copy is refilled for the
        next caller, or dropped when its schema changed."""
        template = self.made.pop(url)
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
            return
        name = make_url(url).database
        with self.admin.connect() as connection:
            # The test's connections, not the server's own (autovacuum runs as superuser).
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                    " WHERE datname = :name AND backend_type = 'client backend'"),
                               {"name": name})
        with psycopg.connect(_conninfo(url), autocommit=True) as connection:
            connection.execute("SET lock_timeout = '20s'")
            restored = self.templates[template].restore(connection)
        if restored:
            self.free[template].append(name)
        else:
            self._drop(name)
            self.names.remove(name)

    def close(self) -> None:
        if self.kind == "postgresql":
            for name in reversed(self.names):
                self._drop(name)
            self.admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, databases_by_kind):
    """(kind, template) for one backend: the seeded database every test copies."""
    made = databases_by_kind(request.param)
    yield request.param, made.seed


@pytest.fixture(scope="session")
def databases_by_kind(tmp_path_factory):
    made = {}

    def get(kind):
        if kind not in made:
            made[kind] = Databases(kind, tmp_path_factory)
            made[kind].seed = made[kind].seeded()
        return made[kind]
    yield get
    for databases in made.values():
        databases.close()


@pytest.fixture(scope="session")
def databases(backend, databases_by_kind):
    """The factory of copies for the current backend (see ``Databases``)."""
    return databases_by_kind(backend[0])


@pytest.fixture
def database_url(backend, databases):
    """A fresh copy of the seeded demo database for one test."""
    url = databases.copy(backend[1])
    yield url
    databases.release(url)

class _SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory for the session (keyed, as Jinja does, by the
    template's name and a checksum of its source)."""

    def __init__(self):
        self.compiled = {}
        self.lock = threading.Lock()

    def load_bytecode(self, bucket):
        with self.lock:
            code = self.compiled.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.code = code

    def dump_bytecode(self, bucket):
        with self.lock:
            self.compiled[(bucket.key, bucket.checksum)] = bucket.code


_TEMPLATES = _SharedBytecode()


class OwnContextClient(FlaskClient):
    """A test client whose every request runs in an app context of its own, as a served one
    does. Without it a request would share the context the ``db`` fixture holds open: one
    ``g`` for all of a test's requests (the first page's CSRF token served to every later
    login, one database session across requests, no teardown between them)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                      "SECRET_KEY": "test-secret", "TALLY_REFRESH_SECONDS": 1})
    app.test_client_class = OwnContextClient
    # Every test's app compiles the same templates: compile each once for the session.
    app.jinja_env.bytecode_cache = _TEMPLATES
    # A name a template uses but the view did not give is an error here, not a blank.
    app.jinja_env.undefined = StrictUndefined
    app.test_client_class = OwnContextClient
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


@pytest.fixture
def rendered(app):
    """The names of the templates rendered (top level only), in order; clear() before a request."""
    names = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


@pytest.fixture
def people(users, db):
    """The demo accounts by user name, with the fixture's read transaction ended."""
    db.commit()
    return users


@pytest.fixture
def outsider(db):
    """A second community, Desa Seberang, with one resident, one dusun and one round."""
    now = datetime.now(UTC)
    community = Community(name="Desa Seberang", slug="seberang", kind="desa")
    db.add(community)
    db.flush()
    dusun = Dusun(community_id=community.id, name="Dusun Pesisir")
    rnd = Round(community_id=community.id, title="Musyawarah Seberang", template="locality",
                created_at=now)
    user = create_user_cheaply(db, "orangluar", "Orang Luar", "musyawarah", now)
    db.add_all([dusun, rnd, Membership(user_id=user.id, community_id=community.id,
                                       role="resident")])
    db.commit()
    return SimpleNamespace(user=user, community=community, dusun=dusun, round=rnd)
