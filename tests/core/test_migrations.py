"""Alembic owns the schema: migrations build exactly what the models describe."""
from datetime import UTC

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from workflow.core import migrate
from workflow.core.db import make_engine


def test_migrations_match_models(database_url):
    """After `upgrade head` there is no difference between the database and the models."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, SQLModel.metadata) == []
    engine.dispose()


def test_downgrade_and_upgrade_again(database_url):
    """The migrations can be rolled back to nothing and applied again."""
    migrate.upgrade(database_url)
    from alembic import command
    config = migrate.alembic_config(database_url)
    command.downgrade(config, "base")
    engine = make_engine(database_url)
    assert "program" not in inspect(engine).get_table_names()
    engine.dispose()
    command.upgrade(config, "head")
    engine = make_engine(database_url)
    assert {"program", "vote", "event"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_upgrade_keeps_the_data_of_a_village_in_use(database_url):
    """Stepping back one revision and forward again keeps every person and program."""
    from alembic import command
    from sqlalchemy import text
    config = migrate.alembic_config(database_url)
    engine = make_engine(database_url)
    count = 'SELECT (SELECT count(*) FROM "user"), (SELECT count(*) FROM program)'
    with engine.connect() as connection:
        before = connection.execute(text(count)).one()
    engine.dispose()
    command.downgrade(config, "-1")
    command.upgrade(config, "head")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text(count)).one() == before
        assert connection.execute(text('SELECT count(*) FROM "user" WHERE must_change_password'
                                       )).scalar() == 0
    engine.dispose()


def test_a_cost_in_billions_fits(app, db, users):
    """Village infrastructure costs billions of Rupiah: more than a 32-bit integer holds."""
    from datetime import datetime

    from workflow.programs import commands
    program = commands.create_program(db, users["warga1"], 1, {
        "title": "Jembatan desa", "problem": "Sungai tidak bisa diseberangi",
        "goal": "Jembatan untuk anak sekolah", "estimated_cost": "Rp 3.000.000.000"}, "",
        datetime.now(UTC))
    db.expire_all()
    assert db.get(type(program), program.id).estimated_cost == 3_000_000_000
