"""Consistent backups while the service runs, and restores.

SQLite uses its online backup API (a consistent copy even mid-write);
PostgreSQL uses pg_dump / pg_restore in their custom format.
"""
import os
import sqlite3
import subprocess

from sqlalchemy.engine import make_url

from workflow.core.db import normalise_url


def _sqlite_path(url) -> str:
    return url.database


def _libpq_url(url) -> str:
    """pg_dump speaks libpq: the same URL without SQLAlchemy's driver name."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup(database_url: str, target: str) -> None:
    """Write a consistent copy of the database to ``target``."""
    url = make_url(normalise_url(database_url))
    tmp = target + ".partial"
    if url.get_backend_name() == "sqlite":
        source, copy = sqlite3.connect(_sqlite_path(url)), sqlite3.connect(tmp)
        try:
            with copy:
                source.backup(copy)
        finally:
            source.close()
            copy.close()
    else:
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                        "--file", tmp, "--dbname", _libpq_url(url)], check=True)
    # Only a finished copy takes the name: a crash never leaves half a backup as FILE.
    os.replace(tmp, target)


def restore(database_url: str, source: str) -> None:
    """Replace the database's contents with the backup in ``source``."""
    if not os.path.isfile(source):
        raise FileNotFoundError(source)
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite":
        backup_db, live = sqlite3.connect(source), sqlite3.connect(_sqlite_path(url))
        try:
            backup_db.execute("PRAGMA quick_check")
            with live:
                backup_db.backup(live)
        finally:
            backup_db.close()
            live.close()
    else:
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                        "--single-transaction", "--exit-on-error", "--dbname", _libpq_url(url),
                        source], check=True)
