"""Alembic owns the schema: migrations build exactly what the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from workflow import migrate
from workflow.db import make_engine


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
