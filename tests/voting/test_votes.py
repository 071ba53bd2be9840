"""Votes on a program: cast from a phone, recorded in the meeting room, and the live tally."""
import re

import pytest

from tests.arrange import arrange
from tests.helpers import (
    HX,
    PROGRAM,
    counts,
    db_state,
    field_error,
    is_fragment,
    login_as,
    residents,
    send,
    utcnow,
    votes_of,
)
from workflow.programs import commands
from workflow.voting import commands as voting_commands


def commands_vote(db, voter, choice, reason=""):
    """Arrange a vote through the command, as if cast from the voter's phone."""
    voting_commands.cast_vote(db, voter, PROGRAM, choice, reason, utcnow())


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
    assert rendered == ["voting/partial/ballot.html"]
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
    before = db_state(db)
    response = send(client, "/programs/1/votes", token, {"choice": "agree"})
    assert response.status_code == 409
    assert db_state(db) == before


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
    before = db_state(db)
    rendered.clear()
    response = send(client, "/programs/1/votes", token, data, htmx=htmx)
    assert response.status_code == 422
    assert rendered == (["voting/partial/ballot.html"] if htmx else ["programs/program.html"])
    assert is_fragment(response) == htmx
    assert field_error(response, "choice")
    assert db_state(db) == before


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
    (False, 302, []), (True, 200, ["voting/partial/ballot.html"])])
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
    before = db_state(db)
    response = send(client, "/programs/1/room-votes", token,
                    {"voter": str(people["warga3"].id), "choice": "disagree"})
    assert response.status_code == 409
    assert db_state(db) == before
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
    before = db_state(db)
    rendered.clear()
    response = send(client, "/programs/1/room-votes", token, data, htmx=htmx)
    assert response.status_code == 422
    assert rendered == (["voting/partial/ballot.html"] if htmx else ["programs/program.html"])
    page = response.get_data(as_text=True)
    if field == "voter":
        assert field_error(response, "voter")
    else:  # the facilitator's own form must say what was wrong with the choice
        assert re.search(r'<p class="field-error"[^>]*>[^<]+</p>', page), (
            "no message shown to the facilitator")
    assert db_state(db) == before


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
    assert rendered == ["voting/partial/tally.html"]
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
