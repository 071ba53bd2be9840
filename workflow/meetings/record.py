"""The record of a meeting (berita acara): what it was, who came, what it decided.

Read in a fixed number of queries whatever the size of the roll or the agenda, for the
print page, its PDF, the daftar hadir and the record part of the meeting page. A decision is
every step taken on an agenda program while the meeting was open (the program's audit
events between opening and closing), with the counts its closing step put on record.
"""
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from workflow.communities.models import Community
from workflow.core.audit import Event
from workflow.engine import dates
from workflow.engine.people import TAGS
from workflow.meetings.models import Addendum, AgendaItem, Guest, Invitee, Meeting
from workflow.meetings.queries import Found
from workflow.people.models import Membership, User
from workflow.programs.models import Program
from workflow.rounds.models import Round
from workflow.voting.models import Ballot


@dataclass
class Attendee:
    user_id: int
    name: str
    gender: str
    tags: tuple
    present: bool


@dataclass
class Decision:
    """One step taken on an agenda program during the meeting."""
    program_id: int
    title: str
    transition: str
    from_state: str
    to_state: str
    at: datetime
    reason: str = ""
    tally: dict | None = None
    objections: list = field(default_factory=list)
    revision: int | None = None
    secret: bool = False


@dataclass
class Item:
    program: Program
    notes: str
    decisions: list


@dataclass
class Record:
    meeting: Meeting
    rnd: Round
    community: Community
    zone: str
    items: list
    attendees: list
    guests: list
    addenda: list          # [(Addendum, writer's name)]

    @property
    def invited(self) -> int:
        return len(self.attendees)

    @property
    def present(self) -> list:
        return [a for a in self.attendees if a.present]

    def present_by_gender(self) -> dict:
        counts = {"f": 0, "m": 0, "": 0}
        for attendee in self.present:
            counts[attendee.gender if attendee.gender in counts else ""] += 1
        return counts

    def groups(self) -> list:
        """[(tag, label, invited, present)] for every group someone invited speaks for."""
        rows = []
        for tag, label in TAGS.items():
            invited = [a for a in self.attendees if tag in a.tags]
            if invited:
                rows.append((tag, label, len(invited), sum(a.present for a in invited)))
        return rows

    @property
    def decisions(self) -> list:
        return [d for item in self.items for d in item.decisions]

    def local(self, moment: datetime | None) -> datetime | None:
        return dates.local_time(moment, self.zone) if moment else None


def _decisions(session: Session, meeting: Meeting, programs: dict, now: datetime) -> dict:
    """{program id: [Decision]} from the agenda programs' events while the meeting was open."""
    found = {pid: [] for pid in programs}
    if meeting.opened_at is None or not programs:
        return found
    until = meeting.closed_at or now
    events = session.exec(select(Event).where(
        Event.program_id.in_(programs), Event.at >= meeting.opened_at, Event.at <= until)
        .order_by(Event.id)).all()
    ballots = session.exec(select(Ballot).where(
        Ballot.program_id.in_(programs), Ballot.closed_at >= meeting.opened_at,
        Ballot.closed_at <= until)).all()
    closed = {(b.program_id, dates.as_utc(b.closed_at)): b for b in ballots}
    for event in events:
        payload = json.loads(event.payload or "{}")
        ballot = closed.get((event.program_id, dates.as_utc(event.at))) if payload.get("tally") else None
        found[event.program_id].append(Decision(
            event.program_id, programs[event.program_id].title, event.transition,
            event.from_state, event.to_state, event.at, payload.get("reason", ""),
            payload.get("tally"), payload.get("objections", []),
            ballot.revision if ballot else payload.get("revision"),
            bool(ballot.secret) if ballot else bool(payload.get("secret"))))
    return found


def meeting_record(session: Session, scope: Found, now: datetime) -> Record:
    """Everything the berita acara prints, in six queries after the one that found the meeting."""
    meeting = scope.meeting
    agenda = session.exec(select(AgendaItem, Program).join(Program, Program.id == AgendaItem.program_id)
                          .where(AgendaItem.meeting_id == meeting.id)
                          .order_by(AgendaItem.position, AgendaItem.id)).all()
    programs = {program.id: program for _item, program in agenda}
    decisions = _decisions(session, meeting, programs, now)
    items = [Item(program, item.notes, decisions[program.id]) for item, program in agenda]
    roll = session.exec(select(Invitee, User.display_name, Membership.gender, Membership.tags)
                        .join(User, User.id == Invitee.user_id)
                        .outerjoin(Membership, (Membership.user_id == Invitee.user_id)
                                   & (Membership.community_id == scope.community.id))
                        .where(Invitee.meeting_id == meeting.id)
                        .order_by(User.display_name, User.id)).all()
    attendees = [Attendee(inv.user_id, name, gender or "", tuple(filter(None, (tags or "").split(";"))),
                          inv.present_at is not None) for inv, name, gender, tags in roll]
    guests = session.exec(select(Guest).where(Guest.meeting_id == meeting.id).order_by(Guest.id)).all()
    addenda = session.exec(select(Addendum, User.display_name).join(User, User.id == Addendum.written_by)
                           .where(Addendum.meeting_id == meeting.id).order_by(Addendum.id)).all()
    return Record(meeting, scope.rnd, scope.community, scope.community.timezone, items, attendees,
                  list(guests), list(addenda))
