"""Who may see and act on a program: loading it, the actor's roles on it, and the one
rule of reading (a draft is its authors', the facilitator's and its pending co-authors' only).

Every command and every read of a program goes through here, so the rule is written once.
"""
from typing import NamedTuple

from sqlmodel import Session, select

from workflow.communities.models import Community
from workflow.drafting.models import CoauthorInvitation
from workflow.engine.processes import AUTHOR, FACILITATOR
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.people.models import Membership
from workflow.programs import queries
from workflow.programs.models import Program, ProgramAuthor
from workflow.rounds.models import Round


def _not_found():
    return Refusal("not_found", Reason(N_("That program does not exist.")))


def load_program(session: Session, program_id: int, lock: bool = False):
    """The program and its round, in one query; the program's row is locked for the
    transaction when asked."""
    query = select(Program, Round).join(Round, Round.id == Program.round_id).where(
        Program.id == program_id)
    if lock:
        query = query.with_for_update(of=Program)
    found = session.exec(query).first()
    if found is None:
        raise _not_found()
    return found[0], found[1]


def program_in_stage(session: Session, actor, program_id: int, role: str, state: str,
                     not_your_role: Reason, not_now: str) -> Program:
    """The locked program, if the actor has ``role`` in its community and it is in ``state``.

    For the work done inside one stage (findings, supporters); ``not_now`` is a
    message id taking the stage's name as %(state)s.
    """
    program, rnd = load_program(session, program_id, lock=True)
    if role not in member_roles(session, actor, program, rnd):
        raise Refusal("forbidden", not_your_role)
    if program.state != state:
        raise Refusal("conflict", Reason(not_now, {"state": state}))
    return program


# Not a role of the process (no step names it): someone asked to co-author the program who
# has not answered yet. They read it, even a draft, to decide.
INVITEE = "invitee"


def roles_on(session: Session, user_id: int, program: Program, rnd: Round) -> frozenset:
    """The actor's roles for this program: their community role, plus author or invitee
    (one query)."""
    found = session.exec(select(Membership.role, ProgramAuthor.id, CoauthorInvitation.id)
                         .outerjoin(ProgramAuthor, (ProgramAuthor.program_id == program.id)
                                    & (ProgramAuthor.user_id == Membership.user_id))
                         .outerjoin(CoauthorInvitation,
                                    (CoauthorInvitation.program_id == program.id)
                                    & (CoauthorInvitation.user_id == Membership.user_id)
                                    & CoauthorInvitation.answered_at.is_(None))
                         .where(Membership.user_id == user_id,
                                Membership.community_id == rnd.community_id,
                                Membership.active.is_(True))).first()
    if found is None:
        return frozenset()
    role, authored, invited = found
    return frozenset({role} | ({AUTHOR} if authored else set())
                     | ({INVITEE} if invited else set()))


def member_roles(session, actor, program, rnd) -> frozenset:
    roles = roles_on(session, actor.id, program, rnd)
    if not may_read(program, roles):
        # Outsiders learn nothing about the program, not even that it exists; nor does a
        # member about another person's draft.
        raise _not_found()
    return roles


# A draft belongs to its authors until they submit it: only they, the community's
# facilitator (who helps people write their proposals) and whoever they invited to write
# it with them see it; to anyone else it does not exist. Every template starts in this state.
DRAFT = "draft"
DRAFT_READERS = frozenset({AUTHOR, FACILITATOR, INVITEE})


def may_read(program: Program, roles: frozenset) -> bool:
    """Whether someone with ``roles`` on the program (none: not a member) may see it."""
    return bool(roles) and (program.state != DRAFT or bool(roles & DRAFT_READERS))


class Readable(NamedTuple):
    program: Program
    rnd: Round
    community: Community
    roles: frozenset


def readable_program(session: Session, user, program_id: int) -> Readable | None:
    """The program with its round, community and the user's roles, if the user may see
    it; None when it does not exist for them (not a member, or someone else's draft)."""
    scope = queries.program_scope(session, program_id)
    if scope is None or user is None:
        return None
    program, rnd, community = scope
    roles = roles_on(session, user.id, program, rnd)
    if not may_read(program, roles):
        return None
    return Readable(program, rnd, community, roles)
