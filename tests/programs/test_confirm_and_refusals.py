"""What the program page offers and how it answers (issue #9): a confirmation before the
steps that cannot be undone, refusals that never wipe what was on the page, the current
program after a stale tab's step, no comment form where comments are refused, success
messages that say what happened, and error pages (GET /logout, 405, 500) in the reader's
language."""
import re

import pytest

from tests.arrange import arrange
from tests.helpers import (
    HX,
    PROGRAM,
    db_state,
    events_of,
    is_fragment,
    login_as,
    refusal_text,
    send,
    state_of,
    steps_on,
    utcnow,
)
from workflow.comments import commands as comment_commands
from workflow.engine.processes import DONE_LABELS, STATE_LABELS, TEMPLATES, TRANSITION_LABELS
from workflow.engine.reasons import Refusal
from workflow.programs import commands

URL = f"/programs/{PROGRAM}/transitions/"
# (step, the state it is fired from, who fires it, the form its button sends)
IRREVERSIBLE = [
    ("withdraw", "proposed", "warga2", {}),
    ("reject", "discussion", "pendamping", {"reason": "Sudah dibiayai kabupaten."}),
    ("approve", "agreed", "kades", {}),
]
IDS = [row[0] for row in IRREVERSIBLE]
AFTER = {"withdraw": "withdrawn", "reject": "rejected", "approve": "approved"}


def hidden_fields(form_html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form_html))


def confirmation_form(page: str, name: str) -> str:
    """The form on the page whose submit control carries data-transition=<name>."""
    forms = [f for f in re.findall(r"<form\b.*?</form>", page, re.S)
             if f'data-transition="{name}"' in f]
    assert len(forms) == 1, forms
    return forms[0]


# --- confirmation before steps that cannot be undone --------------------------------------

def test_the_steps_that_ask_first_are_marked_in_the_templates():
    """withdraw, reject and approve carry confirm=True, in every template; no other step."""
    marked = {(tpl.name, t.source, t.name) for tpl in TEMPLATES.values()
              for t in tpl.transitions if t.confirm}
    expected = {(tpl.name, t.source, t.name) for tpl in TEMPLATES.values()
                for t in tpl.transitions if t.name in ("withdraw", "reject", "approve")}
    assert marked == expected and len(expected) == 14


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("name", "state", "username", "data"), IRREVERSIBLE, ids=IDS)
def test_confirmation_is_asked_first_and_nothing_changes(client, db, people, rendered,
                                                        name, state, username, data, htmx):
    """Without confirm the step is not fired: a 200 form says what will happen and sends the
    same step again (same data-transition, same URL, confirm=yes, the reason typed)."""
    arrange(db, people, state)
    token = login_as(client, people[username])
    before = db_state(db)
    rendered.clear()
    response = send(client, URL + name, token, {"expected_state": state, **data}, htmx=htmx)
    assert response.status_code == 200
    assert db_state(db) == before, "asking for a confirmation changed the database"
    assert rendered == (["programs/partial/confirm.html"] if htmx else ["programs/confirm.html"])
    page = response.get_data(as_text=True)
    assert is_fragment(response) == htmx
    if htmx:   # it takes the place of the program view
        assert page.lstrip().startswith('<div id="program-main">')
    assert "This cannot be undone." in page
    assert "are you sure?" in page
    form = confirmation_form(page, name)
    assert f'action="{URL}{name}"' in form and 'method="post"' in form
    fields = hidden_fields(form)
    assert fields["confirm"] == "yes" and fields["expected_state"] == state
    assert fields["csrf_token"]
    if "reason" in data:
        assert re.search(rf'<textarea[^>]*name="reason"[^>]*required[^>]*>{data["reason"]}'
                         r"</textarea>", form)

    # Pressing it (what the browser sends: the hidden fields and the reason) fires the step.
    sent = {**fields, **({"reason": data["reason"]} if "reason" in data else {})}
    response = client.post(URL + name, data=sent, headers=HX if htmx else {})
    assert response.status_code == (200 if htmx else 302)
    assert state_of(db) == AFTER[name]
    assert events_of(db)[-1] == (name, state, AFTER[name], username)


def test_confirmation_in_indonesian_says_what_happens(client, db, people):
    arrange(db, people, "agreed")
    token = login_as(client, people["kades"], lang="id")
    page = send(client, URL + "approve", token, {"expected_state": "agreed"}).get_data(
        as_text=True)
    assert "akan disetujui" in page and "Langkah ini tidak bisa dibatalkan." in page
    assert "Ya: Setujui" in page


def test_a_step_that_would_be_refused_is_refused_not_asked(client, db, people):
    """The confirmation is only asked for a step that would happen: a resident's approve
    is 403, a stale approve 409, a reject without reason 422, and nothing changes."""
    arrange(db, people, "agreed")
    token = login_as(client, people["warga5"])
    before = db_state(db)
    assert send(client, URL + "approve", token, {"expected_state": "agreed"}).status_code == 403
    assert db_state(db) == before
    token = login_as(client, people["kades"])
    before = db_state(db)
    assert send(client, URL + "approve", token,
                {"expected_state": "discussion"}).status_code == 409
    response = send(client, URL + "reject", token, {"expected_state": "agreed", "reason": " "})
    assert response.status_code == 422
    assert db_state(db) == before


def test_steps_that_can_be_undone_are_not_asked(client, db, people):
    token = login_as(client, people["pendamping"])
    response = send(client, URL + "open_discussion", token, {"expected_state": "proposed"})
    assert response.status_code == 302
    assert state_of(db) == "discussion"


# --- success messages ---------------------------------------------------------------------

def test_every_step_has_a_message_for_when_it_is_done():
    names = {t.name for tpl in TEMPLATES.values() for t in tpl.transitions}
    assert set(DONE_LABELS) == names == set(TRANSITION_LABELS)
    # It says what happened, not the button's word again.
    assert all(DONE_LABELS[n] != TRANSITION_LABELS[n] for n in names)


@pytest.mark.parametrize(("lang", "text"), [("en", "The program is approved."),
                                            ("id", "Usulan disetujui.")])
def test_the_flash_says_what_happened(client, db, people, lang, text):
    arrange(db, people, "agreed")
    token = login_as(client, people["kades"], lang=lang)
    response = send(client, URL + "approve", token, {"expected_state": "agreed",
                                                     "confirm": "yes"})
    assert response.status_code == 302
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    assert f'<p class="flash success">{text}</p>' in page
    assert "Berhasil:" not in page and "Done:" not in page


# --- a stale tab's step, and double clicks ----------------------------------------------------

@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_stale_tab_gets_the_program_as_it_is_now(client, db, people, rendered, htmx):
    """The step of a tab showing an older state is refused (409) with the CURRENT program
    view, the reason on top: not a lone refusal in place of the program."""
    arrange(db, people, "discussion")
    token = login_as(client, people["warga2"])
    before = db_state(db)
    rendered.clear()
    response = send(client, URL + "withdraw", token, {"expected_state": "proposed"},
                    htmx=htmx)
    assert response.status_code == 409
    assert db_state(db) == before
    assert rendered == (["programs/partial/main.html"] if htmx else ["programs/program.html"])
    page = response.get_data(as_text=True)
    assert is_fragment(response) == htmx
    assert 'data-state="discussion"' in page
    assert "already moved this program on" in refusal_text(response)
    assert STATE_LABELS["discussion"] in refusal_text(response)
    # The message is on top of the program view, before its title.
    assert page.index('id="refused"') < page.index("<h1")
    assert steps_on(page) == ["withdraw"]   # what the author may do now
    assert "HX-Retarget" not in response.headers


def test_a_repeated_step_from_another_state_is_not_a_double_click(db, people):
    """The last event being the same step by the same person is a double click only when it
    left the state the form showed; from any other state it is a stale form: refused."""
    arrange(db, people, "discussion")        # pendamping opened it, from "proposed"
    pendamping = people["pendamping"]
    before = db_state(db)
    with pytest.raises(Refusal) as refused:
        commands.fire_transition(db, pendamping, PROGRAM, "open_discussion", utcnow(),
                                 expected_state="draft")
    assert refused.value.kind == "conflict"
    assert db_state(db) == before
    # The real double click (the form showed "proposed") still does nothing, quietly.
    program = commands.fire_transition(db, pendamping, PROGRAM, "open_discussion", utcnow(),
                                       expected_state="proposed")
    assert program.state == "discussion"
    assert db_state(db) == before


# --- refusals land in the message region ---------------------------------------------------

def test_every_page_has_the_message_region(client, people):
    login_as(client, people["warga1"])
    for url in ("/", f"/programs/{PROGRAM}", "/account", "/glossary"):
        assert '<div id="messages"></div>' in client.get(url).get_data(as_text=True), url


def test_an_htmx_refusal_goes_to_the_message_region(client, db, people, rendered):
    """A refused htmx action answers with the refusal and headers that send it into
    #messages, so the discussion it targeted stays on the page."""
    token = login_as(client, people["warga1"])
    assert send(client, f"/programs/{PROGRAM}/comments", token,
                {"stance": "support", "body": "Saya setuju."}).status_code == 302
    arrange(db, people, "withdrawn")
    rendered.clear()
    response = send(client, f"/programs/{PROGRAM}/comments", token,
                    {"stance": "support", "body": "Masih bisa?"}, htmx=True)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#messages"
    assert response.headers["HX-Reswap"].startswith("innerHTML")
    assert response.headers["HX-Reselect"] == "#refused"
    assert rendered == ["partial/refused.html"]
    assert refusal_text(response) == "Not possible: This program is closed for comments."


def test_a_plain_refusal_is_a_page_with_a_way_back(client, db, people):
    arrange(db, people, "withdrawn")
    token = login_as(client, people["warga1"])
    response = send(client, f"/programs/{PROGRAM}/comments", token,
                    {"stance": "support", "body": "Masih bisa?"})
    assert response.status_code == 409
    assert "HX-Retarget" not in response.headers
    page = response.get_data(as_text=True)
    assert f'<a href="/programs/{PROGRAM}">Back to the program</a>' in page


@pytest.mark.parametrize(("url", "status"), [("/programs/999", 404), ("/admin", 403)])
def test_error_pages_for_htmx_also_go_to_the_message_region(client, people, url, status):
    """The 404 and 403 pages take the same way in."""
    login_as(client, people["warga1"])
    response = client.get(url, headers=HX)
    assert response.status_code == status
    assert response.headers["HX-Retarget"] == "#messages"


def test_a_csrf_refusal_for_htmx_goes_to_the_message_region(client, people):
    login_as(client, people["warga1"])
    response = send(client, f"/programs/{PROGRAM}/comments", "forged",
                    {"stance": "support", "body": "x"}, htmx=True)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#messages"


def test_a_success_clears_an_earlier_refusal(client, db, people):
    """The fragment of a success empties the message region (out of band)."""
    token = login_as(client, people["warga1"])
    response = send(client, f"/programs/{PROGRAM}/comments", token,
                    {"stance": "support", "body": "Setuju."}, htmx=True)
    assert response.status_code == 200
    assert '<div id="messages" hx-swap-oob="true"></div>' in response.get_data(as_text=True)


# --- no comment form where comments are refused --------------------------------------------

@pytest.mark.parametrize("state", ["withdrawn", "rejected"])
def test_a_closed_program_offers_no_comment_form(client, db, people, state):
    arrange(db, people, "discussion")
    if state == "withdrawn":
        commands.fire_transition(db, people["warga2"], PROGRAM, "withdraw", utcnow())
    else:
        commands.fire_transition(db, people["pendamping"], PROGRAM, "reject", utcnow(),
                                 reason="Sudah dibiayai kabupaten.")
    login_as(client, people["warga1"])
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    assert f'action="/programs/{PROGRAM}/comments"' not in page
    assert "The discussion is closed." in page
    assert 'id="comments"' in page      # the discussion itself is still there to read


def test_the_page_and_the_command_read_one_rule(client, db, people):
    """Wherever the form is offered a comment is taken, and nowhere else: every state of
    every template, judged by Template.closed_for_comments."""
    for tpl in TEMPLATES.values():
        assert {s for s in tpl.states if tpl.closed_for_comments(s)} == set(tpl.final)
    login_as(client, people["warga1"])
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    assert f'action="/programs/{PROGRAM}/comments"' in page
    assert "The discussion is closed." not in page


# --- logout, 405 and 500 in the reader's language -------------------------------------------

def test_get_logout_shows_a_real_logout_form(client, people):
    token = login_as(client, people["warga1"], lang="id")
    response = client.get("/logout")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Keluar?" in page and 'lang="id"' in page
    form = re.search(r'<form method="post" action="/logout">.*?</form>', page, re.S).group(0)
    assert 'name="csrf_token"' in form and 'data-action="logout"' in form
    # Still logged in: a GET changes nothing.
    assert client.get("/account").status_code == 200
    assert send(client, "/logout", token).headers["Location"] == "/login"
    assert client.get("/account").status_code == 302


def test_get_logout_when_logged_out_goes_to_the_login(client):
    login_as(client, None)
    response = client.get("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


@pytest.mark.parametrize(("lang", "text"), [
    ("id", "Halaman ini tidak bisa dibuka dengan cara ini."),
    ("en", "This page cannot be opened like this.")])
def test_method_not_allowed_is_the_refusal_page_in_the_readers_language(client, people,
                                                                        lang, text):
    login_as(client, people["warga1"], lang=lang)
    response = client.get(f"/programs/{PROGRAM}/comments")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    page = response.get_data(as_text=True)
    assert text in page and f'lang="{lang}"' in page
    assert 'id="refused"' in page and "Method Not Allowed" not in page


def test_a_server_error_is_the_refusal_page_in_the_readers_language(app, client, db, people,
                                                                   monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False   # as in production: the handler answers
    monkeypatch.setattr(comment_commands, "add_comment", broken)
    token = login_as(client, people["warga1"], lang="id")
    response = send(client, f"/programs/{PROGRAM}/comments", token,
                    {"stance": "support", "body": "Setuju."})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Ada masalah di sistem kami" in page and 'id="refused"' in page
