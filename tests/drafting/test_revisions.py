"""Revisions: every save that changes the words is the next one; the revisions page lists
them and shows the difference of any two; the text may change until a vote opens, and the
ballot keeps the revision it was opened on."""
import json
import re

import pytest
from sqlalchemy import event, text
from sqlmodel import select

from tests.arrange import action, arrange, draft_by, fire, planning
from tests.helpers import (
    PROGRAM,
    VALID_PROGRAM,
    db_state,
    login_as,
    payloads,
    refusal_text,
    send,
    utcnow,
)
from workflow.core import migrate
from workflow.core.db import ENGINE_KEY, make_engine
from workflow.drafting import commands as drafting
from workflow.models import Ballot, Program, Revision
from workflow.programs import commands

TITLE = "Posyandu keliling di Dusun Cibodas"


def revisions_of(db, program_id) -> list:
    """[(number, username id, version, changed fields)] oldest first."""
    rows = db.exec(select(Revision).where(Revision.program_id == program_id)
                   .order_by(Revision.number)).all()
    db.commit()
    return [(r.number, r.user_id, r.version, json.loads(r.changed)) for r in rows]


def save(db, people, program_id, username="warga1", **changes):
    """An author saves the program, opened at its current version."""
    program = db.get(Program, program_id)
    db.commit()
    form = {**drafting.as_text(drafting.proposal_of(program)), **changes}
    return drafting.edit_program(db, people[username], program_id, form,
                                 str(program.version), utcnow())


@pytest.fixture
def draft(db, people) -> int:
    return draft_by(db, people, "warga1", title=TITLE)


def test_creation_is_revision_1_and_each_change_the_next(db, people, draft):
    assert revisions_of(db, draft) == [(1, people["warga1"].id, 1, list(drafting.PROPOSAL_FIELDS))]
    save(db, people, draft, title="Posyandu keliling", rt="05")
    save(db, people, draft, title="Posyandu keliling", rt="05")  # the same words: no revision
    commands.fire_transition(db, people["warga1"], draft, "submit", utcnow())
    save(db, people, draft, estimated_cost="3.000.000")
    assert revisions_of(db, draft) == [
        (1, people["warga1"].id, 1, list(drafting.PROPOSAL_FIELDS)),
        (2, people["warga1"].id, 2, ["title", "rt"]),
        (3, people["warga1"].id, 4, ["estimated_cost"])]


def test_the_revisions_page_lists_them_and_shows_the_last_change(client, db, people, draft):
    save(db, people, draft, goal="Setiap balita ditimbang dua kali sebulan.")
    save(db, people, draft, title="Posyandu keliling <b>RW 02</b>", sector="education")
    login_as(client, people["warga1"])
    response = client.get(f"/programs/{draft}/revisions")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.findall(r'data-revision="(\d+)"', page) == ["1", "2", "3"]
    item = re.search(r'<li data-revision="3">(.*?)</li>', page, re.S).group(1)
    assert people["warga1"].display_name in item
    assert "Name of the program, Field (bidang)" in item
    assert 'data-compared="2 3"' in page
    shown = dict(re.findall(r'<dd data-field="(\w+)">(.*?)</dd>', page, re.S))
    assert set(shown) == {"title", "sector"}
    # Markup in a proposal is shown as text, inside the marks of the difference.
    assert shown["title"] == ("Posyandu keliling <del>di Dusun Cibodas</del>"
                              "<ins>&lt;b&gt;RW 02&lt;/b&gt;</ins>")
    assert shown["sector"] == "<del>Health</del> → <ins>Education</ins>"
    chosen = client.get(f"/programs/{draft}/revisions?a=1&b=2").get_data(as_text=True)
    assert 'data-compared="1 2"' in chosen
    assert re.findall(r'<dd data-field="(\w+)">', chosen) == ["goal"]
    assert "<ins>dua kali </ins>" in chosen
    same = client.get(f"/programs/{draft}/revisions?a=2&b=2").get_data(as_text=True)
    assert "These two revisions say the same." in same


@pytest.mark.parametrize("query", ["?a=9&b=1", "?a=x", "?b=-1", "?a=1&b=%D9%A1", "?a=0"])
def test_a_revision_that_does_not_exist_is_404(client, db, people, draft, query):
    login_as(client, people["warga1"])
    assert client.get(f"/programs/{draft}/revisions{query}").status_code == 404


def test_only_readers_see_the_revisions(client, db, people, draft, outsider):
    for who, status in ((people["warga5"], 404), (outsider.user, 404),
                        (people["pendamping"], 200)):
        login_as(client, who)
        assert client.get(f"/programs/{draft}/revisions").status_code == status
    login_as(client, outsider.user)
    assert client.get(f"/programs/{PROGRAM}/revisions").status_code == 404
    login_as(client, None)
    assert client.get(f"/programs/{PROGRAM}/revisions").status_code == 302


def test_the_revisions_page_loads_in_a_fixed_number_of_queries(app, client, db, people, draft):
    engine = app.extensions[ENGINE_KEY]
    login_as(client, people["warga1"])

    def queries():
        statements = []
        def record(conn, cursor, statement, *args):
            statements.append(statement)
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get(f"/programs/{draft}/revisions?a=1&b=2").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    save(db, people, draft, rt="05")
    few = queries()
    for i in range(10):
        save(db, people, draft, rt=f"{i + 10}", username="warga1")
    assert queries() == few


# --- when the words may change ----------------------------------------------------------------

EDITABLE = [("locality", "proposed"), ("locality", "discussion"), ("planning", "proposed"),
            ("planning", "assessment"), ("action", "proposed"), ("action", "organizing")]
FROZEN = [("locality", "voting", "A vote is open on this program"),
          ("locality", "agreed", "The text of this program can no longer change: it is now "
                                 "Agreed"),
          ("planning", "consultation", "A vote is open on this program"),
          ("action", "voting", "A vote is open on this program")]


def program_at(db, people, template, state) -> tuple:
    """(program id, its author's username) at ``state``."""
    if template == "locality":
        return arrange(db, people, state), "warga2"
    return (planning if template == "planning" else action)(db, people, state), "warga1"


@pytest.mark.parametrize("template, state", EDITABLE)
def test_authors_change_the_words_until_a_vote(client, db, people, template, state):
    program_id, author = program_at(db, people, template, state)
    token = login_as(client, people[author])
    page = client.get(f"/programs/{program_id}").get_data(as_text=True)
    assert 'data-action="edit-program"' in page and "data-frozen" not in page
    assert 'data-action="delete-draft"' not in page
    program = db.get(Program, program_id)
    db.commit()
    form = {**drafting.as_text(drafting.proposal_of(program)), "goal": "Tujuan yang baru.",
            "version": str(program.version)}
    assert client.get(f"/programs/{program_id}/edit").status_code == 200
    assert send(client, f"/programs/{program_id}/edit", token, form).status_code == 302
    db.refresh(program)
    assert program.goal == "Tujuan yang baru."
    db.commit()


@pytest.mark.parametrize("template, state, reason", FROZEN)
def test_once_a_vote_opens_the_words_are_frozen(client, db, people, template, state, reason):
    program_id, author = program_at(db, people, template, state)
    token = login_as(client, people[author])
    page = client.get(f"/programs/{program_id}").get_data(as_text=True)
    assert 'data-action="edit-program"' not in page
    assert 'data-action="invite-coauthor"' not in page
    assert re.search(r'<p class="help" data-frozen>([^<]+)</p>', page).group(1).startswith(reason)
    program = db.get(Program, program_id)
    db.commit()
    before = db_state(db)
    response = send(client, f"/programs/{program_id}/edit", token,
                    {**VALID_PROGRAM, "title": "Diubah diam-diam",
                     "version": str(program.version)})
    assert response.status_code == 409
    assert reason in refusal_text(response)
    assert client.get(f"/programs/{program_id}/edit").status_code == 409
    assert db_state(db) == before


def test_a_non_author_is_refused_with_the_reason(client, db, people):
    token = login_as(client, people["warga5"])
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/edit", token,
                    {**VALID_PROGRAM, "version": "1"})
    assert response.status_code == 403
    assert refusal_text(response) == "Not possible: Only an author of this program can change its text."
    assert db_state(db) == before


def test_a_step_in_between_is_not_a_stale_save(db, people, draft):
    """The version moved (the program was submitted), the words did not: the save goes."""
    commands.fire_transition(db, people["warga1"], draft, "submit", utcnow())
    drafting.edit_program(db, people["warga1"], draft, {**VALID_PROGRAM, "title": "Baru"}, "1",
                          utcnow())
    program = db.get(Program, draft)
    db.refresh(program)
    assert program.title == "Baru"
    db.commit()


@pytest.mark.parametrize("version", ["", "abc", "0", "99", "-1"])
def test_an_unknown_version_shows_what_saving_would_change(client, db, people, draft, version):
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, f"/programs/{draft}/edit", token,
                    {**VALID_PROGRAM, "title": "Judul saya", "version": version})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "What saving your words would change in what is saved now" in page
    assert re.search(r'<dd data-field="title"><del>Posyandu keliling di Dusun Cibodas</del>'
                     r'<ins>Judul saya</ins></dd>', page)
    assert 'name="version" value="1"' in page
    assert db_state(db) == before


# --- the ballot's revision ---------------------------------------------------------------------

def test_the_ballot_keeps_the_revision_it_opened_on(client, db, people):
    arrange(db, people, "discussion")
    save(db, people, PROGRAM, username="warga2", goal="Saluran tidak meluap lagi.")
    fire(db, people, PROGRAM, "open_voting")
    ballot = db.exec(select(Ballot).where(Ballot.program_id == PROGRAM)).one()
    db.commit()
    assert ballot.revision == 2
    assert payloads(db, PROGRAM)[-1]["revision"] == 2
    login_as(client, people["warga5"])
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    link = re.search(r'<p class="muted" data-voted-revision="2"><a href="([^"]+)">([^<]+)</a>',
                     page)
    assert link.group(2) == "Voted on revision 2 of the text"
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 200


# --- the migration ------------------------------------------------------------------------------

def test_the_migration_gives_every_program_its_first_revision(database_url):
    from alembic import command
    config = migrate.alembic_config(database_url)
    command.downgrade(config, "0012")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE program SET version = 3, rt = '09'"))
        connection.execute(text(
            "INSERT INTO ballot (program_id, kind, secret, opened_at) "
            "SELECT id, 'consent', false, created_at FROM program"))
    engine.dispose()
    command.upgrade(config, "head")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        programs = connection.execute(text("SELECT id, created_by FROM program ORDER BY id")).all()
        revisions = connection.execute(text(
            "SELECT program_id, number, user_id, version, proposal FROM revision "
            "ORDER BY program_id")).all()
        ballots = connection.execute(text("SELECT DISTINCT revision FROM ballot")).all()
    engine.dispose()
    assert programs
    assert [(r[0], r[1], r[2], r[3]) for r in revisions] == [(p[0], 1, p[1], 3) for p in programs]
    assert all(json.loads(r[4])["rt"] == "09" for r in revisions)
    assert ballots == [(1,)]
