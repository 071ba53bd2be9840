"""The minutes per agenda item: what the secretary noted while the hall discussed it."""
from datetime import datetime

from sqlmodel import Session, select

from workflow.core import audit, limits
from workflow.core.command import command
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.meetings.models import LOCKED, AgendaItem
from workflow.meetings.room import facilitated


@command
def save_minutes(session: Session, actor, meeting_id: int, item_id: int, notes: str,
                 now: datetime) -> AgendaItem:
    """The facilitator saves the notes of one agenda item; a locked meeting's stay as signed."""
    meeting, _rnd = facilitated(session, meeting_id, actor,
                                N_("Only the facilitator writes the minutes."))
    if meeting.state == LOCKED:
        raise Refusal("conflict", Reason(N_("The meeting is locked: its signed minutes can no "
                                            "longer change. Add an addendum instead.")))
    item = session.exec(select(AgendaItem).where(AgendaItem.id == item_id,
                                                 AgendaItem.meeting_id == meeting.id)).first()
    if item is None:
        raise Refusal("not_found", Reason(N_("There is no such agenda item.")))
    item.notes = limits.within(clean(notes), limits.MINUTES, "notes")
    session.add(item)
    audit.record_setup(session, actor_id=actor.id, at=now, action="save_minutes",
                       payload={"meeting": meeting.id, "item": item.id,
                                "program": item.program_id})
    return item
