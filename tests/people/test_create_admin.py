"""The first account of a new install: ``flask --app app create-admin``, in production too."""
import pytest
from sqlmodel import Session, select

from app import create_app
from workflow.core import audit, migrate
from workflow.core.db import ENGINE_KEY
from workflow.models import Event, User
from workflow.people.passwords import verify_password

GOOD = "rapat di balai desa"


@pytest.fixture
def production(tmp_path, monkeypatch):
    """An empty, migrated production database and its app (no demo, no account)."""
    url = f"sqlite:///{tmp_path / 'village.sqlite3'}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "a-long-secret",
                      "MUSYAWARAH_ENV": "production"})
    monkeypatch.delenv("MUSYAWARAH_ADMIN_PASSWORD", raising=False)
    yield app
    app.extensions[ENGINE_KEY].dispose()


def accounts(app):
    with Session(app.extensions[ENGINE_KEY]) as session:
        return [(u.username, u.display_name, u.site_admin)
                for u in session.exec(select(User).order_by(User.id))]


def run(app, *args, env=None, given=None):
    return app.test_cli_runner().invoke(args=["create-admin", *args], env=env or {},
                                        input=given)


def test_the_password_from_the_environment_makes_a_site_administrator(production):
    result = run(production, "sekdes", "--name", "Pak  Sekdes",
                 env={"MUSYAWARAH_ADMIN_PASSWORD": GOOD})
    assert result.exit_code == 0, result.output
    assert accounts(production) == [("sekdes", "Pak Sekdes", True)]
    with Session(production.extensions[ENGINE_KEY]) as session:
        user = session.exec(select(User)).one()
        assert verify_password(user, GOOD) and user.password_hash != GOOD
        event = session.exec(select(Event)).one()
        assert (event.program_id, event.transition, event.actor_id) == (
            None, "create_site_admin", user.id)
        assert audit.verify(session).ok


def test_the_password_is_asked_twice_at_the_prompt(production):
    result = run(production, "Sekdes", "--name", "Pak Sekdes", given=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") >= 1 and "Repeat" in result.output
    assert accounts(production) == [("sekdes", "Pak Sekdes", True)]


def test_two_different_answers_at_the_prompt_are_asked_again(production):
    result = run(production, "sekdes", "--name", "Pak Sekdes",
                 given=f"{GOOD}\nsomething else\n{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower()
    assert accounts(production) == [("sekdes", "Pak Sekdes", True)]


@pytest.mark.parametrize(("username", "name", "password", "says"), [
    ("sekdes", "Pak Sekdes", "12345678", "too easy to guess"),
    ("sekdes", "Pak Sekdes", "pendek", "at least 8"),
    ("sekdes", "Pak Sekdes", "sekdes", "at least 8"),
    ("s", "Pak Sekdes", GOOD, "3 to 64"),
    ("sek des", "Pak Sekdes", GOOD, "3 to 64"),
    ("=cmd()", "Pak Sekdes", GOOD, "3 to 64"),
    ("deleted-1", "Pak Sekdes", GOOD, "taken"),
    ("sekdes", "   ", GOOD, "full name"),
    ("sekdes", "x" * 121, GOOD, "full name"),
])
def test_bad_input_is_refused_with_the_reason_and_makes_nothing(production, username, name,
                                                               password, says):
    result = run(production, username, "--name", name,
                 env={"MUSYAWARAH_ADMIN_PASSWORD": password})
    assert result.exit_code == 1
    assert says in result.output
    assert accounts(production) == []
    with Session(production.extensions[ENGINE_KEY]) as session:
        assert session.exec(select(Event)).all() == []


def test_an_existing_username_is_refused(production):
    assert run(production, "sekdes", "--name", "Pak Sekdes",
               env={"MUSYAWARAH_ADMIN_PASSWORD": GOOD}).exit_code == 0
    result = run(production, "SEKDES", "--name", "Someone Else",
                 env={"MUSYAWARAH_ADMIN_PASSWORD": GOOD + "!"})
    assert result.exit_code == 1 and "taken" in result.output
    assert accounts(production) == [("sekdes", "Pak Sekdes", True)]


def test_the_administrator_logs_in(production):
    assert run(production, "sekdes", "--name", "Pak Sekdes",
               env={"MUSYAWARAH_ADMIN_PASSWORD": GOOD}).exit_code == 0
    production.config["WTF_CSRF_ENABLED"] = False  # the form's token is tested elsewhere
    client = production.test_client()
    response = client.post("/login", data={"username": "sekdes", "password": GOOD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
