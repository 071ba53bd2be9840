"""Shared helpers for the web and command tests.

The fixtures are in conftest.py. Two rules keep the tests honest and fast:

- the demo accounts log in through ``login_as`` (a session cookie set by the
  test client) except where the login form itself is under test, since every
  real login costs an argon2 verification;
- every read through the ``db`` session ends its transaction at once
  (``db.commit()``), so the next read sees what the app's requests wrote
  since, and no transaction of the test's own is left holding a lock.
"""
import contextlib
import html
import json
import os
import re
import secrets
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from hypothesis import settings
from sqlalchemy import create_engine, func, text
from sqlalchemy import select as sa_select
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select

from tests import ROOT
from workflow.core.db import ENGINE_KEY, normalise_url
from workflow.models import (
    Ballot,
    Comment,
    Event,
    Finding,
    Program,
    ProgramAuthor,
    Supporter,
    User,
    Vote,
)
from workflow.people import passwords
from workflow.people.logins import start_session

HX = {"HX-Request": "true"}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
TABLES = (Program, ProgramAuthor, Event, Ballot, Vote, Comment)
PROGRAM = 1  # the demo's "Perbaikan saluran air Dusun Krajan", proposed by warga2
LOCALITY_ROUND, PLANNING_ROUND, ACTION_ROUND = 1, 2, 3
# What every date field says to a year before 1900 (a cleared year field sends 0001).
TOO_EARLY = "The date is too early: write a date from 1900 on, for example 2027-03-31."
VALID_PROGRAM = {
    "title": "Posyandu keliling", "problem": "Balita di Dusun Cibodas jarang ditimbang.",
    "goal": "Setiap balita ditimbang sebulan sekali.", "rt": "04", "rw": "02",
    "sector": "health", "estimated_cost": "Rp 2.500.000", "funding_source": "dana_desa",
}

# argon2 at its lowest cost, for the passwords the tests set (the real cost is a fifth of a
# second a hash here). Verifying reads the parameters from the stored hash, so a login still
# goes through the very argon2 check a real hash gets.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def utcnow() -> datetime:
    return datetime.now(UTC)


def examples(at_ci: int) -> int:
    """``at_ci`` hypothesis examples, scaled to the profile loaded (conftest: ci tries 100)."""
    return max(2, at_ci * settings.default.max_examples // 100)


def hash_cheaply(patch) -> None:
    """Through ``patch`` (a MonkeyPatch), hash every new password with CHEAP_HASHER."""
    patch.setattr(passwords, "_hasher", CHEAP_HASHER)


def create_user_cheaply(db, username: str, display_name: str, password: str, now) -> User:
    """passwords.create_user, the password hashed with CHEAP_HASHER."""
    with pytest.MonkeyPatch.context() as patch:
        hash_cheaply(patch)
        return passwords.create_user(db, username, display_name, password, now)


def csrf_token(client) -> str:
    """A valid CSRF token for the client's current session (read from the login form)."""
    return CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)


def login_as(client, user, lang: str = "en") -> str:
    """Start a fresh session as ``user`` (None: anonymous) and return its CSRF token.

    The session reads English by default, so that messages can be matched by their ids.
    """
    token = None
    if user is not None:
        # A real server-side session, as the login form makes, minus the argon2 check.
        engine = client.application.extensions[ENGINE_KEY]
        with Session(engine) as db:
            token = start_session(db, user, utcnow())
            db.commit()
    with client.session_transaction() as session:
        session.clear()
        session["lang"] = lang
        if token is not None:
            session["sid"] = token
    return csrf_token(client)


def send(client, url, token, data=None, htmx=False, headers=None):
    """POST a form with ``token`` as its csrf_token, as a plain form or as htmx would."""
    return client.post(url, data={"csrf_token": token, **(data or {})},
                       headers={**(HX if htmx else {}), **(headers or {})})


def counts(db) -> dict:
    """Rows per table for the tables commands write to."""
    result = {model.__name__: db.exec(select(func.count()).select_from(model)).one()
              for model in TABLES}
    db.commit()
    return result


def db_state(db) -> dict:
    """Every row of every table, in key order: all that a request or command could change.

    Reflected from the metadata, so a new feature's table is checked without being listed.
    """
    connection = db.connection()
    state = {table.name: [tuple(row) for row in connection.execute(
        sa_select(table).order_by(*table.primary_key.columns))]
        for table in SQLModel.metadata.sorted_tables}
    db.commit()
    return state


def snapshot(db) -> tuple:
    """Everything a command could change: row counts, each program's state and version."""
    programs = db.exec(select(Program.id, Program.state, Program.version)
                       .order_by(Program.id)).all()
    return counts(db), [tuple(row) for row in programs]


def state_of(db, program_id: int = PROGRAM) -> str:
    state = db.exec(select(Program.state).where(Program.id == program_id)).one()
    db.commit()
    return state


def events_of(db, program_id: int = PROGRAM) -> list:
    """[(transition, from, to, actor username)] oldest first."""
    rows = db.exec(select(Event.transition, Event.from_state, Event.to_state, User.username)
                   .join(User, User.id == Event.actor_id)
                   .where(Event.program_id == program_id).order_by(Event.id)).all()
    db.commit()
    return [tuple(row) for row in rows]


def votes_of(db, program_id: int = PROGRAM) -> list:
    """[(username, choice, reason, in_room)] on the program's ballots."""
    rows = db.exec(select(User.username, Vote.choice, Vote.reason, Vote.in_room)
                   .join(User, User.id == Vote.user_id)
                   .join(Ballot, Ballot.id == Vote.ballot_id)
                   .where(Ballot.program_id == program_id).order_by(Vote.id)).all()
    db.commit()
    return [tuple(row) for row in rows]


def residents(users, n: int = 12) -> list:
    return [users[f"warga{i}"] for i in range(1, n + 1)]


def is_fragment(response) -> bool:
    """True when the body is a bare fragment, not a whole page of the base layout."""
    body = response.get_data(as_text=True)
    return "<html" not in body and "<!doctype" not in body.lower()


ACCOUNTS = {"resident": "warga5", "author": "warga2", "facilitator": "pendamping",
            "official": "kades", "admin": "admin"}


def refusal_text(response) -> str:
    """The message of a refusal page or fragment."""
    match = re.search(r'<div class="refused card" role="alert" id="refused">\s*<p>(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    assert match, "no refusal message on the page"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def steps_on(page: str) -> list:
    """The names of the step buttons on a program page."""
    return re.findall(r'data-transition="(\w+)"', page)


def _set_web_clock(monkeypatch, clock) -> None:
    """Put ``clock`` in place of the web layer's (render.now, imported by name by each
    blueprint)."""
    import importlib
    import sys
    # By its module name: the package's attribute "render" is the function of that name.
    original = importlib.import_module("workflow.web.render").now
    for name, module in list(sys.modules.items()):
        if name.startswith("workflow") and getattr(module, "now", None) is original:
            monkeypatch.setattr(module, "now", clock)


def freeze_web_clock(monkeypatch, moment) -> None:
    """Stop the web layer's clock at ``moment``, so a test of "today" passes at every hour
    of the day."""
    _set_web_clock(monkeypatch, lambda: moment)


def shift_web_clock(monkeypatch, shift) -> None:
    """Move the web layer's clock by ``shift`` (a timedelta); it keeps ticking from there."""
    _set_web_clock(monkeypatch, lambda: datetime.now(UTC) + shift)


def findings_of(db, program_id) -> list:
    rows = db.exec(select(Finding.id, Finding.indicator, Finding.value, Finding.unit,
                          Finding.source, Finding.observed_on)
                   .where(Finding.program_id == program_id).order_by(Finding.id)).all()
    db.commit()
    return [tuple(row) for row in rows]


def supporters_of(db, program_id) -> list:
    rows = db.exec(select(User.username).join(Supporter, Supporter.user_id == User.id)
                   .where(Supporter.program_id == program_id).order_by(Supporter.id)).all()
    db.commit()
    return list(rows)


def ballots_of(db, program_id: int = PROGRAM) -> list:
    """[(kind, open, passed)] of the program's ballots, oldest first."""
    rows = db.exec(select(Ballot.kind, Ballot.closed_at.is_(None), Ballot.passed)
                   .where(Ballot.program_id == program_id).order_by(Ballot.id)).all()
    db.commit()
    return [tuple(row) for row in rows]


def payloads(db, program_id) -> list:
    rows = db.exec(select(Event.payload).where(Event.program_id == program_id)
                   .order_by(Event.id)).all()
    db.commit()
    return [json.loads(row) for row in rows]


def field_error(response, element_id) -> str | None:
    """The message shown beside the form element ``element_id`` (its ``<id>-error``), if any."""
    match = re.search(rf'<p class="field-error"[^>]* id="{element_id}-error">([^<]+)</p>',
                      response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


def field_errors(page: str) -> dict:
    """{field: message} for every field error shown in a form."""
    return dict(re.findall(r'<p class="field-error" id="(\w+)-error">([^<]+)</p>', page))


def page_of(client, program_id) -> str:
    response = client.get(f"/programs/{program_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def step(client, token, program_id, name, htmx=False, **data):
    """POST step ``name`` of a program with ``token`` (the session's, from ``login_as``)."""
    return send(client, f"/programs/{program_id}/transitions/{name}", token, data, htmx=htmx)


def post_step(client, people, program_id, name, username="pendamping", htmx=False,
              rendered=None, **data):
    """Log in as ``username`` and post step ``name`` (``rendered`` is cleared after the login)."""
    token = login_as(client, people[username])
    if rendered is not None:
        rendered.clear()
    return step(client, token, program_id, name, htmx=htmx, **data)


KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}


def source_messages() -> set:
    """The message ids in the code and templates now, as `make extract-messages` finds them."""
    with open(os.path.join(ROOT, "babel.cfg"), encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for directory in ("workflow", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                os.path.join(ROOT, directory), method_map, options_map, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


@contextlib.contextmanager
def empty_postgresql(prefix: str):
    """The URL of a new, empty PostgreSQL database on the tests' server (made and dropped
    through an admin connection), for what starts from a clean install."""
    base = make_url(normalise_url(os.environ["TEST_DATABASE_URL"]))
    name = f"musyawarah_{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
