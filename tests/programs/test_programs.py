"""A program's page and the steps fired on it: page or fragment, the reasons some steps
need, unknown programs and steps, stale pages and double clicks, and the whole locality
process through HTTP."""
import re
import threading
import time

import pytest
from sqlmodel import select

from tests.arrange import arrange
from tests.helpers import (
    ACCOUNTS,
    HX,
    PROGRAM,
    ballots_of,
    db_state,
    events_of,
    is_fragment,
    login_as,
    payloads,
    refusal_text,
    send,
    state_of,
    steps_on,
)
from workflow.core import audit
from workflow.engine.processes import STATE_LABELS
from workflow.models import Dusun, Round
from workflow.programs import commands

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
    assert rendered == ["programs/program.html"]
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
    assert rendered == ["programs/program.html"]
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
    assert rendered == ["programs/partial/main.html"]
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


# --- refusals that say why ------------------------------------------------------------------
# Who may fire each step, vote, record a room vote and comment, for every role, is the
# matrix's (tests/system/test_matrix.py); here the refusals' own words.

def test_official_cannot_approve_what_is_not_agreed(client, db, people):
    """Approving a program still in discussion is a conflict (409), and nothing moves."""
    arrange(db, people, "discussion")
    token = login_as(client, people["kades"])
    before = db_state(db)
    response = send(client, "/programs/1/transitions/approve", token)
    assert response.status_code == 409
    assert STATE_LABELS["discussion"] in refusal_text(response)
    assert db_state(db) == before


def test_resident_cannot_open_discussion(client, db, people):
    """A resident firing open_discussion gets 403 with the role named, and no event."""
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, "/programs/1/transitions/open_discussion", token,
                    {"expected_state": "proposed"})
    assert response.status_code == 403
    assert "facilitator" in refusal_text(response)
    assert state_of(db) == "proposed"
    assert db_state(db) == before


def test_majority_vote_only_after_consent_failed(client, db, people):
    """The fallback majority vote cannot open before a consent round has failed."""
    arrange(db, people, "discussion")
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    response = send(client, "/programs/1/transitions/open_majority_vote", token)
    assert response.status_code == 409
    assert "mufakat" in refusal_text(response)
    assert db_state(db) == before


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
    before = db_state(db)
    response = send(client, "/programs/1/transitions/open_voting", token)
    assert response.status_code == 409
    assert "0 of the required 7 days" in refusal_text(response)
    assert db_state(db) == before


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
    before = db_state(db)
    response = send(client, f"/programs/1/transitions/{name}", token,
                    {"reason": reason, "expected_state": state})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{name}-reason-error">' in page
    assert f'<textarea id="reason-{name}" name="reason"' in page
    assert state_of(db) == state
    assert db_state(db) == before


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
    assert payloads(db, PROGRAM)[-1]["reason"] == "Anggaran <b>tidak</b> cukup."
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
    before = db_state(db)
    rendered.clear()
    response = send(client, url, token, {"choice": "agree", "stance": "support", "body": "x",
                                         "voter": str(people["warga3"].id)})
    assert response.status_code == 404
    assert rendered == ["refused.html"]
    assert db_state(db) == before


def test_stale_expected_state_is_a_conflict(client, db, people):
    """A button pressed on a page that is out of date is refused (409), naming the state now."""
    arrange(db, people, "discussion")
    token = login_as(client, people["warga2"])
    before = db_state(db)
    response = send(client, "/programs/1/transitions/withdraw", token,
                    {"expected_state": "proposed"})
    assert response.status_code == 409
    assert STATE_LABELS["discussion"] in refusal_text(response)
    assert db_state(db) == before


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
    assert ballots_of(db, PROGRAM) == [("consent", True, None)]


def test_double_click_with_effects_opens_one_ballot(client, db, people):
    """A double-clicked open_voting opens one ballot, not two."""
    arrange(db, people, "discussion")
    token = login_as(client, people["pendamping"])
    for _ in range(2):
        assert send(client, "/programs/1/transitions/open_voting", token,
                    {"expected_state": "discussion"}).status_code == 302
    assert ballots_of(db, PROGRAM) == [("consent", True, None)]


def test_same_step_by_someone_else_is_a_conflict(client, db, people):
    """Only one's own last step counts as a double click: another person's is a conflict."""
    arrange(db, people, "approved")
    first = login_as(client, people["pendamping"])
    assert send(client, "/programs/1/transitions/start_implementation", first,
                {"expected_state": "approved"}).status_code == 302
    second = login_as(client, people["kades"])
    before = db_state(db)
    response = send(client, "/programs/1/transitions/start_implementation", second,
                    {"expected_state": "approved"})
    assert response.status_code == 409
    assert db_state(db) == before


def test_without_expected_state_a_repeat_is_refused(client, db, people):
    """Without expected_state (an API-style post), a repeat is judged on the state: 409."""
    token = login_as(client, people["pendamping"])
    assert send(client, "/programs/1/transitions/open_discussion", token).status_code == 302
    response = send(client, "/programs/1/transitions/open_discussion", token)
    assert response.status_code == 409
    assert [e[0] for e in events_of(db)] == ["submit", "open_discussion"]


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
    assert marks[2] == {"ballot": "consent", "secret": False, "revision": 1}
    assert marks[4] == {"ballot": "majority", "secret": False, "revision": 1}
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
