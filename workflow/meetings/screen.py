"""The projector view: the current agenda item, its live count and the quorum, for the back
of the hall. Nothing secret: counts only, never a name beside a choice.
"""
from sqlalchemy import func
from sqlmodel import Session, select

from workflow.engine import quorum
from workflow.meetings.models import Invitee, Meeting
from workflow.meetings.room import agenda
from workflow.rounds.models import Round


def meeting_quorum(session: Session, meeting: Meeting, rnd: Round) -> dict:
    """Present / invited against the round's quorum (one query); guests are not invitees."""
    invited, present = session.exec(select(func.count(Invitee.id), func.count(Invitee.present_at))
                                    .where(Invitee.meeting_id == meeting.id)).one()
    return {"present": present, "invited": invited,
            "needed": quorum.needed(invited, rnd.quorum),
            "met": quorum.quorum_met(present, invited, rnd.quorum)}


def current_item(items: list):
    """The item with an open ballot, else the first not yet decided, else None."""
    return (next((i for i in items if i.ballot), None)
            or next((i for i in items if not i.decided), None))


def screen_part(session: Session, meeting: Meeting, rnd: Round) -> dict:
    """What the screen and its polled fragment show, in a fixed number of queries."""
    items = agenda(session, meeting, rnd)
    return {"items": items, "current": current_item(items),
            "quorum": meeting_quorum(session, meeting, rnd)}
