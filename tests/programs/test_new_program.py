"""The new-program form: who may propose, what is saved, double submits, refused input."""
import re
import threading
import time

import pytest
from sqlmodel import select

from tests.helpers import (
    HX,
    LOCALITY_ROUND,
    VALID_PROGRAM,
    counts,
    db_state,
    field_errors,
    is_fragment,
    login_as,
    send,
)
from workflow.models import Dusun, Program, ProgramAuthor
from workflow.programs import commands


def saved_programs(db) -> list:
    programs = db.exec(select(Program).order_by(Program.id)).all()
    db.commit()
    return programs


# --- the new-program form -----------------------------------------------------------------

def test_new_program_form(client, people, rendered):
    """The form is a full page with the contract's fields, a submission key and CSRF token."""
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get("/rounds/1/programs/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["programs/new.html"]
    for field in ("title", "problem", "goal", "dusun_id", "rt", "rw", "sector",
                  "estimated_cost", "funding_source", "csrf_token"):
        assert f'name="{field}"' in page
    assert re.search(r'name="submission_key" value="[\w-]{16,}"', page)
    assert "Dusun Krajan" in page


def test_new_program_form_as_fragment(client, people, rendered):
    """htmx gets only the form."""
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get("/rounds/1/programs/new", headers=HX)
    assert response.status_code == 200
    assert rendered == ["programs/partial/form.html"]
    assert is_fragment(response)
    assert 'id="program-form"' in response.get_data(as_text=True)


def test_new_program_form_for_boosted_link_is_a_whole_page(client, people, rendered):
    """A boosted link swaps the whole body, so it gets the whole page."""
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get("/rounds/1/programs/new", headers={**HX, "HX-Boosted": "true"})
    assert rendered == ["programs/new.html"]
    assert not is_fragment(response)


def test_new_program_keys_differ(client, people):
    """Each form shown gets its own submission key, so two proposals are two programs."""
    login_as(client, people["warga1"])
    keys = {re.search(r'name="submission_key" value="([^"]+)"',
                      client.get("/rounds/1/programs/new").get_data(as_text=True)).group(1)
            for _ in range(2)}
    assert len(keys) == 2


def test_new_program_saved(client, db, people, rendered):
    """A valid form saves a draft with the author, redirects to it, and says so there."""
    token = login_as(client, people["warga1"])
    krajan = db.exec(select(Dusun).where(Dusun.name == "Dusun Krajan")).one()
    db.commit()
    before = counts(db)
    rendered.clear()
    response = send(client, "/rounds/1/programs/new", token,
                    {**VALID_PROGRAM, "dusun_id": str(krajan.id), "submission_key": "k-saved",
                     "beneficiaries": "  Ibu   dan balita ", "beneficiaries_count": "80"})
    assert response.status_code == 302
    assert rendered == []
    program = saved_programs(db)[-1]
    assert response.headers["Location"] == f"/programs/{program.id}"
    assert counts(db)["Program"] == before["Program"] + 1
    assert counts(db)["Event"] == before["Event"]
    assert (program.title, program.state, program.round_id) == (
        "Posyandu keliling", "draft", LOCALITY_ROUND)
    assert (program.estimated_cost, program.rt, program.rw, program.sector,
            program.funding_source, program.dusun_id) == (
        2500000, "04", "02", "health", "dana_desa", krajan.id)
    assert (program.beneficiaries, program.beneficiaries_count) == ("Ibu dan balita", 80)
    assert program.created_by == people["warga1"].id
    authors = db.exec(select(ProgramAuthor.user_id).where(
        ProgramAuthor.program_id == program.id)).all()
    db.commit()
    assert authors == [people["warga1"].id]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash success"' in page
    assert 'data-state="draft"' in page
    assert 'data-transition="submit"' in page


def test_new_program_saved_with_htmx(client, db, people):
    """htmx is told to go to the new program's page (HX-Redirect), not sent a fragment."""
    token = login_as(client, people["warga1"])
    response = send(client, "/rounds/1/programs/new", token, VALID_PROGRAM, htmx=True)
    program = saved_programs(db)[-1]
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/programs/{program.id}"
    assert response.get_data() == b""


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_double_submitted_form_makes_one_program(client, db, people, htmx, rendered):
    """The same form sent twice (same submission_key) makes one program, shown both times."""
    token = login_as(client, people["warga1"])
    data = {**VALID_PROGRAM, "submission_key": "dobel-klik-123"}
    before = counts(db)
    first = send(client, "/rounds/1/programs/new", token, data, htmx=htmx)
    second = send(client, "/rounds/1/programs/new", token, data, htmx=htmx)
    after = counts(db)
    assert after["Program"] == before["Program"] + 1
    assert after["ProgramAuthor"] == before["ProgramAuthor"] + 1
    header = "HX-Redirect" if htmx else "Location"
    assert first.headers[header] == second.headers[header]


def test_simultaneous_double_submit_makes_one_program(app, db, people, monkeypatch):
    """Two copies of one form arriving together make one program and no server error."""
    slow_clean = commands.clean_program

    def clean_slowly(*args, **kwargs):
        time.sleep(0.3)  # both requests are past the submission-key check by now
        return slow_clean(*args, **kwargs)

    monkeypatch.setattr(commands, "clean_program", clean_slowly)
    clients = [app.test_client() for _ in range(2)]
    tokens = [login_as(c, people["warga1"]) for c in clients]
    before = counts(db)
    data = {**VALID_PROGRAM, "submission_key": "same-moment"}
    results = [None, None]

    def post(i):
        try:
            results[i] = send(clients[i], "/rounds/1/programs/new", tokens[i], data)
        except Exception as error:  # a server error propagates in testing
            results[i] = error

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [getattr(r, "status_code", repr(r)) for r in results] == [302, 302]
    assert results[0].headers["Location"] == results[1].headers["Location"]
    assert counts(db)["Program"] == before["Program"] + 1


def test_submission_key_is_not_shared_across_forms(client, db, people):
    """Two forms with different keys make two programs. (Identical words by the same
    author make one: see tests/drafting/test_drafts.py, Back then Save.)"""
    token = login_as(client, people["warga1"])
    before = counts(db)
    for key in ("satu", "dua"):
        send(client, "/rounds/1/programs/new", token,
             {**VALID_PROGRAM, "title": f"Posyandu keliling {key}", "submission_key": key})
    assert counts(db)["Program"] == before["Program"] + 2


LONG = "x" * 201
INVALID_FORMS = [
    # (what is wrong, changes to a valid form, field the error is shown at)
    ("no title", {"title": ""}, "title"),
    ("blank title", {"title": "   \t "}, "title"),
    ("no problem", {"problem": ""}, "problem"),
    ("no goal", {"goal": "  "}, "goal"),
    ("title too long", {"title": LONG}, "title"),
    ("problem too long", {"problem": "p" * 4001}, "problem"),
    ("beneficiaries too long", {"beneficiaries": LONG}, "beneficiaries"),
    ("cost in words", {"estimated_cost": "lima juta"}, "estimated_cost"),
    ("negative cost", {"estimated_cost": "-5000"}, "estimated_cost"),
    ("cost with decimals", {"estimated_cost": "1500000.5e3"}, "estimated_cost"),
    ("cost too large", {"estimated_cost": "9" * 20}, "estimated_cost"),
    ("cost in superscript digits", {"estimated_cost": "²"}, "estimated_cost"),
    ("count in words", {"beneficiaries_count": "banyak"}, "beneficiaries_count"),
    ("rt letters", {"rt": "abc"}, "rt"),
    ("rt too long", {"rt": "0001"}, "rt"),
    ("rw letters", {"rw": "satu"}, "rw"),
    ("rt in superscript digits", {"rt": "²"}, "rt"),
    ("unknown sector", {"sector": "space"}, "sector"),
    ("unknown funding source", {"funding_source": "bank"}, "funding_source"),
    ("dusun not a number", {"dusun_id": "Krajan"}, "dusun_id"),
    ("dusun that does not exist", {"dusun_id": "999999"}, "dusun_id"),
    ("dusun in superscript digits", {"dusun_id": "¹"}, "dusun_id"),
    ("dusun of another community", {"dusun_id": "OUTSIDE"}, "dusun_id"),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("problem", "changes", "field"), INVALID_FORMS,
                         ids=[row[0] for row in INVALID_FORMS])
def test_invalid_program_form(client, db, people, request, rendered, problem, changes, field,
                              htmx):
    """Bad input is 422 with the message at the field, the input kept, and nothing saved."""
    if "OUTSIDE" in changes.values():
        outside = request.getfixturevalue("outsider").dusun.id
        changes = {k: (str(outside) if v == "OUTSIDE" else v) for k, v in changes.items()}
    token = login_as(client, people["warga1"])
    before = db_state(db)
    rendered.clear()
    response = send(client, "/rounds/1/programs/new", token,
                    {**VALID_PROGRAM, **changes, "submission_key": "invalid-1"}, htmx=htmx)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert rendered == (["programs/partial/form.html"] if htmx else ["programs/new.html"])
    assert is_fragment(response) == htmx
    assert list(field_errors(page)) == [field]
    assert f'aria-describedby="{field}-error"' in page
    assert 'role="alert"' in page
    assert db_state(db) == before
    # What the person typed is still there, and the same key is kept for the retry.
    kept = "goal" if "problem" in changes else "problem"
    assert VALID_PROGRAM[kept] in page
    assert 'name="submission_key" value="invalid-1"' in page


def test_invalid_program_form_names_every_bad_field(client, db, people):
    """All the mistakes are shown at once, each at its field."""
    token = login_as(client, people["warga1"])
    response = send(client, "/rounds/1/programs/new", token,
                    {"title": "", "problem": "", "goal": "", "rt": "abc", "sector": "x"})
    assert response.status_code == 422
    assert set(field_errors(response.get_data(as_text=True))) == {
        "title", "problem", "goal", "rt", "sector"}


def test_invalid_form_then_fixed_makes_one_program(client, db, people):
    """After a refused form, the corrected one (same key) is saved once."""
    token = login_as(client, people["warga1"])
    before = counts(db)
    data = {**VALID_PROGRAM, "submission_key": "retry-key"}
    assert send(client, "/rounds/1/programs/new", token,
                {**data, "title": ""}).status_code == 422
    assert send(client, "/rounds/1/programs/new", token, data).status_code == 302
    assert send(client, "/rounds/1/programs/new", token, data).status_code == 302
    assert counts(db)["Program"] == before["Program"] + 1


def test_program_form_escapes_what_was_typed(client, people):
    """Input echoed back into the form is escaped."""
    token = login_as(client, people["warga1"])
    response = send(client, "/rounds/1/programs/new", token,
                    {**VALID_PROGRAM, "title": "", "problem": '"><script>alert(1)</script>'})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("username", ["pendamping", "kades"])
def test_staff_propose_too(client, db, people, username):
    """The facilitator and the official propose as residents do: one program, theirs. (Who
    may propose, for every role, is the matrix's: tests/system/test_matrix.py.)"""
    token = login_as(client, people[username])
    before = [program.id for program in saved_programs(db)]
    response = send(client, "/rounds/1/programs/new", token, VALID_PROGRAM)
    assert response.status_code == 302
    (program,) = [p for p in saved_programs(db) if p.id not in before]
    assert response.headers["Location"] == f"/programs/{program.id}"
    authors = db.exec(select(ProgramAuthor.user_id).where(
        ProgramAuthor.program_id == program.id)).all()
    db.commit()
    assert authors == [people[username].id]


def test_propose_in_unknown_round_is_404(client, db, people):
    """Proposing in a round that does not exist is 404 and saves nothing."""
    token = login_as(client, people["warga1"])
    before = counts(db)
    assert send(client, "/rounds/999/programs/new", token, VALID_PROGRAM).status_code == 404
    assert counts(db) == before
