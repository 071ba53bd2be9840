"""A program's page and everything done on it: steps, votes in person and in the room,
the live tally, comments, and the whole locality process through HTTP."""
import json
import re
import threading
import time

import pytest
from sqlmodel import select

from tests.arrange import arrange, draft_by
from tests.helpers import (
    ACCOUNTS,
    HX,
    PROGRAM,
    ROLES,
    VALID_PROGRAM,
    counts,
    events_of,
    is_fragment,
    login_as,
    refusal_text,
    residents,
    send,
    snapshot,
    state_of,
    steps_on,
    user_for,
    utcnow,
    votes_of,
)
from workflow.core import audit
from workflow.engine.processes import STATE_LABELS
from workflow.models import Ballot, Dusun, Event, Round
from workflow.programs import commands


# Who is who in the demo village for program 1 (proposed by warga2).
def field_error(response, field) -> str | None:
    match = re.search(rf'<p class="field-error"[^>]* id="{field}-error">([^<]+)</p>',
                      response.get_data(as_text=True))
    return match.group(1) if match else None





def commands_vote(db, voter, choice, reason=""):
    """Arrange a vote through the command, as if cast from the voter's phone."""
    commands.cast_vote(db, voter, PROGRAM, choice, reason, utcnow())


def ballot_kinds(db) -> list:
    rows = db.exec(select(Ballot.kind, Ballot.closed_at.is_(None), Ballot.passed)
                   .where(Ballot.program_id == PROGRAM).order_by(Ballot.id)).all()
    db.commit()
    return [tuple(row) for row in rows]


def payloads(db, program_id=PROGRAM) -> list:
    rows = db.exec(select(Event.payload).where(Event.program_id == program_id)
                   .order_by(Event.id)).all()
    db.commit()
    return [json.loads(row) for row in rows]


# --- the program page ---------------------------------------------------------------------

@pytest.mark.parametrize(("role", "steps"), [
    ("resident", []),
    ("author", ["withdraw"]),
    ("facilitator", ["open_discussion"]),
    ("official", []),
    ("admin", []),
])
def test_program_page(client, people, rendered, role, steps):
    """Every member sees the program; each sees only the steps their role may take."""
    login_as(client, people[ACCOUNTS[role]])
    rendered.clear()
    response = client.get("/programs/1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["program.html"]
    assert "Perbaikan saluran air Dusun Krajan" in page
    assert 'data-state="proposed"' in page
    assert steps_on(page) == steps
    assert 'name="body"' in page  # everyone may comment
    assert 'data-event="submit"' in page


def test_program_page_for_htmx_is_a_whole_page(client, people, rendered):
    """The program page itself has no fragment."""
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get("/programs/1", headers=HX)
    assert rendered == ["program.html"]
    assert not is_fragment(response)


def test_program_page_requires_login(client):
    """The program page sends an anonymous visitor to log in and back."""
    response = client.get("/programs/1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/programs/1"


@pytest.mark.parametrize(("url", "htmx"), [("/programs/1", False), ("/programs/1", True),
                                           ("/programs/1/tally", True)])
def test_program_hidden_from_outsiders(client, outsider, rendered, url, htmx):
    """Someone from another community gets the same 404 as for a program that does not exist."""
    login_as(client, outsider.user)
    rendered.clear()
    response = client.get(url, headers=HX if htmx else {})
    assert response.status_code == 404
    assert rendered == (["partial/refused.html"] if htmx else ["refused.html"])
    assert "Perbaikan saluran" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("url", "htmx", "template"), [
    ("/programs/999", False, "refused.html"),
    ("/programs/999/tally", True, "partial/refused.html"),
])
def test_unknown_program_is_404(client, people, rendered, url, htmx, template):
    """A program that does not exist is the 404 page, or its fragment for htmx."""
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get(url, headers=HX if htmx else {})
    assert response.status_code == 404
    assert rendered == [template]


def test_voting_page_shows_the_ballot_contract(client, db, people):
    """An open consent ballot shows each choice control, a reason for block, and the tally."""
    arrange(db, people, "voting")
    login_as(client, people["warga1"])
    page = client.get("/programs/1").get_data(as_text=True)
    assert set(re.findall(r'data-choice="(\w+)"', page)) == {"agree", "abstain", "disagree",
                                                              "block"}
    assert re.search(r'<textarea[^>]*name="reason"', page)
    assert "data-tally" in page


def test_facilitator_sees_the_room_roll(client, db, people):
    """The facilitator gets the room-vote form listing every resident; residents do not."""
    arrange(db, people, "voting")
    login_as(client, people["pendamping"])
    page = client.get("/programs/1").get_data(as_text=True)
    assert "/programs/1/room-votes" in page
    assert len(re.findall(r'<option value="\d+"', page)) == 12
    login_as(client, people["warga1"])
    assert "/programs/1/room-votes" not in client.get("/programs/1").get_data(as_text=True)


# --- transitions: page or fragment --------------------------------------------------------

def test_transition_as_form_redirects(client, db, people, rendered):
    """A plain form post moves the program and redirects to its page, which says so."""
    token = login_as(client, people["pendamping"])
    rendered.clear()
    response = send(client, "/programs/1/transitions/open_discussion", token,
                    {"expected_state": "proposed"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/programs/1"
    assert rendered == []
    assert state_of(db) == "discussion"
    page = client.get("/programs/1").get_data(as_text=True)
    assert 'class="flash success"' in page
    assert 'data-state="discussion"' in page


def test_transition_with_htmx_swaps_the_main_fragment(client, db, people, rendered):
    """htmx gets the refreshed program_main fragment, with the flash, and no layout."""
    token = login_as(client, people["pendamping"])
    rendered.clear()
    response = send(client, "/programs/1/transitions/open_discussion", token,
                    {"expected_state": "proposed"}, htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["partial/program_main.html"]
    assert "base.html" not in rendered
    assert is_fragment(response)
    assert page.lstrip().startswith('<div id="program-main">')
    assert 'data-state="discussion"' in page
    assert 'class="flash success"' in page
    assert steps_on(page) == ["open_voting", "open_majority_vote", "reject"]


def test_refused_transition_with_htmx_is_a_fragment(client, db, people, rendered):
    """A refusal for htmx is the refusal fragment with its status, so htmx swaps it in."""
    token = login_as(client, people["warga1"])
    rendered.clear()
    response = send(client, "/programs/1/transitions/open_discussion", token, htmx=True)
    assert response.status_code == 403
    assert rendered == ["partial/refused.html"]
    assert is_fragment(response)
    assert refusal_text(response)


# --- who may do what: every state-changing route, every role -------------------------------

ROUTES = {
    # route: (state of the program, url, form data)
    "submit": ("draft", "/programs/{id}/transitions/submit", {}),
    # Steps that cannot be undone go through with confirm=yes (the confirmation form's).
    "withdraw": ("proposed", "/programs/{id}/transitions/withdraw", {"confirm": "yes"}),
    "open_discussion": ("proposed", "/programs/{id}/transitions/open_discussion", {}),
    "open_voting": ("discussion", "/programs/{id}/transitions/open_voting", {}),
    "close_voting": ("voting", "/programs/{id}/transitions/close_voting", {}),
    "reject": ("discussion", "/programs/{id}/transitions/reject",
               {"reason": "Sudah ditangani kabupaten.", "confirm": "yes"}),
    "approve": ("agreed", "/programs/{id}/transitions/approve", {"confirm": "yes"}),
    "return": ("agreed", "/programs/{id}/transitions/return",
               {"reason": "Biaya perlu dihitung ulang."}),
    "start_implementation": ("approved", "/programs/{id}/transitions/start_implementation", {}),
    "vote": ("voting", "/programs/{id}/votes", {"choice": "agree"}),
    "room_vote": ("voting", "/programs/{id}/room-votes", {"voter": "warga11", "choice": "agree"}),
    "comment": ("proposed", "/programs/{id}/comments",
                {"stance": "question", "body": "Kapan mulai dikerjakan?"}),
}
ALLOWED = {
    "submit": {"author"},
    "withdraw": {"author"},
    "open_discussion": {"facilitator"},
    "open_voting": {"facilitator"},
    "close_voting": {"facilitator"},
    "reject": {"facilitator"},
    "approve": {"official"},
    "return": {"official"},
    "start_implementation": {"facilitator", "official"},
    "vote": {"resident", "author"},
    "room_vote": {"facilitator"},
    "comment": {"resident", "author", "facilitator", "official", "admin"},
}
MATRIX = [(route, role) for route in ROUTES for role in ROLES]


def expected_status(route, role):
    if role == "anonymous":
        return 302
    if role == "outsider":
        return 404
    if ROUTES[route][0] == "draft" and role not in ("author", "facilitator"):
        return 404  # someone else's draft does not exist for them, as for an outsider
    return 302 if role in ALLOWED[route] else 403


@pytest.mark.parametrize(("route", "role"), MATRIX, ids=[f"{r}-{w}" for r, w in MATRIX])
def test_authorisation(client, db, people, request, route, role):
    """Allowed roles succeed; others 403, outsiders 404, anonymous to login; no partial change."""
    state, url, data = ROUTES[route]
    program_id = draft_by(db, people, "warga2") if state == "draft" else arrange(db, people, state)
    data = {k: (str(people[v].id) if k == "voter" else v) for k, v in data.items()}
    token = login_as(client, user_for(request, people, role))
    before = snapshot(db)
    response = send(client, url.format(id=program_id), token, data)
    status = expected_status(route, role)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    if role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=")
    elif status == 302:
        assert response.headers["Location"].startswith(f"/programs/{program_id}")
    else:
        assert 'id="refused"' in response.get_data(as_text=True)
    assert (snapshot(db) != before) == (status == 302 and role != "anonymous")


def test_official_cannot_approve_what_is_not_agreed(client, db, people):
    """Approving a program still in discussion is a conflict (409), and nothing moves."""
    arrange(db, people, "discussion")
    token = login_as(client, people["kades"])
    before = snapshot(db)
    response = send(client, "/programs/1/transitions/approve", token)
    assert response.status_code == 409
    assert STATE_LABELS["discussion"] in refusal_text(response)
    assert snapshot(db) == before


def test_resident_cannot_open_discussion(client, db, people):
    """A resident firing open_discussion gets 403 with the role named, and no event."""
    token = login_as(client, people["warga1"])
    before = snapshot(db)
    response = send(client, "/programs/1/transitions/open_discussion", token,
                    {"expected_state": "proposed"})
    assert response.status_code == 403
    assert "facilitator" in refusal_text(response)
    assert state_of(db) == "proposed"
    assert snapshot(db) == before


def test_majority_vote_only_after_consent_failed(client, db, people):
    """The fallback majority vote cannot open before a consent round has failed."""
    arrange(db, people, "discussion")
    token = login_as(client, people["pendamping"])
    before = snapshot(db)
    response = send(client, "/programs/1/transitions/open_majority_vote", token)
    assert response.status_code == 409
    assert "mufakat" in refusal_text(response)
    assert snapshot(db) == before


def test_guard_names_itself(client, db, people):
    """A minimum discussion time refuses open_voting, counting the days, on the page and on post."""
    rnd = db.get(Round, 1)
    rnd.min_discussion_days = 7
    db.add(rnd)
    db.commit()
    arrange(db, people, "discussion")
    token = login_as(client, people["pendamping"])
    page = client.get("/programs/1").get_data(as_text=True)
    assert re.search(r'data-transition="open_voting"[^>]*\s+disabled', page)
    assert 'id="why-open_voting"' in page
    before = snapshot(db)
    response = send(client, "/programs/1/transitions/open_voting", token)
    assert response.status_code == 409
    assert "0 of the required 7 days" in refusal_text(response)
    assert snapshot(db) == before


# --- transitions that need a reason -------------------------------------------------------

NEEDS_REASON = [("reject", "discussion", "pendamping"), ("return", "agreed", "kades"),
                ("reject", "agreed", "kades")]


@pytest.mark.parametrize("reason", ["", "   \n\t "], ids=["empty", "blank"])
@pytest.mark.parametrize(("name", "state", "username"), NEEDS_REASON,
                         ids=[f"{n}-from-{s}" for n, s, _ in NEEDS_REASON])
def test_transition_needing_a_reason_refused_without_one(client, db, people, name, state,
                                                         username, reason):
    """Reject and return without a reason: the form again (422), the message at the field."""
    arrange(db, people, state)
    token = login_as(client, people[username])
    before = snapshot(db)
    response = send(client, f"/programs/1/transitions/{name}", token,
                    {"reason": reason, "expected_state": state})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{name}-reason-error">' in page
    assert f'<textarea id="reason-{name}" name="reason"' in page
    assert state_of(db) == state
    assert snapshot(db) == before


@pytest.mark.parametrize(("name", "state", "username"), NEEDS_REASON,
                         ids=[f"{n}-from-{s}" for n, s, _ in NEEDS_REASON])
def test_transition_with_a_reason(client, db, people, name, state, username):
    """With a reason the step happens and the reason is kept in the event and shown escaped."""
    arrange(db, people, state)
    token = login_as(client, people[username])
    page = client.get("/programs/1").get_data(as_text=True)
    assert re.search(rf'<textarea id="reason-{name}" name="reason"', page)
    reason = "  Anggaran <b>tidak</b> cukup.  "
    response = send(client, f"/programs/1/transitions/{name}", token,
                    {"reason": reason, "expected_state": state, "confirm": "yes"})
    assert response.status_code == 302
    assert state_of(db) == {"reject": "rejected", "return": "discussion"}[name]
    assert payloads(db)[-1]["reason"] == "Anggaran <b>tidak</b> cukup."
    page = client.get("/programs/1").get_data(as_text=True)
    assert "Anggaran &lt;b&gt;tidak&lt;/b&gt; cukup." in page


# --- unknown programs and steps, stale pages, double clicks ---------------------------------

@pytest.mark.parametrize("url", [
    "/programs/1/transitions/fly",
    "/programs/1/transitions/start_assessment",    # a step of another template
    "/programs/1/transitions/deliver",
    "/programs/999/transitions/open_discussion",
    "/programs/999/votes",
    "/programs/999/room-votes",
    "/programs/999/comments",
])
def test_unknown_program_or_step_is_404(client, db, people, rendered, url):
    """An unknown program or step name is the 404 page and changes nothing."""
    token = login_as(client, people["pendamping"])
    before = snapshot(db)
    rendered.clear()
    response = send(client, url, token, {"choice": "agree", "stance": "support", "body": "x",
                                         "voter": str(people["warga3"].id)})
    assert response.status_code == 404
    assert rendered == ["refused.html"]
    assert snapshot(db) == before


def test_stale_expected_state_is_a_conflict(client, db, people):
    """A button pressed on a page that is out of date is refused (409), naming the state now."""
    arrange(db, people, "discussion")
    token = login_as(client, people["warga2"])
    before = snapshot(db)
    response = send(client, "/programs/1/transitions/withdraw", token,
                    {"expected_state": "proposed"})
    assert response.status_code == 409
    assert STATE_LABELS["discussion"] in refusal_text(response)
    assert snapshot(db) == before


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_double_click_does_it_once(client, db, people, htmx):
    """The same person pressing the same step twice gets success twice and one event."""
    token = login_as(client, people["pendamping"])
    data = {"expected_state": "proposed"}
    first = send(client, "/programs/1/transitions/open_discussion", token, data, htmx=htmx)
    second = send(client, "/programs/1/transitions/open_discussion", token, data, htmx=htmx)
    assert first.status_code == second.status_code == (200 if htmx else 302)
    assert [e[0] for e in events_of(db)] == ["submit", "open_discussion"]
    assert state_of(db) == "discussion"


def test_simultaneous_double_click_does_it_once(app, db, people, monkeypatch):
    """Two presses of open_voting arriving together: both succeed, one event, one ballot."""
    arrange(db, people, "discussion")
    slow_context = commands.context_for

    def context_slowly(*args, **kwargs):
        time.sleep(0.3)
        return slow_context(*args, **kwargs)

    monkeypatch.setattr(commands, "context_for", context_slowly)
    clients = [app.test_client() for _ in range(2)]
    tokens = [login_as(c, people["pendamping"]) for c in clients]
    results = [None, None]

    def press(i):
        try:
            results[i] = send(clients[i], "/programs/1/transitions/open_voting", tokens[i],
                              {"expected_state": "discussion"})
        except Exception as error:  # a server error propagates in testing
            results[i] = error

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [getattr(r, "status_code", repr(r)) for r in results] == [302, 302]
    assert [e[0] for e in events_of(db)].count("open_voting") == 1
    assert ballot_kinds(db) == [("consent", True, None)]


def test_double_click_with_effects_opens_one_ballot(client, db, people):
    """A double-clicked open_voting opens one ballot, not two."""
    arrange(db, people, "discussion")
    token = login_as(client, people["pendamping"])
    for _ in range(2):
        assert send(client, "/programs/1/transitions/open_voting", token,
                    {"expected_state": "discussion"}).status_code == 302
    assert ballot_kinds(db) == [("consent", True, None)]


def test_same_step_by_someone_else_is_a_conflict(client, db, people):
    """Only one's own last step counts as a double click: another person's is a conflict."""
    arrange(db, people, "approved")
    first = login_as(client, people["pendamping"])
    assert send(client, "/programs/1/transitions/start_implementation", first,
                {"expected_state": "approved"}).status_code == 302
    before = snapshot(db)
    second = login_as(client, people["kades"])
    response = send(client, "/programs/1/transitions/start_implementation", second,
                    {"expected_state": "approved"})
    assert response.status_code == 409
    assert snapshot(db) == before


def test_without_expected_state_a_repeat_is_refused(client, db, people):
    """Without expected_state (an API-style post), a repeat is judged on the state: 409."""
    token = login_as(client, people["pendamping"])
    assert send(client, "/programs/1/transitions/open_discussion", token).status_code == 302
    response = send(client, "/programs/1/transitions/open_discussion", token)
    assert response.status_code == 409
    assert [e[0] for e in events_of(db)] == ["submit", "open_discussion"]


# --- votes ----------------------------------------------------------------------------------

def test_vote_as_form_redirects(client, db, people, rendered):
    """A plain vote is stored and redirects to the ballot on the program page."""
    arrange(db, people, "voting")
    token = login_as(client, people["warga1"])
    rendered.clear()
    response = send(client, "/programs/1/votes", token, {"choice": "agree"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/programs/1#ballot"
    assert rendered == []
    assert votes_of(db) == [("warga1", "agree", "", False)]
    page = client.get("/programs/1").get_data(as_text=True)
    assert re.search(r'data-choice="agree"\s+class="[^"]*" aria-pressed="true"', page)


def test_vote_with_htmx_swaps_the_ballot(client, db, people, rendered):
    """htmx gets the ballot fragment alone, with the flash and the new count."""
    arrange(db, people, "voting")
    token = login_as(client, people["warga1"])
    rendered.clear()
    response = send(client, "/programs/1/votes", token, {"choice": "disagree"}, htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["partial/ballot.html"]
    assert "base.html" not in rendered
    assert is_fragment(response)
    assert page.lstrip().startswith('<section id="ballot"')
    assert 'class="flash success"' in page
    assert re.search(r'data-count="disagree">.*?<strong>1</strong>', page, re.S)
    assert votes_of(db) == [("warga1", "disagree", "", False)]


def test_vote_twice_keeps_one_vote(client, db, people):
    """The same vote sent twice is one row; a changed vote replaces the first."""
    arrange(db, people, "voting")
    token = login_as(client, people["warga1"])
    send(client, "/programs/1/votes", token, {"choice": "agree"})
    send(client, "/programs/1/votes", token, {"choice": "agree"})
    assert votes_of(db) == [("warga1", "agree", "", False)]
    send(client, "/programs/1/votes", token, {"choice": "block", "reason": "Lokasi salah."})
    assert votes_of(db) == [("warga1", "block", "Lokasi salah.", False)]
    send(client, "/programs/1/votes", token, {"choice": "abstain", "reason": "lupa"})
    assert votes_of(db)[0][:2] == ("warga1", "abstain")
    assert counts(db)["Vote"] == 1


def test_vote_when_no_ballot_is_open(client, db, people):
    """Voting on a program that is not being voted on is a conflict."""
    token = login_as(client, people["warga1"])
    before = snapshot(db)
    response = send(client, "/programs/1/votes", token, {"choice": "agree"})
    assert response.status_code == 409
    assert snapshot(db) == before


INVALID_VOTES = [
    ("no choice", {}),
    ("empty choice", {"choice": ""}),
    ("unknown choice", {"choice": "maybe"}),
    ("majority choice on a consent ballot", {"choice": "yes"}),
    ("block without reason", {"choice": "block"}),
    ("block with a blank reason", {"choice": "block", "reason": "   "}),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("problem", "data"), INVALID_VOTES, ids=[r[0] for r in INVALID_VOTES])
def test_invalid_vote(client, db, people, rendered, problem, data, htmx):
    """A bad ballot paper is 422 with the message at the choices, and no vote is stored."""
    arrange(db, people, "voting")
    token = login_as(client, people["warga1"])
    before = snapshot(db)
    rendered.clear()
    response = send(client, "/programs/1/votes", token, data, htmx=htmx)
    assert response.status_code == 422
    assert rendered == (["partial/ballot.html"] if htmx else ["program.html"])
    assert is_fragment(response) == htmx
    assert field_error(response, "choice")
    assert snapshot(db) == before


def test_block_without_reason_keeps_the_earlier_vote(client, db, people):
    """A refused block leaves the voter's earlier vote as it was, and says why."""
    arrange(db, people, "voting")
    token = login_as(client, people["warga1"])
    send(client, "/programs/1/votes", token, {"choice": "agree"})
    response = send(client, "/programs/1/votes", token, {"choice": "block"}, htmx=True)
    assert response.status_code == 422
    assert "reason" in field_error(response, "choice")
    assert votes_of(db) == [("warga1", "agree", "", False)]


def test_block_with_reason_is_stored_and_blocks(client, db, people):
    """A block with a reason is stored with it, and the tally says it would not pass."""
    arrange(db, people, "voting")
    for voter in residents(people, 9):
        commands_vote(db, voter, "agree")
    token = login_as(client, people["warga10"])
    response = send(client, "/programs/1/votes", token,
                    {"choice": "block", "reason": "Saluran melewati tanah wakaf."}, htmx=True)
    assert response.status_code == 200
    assert ("warga10", "block", "Saluran melewati tanah wakaf.", False) in votes_of(db)
    assert "would not pass" in response.get_data(as_text=True)


def test_majority_ballot_takes_yes_and_no(client, db, people):
    """On the fallback majority ballot the choices are yes, no and abstain."""
    arrange(db, people, "voting")
    commands_vote(db, people["warga1"], "block", "Belum jelas.")
    # The quorum (8 of 12) is reached: a failed consensus, which unlocks the fallback.
    for i in range(2, 9):
        commands_vote(db, people[f"warga{i}"], "agree", "")
    commands.fire_transition(db, people["pendamping"], PROGRAM, "close_voting", utcnow())
    commands.fire_transition(db, people["pendamping"], PROGRAM, "open_majority_vote", utcnow())
    token = login_as(client, people["warga1"])
    page = client.get("/programs/1").get_data(as_text=True)
    assert set(re.findall(r'data-choice="(\w+)"', page)) == {"yes", "no", "abstain"}
    assert send(client, "/programs/1/votes", token, {"choice": "agree"}).status_code == 422
    assert send(client, "/programs/1/votes", token, {"choice": "yes"}).status_code == 302
    assert votes_of(db)[-1] == ("warga1", "yes", "", False)


# --- votes recorded in the meeting room ------------------------------------------------------

@pytest.mark.parametrize(("htmx", "status", "template"), [
    (False, 302, []), (True, 200, ["partial/ballot.html"])])
def test_room_vote(client, db, people, rendered, htmx, status, template):
    """The facilitator records a present resident's vote, marked as cast in the room."""
    arrange(db, people, "voting")
    token = login_as(client, people["pendamping"])
    rendered.clear()
    response = send(client, "/programs/1/room-votes", token,
                    {"voter": str(people["warga3"].id), "choice": "disagree"}, htmx=htmx)
    assert response.status_code == status
    assert rendered == template
    assert votes_of(db) == [("warga3", "disagree", "", True)]
    if not htmx:
        assert response.headers["Location"] == "/programs/1#ballot"


def test_room_vote_does_not_count_an_online_voter_twice(client, db, people):
    """A resident who already voted online cannot be recorded again in the room."""
    arrange(db, people, "voting")
    commands_vote(db, people["warga3"], "agree")
    token = login_as(client, people["pendamping"])
    before = snapshot(db)
    response = send(client, "/programs/1/room-votes", token,
                    {"voter": str(people["warga3"].id), "choice": "disagree"})
    assert response.status_code == 409
    assert snapshot(db) == before
    assert votes_of(db) == [("warga3", "agree", "", False)]


def test_room_vote_can_be_corrected(client, db, people):
    """A vote recorded in the room may be corrected by recording it again: one row."""
    arrange(db, people, "voting")
    token = login_as(client, people["pendamping"])
    for choice in ("agree", "abstain"):
        send(client, "/programs/1/room-votes", token,
             {"voter": str(people["warga4"].id), "choice": choice})
    assert votes_of(db) == [("warga4", "abstain", "", True)]


INVALID_ROOM_VOTES = [
    ("no voter", {"voter": "", "choice": "agree"}, "voter"),
    ("voter not a number", {"voter": "warga3", "choice": "agree"}, "voter"),
    ("voter in superscript digits", {"voter": "³", "choice": "agree"}, "voter"),
    ("voter does not exist", {"voter": "99999", "choice": "agree"}, "voter"),
    ("voter is the official", {"voter": "kades", "choice": "agree"}, "voter"),
    ("voter is an outsider", {"voter": "OUTSIDER", "choice": "agree"}, "voter"),
    ("unknown choice", {"voter": "warga3", "choice": "maybe"}, "choice"),
    ("block without reason", {"voter": "warga3", "choice": "block"}, "choice"),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("problem", "data", "field"), INVALID_ROOM_VOTES,
                         ids=[r[0] for r in INVALID_ROOM_VOTES])
def test_invalid_room_vote(client, db, people, request, rendered, problem, data, field, htmx):
    """A bad room record is 422 with a message the facilitator can see, and nothing is stored."""
    arrange(db, people, "voting")
    names = {"warga3": str(people["warga3"].id), "kades": str(people["kades"].id)}
    if data["voter"] == "OUTSIDER":
        names["OUTSIDER"] = str(request.getfixturevalue("outsider").user.id)
    if problem != "voter not a number":
        data = {**data, "voter": names.get(data["voter"], data["voter"])}
    token = login_as(client, people["pendamping"])
    before = snapshot(db)
    rendered.clear()
    response = send(client, "/programs/1/room-votes", token, data, htmx=htmx)
    assert response.status_code == 422
    assert rendered == (["partial/ballot.html"] if htmx else ["program.html"])
    page = response.get_data(as_text=True)
    if field == "voter":
        assert field_error(response, "voter")
    else:  # the facilitator's own form must say what was wrong with the choice
        assert re.search(r'<p class="field-error"[^>]*>[^<]+</p>', page), (
            "no message shown to the facilitator")
    assert snapshot(db) == before


# --- the live tally ---------------------------------------------------------------------------

def test_tally_fragment(client, db, people, rendered):
    """htmx's polling gets the data-tally fragment alone, with the current counts."""
    arrange(db, people, "voting")
    commands_vote(db, people["warga1"], "agree")
    commands_vote(db, people["warga2"], "agree")
    commands_vote(db, people["warga3"], "abstain")
    login_as(client, people["warga4"])
    rendered.clear()
    response = client.get("/programs/1/tally", headers=HX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["partial/tally.html"]
    assert "base.html" not in rendered
    assert is_fragment(response)
    assert page.lstrip().startswith('<div id="tally"')
    assert "data-tally" in page
    assert re.search(r'data-count="agree">.*?<strong>2</strong>', page, re.S)
    assert re.search(r'data-count="abstain">.*?<strong>1</strong>', page, re.S)
    assert 'hx-get="/programs/1/tally"' in page
    assert 'hx-trigger="every 1s"' in page


def test_tally_without_htmx_goes_to_the_ballot(client, db, people, rendered):
    """Without JavaScript the count is read on the program page, at the ballot."""
    arrange(db, people, "voting")
    login_as(client, people["warga4"])
    rendered.clear()
    response = client.get("/programs/1/tally")
    assert response.status_code == 302
    assert response.headers["Location"] == "/programs/1#ballot"
    assert rendered == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="tally"' in page and "data-tally" in page


def test_tally_when_the_vote_is_closed(client, people):
    """With no open ballot the tally stops polling and points to the result."""
    login_as(client, people["warga4"])
    response = client.get("/programs/1/tally", headers=HX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "data-tally" in page
    assert "hx-get" not in page


def test_tally_requires_login(client):
    """The tally sends an anonymous visitor to log in."""
    response = client.get("/programs/1/tally", headers=HX)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


# --- comments ----------------------------------------------------------------------------------

def test_comment_as_form_redirects(client, db, people, rendered):
    """A plain comment is stored and redirects to the discussion."""
    token = login_as(client, people["warga1"])
    rendered.clear()
    response = send(client, "/programs/1/comments", token,
                    {"stance": "support", "body": "Saya setuju, saluran sering banjir."})
    assert response.status_code == 302
    assert response.headers["Location"] == "/programs/1#comments"
    assert rendered == []
    assert counts(db)["Comment"] == 1
    page = client.get("/programs/1").get_data(as_text=True)
    assert "Saya setuju, saluran sering banjir." in page
    assert 'class="comment stance-support"' in page


def test_comment_with_htmx_swaps_the_discussion(client, db, people, rendered):
    """htmx gets the comments fragment alone, with the new comment and its author."""
    token = login_as(client, people["kades"])
    rendered.clear()
    response = send(client, "/programs/1/comments", token,
                    {"stance": "question", "body": "Berapa meter salurannya?"}, htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["partial/comments.html"]
    assert "base.html" not in rendered
    assert is_fragment(response)
    assert page.lstrip().startswith('<section id="comments"')
    assert "Berapa meter salurannya?" in page
    assert "Bapak Hasan (Kepala Desa)" in page
    assert 'class="comment stance-question"' in page


INVALID_COMMENTS = [
    ("empty body", {"stance": "support", "body": ""}, "body"),
    ("blank body", {"stance": "support", "body": " \n\t "}, "body"),
    ("no body", {"stance": "support"}, "body"),
    ("body too long", {"stance": "concern", "body": "a" * 4001}, "body"),
    ("no stance", {"body": "Bagus."}, "stance"),
    ("unknown stance", {"stance": "angry", "body": "Bagus."}, "stance"),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("problem", "data", "field"), INVALID_COMMENTS,
                         ids=[r[0] for r in INVALID_COMMENTS])
def test_invalid_comment(client, db, people, rendered, problem, data, field, htmx):
    """A bad comment is 422 with the message at its field, and nothing is stored."""
    token = login_as(client, people["warga1"])
    before = snapshot(db)
    rendered.clear()
    response = send(client, "/programs/1/comments", token, data, htmx=htmx)
    assert response.status_code == 422
    assert rendered == (["partial/comments.html"] if htmx else ["program.html"])
    assert is_fragment(response) == htmx
    assert field_error(response, field)
    assert snapshot(db) == before


def test_empty_comment_message(client, people):
    """An empty comment is told to write something first."""
    token = login_as(client, people["warga1"])
    response = send(client, "/programs/1/comments", token, {"stance": "support", "body": ""})
    assert response.status_code == 422
    assert field_error(response, "body") == "Write your comment first."


def test_comment_is_escaped(client, db, people):
    """A comment is shown as text: markup in it is escaped, never run."""
    token = login_as(client, people["warga1"])
    body = "<script>alert(1)</script> & <img src=x onerror=alert(2)>"
    response = send(client, "/programs/1/comments", token, {"stance": "concern", "body": body},
                    htmx=True)
    page = response.get_data(as_text=True) + client.get("/programs/1").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt;" in page
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page


NUL_INPUTS = [
    # (where the NUL character is, state, who, url, form)
    ("comment body", "proposed", "warga1", "/programs/1/comments",
     {"stance": "support", "body": "ok\x00ok"}),
    ("program title", "proposed", "warga1", "/rounds/1/programs/new",
     {**VALID_PROGRAM, "title": "Air\x00bersih"}),
    ("program problem", "proposed", "warga1", "/rounds/1/programs/new",
     {**VALID_PROGRAM, "problem": "Air\x00kotor"}),
    ("block reason", "voting", "warga1", "/programs/1/votes",
     {"choice": "block", "reason": "tidak\x00setuju"}),
    ("transition reason", "discussion", "pendamping", "/programs/1/transitions/reject",
     {"reason": "alasan\x00", "confirm": "yes"}),
]


@pytest.mark.parametrize(("where", "state", "username", "url", "data"), NUL_INPUTS,
                         ids=[row[0] for row in NUL_INPUTS])
def test_nul_character_is_never_a_server_error(client, db, people, where, state, username, url,
                                               data):
    """A NUL character (which PostgreSQL text cannot hold) is refused or stored, never a 500."""
    arrange(db, people, state)
    token = login_as(client, people[username])
    before = snapshot(db)
    response = send(client, url, token, data)
    assert response.status_code in (302, 422)
    assert (snapshot(db) == before) == (response.status_code == 422)


def test_no_comments_on_a_closed_program(client, db, people):
    """A withdrawn program takes no more comments (409)."""
    arrange(db, people, "withdrawn")
    token = login_as(client, people["warga1"])
    before = snapshot(db)
    response = send(client, "/programs/1/comments", token, {"stance": "support", "body": "Ya"})
    assert response.status_code == 409
    assert snapshot(db) == before


# --- the whole locality process, through HTTP ------------------------------------------------

def api(client, program_id):
    response = client.get(f"/api/v1/programs/{program_id}")
    assert response.status_code == 200
    return response.get_json()


def test_locality_flow(client, auth, db, people, rendered):
    """The whole locality process on the web: blocked consent, majority, approval, work."""
    # warga1 logs in through the form, proposes and submits.
    assert auth.login("warga1").status_code == 302
    form = client.get("/rounds/1/programs/new").get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', form).group(1)
    krajan = db.exec(select(Dusun.id).where(Dusun.name == "Dusun Krajan")).one()
    db.commit()
    assert re.search(rf'<option value="{krajan}"', form)
    response = auth.post("/rounds/1/programs/new", {
        "title": "Lampu jalan RT 03", "problem": "Jalan gelap, rawan kecelakaan malam hari.",
        "goal": "Sepuluh lampu jalan menyala setiap malam.", "dusun_id": str(krajan),
        "rt": "03", "rw": "01", "sector": "infrastructure", "estimated_cost": "12.000.000",
        "funding_source": "dana_desa", "submission_key": key})
    assert response.status_code == 302
    program_id = int(response.headers["Location"].rsplit("/", 1)[1])
    start = api(client, program_id)
    assert (start["id"], start["title"], start["state"], start["template"]) == (
        program_id, "Lampu jalan RT 03", "draft", "locality")
    assert start["events"] == [] and start["tally"] is None
    assert auth.post(f"/programs/{program_id}/transitions/submit",
                     {"expected_state": "draft"}).status_code == 302

    def fire(username, name, state, htmx=False, **data):
        token = login_as(client, people[username])
        response = send(client, f"/programs/{program_id}/transitions/{name}", token,
                        {"expected_state": state, **data}, htmx=htmx)
        assert response.status_code == (200 if htmx else 302), response.get_data(as_text=True)

    def vote_all(choices):
        for i, (choice, reason) in enumerate(choices, start=1):
            token = login_as(client, people[f"warga{i}"])
            response = send(client, f"/programs/{program_id}/votes", token,
                            {"choice": choice, "reason": reason}, htmx=i % 2 == 0)
            assert response.status_code in (200, 302)

    fire("pendamping", "open_discussion", "proposed")
    fire("pendamping", "open_voting", "discussion", htmx=True)
    # Consent round: nine agree, one blocks with a reason. Quorum is 8 of 12.
    vote_all([("agree", "")] * 9 + [("block", "Tiang lampu di depan rumah saya.")])
    login_as(client, people["warga12"])
    tally = client.get(f"/programs/{program_id}/tally", headers=HX).get_data(as_text=True)
    assert re.search(r'data-count="block">.*?<strong>1</strong>', tally, re.S)
    fire("pendamping", "close_voting", "voting")
    assert state_of(db, program_id) == "discussion"
    failed = api(client, program_id)["tally"]
    assert (failed["kind"], failed["counts"]["agree"], failed["counts"]["block"],
            failed["passed"], failed["open"]) == ("consent", 9, 1, False, False)
    # Fallback: suara terbanyak.
    fire("pendamping", "open_majority_vote", "discussion")
    vote_all([("yes", "")] * 10)
    fire("pendamping", "close_voting", "voting", htmx=True)
    assert state_of(db, program_id) == "agreed"
    fire("kades", "approve", "agreed", confirm="yes")
    fire("pendamping", "start_implementation", "approved")
    assert state_of(db, program_id) == "implementation"

    assert events_of(db, program_id) == [
        ("submit", "draft", "proposed", "warga1"),
        ("open_discussion", "proposed", "discussion", "pendamping"),
        ("open_voting", "discussion", "voting", "pendamping"),
        ("close_voting", "voting", "discussion", "pendamping"),
        ("open_majority_vote", "discussion", "voting", "pendamping"),
        ("close_voting", "voting", "agreed", "pendamping"),
        ("approve", "agreed", "approved", "kades"),
        ("start_implementation", "approved", "implementation", "pendamping"),
    ]
    marks = payloads(db, program_id)
    assert marks[2] == {"ballot": "consent", "secret": False}
    assert marks[4] == {"ballot": "majority", "secret": False}
    assert marks[3]["tally"]["passed"] is False and marks[5]["tally"]["passed"] is True
    assert marks[5]["tally"]["counts"] == {"yes": 10, "no": 0, "abstain": 0}
    assert audit.verify(db).ok
    db.commit()

    end = api(client, program_id)
    assert (end["id"], end["state"], end["template"]) == (program_id, "implementation",
                                                          "locality")
    assert (end["tally"]["kind"], end["tally"]["counts"]["yes"], end["tally"]["passed"],
            end["tally"]["open"]) == ("majority", 10, True, False)
    assert [(e["transition"], e["from"], e["to"]) for e in end["events"]] == [
        row[:3] for row in events_of(db, program_id)]
    assert end["events"][0]["actor"] == "Siti Aminah"
    assert end["events"][6]["actor"] == "Bapak Hasan (Kepala Desa)"
    page = client.get(f"/programs/{program_id}").get_data(as_text=True)
    assert re.findall(r'data-event="(\w+)"', page) == [e["transition"] for e in end["events"]]
    assert 'data-state="implementation"' in page
