"""Backup and restore: a round trip gives back every table, row for row."""
from datetime import UTC, datetime

from sqlalchemy import MetaData, select

from workflow.comments import commands as comment_commands
from workflow.core.db import ENGINE_KEY
from workflow.programs import commands
from workflow.voting import commands as voting_commands

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def dump_tables(app) -> dict:
    """Every row of every table, in primary-key order."""
    engine = app.extensions[ENGINE_KEY]
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {name: connection.execute(select(table).order_by(*table.primary_key.columns)
                                         ).all()
                for name, table in metadata.tables.items()}


def test_backup_restore_round_trip(app, db, users, tmp_path):
    commands.fire_transition(db, users["pendamping"], 1, "open_discussion", NOW)
    comment_commands.add_comment(db, users["warga1"], 1, "support", "Setuju, saluran itu penting.", NOW)
    db.commit()
    before = dump_tables(app)
    runner = app.test_cli_runner()
    target = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0
    # Life goes on after the backup...
    commands.fire_transition(db, users["pendamping"], 1, "open_voting", NOW)
    voting_commands.cast_vote(db, users["warga1"], 1, "agree", "", NOW)
    commands.create_program(db, users["warga2"], 1, {
        "title": "Lampu jalan", "problem": "Gelap", "goal": "Terang"}, "", NOW)
    db.commit()
    assert dump_tables(app) != before
    db.close()
    app.extensions[ENGINE_KEY].dispose()
    # ...and the restore brings back exactly what the backup held.
    result = runner.invoke(args=["restore", "--yes", str(target)])
    assert result.exit_code == 0, result.output
    after = dump_tables(app)
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    assert runner.invoke(args=["verify-audit"]).exit_code == 0


def test_restore_asks_before_replacing(app, tmp_path):
    target = tmp_path / "backup.dump"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    result = runner.invoke(args=["restore", str(target)], input="n\n")
    assert result.exit_code != 0
    assert "Aborted" in result.output


def test_restore_of_a_missing_file_is_refused(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
