"""The read side of social planning: the facts gathered in the community diagnosis.
"""

from sqlalchemy import func
from sqlmodel import Session, select

from workflow.assessment.models import Finding


def sourced_findings(session: Session, program_id: int) -> int:
    return session.exec(select(func.count()).select_from(Finding).where(
        Finding.program_id == program_id, Finding.source != "")).one()


def findings(session: Session, program_id: int) -> list:
    return session.exec(select(Finding).where(Finding.program_id == program_id)
                        .order_by(Finding.id)).all()


def page_part(facts) -> dict:
    """The findings of a social-planning assessment (other templates have none)."""
    planning = facts.rnd.template == "planning"
    return {"findings": findings(facts.session, facts.program.id) if planning else []}
