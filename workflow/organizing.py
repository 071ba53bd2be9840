"""Social action: residents join a program as supporters before its demands go to a vote."""
from datetime import datetime

from sqlmodel import Session, delete, select

from .commands import command, load_program, member_roles
from .models import Supporter
from .processes import RESIDENT
from .reasons import N_, Reason, Refusal

# Supporters gather while the program is being organised (and again after a refusal).
GATHERING = {"organizing"}


def _check(session, actor, program_id):
    program, rnd = load_program(session, program_id, lock=True)
    if RESIDENT not in member_roles(session, actor, program, rnd):
        raise Refusal("forbidden", Reason(N_("Only residents of the community join as supporters.")))
    if program.state not in GATHERING:
        raise Refusal("conflict", Reason(
            N_("Supporters can join only while the program is %(state)s."),
            {"state": "organizing"}))
    return program


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
