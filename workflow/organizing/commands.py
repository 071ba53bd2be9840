"""Social action: residents join a program as supporters before its demands go to a vote."""
from datetime import datetime

from sqlmodel import Session, delete, select

from workflow.comments.assisted import resident_for
from workflow.core.command import command
from workflow.engine.processes import RESIDENT
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.organizing.models import Supporter
from workflow.programs.access import load_program, member_roles, program_in_stage

# Supporters gather while the program is being organised (and again after a refusal).
GATHERING = "organizing"


def _check(session, actor, program_id):
    """Supporters gather while the program is organised (again after a refusal)."""
    return program_in_stage(
        session, actor, program_id, RESIDENT, GATHERING,
        Reason(N_("Only residents of the community join as supporters.")),
        N_("Supporters can join only while the program is %(state)s."))


def _for_resident(session, actor, program_id, on_behalf_of):
    """The facilitator's assisted entry: the program in its gathering stage, and the resident."""
    program, rnd = load_program(session, program_id, lock=True)
    resident = resident_for(session, member_roles(session, actor, program, rnd),
                            rnd.community_id, on_behalf_of)
    if program.state != GATHERING:
        raise Refusal("conflict", Reason(N_("Supporters can join only while the program is "
                                            "%(state)s."), {"state": GATHERING}))
    return program, resident


@command
def join_supporters(session: Session, actor, program_id: int, now: datetime,
                    on_behalf_of: str = "") -> Supporter:
    """The resident joins the program as a supporter (once; joining again changes nothing);
    or the facilitator records the support of a resident without a phone (``on_behalf_of``)."""
    if (on_behalf_of or "").strip():
        program, resident = _for_resident(session, actor, program_id, on_behalf_of)
    else:
        program, resident = _check(session, actor, program_id), None
    person = resident or actor
    existing = session.exec(select(Supporter).where(
        Supporter.program_id == program.id, Supporter.user_id == person.id)).first()
    if existing is not None:
        return existing
    supporter = Supporter(program_id=program.id, user_id=person.id, joined_at=now,
                          recorded_by=actor.id if resident else None)
    session.add(supporter)
    return supporter


@command
def leave_supporters(session: Session, actor, program_id: int, now: datetime) -> None:
    """The resident stops supporting the program."""
    program = _check(session, actor, program_id)
    session.exec(delete(Supporter).where(Supporter.program_id == program.id,
                                         Supporter.user_id == actor.id))
