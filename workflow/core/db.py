"""Database engine and the per-request session.

SQLite (the default, a file under ``instance/``) runs in WAL mode with
foreign keys on; ``DATABASE_URL`` selects PostgreSQL through psycopg 3.
"""
from flask import current_app, g
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

ENGINE_KEY = "musyawarah.engine"


def normalise_url(url: str) -> str:
    """Let people write plain postgresql:// URLs; we always talk psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    # Never log statement parameters: a vote row ties a person to a (maybe secret) choice.
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           hide_parameters=True)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A write transaction (see begin_write) takes the lock up front with
        # IMMEDIATE: two commands that read the program and then write it queue
        # up instead of one failing midway. Reads stay deferred and never block.
        immediate = connection.get_execution_options().get("write")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def begin_write(session: Session) -> None:
    """Start a fresh write transaction for a command.

    Whatever the request read so far is committed (nothing was written), so the
    command reads the current state under the write lock on SQLite.
    """
    session.commit()
    session.connection(execution_options={"write": True})


def lock_key(session: Session, key: str) -> None:
    """Serialise transactions about the same key (SQLite already holds the write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), params={"key": key})


def lock_event_chain(session: Session) -> None:
    """Serialise appends to the audit chain."""
    lock_key(session, "event-chain")


def init_app(app) -> None:
    app.extensions[ENGINE_KEY] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_session)


def get_engine() -> Engine:
    return current_app.extensions[ENGINE_KEY]


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
