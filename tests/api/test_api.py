"""The read API: GET /api/v1/programs/<id> for members of the program's community."""
from datetime import datetime

import pytest

from tests.arrange import arrange
from tests.helpers import HX, PROGRAM, login_as, send, utcnow
from workflow.voting import commands as voting_commands

URL = f"/api/v1/programs/{PROGRAM}"
CONTRACT_KEYS = {"id", "title", "state", "template", "tally", "events"}
EVENT_KEYS = {"transition", "from", "to", "actor", "at"}


def test_anonymous_gets_401(client):
    """Without a session the API answers 401 in JSON, not a redirect to a login page."""
    response = client.get(URL)
    assert response.status_code == 401
    assert response.is_json
    assert "error" in response.get_json()
    assert "title" not in response.get_json()


def test_outsider_gets_404(client, outsider):
    """Someone from another community learns nothing, not even that the program exists."""
    login_as(client, outsider.user)
    response = client.get(URL)
    assert response.status_code == 404
    assert response.is_json
    assert "Perbaikan" not in response.get_data(as_text=True)


def test_unknown_program_gets_404(client, people):
    """A program that does not exist is 404 in JSON."""
    login_as(client, people["warga1"])
    response = client.get("/api/v1/programs/999")
    assert response.status_code == 404
    assert response.is_json


@pytest.mark.parametrize("username", ["warga1", "warga2", "pendamping", "kades", "admin"])
def test_member_reads_the_program(client, people, username):
    """Every member reads the contract's keys; events carry transition, from, to, actor, at."""
    login_as(client, people[username])
    response = client.get(URL)
    data = response.get_json()
    assert response.status_code == 200
    assert response.is_json
    assert set(data) >= CONTRACT_KEYS
    assert (data["id"], data["title"], data["state"], data["template"]) == (
        PROGRAM, "Perbaikan saluran air Dusun Krajan", "proposed", "locality")
    assert data["tally"] is None
    assert len(data["events"]) == 1
    event = data["events"][0]
    assert set(event) >= EVENT_KEYS
    assert (event["transition"], event["from"], event["to"], event["actor"]) == (
        "submit", "draft", "proposed", "Budi Santoso")
    assert datetime.fromisoformat(event["at"]).utcoffset() is not None


def test_api_is_json_for_htmx_too(client, people):
    """An htmx header changes nothing: the API always answers JSON."""
    login_as(client, people["warga1"])
    response = client.get(URL, headers=HX)
    assert response.status_code == 200
    assert response.is_json


def test_api_is_not_cached(client, people):
    """What the API shows depends on who asks: shared caches must not keep it."""
    login_as(client, people["warga1"])
    assert client.get(URL).headers["Cache-Control"] == "no-store"


def test_open_ballot_tally(client, db, people):
    """While a vote is open the tally counts it live and says it is open."""
    arrange(db, people, "voting")
    for i, choice in enumerate(["agree", "agree", "disagree"], start=1):
        voting_commands.cast_vote(db, people[f"warga{i}"], PROGRAM, choice, "", utcnow())
    login_as(client, people["kades"])
    data = client.get(URL).get_json()
    tally = data["tally"]
    assert data["state"] == "voting"
    assert tally["open"] is True
    assert tally["kind"] == "consent"
    assert tally["counts"] == {"agree": 2, "abstain": 0, "disagree": 1, "block": 0}
    assert (tally["cast"], tally["eligible"], tally["needed"]) == (3, 12, 8)
    assert tally["quorum_met"] is False and tally["passed"] is False


def test_closed_ballot_tally_and_events(client, db, people):
    """After the vote closes the API shows its final tally and one event per step."""
    arrange(db, people, "agreed")
    login_as(client, people["warga1"])
    data = client.get(URL).get_json()
    assert data["state"] == "agreed"
    assert data["tally"]["open"] is False
    assert data["tally"]["passed"] is True
    assert data["tally"]["counts"]["agree"] == 10
    assert [(e["transition"], e["from"], e["to"]) for e in data["events"]] == [
        ("submit", "draft", "proposed"), ("open_discussion", "proposed", "discussion"),
        ("open_voting", "discussion", "voting"), ("close_voting", "voting", "agreed")]
    assert [e["actor"] for e in data["events"][1:]] == ["Ibu Ratna (Pendamping)"] * 3
    moments = [datetime.fromisoformat(e["at"]) for e in data["events"]]
    assert moments == sorted(moments)


def test_api_follows_the_web(client, db, people):
    """A step taken on the web shows in the API at once, with its reason."""
    arrange(db, people, "discussion")
    token = login_as(client, people["pendamping"])
    assert send(client, f"/programs/{PROGRAM}/transitions/reject", token,
                {"reason": "Sudah dibiayai kabupaten.", "expected_state": "discussion",
                 "confirm": "yes"}
                ).status_code == 302
    data = client.get(URL).get_json()
    assert data["state"] == "rejected"
    last = data["events"][-1]
    assert (last["transition"], last["from"], last["to"]) == ("reject", "discussion", "rejected")
    assert last["payload"]["reason"] == "Sudah dibiayai kabupaten."


def test_api_does_not_change_anything_on_post(client, people):
    """The API is read-only: a POST is not a way to change a program."""
    token = login_as(client, people["pendamping"])
    response = send(client, URL, token, {"state": "approved"})
    assert response.status_code == 405
    assert client.get(URL).get_json()["state"] == "proposed"
