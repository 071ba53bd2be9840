"""Social action: residents join a program as supporters before its demands go to a vote."""
from datetime import datetime

from sqlmodel import Session, delete, select

from workflow.core.command import command
from workflow.engine.processes import RESIDENT
from workflow.engine.reasons import N_, Reason
from workflow.organizing.models import Supporter
from workflow.programs.access import program_in_stage

# Supporters gather while the program is being organised (and again after a refusal).
GATHERING = "organizing"


def _check(session, actor, program_id):
    """Supporters gather while the program is organised (again after a refusal)."""
    return program_in_stage(
        session, actor, program_id, RESIDENT, GATHERING,
        Reason(N_("Only residents of the community join as supporters.")),
        N_("Supporters can join only while the program is %(state)s."))


@command
def join_supporters(session: Session, actor, program_id: int, now: datetime) -> Supporter:
    """The resident joins the program as a supporter (once; joining again changes nothing)."""
    program = _check(session, actor, program_id)
    existing = session.exec(select(Supporter).where(
        Supporter.program_id == program.id, Supporter.user_id == actor.id)).first()
    if existing is not None:
        return existing
    supporter = Supporter(program_id=program.id, user_id=actor.id, joined_at=now)
    session.add(supporter)
    return supporter


@command
def leave_supporters(session: Session, actor, program_id: int, now: datetime) -> None:
    """The resident stops supporting the program."""
    program = _check(session, actor, program_id)
    session.exec(delete(Supporter).where(Supporter.program_id == program.id,
                                         Supporter.user_id == actor.id))
