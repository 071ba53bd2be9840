"""The signed record: who chairs and writes the minutes, the signed sheet that locks the
meeting, and the addenda that correct it afterwards.

Once the photo or scan of the signed berita acara is attached the meeting is locked: its
minutes and roll no longer change (the other meeting commands check ``LOCKED``), and a
correction is an addendum with its own event, printed at the end of the record.
"""
from datetime import datetime

from sqlmodel import Session

from workflow.core import audit, limits, uploads
from workflow.core.command import command
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.meetings.commands import running
from workflow.meetings.models import CLOSED, LOCKED, Addendum, Meeting

ALREADY_LOCKED = Reason(N_("The meeting is locked: its signed record is attached. Add an addendum instead."))


def _changed(session: Session, meeting: Meeting) -> None:
    meeting.version += 1
    session.add(meeting)


@command
def set_officers(session: Session, actor, meeting_id: int, chair, secretary, now: datetime) -> Meeting:
    """Name the chair (pimpinan musyawarah) and the secretary (notulis) of the record."""
    meeting = running(session, actor, meeting_id).meeting
    if meeting.state == LOCKED:
        raise Refusal("conflict", ALREADY_LOCKED)
    names = {"chair": clean(chair), "secretary": clean(secretary)}
    errors = {f: limits.too_long(limits.OFFICER) for f, v in names.items() if len(v) > limits.OFFICER}
    if errors:
        raise Refusal("invalid", next(iter(errors.values())), errors)
    if (meeting.chair, meeting.secretary) != (names["chair"], names["secretary"]):
        meeting.chair, meeting.secretary = names["chair"], names["secretary"]
        _changed(session, meeting)
        audit.record_setup(session, actor_id=actor.id, at=now, action="set_meeting_officers",
                           payload={"meeting": meeting.id, **names})
    return meeting


def upload_scan(session: Session, actor, meeting_id: int, stream, folder: str, now: datetime) -> Meeting:
    """Attach the signed sheet and lock the meeting; the file is removed again if the row
    that names it could not be written (the two go together or not at all)."""
    stored = []
    try:
        return _attach_scan(session, actor, meeting_id, stream, folder, now, stored)
    except BaseException:
        for name in stored:
            uploads.remove(folder, name)
        raise


@command
def _attach_scan(session: Session, actor, meeting_id: int, stream, folder: str, now: datetime,
                 stored: list) -> Meeting:
    meeting = running(session, actor, meeting_id).meeting
    if meeting.state == LOCKED:
        raise Refusal("conflict", Reason(N_("The signed record is already attached; the meeting is locked.")))
    if meeting.state != CLOSED:
        raise Refusal("conflict", Reason(N_("The signed record can be attached only once the meeting is closed.")))
    checked = uploads.check(stream, "scan")
    name = uploads.store(folder, checked)
    stored.append(name)
    meeting.scan_name, meeting.scan_type = name, checked.mimetype
    meeting.scan_uploaded_at, meeting.scan_uploaded_by = now, actor.id
    meeting.state = LOCKED
    _changed(session, meeting)
    audit.record_setup(session, actor_id=actor.id, at=now, action="lock_meeting",
                       payload={"meeting": meeting.id, "scan_type": checked.mimetype,
                                "bytes": len(checked.data)})
    session.flush()
    return meeting


@command
def add_addendum(session: Session, actor, meeting_id: int, body, now: datetime) -> Addendum:
    """A correction to the locked record: its own row and its own event."""
    meeting = running(session, actor, meeting_id).meeting
    if meeting.state != LOCKED:
        raise Refusal("conflict", Reason(N_("An addendum is for a locked record; until then, "
                                            "correct the minutes themselves.")))
    text = limits.within(clean(body), limits.ADDENDUM, "body")
    if not text:
        raise Refusal("invalid", Reason(N_("Write the correction.")), {"body": Reason(N_("Write the correction."))})
    addendum = Addendum(meeting_id=meeting.id, body=text, written_by=actor.id, written_at=now)
    session.add(addendum)
    _changed(session, meeting)
    session.flush()
    audit.record_setup(session, actor_id=actor.id, at=now, action="add_addendum",
                       payload={"meeting": meeting.id, "addendum": addendum.id})
    return addendum
