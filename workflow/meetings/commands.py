"""Use cases of a meeting's life: the facilitator schedules it, adjusts who is invited,
opens, postpones and closes it. Each is one transaction and one audited event whose
payload names the meeting."""
from datetime import datetime

from sqlmodel import Session, delete, select

from workflow.core import audit
from workflow.core.command import command
from workflow.core.fields import Fields
from workflow.engine import dates
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.meetings import queries
from workflow.meetings.models import (
    CLOSED,
    LOCKED,
    OPEN,
    POSTPONED,
    SCHEDULED,
    AgendaItem,
    Invitee,
    Meeting,
)
from workflow.people.models import User
from workflow.rounds.commands import may_change
from workflow.rounds.queries import community_zone

TEXT = 200            # a meeting's title and place: the columns' width
POSTPONE_REASON = 500  # Meeting.postpone_reason's column
MOMENT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
NOT_YOURS = Reason(N_("Only the community's facilitators run its meetings."))
LOCKED_REASON = Reason(N_("The meeting is locked: its signed record is attached, and its "
                          "attendance can no longer change. A correction is an addendum."))


def running(session: Session, actor, meeting_id: int) -> queries.Found:
    """The meeting (its row locked), if the actor runs it; else Refusal."""
    found = queries.find(session, meeting_id, actor, lock=True)
    if found is None:
        raise Refusal("not_found", Reason(N_("That meeting does not exist.")))
    if not found.runs(actor):
        raise Refusal("forbidden", NOT_YOURS)
    return found


def not_locked(meeting: Meeting) -> None:
    if meeting.state == LOCKED:
        raise Refusal("conflict", LOCKED_REASON)


def read_moment(fields: Fields, name: str, zone_name: str, now: datetime,
                required: str) -> datetime | None:
    """A time written YYYY-MM-DDTHH:MM on the community's clocks, as a UTC moment later
    than ``now``; a problem under ``name`` otherwise."""
    text = clean(fields.form.get(name))
    if not text:
        fields.problem(name, required)
        return None
    try:
        local = datetime.strptime(text, MOMENT).replace(tzinfo=dates.zone(zone_name))
        moment = dates.as_utc(local)
    except (ValueError, OverflowError):  # not a time, or one before the calendar's start
        fields.problem(name, N_("Write the date and time as year-month-day and hours:minutes, "
                                "for example 2027-03-31T19:30."))
        return None
    if moment <= dates.as_utc(now):
        fields.problem(name, N_("Choose a time that has not passed yet."))
        return None
    fields.values[name] = moment
    return moment


def _agenda(fields: Fields, form, choices: list) -> list:
    """The program ids ticked for the agenda, each one of ``choices`` (in their order)."""
    allowed = {str(program.id): program.id for program in choices}
    raw = form.getlist("programs") if hasattr(form, "getlist") else form.get("programs", [])
    ticked = [clean(value) for value in ([raw] if isinstance(raw, str) else raw)]
    if any(value not in allowed for value in ticked):
        fields.problem("programs", N_("Choose programs of this round from the list."))
    return [pid for key, pid in allowed.items() if key in ticked]


@command
def schedule_meeting(session: Session, actor, round_id: int, form, now: datetime) -> Meeting:
    """A facilitator schedules a meeting of the round; every active resident is invited."""
    rnd = may_change(session, actor, round_id)
    zone_name = community_zone(session, rnd.community_id)
    fields = Fields(form)
    fields.text("title", TEXT, required=N_("Write the meeting's name, for example "
                                           "Musyawarah Dusun Krajan."), one_line=True)
    read_moment(fields, "starts_at", zone_name, now, N_("Write when the meeting starts."))
    fields.text("place", TEXT, required=N_("Write where the meeting is held, for example "
                                           "Balai Desa."), one_line=True)
    programs = _agenda(fields, form, queries.agenda_choices(session, rnd.id))
    values = fields.checked()
    meeting = Meeting(round_id=rnd.id, title=values["title"], place=values["place"],
                      starts_at=values["starts_at"], created_by=actor.id, created_at=now)
    session.add(meeting)
    session.flush()
    session.add_all(AgendaItem(meeting_id=meeting.id, program_id=pid, position=n)
                    for n, pid in enumerate(programs, 1))
    invited = session.exec(queries.residents(rnd.community_id)).all()
    session.add_all(Invitee(meeting_id=meeting.id, user_id=uid) for uid in invited)
    audit.record_setup(session, actor_id=actor.id, at=now, action="schedule_meeting",
                       payload={"meeting": meeting.id, "round": rnd.id,
                                "starts_at": meeting.starts_at.isoformat(),
                                "programs": programs, "invited": len(invited)})
    return meeting


@command
def set_invitees(session: Session, actor, meeting_id: int, usernames, now: datetime) -> Meeting:
    """Before it opens, the facilitator chooses who of the active residents is invited."""
    found = running(session, actor, meeting_id)
    meeting = found.meeting
    not_locked(meeting)
    if meeting.state not in (SCHEDULED, POSTPONED):
        raise Refusal("conflict", Reason(N_("Who is invited can only change before the "
                                            "meeting opens.")))
    wanted = {clean(name) for name in usernames}
    residents = dict(session.exec(select(User.username, User.id).where(
        User.id.in_(queries.residents(found.community.id)))).all())
    if wanted - set(residents):
        raise Refusal("invalid", Reason(N_("Choose residents of the community from the list.")),
                      {"invitees": Reason(N_("Choose residents of the community from the list."))})
    if not wanted:
        raise Refusal("invalid", Reason(N_("Invite at least one resident.")),
                      {"invitees": Reason(N_("Invite at least one resident."))})
    chosen = {residents[name] for name in wanted}
    current = set(session.exec(select(Invitee.user_id).where(
        Invitee.meeting_id == meeting.id)).all())
    if current - chosen:
        session.exec(delete(Invitee).where(Invitee.meeting_id == meeting.id,
                                           Invitee.user_id.in_(current - chosen)))
    session.add_all(Invitee(meeting_id=meeting.id, user_id=uid) for uid in chosen - current)
    meeting.version += 1
    session.add(meeting)
    audit.record_setup(session, actor_id=actor.id, at=now, action="set_invitees",
                       payload={"meeting": meeting.id, "added": sorted(chosen - current),
                                "removed": sorted(current - chosen)})
    return meeting


@command
def open_meeting(session: Session, actor, meeting_id: int, now: datetime) -> Meeting:
    """The facilitator opens a scheduled or postponed meeting on (or after) its day; a
    postponed one reconvenes, and then the chair may proceed with those present."""
    found = running(session, actor, meeting_id)
    meeting = found.meeting
    not_locked(meeting)
    if meeting.state == OPEN:
        raise Refusal("conflict", Reason(N_("The meeting is already open.")))
    if meeting.state not in (SCHEDULED, POSTPONED):
        raise Refusal("conflict", Reason(N_("The meeting is closed: it cannot open again.")))
    zone_name = found.community.timezone
    day = dates.local_time(meeting.starts_at, zone_name).date()
    if dates.community_today(now, zone_name) < day:
        raise Refusal("conflict", Reason(N_("The meeting can open on its day, %(day)s, not "
                                            "before."), {"day": day.isoformat()}))
    was = meeting.state
    meeting.state, meeting.opened_at = OPEN, now
    meeting.reconvened = meeting.reconvened or was == POSTPONED
    meeting.version += 1
    session.add(meeting)
    audit.record_setup(session, actor_id=actor.id, at=now, action="open_meeting",
                       payload={"meeting": meeting.id, "from": was,
                                "reconvened": meeting.reconvened})
    return meeting


@command
def postpone_meeting(session: Session, actor, meeting_id: int, form, now: datetime) -> Meeting:
    """The facilitator postpones a scheduled or open meeting to a later time, with a reason."""
    found = running(session, actor, meeting_id)
    meeting = found.meeting
    not_locked(meeting)
    if meeting.state not in (SCHEDULED, OPEN):
        raise Refusal("conflict", Reason(N_("Only a scheduled or open meeting can be "
                                            "postponed.")))
    fields = Fields(form)
    fields.text("reason", POSTPONE_REASON, required=N_("Say why the meeting is postponed, "
                                                       "for example: not enough people came."))
    read_moment(fields, "starts_at", found.community.timezone, now,
                N_("Write when the meeting meets again."))
    values = fields.checked()
    was = meeting.state
    meeting.state, meeting.starts_at = POSTPONED, values["starts_at"]
    meeting.postpone_reason = values["reason"]
    meeting.version += 1
    session.add(meeting)
    audit.record_setup(session, actor_id=actor.id, at=now, action="postpone_meeting",
                       payload={"meeting": meeting.id, "from": was, "reason": values["reason"],
                                "starts_at": meeting.starts_at.isoformat()})
    return meeting


@command
def close_meeting(session: Session, actor, meeting_id: int, now: datetime) -> Meeting:
    """The facilitator closes the open meeting; the quorum of the roll is recorded as it was.
    Without quorum the meeting is recorded as ditunda (to be rescheduled), unless it
    reconvened, where the chair proceeds with those present."""
    found = running(session, actor, meeting_id)
    meeting = found.meeting
    not_locked(meeting)
    if meeting.state != OPEN:
        raise Refusal("conflict", Reason(N_("Only an open meeting can be closed.")))
    voting = queries.ballot_open_on_agenda(session, meeting.id)
    if voting is not None:
        raise Refusal("conflict", Reason(N_("The vote on “%(title)s” is still open: close it "
                                            "before closing the meeting."),
                                         {"title": voting.title}))
    tally = queries.quorum_of(queries.roll(session, meeting, found.community.id),
                              found.rnd.quorum)
    meeting.state, meeting.closed_at, meeting.quorum_met = CLOSED, now, tally.met
    meeting.version += 1
    session.add(meeting)
    outcome = "quorum" if tally.met else ("proceeded" if meeting.reconvened else "ditunda")
    audit.record_setup(session, actor_id=actor.id, at=now, action="close_meeting",
                       payload={"meeting": meeting.id, "present": tally.present,
                                "invited": tally.invited, "quorum_met": tally.met,
                                "outcome": outcome})
    return meeting
