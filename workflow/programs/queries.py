"""The read side of a program: its scope, history, authors and place, and its own part of the page."""
import json

from sqlmodel import Session, select

from workflow.communities.models import Community, Dusun
from workflow.core.audit import Event
from workflow.engine import machine
from workflow.engine.diagram import layout
from workflow.people.models import User
from workflow.programs.models import Program, ProgramAuthor
from workflow.programs.steps import STEP_FIELDS
from workflow.rounds.models import Round


def latest_payload(history_rows: list, transition: str) -> dict | None:
    """The payload of the newest event of ``transition`` among already loaded history rows."""
    for event, _name in reversed(history_rows):
        if event.transition == transition:
            return json.loads(event.payload or "{}")
    return None


















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




def authors(session: Session, program_id: int) -> list:
    return session.exec(select(User.display_name).join(
        ProgramAuthor, ProgramAuthor.user_id == User.id).where(
        ProgramAuthor.program_id == program_id).order_by(ProgramAuthor.id)).all()


def dusun_name(session: Session, dusun_id: int | None) -> str:
    return session.get(Dusun, dusun_id).name if dusun_id else ""














def event_payload(event: Event) -> dict:
    return json.loads(event.payload or "{}")


def page_part(facts) -> dict:
    """The program itself: the steps the reader may take, its history and process diagram,
    its authors and place."""
    return {
        "steps": machine.available(facts.template, facts.program.state, facts.ctx),
        "step_fields": STEP_FIELDS,
        "history": facts.history, "diagram": layout(facts.template),
        "authors": authors(facts.session, facts.program.id),
        "dusun_name": dusun_name(facts.session, facts.program.dusun_id),
    }
