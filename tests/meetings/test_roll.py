"""The roll: one tap marks an invitee present (again: absent), the quorum and the groups
follow; guests never count; nobody else can be marked; a locked meeting refuses it all."""
import re

import pytest
from sqlmodel import select

from tests.helpers import db_state, freeze_web_clock, is_fragment, login_as, refusal_text, send
from tests.meetings.conftest import MORNING
from tests.meetings.hall import hall
from tests.system.test_queries import counted
from workflow.engine.reasons import Refusal
from workflow.meetings import commands, roll
from workflow.meetings.models import LOCKED, Guest, Invitee, Meeting
from workflow.people.models import Membership


def state(db) -> dict:
    db.commit()
    return db_state(db)


def quorum_on(page: str) -> tuple:
    found = re.search(r'data-quorum data-present="(\d+)" data-invited="(\d+)" data-met="(\w+)"', page)
    return int(found[1]), int(found[2]), found[3]


def mark(db, users, meeting_id, names):
    for name in names:
        roll.toggle_present(db, users["pendamping"], meeting_id, name, MORNING)


def residents(n):
    return [f"warga{i}" for i in range(1, n + 1)]


def test_seven_of_twelve_is_no_quorum_and_nine_is(client, db, users, opened, monkeypatch):
    freeze_web_clock(monkeypatch, MORNING)
    token = login_as(client, users["pendamping"])
    for name in residents(7):
        assert send(client, f"/meetings/{opened}/present", token, {"member": name}).status_code == 302
    assert quorum_on(client.get(f"/meetings/{opened}").get_data(as_text=True)) == (7, 12, "false")
    for name in ("warga8", "warga9"):
        response = send(client, f"/meetings/{opened}/present", token, {"member": name}, htmx=True)
        assert response.status_code == 200 and is_fragment(response)
    assert quorum_on(response.get_data(as_text=True)) == (9, 12, "true")


def test_marked_present_over_htmx_brings_the_hall_votes_along(client, db, people):
    """The swapped roll carries the agenda too (its forms select it by id): under an open
    ballot the resident just marked present has a row of the room's votes at once."""
    meeting_id, _item = hall(db, people, present=("warga1", "warga2", "warga3"))
    token = login_as(client, people["pendamping"])
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert page.count('hx-select-oob="#items"') == 13        # 12 invitees and the guest form
    response = send(client, f"/meetings/{meeting_id}/present", token, {"member": "warga4"},
                    htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and is_fragment(response)
    assert 'id="attendance"' in body and 'id="items"' in body
    assert body.count("data-voter=") == 4 and 'data-voter="warga4"' in body


def test_a_second_press_marks_absent_again(client, db, users, opened, monkeypatch):
    freeze_web_clock(monkeypatch, MORNING)
    token = login_as(client, users["pendamping"])
    send(client, f"/meetings/{opened}/present", token, {"member": "warga3"})
    page = client.get(f"/meetings/{opened}").get_data(as_text=True)
    assert 'data-member="warga3" data-present="true"' in page
    send(client, f"/meetings/{opened}/present", token, {"member": "warga3"})
    db.commit()
    invitee = db.exec(select(Invitee).where(Invitee.meeting_id == opened,
                                            Invitee.user_id == users["warga3"].id)).one()
    assert invitee.present_at is None and invitee.marked_by == users["pendamping"].id


@pytest.mark.parametrize("member", ["kades", "situs", "nobody", "", "warga1' OR 1=1"])
def test_someone_not_invited_is_not_marked(client, db, users, opened, monkeypatch, member):
    """The official (a member, not invited), a site administrator outside the community, an
    unknown name: refused, nothing changed."""
    freeze_web_clock(monkeypatch, MORNING)
    token = login_as(client, users["pendamping"])
    before = state(db)
    response = send(client, f"/meetings/{opened}/present", token, {"member": member})
    assert response.status_code == 422
    assert "not invited" in response.get_data(as_text=True)
    assert state(db) == before


def test_an_invitee_who_left_the_community_is_not_invited_by_default(db, users, meeting):
    """Only active residents are invited when the meeting is scheduled."""
    invited = set(db.exec(select(Invitee.user_id).where(Invitee.meeting_id == meeting)).all())
    db.commit()
    assert users["kades"].id not in invited and users["warga12"].id in invited


def test_guests_are_listed_and_never_counted(client, db, users, opened, monkeypatch):
    freeze_web_clock(monkeypatch, MORNING)
    token = login_as(client, users["pendamping"])
    mark(db, users, opened, residents(7))
    response = send(client, f"/meetings/{opened}/guests", token,
                    {"name": "<b>Pak Wartawan</b>", "kind": "observer"}, htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "&lt;b&gt;Pak Wartawan&lt;/b&gt;" in body and 'data-kind="observer"' in body
    assert quorum_on(body) == (7, 12, "false")


@pytest.mark.parametrize("form", [{"name": "", "kind": "guest"}, {"name": "Bu Ani", "kind": "voter"},
                                  {"name": "x" * 121, "kind": "guest"}])
def test_a_bad_guest_changes_nothing(client, db, users, opened, monkeypatch, form):
    freeze_web_clock(monkeypatch, MORNING)
    token = login_as(client, users["pendamping"])
    before = state(db)
    assert send(client, f"/meetings/{opened}/guests", token, form).status_code == 422
    assert state(db) == before


def test_the_roll_is_for_the_facilitator(client, db, users, opened):
    token = login_as(client, users["warga1"])
    before = state(db)
    assert send(client, f"/meetings/{opened}/present", token, {"member": "warga1"}).status_code == 403
    assert send(client, f"/meetings/{opened}/guests", token,
                {"name": "A", "kind": "guest"}).status_code == 403
    assert state(db) == before


def test_before_it_opens_nobody_is_marked(db, users, meeting):
    with pytest.raises(Refusal) as refused:
        roll.toggle_present(db, users["pendamping"], meeting, "warga1", MORNING)
    assert refused.value.kind == "conflict"


def lock(db, meeting_id):
    meeting = db.get(Meeting, meeting_id)
    meeting.state = LOCKED
    db.add(meeting)
    db.commit()


@pytest.mark.parametrize(("path", "form"), [
    ("present", {"member": "warga1"}), ("guests", {"name": "Bu Ani", "kind": "guest"}),
    ("invitees", {"invitees": "warga1"}), ("open", {}), ("close", {}),
    ("postpone", {"reason": "x", "starts_at": "2027-03-11T10:00"}),
])
def test_a_locked_meeting_refuses_every_change(client, db, users, opened, monkeypatch, path, form):
    mark(db, users, opened, residents(9))
    commands.close_meeting(db, users["pendamping"], opened, MORNING)
    lock(db, opened)
    freeze_web_clock(monkeypatch, MORNING)
    token = login_as(client, users["pendamping"])
    before = state(db)
    response = send(client, f"/meetings/{opened}/{path}", token, form)
    assert response.status_code == 409
    assert "locked" in refusal_text(response)
    assert state(db) == before


def test_representation_shows_who_is_present_and_missing(client, db, users, opened):
    """Tags and gender of the invitees: a group nobody came from is missing."""
    member = db.exec(select(Membership).where(Membership.user_id == users["warga1"].id)).one()
    member.tags, member.gender = "farmer;poor", "m"
    db.add(member)
    db.commit()
    mark(db, users, opened, ["warga1"])
    login_as(client, users["warga5"])
    page = client.get(f"/meetings/{opened}").get_data(as_text=True)
    assert 'data-group="farmer" data-present="1" data-missing="false"' in page
    assert 'data-group="fisher" data-present="0" data-missing="true"' in page
    assert "Farmers" in page


def test_the_page_loads_in_a_fixed_number_of_queries(app, client, db, users, opened):
    login_as(client, users["pendamping"])
    with counted(app) as few:
        assert client.get(f"/meetings/{opened}").status_code == 200
    mark(db, users, opened, residents(12))
    roll.add_guest(db, users["pendamping"], opened, {"name": "Bu Ani", "kind": "guest"}, MORNING)
    roll.add_guest(db, users["pendamping"], opened, {"name": "Pak Budi", "kind": "observer"}, MORNING)
    with counted(app) as many:
        assert client.get(f"/meetings/{opened}").status_code == 200
    assert len(many) == len(few)
    assert db.exec(select(Guest)).all()
