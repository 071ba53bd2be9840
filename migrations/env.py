"""Alembic environment: targets SQLModel.metadata; the URL comes from the caller or DATABASE_URL."""
import os
from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import workflow.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from workflow.core.db import make_engine, normalise_url

config = context.config
if config.config_file_name and not config.attributes.get("database_url"):
    fileConfig(config.config_file_name)

target_metadata = SQLModel.metadata


def database_url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL to the database to migrate.")
    return normalise_url(url)


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild SQLite tables (copy, drop, rename); foreign keys must
            # be off meanwhile, set on the driver connection before any transaction begins.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        # render_as_batch lets later migrations alter SQLite tables.
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left broken references: {broken[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
