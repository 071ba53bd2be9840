"""Votes recorded in the hall: present residents only, on an agenda item's open ballot, by
the facilitator; a resident who voted online is counted once."""
import pytest
from sqlmodel import select

from tests.helpers import PROGRAM, db_state, login_as, send, utcnow, votes_of
from tests.meetings.hall import hall
from workflow.core.audit import Event
from workflow.engine.reasons import Refusal
from workflow.meetings import room
from workflow.meetings.models import CLOSED
from workflow.rounds.models import Round
from workflow.voting import commands as voting_commands
from workflow.voting.queries import ballot_tally, open_ballot


def record(db, people, meeting_id, voter, choice="agree", actor="pendamping", program=PROGRAM,
           reason=""):
    return room.record_meeting_vote(db, people[actor], meeting_id, program, voter, choice,
                                    reason, utcnow())


def test_present_residents_votes_are_recorded_and_counted(db, people):
    meeting_id, _item = hall(db, people)
    record(db, people, meeting_id, "warga1", "agree")
    record(db, people, meeting_id, "warga3", "block", reason="Belum jelas biayanya.")
    assert votes_of(db) == [("warga1", "agree", "", True),
                            ("warga3", "block", "Belum jelas biayanya.", True)]
    event = db.exec(select(Event).where(Event.transition == "room_vote")
                    .order_by(Event.id.desc())).first()
    assert event.actor_id == people["pendamping"].id and '"meeting": %d' % meeting_id in event.payload
    assert "block" not in event.payload   # the chain says who recorded it, not the choice


def test_online_then_in_the_room_is_counted_once(db, people):
    meeting_id, _item = hall(db, people)
    voting_commands.cast_vote(db, people["warga2"], PROGRAM, "disagree", "", utcnow())
    record(db, people, meeting_id, "warga2", "agree")
    assert votes_of(db) == [("warga2", "agree", "", True)]
    ballot = open_ballot(db, PROGRAM)
    tally = ballot_tally(db, ballot, db.get(Round, 1))
    assert (tally.cast, tally.counts["agree"], tally.counts["disagree"]) == (1, 1, 0)
    event = db.exec(select(Event).where(Event.transition == "room_vote")).one()
    assert '"replaced_online": true' in event.payload


@pytest.mark.parametrize("case", ["absent", "not_invited", "facilitator_voter", "resident_actor",
                                  "official_actor", "no_ballot", "not_on_agenda", "closed",
                                  "bad_choice", "block_without_reason"])
def test_bad_input_is_refused_and_changes_nothing(db, people, case):
    state = {"no_ballot": "discussion"}.get(case, "voting")
    meeting_id, _item = hall(db, people, program_state=state,
                             state=CLOSED if case == "closed" else "open", invited=10)
    args = {"voter": "warga1", "choice": "agree"}
    args.update({"absent": {"voter": "warga5"}, "not_invited": {"voter": "warga11"},
                 "facilitator_voter": {"voter": "pendamping"},
                 "resident_actor": {"actor": "warga2"}, "official_actor": {"actor": "kades"},
                 "not_on_agenda": {"program": 999}, "bad_choice": {"choice": "yes"},
                 "block_without_reason": {"choice": "block"}}.get(case, {}))
    before = db_state(db)
    with pytest.raises(Refusal) as refused:
        record(db, people, meeting_id, **args)
    kinds = {"resident_actor": "forbidden", "official_actor": "forbidden",
             "no_ballot": "conflict", "closed": "conflict"}
    assert refused.value.kind == kinds.get(case, "invalid")
    if case == "absent":
        assert "not marked present" in str(refused.value.reason)
    assert db_state(db) == before


def test_outsider_learns_nothing(db, people, outsider):
    meeting_id, _item = hall(db, people)
    with pytest.raises(Refusal) as refused:
        room.record_meeting_vote(db, outsider.user, meeting_id, PROGRAM, "warga1", "agree", "",
                                 utcnow())
    assert refused.value.kind == "not_found"


def test_web_rows_show_present_residents_and_a_plain_post_redirects(client, db, people):
    meeting_id, _item = hall(db, people)
    voting_commands.cast_vote(db, people["warga2"], PROGRAM, "disagree", "", utcnow())
    token = login_as(client, people["pendamping"])
    response = send(client, f"/meetings/{meeting_id}/votes", token,
                    {"program": PROGRAM, "voter": "warga1", "choice": "agree"})
    assert response.status_code == 302 and response.location.endswith(f"/meetings/{meeting_id}#items")
    response = send(client, f"/meetings/{meeting_id}/votes", token,
                    {"program": PROGRAM, "voter": "warga3", "choice": "abstain"}, htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="items"' in page
    assert page.count("data-voter=") == 3 and 'data-voter="warga5"' not in page
    row = page.split('data-voter="warga1"')[1].split("</li>")[0]
    pressed = row.split('data-choice="agree"')[1].split(">")[0]
    assert 'aria-pressed="true"' in pressed
    assert "data-online" in page.split('data-voter="warga2"')[1].split("</li>")[0]


def test_web_absent_voter_is_refused_with_the_reason(client, db, people):
    meeting_id, _item = hall(db, people)
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    response = send(client, f"/meetings/{meeting_id}/votes", token,
                    {"program": PROGRAM, "voter": "warga7", "choice": "agree"}, htmx=True)
    assert response.status_code == 422
    assert "not marked present" in response.get_data(as_text=True)
    assert db_state(db) == before
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, f"/meetings/{meeting_id}/votes", token,
                    {"program": PROGRAM, "voter": "warga1", "choice": "agree"})
    assert response.status_code == 403 and db_state(db) == before


def test_the_agenda_part_takes_a_fixed_number_of_queries(app, db, people):
    from sqlalchemy import event as sa_event

    from workflow.core.db import ENGINE_KEY
    meeting_id, _item = hall(db, people, present=tuple(f"warga{i}" for i in range(1, 13)))
    for i in range(1, 6):
        voting_commands.cast_vote(db, people[f"warga{i}"], PROGRAM, "agree", "", utcnow())
    meeting, rnd, role = room.load_meeting(db, meeting_id, people["pendamping"])
    statements = []
    engine = app.extensions[ENGINE_KEY]
    listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
    sa_event.listen(engine, "before_cursor_execute", listener)
    try:
        part = room.items_part(db, meeting, rnd, role)
    finally:
        sa_event.remove(engine, "before_cursor_execute", listener)
    assert len(part["voters"]) == 12
    assert len(statements) <= 6
