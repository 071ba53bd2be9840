"""Pages load what they need in a fixed number of queries, however many rows there are."""
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event

from workflow.comments import commands as comment_commands
from workflow.core.db import ENGINE_KEY
from workflow.programs import commands
from workflow.voting import commands as voting_commands

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


@contextmanager
def counted(app):
    statements = []
    engine = app.extensions[ENGINE_KEY]

    def record(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def queries_for(app, client, url):
    with counted(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_program_page_queries_do_not_grow_with_comments_and_votes(app, client, auth, db, users):
    auth.login("pendamping")
    commands.fire_transition(db, users["pendamping"], 1, "open_discussion", NOW)
    commands.fire_transition(db, users["pendamping"], 1, "open_voting", NOW)
    comment_commands.add_comment(db, users["warga1"], 1, "support", "Setuju sekali", NOW)
    voting_commands.cast_vote(db, users["warga1"], 1, "agree", "", NOW)
    few = queries_for(app, client, "/programs/1")
    for i in range(2, 13):
        comment_commands.add_comment(db, users[f"warga{i}"], 1, "question", f"Pertanyaan {i}", NOW)
        voting_commands.cast_vote(db, users[f"warga{i}"], 1, "agree", "", NOW)
    assert queries_for(app, client, "/programs/1") == few


def test_boards_do_not_grow_with_programs(app, client, auth, db, users):
    auth.login("warga1")
    home, board = queries_for(app, client, "/"), queries_for(app, client, "/rounds/1")
    for i in range(20):
        commands.create_program(db, users["warga1"], 1 + i % 3, {
            "title": f"Program {i}", "problem": "Masalah", "goal": "Tujuan"}, "", NOW)
    assert queries_for(app, client, "/") == home
    assert queries_for(app, client, "/rounds/1") == board


def test_a_comment_sent_with_htmx_loads_only_the_discussion(app, client, auth, db, users):
    """The htmx comment post answers with the discussion alone, and loads only what that
    fragment shows (28 statements when it rebuilt the whole page; at most 14 now: the
    discussion's own five are its comments, their replies, the counts with the version,
    the summary and the objections to answer)."""
    auth.login("warga1")
    commands.fire_transition(db, users["pendamping"], 1, "open_discussion", NOW)
    token = auth.token()
    with counted(app) as statements:
        response = client.post("/programs/1/comments", headers={"HX-Request": "true"}, data={
            "csrf_token": token, "stance": "support", "body": "Setuju"})
    assert response.status_code == 200
    assert 'id="comments"' in response.get_data(as_text=True)
    assert len(statements) <= 14, "\n".join(statements)
