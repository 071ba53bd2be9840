"""Use cases of the roll: the facilitator marks an invitee present (or absent again) and
registers the guests in the hall. Only while the meeting is open: the roll is what the
hall was while it sat, and a closed meeting's record waits for its signatures."""
from datetime import datetime

from sqlmodel import Session, select

from workflow.core import audit
from workflow.core.command import command
from workflow.core.fields import Fields
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.meetings.commands import not_locked, running
from workflow.meetings.models import GUEST_KINDS, OPEN, Guest, Invitee
from workflow.people.models import User

GUEST_NAME = 120  # Guest.name's column


def _while_open(meeting) -> None:
    not_locked(meeting)
    if meeting.state != OPEN:
        raise Refusal("conflict", Reason(N_("The roll is taken while the meeting is open.")))


@command
def toggle_present(session: Session, actor, meeting_id: int, username: str,
                   now: datetime) -> Invitee:
    """Mark the invitee ``username`` present; a second press marks them absent again."""
    found = running(session, actor, meeting_id)
    _while_open(found.meeting)
    invitee = session.exec(select(Invitee).join(User, User.id == Invitee.user_id).where(
        Invitee.meeting_id == meeting_id, User.username == clean(username))
        .with_for_update(of=Invitee)).first()
    if invitee is None:
        raise Refusal("invalid", Reason(N_("That person is not invited to this meeting: only "
                                           "invitees are on the roll.")))
    present = invitee.present_at is None
    invitee.present_at, invitee.marked_by = (now if present else None), actor.id
    session.add(invitee)
    audit.record_setup(session, actor_id=actor.id, at=now,
                       action="mark_present" if present else "mark_absent",
                       payload={"meeting": meeting_id, "member": invitee.user_id})
    return invitee


@command
def add_guest(session: Session, actor, meeting_id: int, form, now: datetime) -> Guest:
    """Register a guest or observer by name: listed, never counted, never voting."""
    found = running(session, actor, meeting_id)
    _while_open(found.meeting)
    fields = Fields(form)
    fields.text("name", GUEST_NAME, required=N_("Write the guest's name."), one_line=True)
    fields.choice("kind", GUEST_KINDS, required=N_("Choose observer or guest."),
                  message=N_("Choose observer or guest."))
    values = fields.checked()
    guest = Guest(meeting_id=meeting_id, name=values["name"], kind=values["kind"], added_at=now)
    session.add(guest)
    session.flush()
    audit.record_setup(session, actor_id=actor.id, at=now, action="add_guest",
                       payload={"meeting": meeting_id, "guest": guest.id, "kind": guest.kind})
    return guest
