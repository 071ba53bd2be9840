"""Drafts: private to their authors (and the facilitator), changed and deleted by an author,
and one draft, not two, when the same proposal is saved again (Back, then Save)."""
import html
import re

import pytest
from sqlmodel import select

from tests.arrange import arrange, draft_by
from tests.helpers import (
    HX,
    LOCALITY_ROUND,
    PROGRAM,
    VALID_PROGRAM,
    db_state,
    field_errors,
    login_as,
    refusal_text,
    send,
    utcnow,
)
from workflow.comments import commands as comment_commands
from workflow.core import audit
from workflow.drafting import commands as drafting
from workflow.engine.reasons import Refusal
from workflow.models import Comment, Dusun, Program, ProgramAuthor, Revision
from workflow.programs import commands

TITLE = "Posyandu keliling di Dusun Cibodas"
# Who plays each part: warga1 writes the draft.
VIEWERS = {"author": "warga1", "resident": "warga5", "facilitator": "pendamping",
           "official": "kades", "admin": "admin"}
READERS = {"author", "facilitator"}


def viewer(request, people, role):
    if role == "outsider":
        return request.getfixturevalue("outsider").user
    return people[VIEWERS[role]]


def program_row(db, program_id: int):
    program = db.get(Program, program_id)
    db.commit()
    return program


def without_program(state: dict, program_id: int) -> dict:
    """Every table as it is, but for the program's own row and its revisions."""
    return {**state, "program": [row for row in state["program"] if row[0] != program_id],
            "revision": [row for row in state["revision"] if row[1] != program_id]}


def tokenless(body: str) -> str:
    """A page without its per-session CSRF tokens, to compare two pages' words."""
    return re.sub(r'(csrf_token" value="|X-CSRFToken": ")[^"]+', r"\1", body)


def edit_form(draft_id: int, **changes) -> dict:
    return {**VALID_PROGRAM, "title": TITLE, "version": "1", **changes}


@pytest.fixture
def draft(db, people) -> int:
    return draft_by(db, people, "warga1", title=TITLE)


# --- who sees a draft --------------------------------------------------------------------

ROLES = ["author", "resident", "facilitator", "official", "admin", "outsider"]


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_seen_only_by_its_author_and_the_facilitator(client, db, people, request,
                                                                 draft, role):
    """Not on others' home page or round board; its page, history, count and API answer
    them exactly as a program that does not exist (they learn nothing)."""
    login_as(client, viewer(request, people, role))
    sees = role in READERS
    for page in ("/", f"/rounds/{LOCALITY_ROUND}"):
        response = client.get(page)
        if role == "outsider" and page != "/":
            assert response.status_code == 404
            continue
        assert response.status_code == 200
        assert (TITLE in response.get_data(as_text=True)) == sees, (role, page)
    missing = 2147483000
    for path, headers in (("", {}), ("/history", {}), ("/tally", HX), ("/edit", {}),
                          ("/delete", {})):
        response = client.get(f"/programs/{draft}{path}", headers=headers)
        if sees:
            assert response.status_code == (403 if role == "facilitator" and path in (
                "/edit", "/delete") else 200), (role, path)
            continue
        nothing = client.get(f"/programs/{missing}{path}", headers=headers)
        assert response.status_code == nothing.status_code == 404, (role, path)
        # The same page but for its own address (in the language switch's return path).
        assert tokenless(response.get_data(as_text=True).replace(
            f"/programs/{draft}", f"/programs/{missing}")) == tokenless(
            nothing.get_data(as_text=True))
    api = client.get(f"/api/v1/programs/{draft}")
    assert api.status_code == (200 if sees else 404)
    if not sees:
        assert api.get_json() == client.get(f"/api/v1/programs/{missing}").get_json()


@pytest.mark.parametrize("role", ["resident", "official", "admin"])
def test_others_cannot_act_on_a_draft_either(client, db, people, draft, role):
    """A comment or a step on someone else's draft is refused as for a missing program."""
    token = login_as(client, people[VIEWERS[role]])
    before = db_state(db)
    for path, data in (("comments", {"stance": "question", "body": "Kapan?"}),
                       ("transitions/submit", {"expected_state": "draft"}),
                       ("edit", edit_form(draft, title="Diganti")),
                       ("delete", {"confirm": "yes"})):
        assert send(client, f"/programs/{draft}/{path}", token, data).status_code == 404, path
    assert db_state(db) == before
    with pytest.raises(Refusal) as caught:
        comment_commands.add_comment(db, people[VIEWERS[role]], draft, "question", "Kapan?", utcnow())
    assert caught.value.kind == "not_found"


def test_a_submitted_program_is_public_to_members(client, db, people, draft):
    commands.fire_transition(db, people["warga1"], draft, "submit", utcnow())
    login_as(client, people["warga5"])
    assert TITLE in client.get("/").get_data(as_text=True)
    assert TITLE in client.get(f"/rounds/{LOCALITY_ROUND}").get_data(as_text=True)
    assert client.get(f"/programs/{draft}").status_code == 200
    assert client.get(f"/api/v1/programs/{draft}").get_json()["state"] == "proposed"


def test_the_facilitator_sees_drafts_only_in_the_community_facilitated(client, db, people,
                                                                       outsider):
    """The demo's facilitator sees Sukamaju's drafts, not a draft in Desa Seberang."""
    theirs = commands.create_program(db, outsider.user, outsider.round.id,
                                     {**VALID_PROGRAM, "title": "Dermaga Seberang"}, "",
                                     utcnow()).id
    login_as(client, people["pendamping"])
    assert client.get(f"/programs/{theirs}").status_code == 404
    assert "Dermaga Seberang" not in client.get("/").get_data(as_text=True)


# --- the author changes a draft ----------------------------------------------------------

def test_only_the_author_of_a_draft_sees_its_controls(client, db, people, draft):
    """Edit and delete for a draft's author; once submitted, only the edit link stays."""
    controls = ('data-action="edit-program"', 'data-action="delete-draft"')
    login_as(client, people["warga1"])
    page = client.get(f"/programs/{draft}").get_data(as_text=True)
    assert all(c in page for c in controls)
    assert f'href="/programs/{draft}/edit"' in page and f'href="/programs/{draft}/delete"' in page
    login_as(client, people["pendamping"])
    page = client.get(f"/programs/{draft}").get_data(as_text=True)
    assert not any(c in page for c in controls)
    commands.fire_transition(db, people["warga1"], draft, "submit", utcnow())
    login_as(client, people["warga1"])
    page = client.get(f"/programs/{draft}").get_data(as_text=True)
    assert controls[0] in page and controls[1] not in page


def test_the_edit_page_is_the_proposal_form_filled_in(client, db, people, draft, rendered):
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get(f"/programs/{draft}/edit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["programs/new.html"]
    assert f'action="/programs/{draft}/edit"' in page
    assert 'name="version" value="1"' in page and "submission_key" not in page
    assert f'name="title" maxlength="200" required value="{TITLE}"' in page
    assert html.escape(VALID_PROGRAM["problem"]) in page
    assert 'value="health" selected' in page and 'value="dana_desa" selected' in page
    assert 'name="estimated_cost" inputmode="numeric" value="2.500.000"' in page


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_the_author_saves_a_draft(client, db, people, draft, htmx):
    """A valid change is saved and the version bumped; no event, nothing else changes."""
    krajan = db.exec(select(Dusun.id).where(Dusun.name == "Dusun Krajan")).one()
    db.commit()
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, f"/programs/{draft}/edit", token,
                    edit_form(draft, title="Posyandu keliling RW 02", rt="05",
                              estimated_cost="Rp 3.000.000", dusun_id=str(krajan)), htmx=htmx)
    target = f"/programs/{draft}"
    if htmx:
        assert (response.status_code, response.headers["HX-Redirect"]) == (204, target)
    else:
        assert (response.status_code, response.headers["Location"]) == (302, target)
    program = program_row(db, draft)
    assert (program.title, program.rt, program.estimated_cost, program.dusun_id) == (
        "Posyandu keliling RW 02", "05", 3_000_000, krajan)
    assert (program.version, program.state) == (2, "draft")
    after = db_state(db)
    assert without_program(after, draft) == without_program(before, draft)
    assert [(r[2], r[5]) for r in after["revision"] if r[1] == draft] == [(1, 1), (2, 2)]
    page = client.get(target).get_data(as_text=True)
    assert '<p class="flash success">Your changes are saved.</p>' in page


def test_the_saved_message_in_indonesian(client, db, people, draft):
    token = login_as(client, people["warga1"], "id")
    send(client, f"/programs/{draft}/edit", token, edit_form(draft, title="Posyandu RW 02"))
    assert "Perubahan Anda sudah disimpan." in client.get(f"/programs/{draft}").get_data(as_text=True)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_bad_input_is_shown_beside_the_fields_and_saves_nothing(client, db, people, draft,
                                                               htmx):
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, f"/programs/{draft}/edit", token,
                    edit_form(draft, title="", rt="abc"), htmx=htmx)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(page) == {"title": "Give the program a short name.",
                                  "rt": "Write the number only, for example 03."}
    assert 'name="version" value="1"' in page  # kept, so the corrected form saves
    assert ("<html" not in page) == htmx
    assert db_state(db) == before


def test_a_save_over_a_newer_version_answers_409_and_shows_their_change(client, db, people,
                                                                        draft):
    """Two tabs: the first save wins; the second is refused and shows the first one's
    change word by word, keeps its own words in the form, and saves once sent again
    (knowingly) with the version it was shown."""
    token = login_as(client, people["warga1"])
    assert send(client, f"/programs/{draft}/edit", token,
                edit_form(draft, title="Posyandu keliling dari tab satu")).status_code == 302
    before = db_state(db)
    response = send(client, f"/programs/{draft}/edit", token,
                    edit_form(draft, title="Judul dari tab dua", rw="07"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert db_state(db) == before
    assert "What someone else changed since you opened it" in page
    shown = dict(re.findall(r'<dd data-field="(\w+)">(.*?)</dd>', page, re.S))
    assert set(shown) == {"title"}  # their change only: the rw is the person's own
    assert shown["title"] == ("Posyandu keliling <del>di Dusun Cibodas</del>"
                              "<ins>dari tab satu</ins>")
    assert 'name="version" value="2"' in page
    assert 'value="Judul dari tab dua"' in page  # the person's words stay in the form
    assert 'name="rw" inputmode="numeric" maxlength="3" value="07"' in page
    again = send(client, f"/programs/{draft}/edit", token,
                 edit_form(draft, title="Judul dari tab dua", rw="07", version="2"))
    assert again.status_code == 302
    assert (program_row(db, draft).title, program_row(db, draft).version) == (
        "Judul dari tab dua", 3)


def test_a_program_in_voting_is_no_longer_edited_or_deleted(client, db, people):
    """The demo's program once the vote is open: its author is refused, with the reason."""
    arrange(db, people, "voting")
    token = login_as(client, people["warga2"])
    before = db_state(db)
    response = client.get(f"/programs/{PROGRAM}/edit")
    assert response.status_code == 409
    assert refusal_text(response).startswith("Not possible: A vote is open on this program")
    posted = send(client, f"/programs/{PROGRAM}/edit", token,
                  {**VALID_PROGRAM, "title": "Terlambat", "version": "3"})
    assert posted.status_code == 409
    assert "everyone votes on the same words" in refusal_text(posted)
    assert send(client, f"/programs/{PROGRAM}/delete", token,
                {"confirm": "yes"}).status_code == 409
    assert db_state(db) == before


# --- the author deletes a draft ----------------------------------------------------------

def test_deleting_asks_first_without_javascript(client, db, people, draft):
    token = login_as(client, people["warga1"])
    page = client.get(f"/programs/{draft}/delete").get_data(as_text=True)
    assert "Delete this draft? This cannot be undone." in page
    form = re.search(r'<form method="post" action="/programs/%d/delete">(.*?)</form>' % draft,
                     page, re.S).group(1)
    assert 'name="confirm" value="yes"' in form and 'data-action="delete-draft"' in form
    before = db_state(db)
    response = send(client, f"/programs/{draft}/delete", token, {})  # not confirmed
    assert response.status_code == 200
    assert "This cannot be undone." in response.get_data(as_text=True)
    assert db_state(db) == before


def test_the_author_deletes_a_draft_with_what_hangs_on_it(client, db, people, draft):
    """The program, its authors and its comments go; every other row stays."""
    comment_commands.add_comment(db, people["pendamping"], draft, "question", "Berapa balita?",
                         utcnow())
    token = login_as(client, people["warga1"], "id")
    before = db_state(db)
    response = send(client, f"/programs/{draft}/delete", token, {"confirm": "yes"})
    assert (response.status_code, response.headers["Location"]) == (
        302, f"/rounds/{LOCALITY_ROUND}")
    after = db_state(db)
    gone = {"program": Program, "programauthor": ProgramAuthor, "comment": Comment,
            "revision": Revision}
    for table, rows in before.items():
        if table not in gone:
            assert after[table] == rows, table
    # the column holding the program
    key = {"program": 0, "programauthor": 1, "comment": 1, "revision": 1}
    for table in gone:
        assert [r for r in before[table] if r[key[table]] != draft] == after[table], table
        assert len(after[table]) < len(before[table])
    board = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draf sudah dihapus." in board and TITLE not in board
    assert client.get(f"/programs/{draft}").status_code == 404


def test_a_draft_with_a_history_is_never_deleted(db, people, draft):
    """The audit chain is append-only: were a draft ever to carry an event, it stays."""
    audit.append_event(db, program_id=draft, actor_id=people["warga1"].id, at=utcnow(),
                       transition="submit", from_state="draft", to_state="draft", payload={})
    db.commit()
    before = db_state(db)
    with pytest.raises(Refusal) as caught:
        drafting.delete_draft(db, people["warga1"], draft, utcnow())
    assert caught.value.kind == "conflict"
    assert db_state(db) == before


# --- Back, then Save again ---------------------------------------------------------------

@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_back_then_save_makes_no_second_draft(client, db, people, htmx):
    """The form shown again after Back carries a new key; the same words make one draft,
    and the person is told that nothing new was saved."""
    token = login_as(client, people["warga1"])
    first = send(client, "/rounds/1/programs/new", token,
                 {**VALID_PROGRAM, "submission_key": "sebelum-kembali"}, htmx=htmx)
    header = "HX-Redirect" if htmx else "Location"
    client.get(first.headers[header])  # the new draft's page, then Back to the form
    before = db_state(db)
    second = send(client, "/rounds/1/programs/new", token,
                  {**VALID_PROGRAM, "submission_key": "sesudah-kembali"}, htmx=htmx)
    assert second.headers[header] == first.headers[header]
    assert db_state(db) == before
    page = client.get(second.headers[header]).get_data(as_text=True)
    assert "You have already saved this same proposal as a draft" in page
    assert "Your proposal is saved as a draft." not in page


def test_other_words_or_another_author_make_another_draft(client, db, people):
    for username, changes in (("warga1", {}), ("warga1", {"rt": "05"}), ("warga3", {})):
        token = login_as(client, people[username])
        send(client, "/rounds/1/programs/new", token,
             {**VALID_PROGRAM, **changes, "submission_key": f"{username}-{changes}"})
    titles = db.exec(select(Program.created_by).where(
        Program.title == VALID_PROGRAM["title"])).all()
    db.commit()
    assert sorted(titles) == sorted([people["warga1"].id] * 2 + [people["warga3"].id])
