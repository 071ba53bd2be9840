"""Minutes per agenda item: the facilitator's, as text, within the limit, not once locked."""
import pytest
from sqlmodel import select

from tests.helpers import db_state, login_as, send, utcnow
from tests.meetings.hall import hall
from workflow.core import limits
from workflow.core.audit import Event
from workflow.engine.reasons import Refusal
from workflow.meetings import minutes
from workflow.meetings.models import LOCKED, AgendaItem


def test_the_facilitator_saves_the_minutes_with_an_event(db, people):
    meeting_id, item_id = hall(db, people)
    minutes.save_minutes(db, people["pendamping"], meeting_id, item_id,
                         "  Warga setuju saluran diperbaiki.\r\nDimulai Maret.  ", utcnow())
    db.expire_all()
    assert db.get(AgendaItem, item_id).notes == "Warga setuju saluran diperbaiki.\nDimulai Maret."
    event = db.exec(select(Event).where(Event.transition == "save_minutes")).one()
    assert event.actor_id == people["pendamping"].id and f'"item": {item_id}' in event.payload


@pytest.mark.parametrize("case", ["resident", "official", "locked", "too_long", "other_item"])
def test_bad_minutes_are_refused_and_change_nothing(db, people, case):
    meeting_id, item_id = hall(db, people, state=LOCKED if case == "locked" else "open")
    actor = {"resident": "warga1", "official": "kades"}.get(case, "pendamping")
    notes = "x" * (limits.MINUTES + 1) if case == "too_long" else "Catatan."
    before = db_state(db)
    with pytest.raises(Refusal) as refused:
        minutes.save_minutes(db, people[actor], meeting_id,
                             item_id + 100 if case == "other_item" else item_id, notes, utcnow())
    assert refused.value.kind == {"resident": "forbidden", "official": "forbidden",
                                  "locked": "conflict", "too_long": "invalid",
                                  "other_item": "not_found"}[case]
    if case == "locked":
        assert "locked" in str(refused.value.reason)
    assert db_state(db) == before


def test_markup_in_the_minutes_is_shown_as_text(client, db, people):
    meeting_id, item_id = hall(db, people)
    token = login_as(client, people["pendamping"])
    response = send(client, f"/meetings/{meeting_id}/items/{item_id}/minutes", token,
                    {"notes": "<script>alert(1)</script>", "item": item_id}, htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-action="save-minutes"' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    response = send(client, f"/meetings/{meeting_id}/items/{item_id}/minutes", token,
                    {"notes": "Catatan."})
    assert response.status_code == 302


def test_too_long_minutes_over_htmx_are_told_at_the_field(client, db, people):
    meeting_id, item_id = hall(db, people)
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    response = send(client, f"/meetings/{meeting_id}/items/{item_id}/minutes", token,
                    {"notes": "x" * (limits.MINUTES + 1), "item": item_id}, htmx=True)
    assert response.status_code == 422
    assert f'id="notes-{item_id}-error"' in response.get_data(as_text=True)
    assert db_state(db) == before
