"""The read side of a community: its boards of programs by state, its rounds, its dusun, its
time zone.
"""
from collections import defaultdict

from sqlmodel import Session, select

from workflow.communities.models import Community, Dusun
from workflow.engine import dates
from workflow.engine.processes import FACILITATOR, TEMPLATE_LABELS, TEMPLATES
from workflow.engine.reasons import N_
from workflow.people.models import Membership
from workflow.people.passwords import role_in
from workflow.programs.access import DRAFT
from workflow.programs.models import Program, ProgramAuthor
from workflow.rounds.models import ARCHIVED, CLOSED, OPEN, TITLE, Round
from workflow.voting.models import Ballot

STATUSES = {OPEN: N_("Open: programs are proposed and decided in it"),
            CLOSED: N_("Closed: no new programs, the record stays"),
            ARCHIVED: N_("Archived: closed, and off the home page")}
# What the form for a new round shows.
NEW_ROUND = {"title": "", "template": "locality", "year": "", "quorum": "2/3",
             "consent_threshold": "2/3", "min_discussion_days": "0", "min_voting_hours": "0",
             "supporter_threshold": "6"}


def community_zone(session: Session, community_id: int) -> str:
    """The community's time zone (an IANA name): it decides what "today" is there."""
    return session.exec(select(Community.timezone).where(
        Community.id == community_id)).first() or dates.DEFAULT_ZONE


def group_by_state(programs, template_name: str) -> list:
    """[(state, [programs])] in the template's order, empty states left out."""
    groups = defaultdict(list)
    for program in programs:
        groups[program.state].append(program)
    return [(state, groups[state]) for state in TEMPLATES[template_name].states
            if groups[state]]


def home_board(session: Session, user_id: int) -> list:
    """The user's communities, each with its rounds (archived ones aside) and their programs
    by state."""
    memberships = session.exec(select(Membership, Community).join(
        Community, Community.id == Membership.community_id).where(
        Membership.user_id == user_id, Membership.active.is_(True))
        .order_by(Community.name)).all()
    ids = [community.id for _, community in memberships]
    rounds = session.exec(select(Round).where(Round.community_id.in_(ids),
                                              Round.status != ARCHIVED)
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
        & (Membership.user_id == reader_id) & Membership.active.is_(True)).where(
        Round.id == round_id)).first()
    if row is None:
        return None
    rnd, community, role = row
    programs = _programs_of([rnd.id], session, reader_id,
                            [rnd.id] if role == FACILITATOR else [])
    return rnd, community, group_by_state(programs[rnd.id], rnd.template)


def dusun_options(session: Session, community_id: int) -> list:
    return session.exec(select(Dusun).where(Dusun.community_id == community_id)
                        .order_by(Dusun.name)).all()


def member_round(session: Session, round_id: int, reader_id: int):
    """(round, community, board) if the reader is a member of the round's community; else
    None: to an outsider the round does not exist."""
    found = round_board(session, round_id, reader_id)
    if found is None or role_in(session, reader_id, found[1].id) is None:
        return None
    return found


def rounds_of(session: Session, community_id: int) -> list:
    """Every round of the community, archived ones too, the newest first."""
    return session.exec(select(Round).where(Round.community_id == community_id)
                        .order_by(Round.id.desc())).all()


def has_programs(session: Session, round_id: int) -> bool:
    """Whether the round has any program (its process is then fixed)."""
    return session.exec(select(Program.id).where(Program.round_id == round_id)
                        .limit(1)).first() is not None


def vote_open(session: Session, round_id: int) -> bool:
    """Whether a ballot of one of the round's programs is open (not closed yet)."""
    return session.exec(select(Ballot.id).join(Program, Program.id == Ballot.program_id)
                        .where(Program.round_id == round_id, Ballot.closed_at.is_(None))
                        .limit(1)).first() is not None


def form_choices() -> dict:
    """What a round's form offers: the processes, the statuses, the longest name."""
    return {"processes": TEMPLATE_LABELS, "statuses": STATUSES, "title_limit": TITLE}


def settings_of(rnd: Round) -> dict:
    """The round's settings as its form shows them."""
    return {name: "" if getattr(rnd, name) is None else str(getattr(rnd, name))
            for name in (*NEW_ROUND, "status")}


def community_part(session: Session, community_id: int) -> dict:
    """A community's rounds on its set-up page, and the form that opens a new one."""
    return {"rounds": rounds_of(session, community_id), "round_form": dict(NEW_ROUND),
            **form_choices()}
