"""Scheduling a meeting, its page, and its steps: open, postpone, reopen, close."""
import json

import pytest
from sqlmodel import select

from tests.helpers import LOCALITY_ROUND, db_state, freeze_web_clock, login_as, refusal_text, send
from tests.meetings.conftest import DAY_BEFORE, FORM, MORNING
from workflow.core.audit import Event
from workflow.meetings import commands, roll
from workflow.meetings.models import AgendaItem, Invitee, Meeting
from workflow.models import Ballot


def state(db) -> dict:
    """Every row, read in a fresh transaction (not the one the fixtures left open)."""
    db.commit()
    return db_state(db)


def meeting_of(db, meeting_id) -> Meeting:
    db.commit()
    db.expire_all()
    found = db.get(Meeting, meeting_id)
    db.commit()
    return found


def test_the_board_offers_scheduling_to_the_facilitator(client, users):
    login_as(client, users["pendamping"])
    page = client.get(f"/rounds/{LOCALITY_ROUND}").get_data(as_text=True)
    assert 'data-action="new-meeting"' in page
    login_as(client, users["warga1"])
    assert 'data-action="new-meeting"' not in client.get(f"/rounds/{LOCALITY_ROUND}").get_data(as_text=True)


def test_scheduling_invites_every_active_resident(client, db, users, monkeypatch):
    """The form makes the meeting (UTC stored), its agenda and twelve invitees; its page follows."""
    freeze_web_clock(monkeypatch, DAY_BEFORE)
    token = login_as(client, users["pendamping"])
    assert client.get(f"/rounds/{LOCALITY_ROUND}/meetings/new").status_code == 200
    response = send(client, f"/rounds/{LOCALITY_ROUND}/meetings", token, FORM)
    assert response.status_code == 302
    db.commit()
    meeting = db.exec(select(Meeting)).one()
    assert response.headers["Location"] == f"/meetings/{meeting.id}"
    assert meeting.starts_at.replace(tzinfo=None).isoformat() == "2027-03-10T12:30:00"
    assert db.exec(select(AgendaItem.program_id)).all() == [1]
    assert len(db.exec(select(Invitee)).all()) == 12
    event = db.exec(select(Event).where(Event.transition == "schedule_meeting")).one()
    assert json.loads(event.payload)["meeting"] == meeting.id
    db.commit()
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'data-meeting-state="scheduled"' in page
    assert 'data-action="open-meeting"' in page
    assert 'data-agenda-item="1"' in page  # the contract's hook on the agenda's program


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"), ({"place": " "}, "place"), ({"starts_at": ""}, "starts_at"),
    ({"starts_at": "10/03/2027 19:30"}, "starts_at"), ({"starts_at": "2020-01-01T10:00"}, "starts_at"),
    ({"programs": "999"}, "programs"), ({"title": "x" * 201}, "title"),
])
def test_a_bad_form_schedules_nothing(client, db, users, monkeypatch, change, field):
    freeze_web_clock(monkeypatch, DAY_BEFORE)
    token = login_as(client, users["pendamping"])
    before = state(db)
    response = send(client, f"/rounds/{LOCALITY_ROUND}/meetings", token, {**FORM, **change})
    assert response.status_code == 422
    assert f'id="meeting-{field.replace("_at", "s").replace("starts", "starts")}-error"' in \
        response.get_data(as_text=True) or "field-error" in response.get_data(as_text=True)
    assert state(db) == before


def test_a_draft_is_not_an_agenda_choice(db, users):
    """Only programs past draft of this round go on the agenda."""
    from workflow.models import Program
    draft = Program(round_id=LOCALITY_ROUND, title="Draf", problem="p", goal="g",
                    state="draft", state_since=DAY_BEFORE, created_by=users["warga2"].id,
                    created_at=DAY_BEFORE)
    db.add(draft)
    db.commit()
    before = state(db)
    from werkzeug.datastructures import MultiDict
    with pytest.raises(commands.Refusal):
        commands.schedule_meeting(db, users["pendamping"], LOCALITY_ROUND,
                                  MultiDict({**FORM, "programs": str(draft.id)}), DAY_BEFORE)
    assert state(db) == before


@pytest.mark.parametrize("username", ["warga1", "kades"])
def test_only_the_facilitator_schedules(client, db, users, username):
    token = login_as(client, users[username])
    before = state(db)
    assert send(client, f"/rounds/{LOCALITY_ROUND}/meetings", token, FORM).status_code == 403
    assert state(db) == before


def test_opening_before_its_day_is_refused(client, db, users, meeting, monkeypatch):
    freeze_web_clock(monkeypatch, DAY_BEFORE)
    token = login_as(client, users["pendamping"])
    before = state(db)
    response = send(client, f"/meetings/{meeting}/open", token)
    assert response.status_code == 409
    assert "2027-03-10" in refusal_text(response)
    assert state(db) == before


def test_opening_twice_is_refused(client, db, users, opened, monkeypatch):
    freeze_web_clock(monkeypatch, MORNING)
    token = login_as(client, users["pendamping"])
    before = state(db)
    response = send(client, f"/meetings/{opened}/open", token)
    assert response.status_code == 409
    assert refusal_text(response).endswith("The meeting is already open.")
    assert state(db) == before


def test_postpone_and_reconvene(client, db, users, opened, monkeypatch):
    """Postponed with a reason to a later time; opened again it is a reconvened meeting."""
    freeze_web_clock(monkeypatch, MORNING)
    token = login_as(client, users["pendamping"])
    response = send(client, f"/meetings/{opened}/postpone", token,
                    {"reason": "Belum kuorum", "starts_at": "2027-03-10T21:00"})
    assert response.status_code == 302
    meeting = meeting_of(db, opened)
    assert (meeting.state, meeting.postpone_reason, meeting.reconvened) == ("postponed", "Belum kuorum", False)
    page = client.get(f"/meetings/{opened}").get_data(as_text=True)
    assert 'data-meeting-state="postponed"' in page and "Belum kuorum" in page
    assert send(client, f"/meetings/{opened}/open", token).status_code == 302
    meeting = meeting_of(db, opened)
    assert (meeting.state, meeting.reconvened) == ("open", True)
    assert "the chair may proceed with those present" in client.get(f"/meetings/{opened}").get_data(as_text=True)


@pytest.mark.parametrize("form", [{"reason": "", "starts_at": "2027-03-10T21:00"},
                                  {"reason": "Hujan", "starts_at": "2027-03-10T07:00"},
                                  {"reason": "Hujan", "starts_at": "besok"},
                                  {"reason": "x" * 501, "starts_at": "2027-03-10T21:00"}])
def test_a_bad_postponement_changes_nothing(client, db, users, opened, monkeypatch, form):
    freeze_web_clock(monkeypatch, MORNING)
    token = login_as(client, users["pendamping"])
    before = state(db)
    assert send(client, f"/meetings/{opened}/postpone", token, form).status_code == 422
    assert state(db) == before


def mark(db, users, meeting_id, n):
    for i in range(1, n + 1):
        roll.toggle_present(db, users["pendamping"], meeting_id, f"warga{i}", MORNING)


def test_closing_without_quorum_records_ditunda(client, db, users, opened, monkeypatch):
    mark(db, users, opened, 7)
    freeze_web_clock(monkeypatch, MORNING)
    token = login_as(client, users["pendamping"])
    assert send(client, f"/meetings/{opened}/close", token).status_code == 302
    db.commit()
    meeting = meeting_of(db, opened)
    assert (meeting.state, meeting.quorum_met) == ("closed", False)
    event = db.exec(select(Event).where(Event.transition == "close_meeting")).one()
    assert json.loads(event.payload)["outcome"] == "ditunda"
    db.commit()
    assert "ditunda" in client.get(f"/meetings/{opened}").get_data(as_text=True)


def test_closing_with_quorum(db, users, opened):
    mark(db, users, opened, 9)
    commands.close_meeting(db, users["pendamping"], opened, MORNING)
    assert meeting_of(db, opened).quorum_met is True


def test_closing_while_a_ballot_is_open_is_refused(client, db, users, opened, monkeypatch):
    db.add(Ballot(program_id=1, kind="consent", opened_at=MORNING))
    db.commit()
    freeze_web_clock(monkeypatch, MORNING)
    token = login_as(client, users["pendamping"])
    before = state(db)
    response = send(client, f"/meetings/{opened}/close", token)
    assert response.status_code == 409
    assert "still open" in refusal_text(response)
    assert state(db) == before


def test_invitees_change_before_it_opens(client, db, users, meeting, monkeypatch):
    freeze_web_clock(monkeypatch, DAY_BEFORE)
    token = login_as(client, users["pendamping"])
    names = [f"warga{i}" for i in range(1, 11)]
    client.post(f"/meetings/{meeting}/invitees", data={"csrf_token": token, "invitees": names})
    db.commit()
    invited = db.exec(select(Invitee).where(Invitee.meeting_id == meeting)).all()
    db.commit()
    assert len(invited) == 10
    before = state(db)
    response = client.post(f"/meetings/{meeting}/invitees",
                           data={"csrf_token": token, "invitees": ["kades", "nobody"]})
    assert response.status_code == 422
    assert state(db) == before


def test_outsiders_do_not_see_a_meeting(client, db, users, meeting):
    login_as(client, users["warga1"])
    assert client.get(f"/meetings/{meeting}").status_code == 200
    assert client.get("/meetings/9999").status_code == 404
