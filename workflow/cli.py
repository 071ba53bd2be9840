"""Command-line tasks: ``flask --app app create-admin``, ``seed-demo``, ``migrate``,
``verify-audit``, ``backup`` and ``restore``."""
import os
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from workflow import demo
from workflow.core import audit, migrate
from workflow.core import backup as backups
from workflow.core.db import get_engine
from workflow.engine.reasons import Refusal
from workflow.people import commands as people


def init_app(app) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(migrate_db)
    app.cli.add_command(verify_audit)
    app.cli.add_command(backup)
    app.cli.add_command(restore)


@click.command("create-admin")
@click.argument("username")
@click.option("--name", required=True, help="The administrator's full name.")
@with_appcontext
def create_admin(username, name):
    """Make a site administrator, who creates the communities (works in production).

    The password comes from MUSYAWARAH_ADMIN_PASSWORD, or is asked twice at the prompt."""
    password = os.environ.get("MUSYAWARAH_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            user = people.create_site_admin(session, username, name, password, utcnow())
        except Refusal as refusal:
            problems = [reason.msgid % dict(reason.params)
                        for reason in refusal.errors.values()] or [refusal.reason.msgid]
            raise click.ClickException(" ".join(problems)) from None
    click.echo(f"Site administrator {user.username} created. Log in at /login.")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Migrate the database, then load the demo village Desa Sukamaju."""
    if current_app.config["MUSYAWARAH_ENV"] == "production":
        raise click.ClickException(
            "seed-demo refuses to run in production: its accounts share one known password.")
    migrate.upgrade(current_app.config["DATABASE_URL"])
    with Session(get_engine(), expire_on_commit=False) as session:
        created = demo.load(session)
    click.echo("Loaded the demo village Desa Sukamaju." if created
               else "The demo village is already there; nothing changed.")


@click.command("migrate")
@with_appcontext
def migrate_db():
    """Bring the database schema up to date (run before starting a new version)."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("The database schema is up to date.")


@click.command("verify-audit")
@with_appcontext
def verify_audit():
    """Check the hash chain of events; exit 1 naming the first broken event."""
    with Session(get_engine()) as session:
        verdict = audit.verify(session)
    if not verdict.ok:
        click.echo(f"BROKEN at event {verdict.broken_id}: {verdict.problem} "
                   f"({verdict.checked} events before it are intact).", err=True)
        raise SystemExit(1)
    click.echo(f"OK: {verdict.checked} events, chain intact.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(file):
    """Write a consistent backup of the database to FILE (safe while the service runs)."""
    backups.backup(current_app.config["DATABASE_URL"], file)
    click.echo(f"Backup written to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(file, yes):
    """Replace the database with the backup in FILE (stop the service first)."""
    if not yes:
        click.confirm("This replaces everything in the database with the backup. Continue?",
                      abort=True)
    get_engine().dispose()  # no pooled connection may hold the old data open
    backups.restore(current_app.config["DATABASE_URL"], file)
    click.echo(f"Restored from {file}.")


def utcnow() -> datetime:
    """The one clock of the command line (the commands are given it, as the web's are)."""
    return datetime.now(UTC)
