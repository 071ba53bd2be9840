"""The flask commands: seed-demo and verify-audit."""
import pytest
from sqlalchemy import text
from sqlmodel import func, select

from app import create_app
from workflow.core.db import make_engine
from workflow.models import Community, Event, User


def test_seed_demo_is_idempotent(app, db):
    """Running seed-demo on a loaded database changes nothing."""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "already" in result.output
    assert db.exec(select(func.count()).select_from(Community)).one() == 1
    assert db.exec(select(func.count()).select_from(User)).one() == 16  # and the site admin


def test_seed_demo_on_empty_database_migrates_and_loads(tmp_path):
    """On a new database seed-demo creates the schema by migrating, then the village."""
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x"})
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    with engine.connect() as connection:
        names = {row[0] for row in connection.execute(text("SELECT username FROM user"))}
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert {"situs", "admin", "pendamping", "kades"} | {f"warga{i}" for i in range(1, 13)} == names


def test_seed_demo_refuses_production(tmp_path):
    """Known passwords never reach a production database."""
    url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "MUSYAWARAH_ENV": "production"})
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "production" in result.output
    assert not (tmp_path / "prod.sqlite3").exists() or (tmp_path / "prod.sqlite3").stat().st_size == 0


def test_production_needs_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
                    "MUSYAWARAH_ENV": "production", "SECRET_KEY": None})


def test_verify_audit_passes_on_intact_chain(app):
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


@pytest.mark.parametrize("tamper", [
    "UPDATE event SET to_state = 'approved' WHERE id = :first",
    "UPDATE event SET payload = '{\"reason\": \"forged\"}' WHERE id = :first",
    "DELETE FROM event WHERE id = :first",
])
def test_verify_audit_names_the_first_broken_event(app, db, auth, tamper):
    """An edit or deletion made behind the application's back is found and named."""
    auth.login("pendamping")
    auth.post("/programs/1/transitions/open_discussion")
    auth.post("/programs/1/transitions/open_voting")
    # The program's three events (its submission and the two steps), after the set-up's.
    ids = db.exec(select(Event.id).where(Event.program_id == 1).order_by(Event.id)).all()
    assert len(ids) == 3
    db.exec(text(tamper), params={"first": ids[1]})
    db.commit()
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 1
    expected = ids[2] if tamper.startswith("DELETE") else ids[1]
    assert f"event {expected}" in result.output



def test_verify_audit_after_an_edit_with_sqlite3(tmp_path):
    """On the demo database, an event row changed with sqlite3 (out of band) is found."""
    import sqlite3
    path = tmp_path / "demo.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "x"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE event SET to_state = 'approved' WHERE id = 1")
    connection.close()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert "event 1" in result.output
