"""The read side of the official's desk: what awaits the official, with the decision it
came from, and the year's agreed plan; each in a fixed number of queries."""
import json
from dataclasses import dataclass

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from workflow.communities.models import Community, Dusun
from workflow.core.audit import Event
from workflow.engine.processes import FACILITATOR, OFFICIAL, TEMPLATES
from workflow.meetings.models import CLOSED, LOCKED, AgendaItem, Meeting
from workflow.people.models import Membership
from workflow.programs.models import Program
from workflow.rounds.models import Round
from workflow.voting.models import Ballot

# The official's decisions, as the templates name them.
DECISIONS = ("approve", "return", "reject")
# template -> the states a program awaits the official in: where its `approve` step starts.
# Social action has none: the target's answer, not the official, starts its work.
AWAITING = {name: frozenset(t.source for t in template.transitions if t.name == "approve")
            for name, template in TEMPLATES.items()
            if any(t.name == "approve" for t in template.transitions)}
# template -> the states of an approved program (the approval's target and every later one).
APPROVED = {name: frozenset(t.target for t in template.transitions if t.name == "approve")
            | {"implementation", "completed", "evaluated"} for name, template in
            TEMPLATES.items() if name in AWAITING}
# The steps that close a ballot: each stored the ballot's tally and objections in its event.
CLOSING = sorted({t.name for template in TEMPLATES.values() for t in template.transitions
                  if "close_ballot" in t.effects})
# Who reads a community's plan: the official who approved it and the facilitator who runs it.
PLAN_READERS = frozenset({OFFICIAL, FACILITATOR})


def _in_states(states_of: dict):
    """Program rows of a template in one of that template's states."""
    return or_(*[and_(Round.template == name, Program.state.in_(sorted(states)))
                 for name, states in states_of.items()])


def _official_of():
    """The memberships that make the reader the official of a community."""
    return and_(Membership.community_id == Round.community_id, Membership.role == OFFICIAL,
                Membership.active.is_(True))


def awaiting_count(session: Session, user_id: int) -> int | None:
    """How many programs await the member as official; None when they are nobody's
    official. One query: the home page's link."""
    officials, waiting = session.exec(
        select(func.count(func.distinct(Membership.id)), func.count(Program.id))
        .select_from(Membership)
        .outerjoin(Round, Round.community_id == Membership.community_id)
        .outerjoin(Program, and_(Program.round_id == Round.id, _in_states(AWAITING)))
        .where(Membership.user_id == user_id, Membership.role == OFFICIAL,
               Membership.active.is_(True))).one()
    return waiting if officials else None


@dataclass
class Awaiting:
    """One program on the desk, with what the official decides on."""
    program: Program
    round: Round
    community: Community
    ballot: Ballot | None = None     # the last closed ballot: its kind and the revision voted on
    tally: dict | None = None        # the tally its closing step stored
    objections: int = 0
    meeting: Meeting | None = None   # the closed meeting whose agenda held it, if any


def is_official(session: Session, user_id: int) -> bool:
    return session.exec(select(Membership.id).where(
        Membership.user_id == user_id, Membership.role == OFFICIAL,
        Membership.active.is_(True)).limit(1)).first() is not None


def awaiting(session: Session, user_id: int, program_id: int | None = None) -> list:
    """[Awaiting] across every community the member is official of, by community, round
    and program; ``program_id`` keeps only that one (the row an htmx swap shows again)."""
    query = (select(Program, Round, Community).join(Round, Round.id == Program.round_id)
             .join(Community, Community.id == Round.community_id)
             .join(Membership, and_(_official_of(), Membership.user_id == user_id))
             .where(_in_states(AWAITING)))
    if program_id is not None:
        query = query.where(Program.id == program_id)
    rows = [Awaiting(p, r, c) for p, r, c in session.exec(
        query.order_by(Community.name, Community.id, Round.id, Program.id))]
    if not rows:
        return rows
    by_id = {row.program.id: row for row in rows}
    ids = sorted(by_id)
    for ballot in session.exec(select(Ballot).where(
            Ballot.program_id.in_(ids), Ballot.closed_at.is_not(None)).order_by(Ballot.id)):
        by_id[ballot.program_id].ballot = ballot   # the newest wins
    # Every step that closes a ballot stored its tally and objections in its event.
    for program_id_, payload in session.exec(select(Event.program_id, Event.payload).where(
            Event.program_id.in_(ids), Event.transition.in_(CLOSING)).order_by(Event.id)):
        data = json.loads(payload or "{}")
        if data.get("tally"):
            by_id[program_id_].tally = data["tally"]
            by_id[program_id_].objections = len(data.get("objections") or ())
    for program_id_, meeting in session.exec(select(AgendaItem.program_id, Meeting).join(
            Meeting, Meeting.id == AgendaItem.meeting_id).where(
            AgendaItem.program_id.in_(ids), Meeting.state.in_((CLOSED, LOCKED)))
            .order_by(Meeting.id)):
        by_id[program_id_].meeting = meeting
    return rows


def grouped(rows: list) -> list:
    """[(community, [(round, [Awaiting])])] in the rows' order."""
    out = []
    for row in rows:
        if not out or out[-1][0].id != row.community.id:
            out.append((row.community, []))
        rounds = out[-1][1]
        if not rounds or rounds[-1][0].id != row.round.id:
            rounds.append((row.round, []))
        rounds[-1][1].append(row)
    return out


def plan_rows(session: Session, community_id: int, year: int) -> list:
    """[(program, dusun name or "")] approved in the community's rounds of ``year``."""
    return session.exec(select(Program, Dusun.name).join(Round, Round.id == Program.round_id)
                        .outerjoin(Dusun, Dusun.id == Program.dusun_id)
                        .where(Round.community_id == community_id, Round.year == year,
                               _in_states(APPROVED))
                        .order_by(Round.id, Program.id)).all()


def plan_years(session: Session, community_id: int) -> list:
    """The years of the community's rounds, newest first: the plan's other years."""
    return session.exec(select(Round.year).where(
        Round.community_id == community_id, Round.year.is_not(None))
        .distinct().order_by(Round.year.desc())).all()


def community(session: Session, community_id: int) -> Community:
    return session.get(Community, community_id)
