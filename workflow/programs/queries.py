"""The read side: boards, program pages, tallies, each in a fixed number of queries."""
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from workflow.engine import ballots as voting
from workflow.engine import dates
from workflow.engine.guards import Context
from workflow.engine.processes import AUTHOR, FACILITATOR, RESIDENT, TEMPLATES
from workflow.models import (
    Ballot,
    Comment,
    Community,
    Dusun,
    Event,
    Finding,
    Membership,
    Program,
    ProgramAuthor,
    Round,
    Supporter,
    User,
    Vote,
)

# A draft belongs to its authors until they submit it: only they and the community's
# facilitator (who helps people write their proposals) see it; to anyone else it does not
# exist. Every template starts in this state.
DRAFT = "draft"
DRAFT_READERS = frozenset({AUTHOR, FACILITATOR})


def may_read(program: Program, roles: frozenset) -> bool:
    """Whether someone with ``roles`` on the program (none: not a member) may see it."""
    return bool(roles) and (program.state != DRAFT or bool(roles & DRAFT_READERS))


def open_ballot(session: Session, program_id: int, lock: bool = False) -> Ballot | None:
    query = select(Ballot).where(Ballot.program_id == program_id, Ballot.closed_at.is_(None))
    if lock:
        query = query.with_for_update()
    return session.exec(query.order_by(Ballot.id.desc()).limit(1)).first()


def ballots_summary(session: Session, program_id: int) -> tuple[int, bool]:
    """(ballots ever opened, whether a consent round that reached quorum has failed).

    A consent ballot closed without quorum keeps ``passed`` NULL (it decided nothing),
    so it does not count as failed and unlocks no majority fallback.
    """
    rows = session.exec(select(Ballot.kind, Ballot.passed).where(
        Ballot.program_id == program_id)).all()
    return len(rows), any(k == voting.CONSENT and p is False for k, p in rows)


def eligible_voters(session: Session, community_id: int, ballot_id: int | None = None) -> int:
    """The quorum's base: the community's residents, not counting those who left.

    A person who left (anonymised) after voting on ``ballot_id`` is still counted there:
    their vote stands, and the base must hold every vote it counts.
    """
    present = User.anonymised_at.is_(None)
    if ballot_id is not None:
        present = or_(present, User.id.in_(select(Vote.user_id).where(
            Vote.ballot_id == ballot_id)))
    return session.exec(select(func.count()).select_from(Membership).join(
        User, User.id == Membership.user_id).where(
        Membership.community_id == community_id, Membership.role == RESIDENT, present)).one()


def ballot_tally(session: Session, ballot: Ballot, rnd: Round) -> voting.Tally:
    choices = session.exec(select(Vote.choice).where(Vote.ballot_id == ballot.id)).all()
    return voting.tally(ballot.kind, choices,
                        eligible_voters(session, rnd.community_id, ballot.id),
                        rnd.quorum, rnd.consent_threshold)


def last_result(history_rows: list) -> dict | None:
    """The tally the newest closing step recorded: the last closed ballot's result.

    Pure, over already loaded history rows; every step that closes a ballot stores it.
    """
    for event, _name in reversed(history_rows):
        tally = json.loads(event.payload or "{}").get("tally")
        if tally:
            return tally
    return None


def supporters_count(session: Session, program_id: int) -> int:
    """Supporters still with us: a person who left supports nothing any more."""
    return session.exec(select(func.count()).select_from(Supporter).join(
        User, User.id == Supporter.user_id).where(
        Supporter.program_id == program_id, User.anonymised_at.is_(None))).one()


def sourced_findings(session: Session, program_id: int) -> int:
    return session.exec(select(func.count()).select_from(Finding).where(
        Finding.program_id == program_id, Finding.source != "")).one()


def findings(session: Session, program_id: int) -> list:
    return session.exec(select(Finding).where(Finding.program_id == program_id)
                        .order_by(Finding.id)).all()


def is_supporter(session: Session, program_id: int, user_id: int) -> bool:
    return session.exec(select(Supporter.id).where(
        Supporter.program_id == program_id, Supporter.user_id == user_id)).first() is not None


def latest_payload(history_rows: list, transition: str) -> dict | None:
    """The payload of the newest event of ``transition`` among already loaded history rows."""
    for event, _name in reversed(history_rows):
        if event.transition == transition:
            return json.loads(event.payload or "{}")
    return None


@dataclass(frozen=True)
class Demand:
    """One delivered demand and the answer its target gave to it (None while awaited)."""
    target: str
    channel: str
    delivered_on: date | None
    response: dict | None = None  # the record_response payload: outcome, note


def demand_rounds(history_rows: list) -> list:
    """Each ``deliver`` paired with the ``record_response`` after it, oldest first.

    A refused demand sends the residents back to organise; the next delivery is a new round
    with its own target, and only an answer given before it belongs to the earlier one.
    Pure: works on already loaded history rows.
    """
    rounds = []
    for event, _name in history_rows:
        payload = json.loads(event.payload or "{}")
        if event.transition == "deliver":
            rounds.append(Demand(payload.get("target", ""), payload.get("channel", ""),
                                 dates.stored_date(payload.get("delivered_on"))))
        elif event.transition == "record_response" and rounds and rounds[-1].response is None:
            last = rounds[-1]
            rounds[-1] = Demand(last.target, last.channel, last.delivered_on, payload)
    return rounds


def community_zone(session: Session, community_id: int) -> str:
    """The community's time zone (an IANA name): it decides what "today" is there."""
    return session.exec(select(Community.timezone).where(
        Community.id == community_id)).first() or dates.DEFAULT_ZONE


def context_for(session: Session, program: Program, rnd: Round, roles: frozenset,
                now: datetime, reason: str = "", outcome: str = "") -> Context:
    """Gather the facts the machine's guards look at, in a fixed number of queries."""
    ballot = open_ballot(session, program.id)
    opened, consent_failed = ballots_summary(session, program.id)
    return Context(
        roles=roles, now=now, state_since=program.state_since,
        min_discussion_days=rnd.min_discussion_days,
        ballot=ballot_tally(session, ballot, rnd) if ballot else None,
        ballot_opened_at=ballot.opened_at if ballot else None,
        min_voting_hours=rnd.min_voting_hours,
        ballots_opened=opened, consent_failed=consent_failed,
        supporters=supporters_count(session, program.id),
        sourced_findings=sourced_findings(session, program.id),
        supporter_threshold=rnd.supporter_threshold, reason=reason or "", outcome=outcome or "")


def group_by_state(programs, template_name: str) -> list:
    """[(state, [programs])] in the template's order, empty states left out."""
    groups = defaultdict(list)
    for program in programs:
        groups[program.state].append(program)
    return [(state, groups[state]) for state in TEMPLATES[template_name].states
            if groups[state]]


def home_board(session: Session, user_id: int) -> list:
    """The user's communities, each with its rounds and their programs by state."""
    memberships = session.exec(select(Membership, Community).join(
        Community, Community.id == Membership.community_id).where(
        Membership.user_id == user_id).order_by(Community.name)).all()
    ids = [community.id for _, community in memberships]
    rounds = session.exec(select(Round).where(Round.community_id.in_(ids))
                          .order_by(Round.id)).all() if ids else []
    facilitated = {community.id for membership, community in memberships
                   if membership.role == FACILITATOR}
    programs = _programs_of([r.id for r in rounds], session, user_id,
                            [r.id for r in rounds if r.community_id in facilitated])
    return [{"community": community, "role": membership.role,
             "rounds": [{"round": r, "groups": group_by_state(programs[r.id], r.template)}
                        for r in rounds if r.community_id == community.id]}
            for membership, community in memberships]


def _programs_of(round_ids: list, session: Session, reader_id: int,
                 facilitated: list) -> dict:
    """{round id: [programs]} newest first, as ``reader_id`` may see them (``may_read``):
    drafts only where the reader is an author, or in the rounds the reader facilitates."""
    by_round = defaultdict(list)
    if round_ids:
        own = select(ProgramAuthor.program_id).where(ProgramAuthor.user_id == reader_id)
        visible = ((Program.state != DRAFT) | Program.round_id.in_(facilitated)
                   | Program.id.in_(own))
        for program in session.exec(select(Program).where(Program.round_id.in_(round_ids),
                                                           visible)
                                    .order_by(Program.id.desc())):
            by_round[program.round_id].append(program)
    return by_round


def round_board(session: Session, round_id: int, reader_id: int):
    """(round, community, [(state, programs)]) as ``reader_id`` may see them, or None."""
    row = session.exec(select(Round, Community, Membership.role).join(
        Community, Community.id == Round.community_id).outerjoin(
        Membership, (Membership.community_id == Community.id)
        & (Membership.user_id == reader_id)).where(Round.id == round_id)).first()
    if row is None:
        return None
    rnd, community, role = row
    programs = _programs_of([rnd.id], session, reader_id,
                            [rnd.id] if role == FACILITATOR else [])
    return rnd, community, group_by_state(programs[rnd.id], rnd.template)


def program_scope(session: Session, program_id: int):
    """(program, round, community) or None."""
    return session.exec(select(Program, Round, Community)
                        .join(Round, Round.id == Program.round_id)
                        .join(Community, Community.id == Round.community_id)
                        .where(Program.id == program_id)).first()


def history(session: Session, program_id: int) -> list:
    """[(event, actor name)] oldest first."""
    return session.exec(select(Event, User.display_name).join(User, User.id == Event.actor_id)
                        .where(Event.program_id == program_id).order_by(Event.id)).all()


def recent_comments(session: Session, program_id: int, limit: int | None) -> tuple[list, int]:
    """The newest ``limit`` comments (all when None), oldest first, and how many there are."""
    query = (select(Comment, User.display_name, func.count().over())
             .join(User, User.id == Comment.user_id)
             .where(Comment.program_id == program_id).order_by(Comment.id.desc()))
    rows = session.exec(query if limit is None else query.limit(limit)).all()
    return [(comment, name) for comment, name, _ in reversed(rows)], rows[0][2] if rows else 0


def authors(session: Session, program_id: int) -> list:
    return session.exec(select(User.display_name).join(
        ProgramAuthor, ProgramAuthor.user_id == User.id).where(
        ProgramAuthor.program_id == program_id).order_by(ProgramAuthor.id)).all()


def dusun_name(session: Session, dusun_id: int | None) -> str:
    return session.get(Dusun, dusun_id).name if dusun_id else ""


def dusun_options(session: Session, community_id: int) -> list:
    return session.exec(select(Dusun).where(Dusun.community_id == community_id)
                        .order_by(Dusun.name)).all()


def my_vote(session: Session, ballot: Ballot | None, user_id: int) -> Vote | None:
    if ballot is None:
        return None
    return session.exec(select(Vote).where(Vote.ballot_id == ballot.id,
                                           Vote.user_id == user_id)).first()


def resident_roll(session: Session, community_id: int, ballot: Ballot | None) -> list:
    """[(user, vote or None)] for every resident, for the facilitator's room record."""
    votes = {}
    if ballot is not None:
        votes = {v.user_id: v for v in session.exec(select(Vote).where(
            Vote.ballot_id == ballot.id))}
    residents = session.exec(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.community_id == community_id, Membership.role == RESIDENT,
        User.anonymised_at.is_(None)).order_by(User.display_name)).all()
    return [(user, votes.get(user.id)) for user in residents]


def open_choices(session: Session, ballot: Ballot | None) -> list:
    """[(name, choice)] of an open (not secret) ballot; nothing at all for a secret one."""
    if ballot is None or ballot.secret:
        return []
    return session.exec(select(User.display_name, Vote.choice).join(
        User, User.id == Vote.user_id).where(Vote.ballot_id == ballot.id)
        .order_by(User.display_name)).all()


def objections(session: Session, ballot: Ballot | None) -> list:
    """The reasons given with objections (keberatan), without names, oldest first."""
    if ballot is None:
        return []
    return session.exec(select(Vote.reason).where(
        Vote.ballot_id == ballot.id, Vote.choice.in_(voting.NEEDS_REASON))
        .order_by(Vote.id)).all()


def last_closed_ballot(session: Session, program_id: int) -> Ballot | None:
    return session.exec(select(Ballot).where(Ballot.program_id == program_id,
                                             Ballot.closed_at.is_not(None))
                        .order_by(Ballot.id.desc()).limit(1)).first()
