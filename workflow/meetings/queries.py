"""The read side of meetings: a meeting with its round and community, its roll with the
quorum and the groups present, its agenda, guests, the meetings a member is invited to.
Each in a fixed number of queries, never one per row.
"""
from dataclasses import dataclass

from sqlmodel import Session, select

from workflow.communities.models import Community
from workflow.engine import quorum
from workflow.engine.processes import ADMIN, FACILITATOR, RESIDENT
from workflow.engine.reasons import N_
from workflow.meetings.models import (
    CLOSED,
    LOCKED,
    OPEN,
    POSTPONED,
    SCHEDULED,
    AgendaItem,
    Guest,
    Invitee,
    Meeting,
)
from workflow.people.models import Membership, User
from workflow.programs.access import DRAFT
from workflow.programs.models import Program
from workflow.rounds.models import Round
from workflow.voting.models import Ballot

RUNNERS = {FACILITATOR, ADMIN}  # who runs a meeting of the community (and a site administrator)
UPCOMING = (SCHEDULED, POSTPONED, OPEN)
STATE_LABELS = {SCHEDULED: N_("Scheduled"), OPEN: N_("Open: the meeting is in session"),
                POSTPONED: N_("Postponed"), CLOSED: N_("Closed"),
                LOCKED: N_("Locked: the signed record is attached")}


@dataclass(frozen=True)
class Found:
    """A meeting as one reader finds it: with its round, community and the reader's role."""
    meeting: Meeting
    rnd: Round
    community: Community
    role: str | None

    def runs(self, actor) -> bool:
        """Whether the reader runs this meeting (opens it, takes the roll)."""
        return self.role in RUNNERS or bool(getattr(actor, "site_admin", False))


def find(session: Session, meeting_id: int, actor, lock: bool = False) -> Found | None:
    """The meeting with its round, community and the actor's role, in one query; None when
    there is no such meeting or the actor is not in its community (nor a site
    administrator): to an outsider it does not exist."""
    query = select(Meeting, Round, Community, Membership.role).join(
        Round, Round.id == Meeting.round_id).join(
        Community, Community.id == Round.community_id).outerjoin(
        Membership, (Membership.community_id == Community.id)
        & (Membership.user_id == actor.id) & Membership.active.is_(True)).where(
        Meeting.id == meeting_id)
    if lock:
        query = query.with_for_update(of=Meeting)
    row = session.exec(query).first()
    if row is None or (row[3] is None and not actor.site_admin):
        return None
    return Found(*row)


def residents(community_id: int):
    """The SELECT of the community's active residents' ids: the default invitees."""
    return select(Membership.user_id).join(User, User.id == Membership.user_id).where(
        Membership.community_id == community_id, Membership.role == RESIDENT,
        Membership.active.is_(True), User.anonymised_at.is_(None))


def agenda_choices(session: Session, round_id: int) -> list:
    """The programs of the round a meeting may put on its agenda: those past draft."""
    return session.exec(select(Program).where(Program.round_id == round_id,
                                              Program.state != DRAFT)
                        .order_by(Program.id)).all()


def agenda(session: Session, meeting_id: int) -> list:
    """[(item, program)] in the agenda's order."""
    return session.exec(select(AgendaItem, Program).join(
        Program, Program.id == AgendaItem.program_id).where(
        AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position,
                                                      AgendaItem.id)).all()


@dataclass(frozen=True)
class Row:
    """One line of the roll: the invitee, the person, their groups."""
    invitee: Invitee
    user: User
    gender: str
    tags: str

    @property
    def present(self) -> bool:
        return self.invitee.present_at is not None


def roll(session: Session, meeting: Meeting, community_id: int) -> list:
    """[Row] of the meeting's invitees, by name, with their gender and groups (one query)."""
    rows = session.exec(select(Invitee, User, Membership.gender, Membership.tags).join(
        User, User.id == Invitee.user_id).outerjoin(
        Membership, (Membership.user_id == Invitee.user_id)
        & (Membership.community_id == community_id)).where(
        Invitee.meeting_id == meeting.id).order_by(User.display_name, User.id)).all()
    return [Row(invitee, user, gender or "", tags or "") for invitee, user, gender, tags in rows]


def guests(session: Session, meeting_id: int) -> list:
    return session.exec(select(Guest).where(Guest.meeting_id == meeting_id)
                        .order_by(Guest.id)).all()


@dataclass(frozen=True)
class Quorum:
    present: int
    invited: int
    needed: int
    met: bool


def quorum_of(rows: list, fraction) -> Quorum:
    """The quorum of a roll (pure over the loaded rows): present invitees against the
    round's share of all invitees."""
    present, invited = sum(1 for row in rows if row.present), len(rows)
    return Quorum(present, invited, quorum.needed(invited, fraction),
                  quorum.quorum_met(present, invited, fraction))


def attendance(session: Session, found: Found) -> dict:
    """What the roll part of the page shows: the roll, the guests, the quorum, the groups
    (three queries: the roll, the guests, the residents one might still invite)."""
    rows = roll(session, found.meeting, found.community.id)
    invited = {row.user.id for row in rows}
    candidates = session.exec(select(User).where(
        User.id.in_(residents(found.community.id))).order_by(User.display_name)).all()
    return {"roll": rows, "guests": guests(session, found.meeting.id),
            "quorum": quorum_of(rows, found.rnd.quorum),
            "groups": quorum.representation((row.gender, row.tags, row.present) for row in rows),
            "uninvited": [user for user in candidates if user.id not in invited]}


def page(session: Session, found: Found) -> dict:
    """Everything the meeting page shows, in a fixed number of queries."""
    return {"meeting": found.meeting, "rnd": found.rnd, "community": found.community,
            "role": found.role, "agenda": agenda(session, found.meeting.id),
            **attendance(session, found)}


def ballot_open_on_agenda(session: Session, meeting_id: int) -> Program | None:
    """A program of the agenda whose ballot is still open, or None."""
    return session.exec(select(Program).join(
        AgendaItem, AgendaItem.program_id == Program.id).join(
        Ballot, Ballot.program_id == Program.id).where(
        AgendaItem.meeting_id == meeting_id, Ballot.closed_at.is_(None)).limit(1)).first()


def of_round(session: Session, round_id: int) -> list:
    """The round's meetings, the newest first (for its board)."""
    return session.exec(select(Meeting).where(Meeting.round_id == round_id)
                        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())).all()


def upcoming_for(session: Session, user_id: int) -> list:
    """[(meeting, community)] the member is invited to and that have not closed, soonest
    first (one query), for the home page."""
    return session.exec(select(Meeting, Community).join(
        Invitee, Invitee.meeting_id == Meeting.id).join(
        Round, Round.id == Meeting.round_id).join(
        Community, Community.id == Round.community_id).join(
        Membership, (Membership.community_id == Community.id)
        & (Membership.user_id == user_id) & Membership.active.is_(True)).where(
        Invitee.user_id == user_id, Meeting.state.in_(UPCOMING))
        .order_by(Meeting.starts_at, Meeting.id)).all()
