"""Social planning: the facilitator records the facts (findings) of the assessment."""
from datetime import datetime

from sqlmodel import Session

from workflow.assessment.models import Finding
from workflow.core import limits
from workflow.core.command import command
from workflow.core.fields import Fields
from workflow.engine.dates import latest_allowed
from workflow.engine.processes import FACILITATOR
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.programs.access import program_in_stage
from workflow.rounds.models import Round
from workflow.rounds.queries import community_zone

LIMITS = limits.FINDING
REQUIRED = {"indicator": N_("Say what was measured or counted."),
            "value": N_("Write what was found, for example 45."),
            "source": N_("Say where the fact comes from, so others can check it.")}
# Facts are gathered while the program is in its assessment stage.
ASSESSING = "assessment"


def clean_finding(form, latest) -> dict:
    """Checked fields of a finding, or Refusal('invalid') naming each bad field.

    ``latest`` is the last date a fact may carry (dates.latest_allowed)."""
    fields = Fields(form)
    for name, limit in LIMITS.items():
        fields.text(name, limit, required=REQUIRED.get(name))
    fields.date("observed_on", None, latest)
    return fields.checked()


def _assessing(session, actor, program_id):
    """The program, if the actor is its community's facilitator and facts are being gathered."""
    return program_in_stage(
        session, actor, program_id, FACILITATOR, ASSESSING,
        Reason(N_("Only the facilitator records findings.")),
        N_("Findings can be changed only while the program is %(state)s."))


def _latest_date(session, program, now: datetime):
    """The last date a fact may carry, on the calendar of the program's community."""
    rnd = session.get(Round, program.round_id)  # already loaded with the program
    return latest_allowed(now, community_zone(session, rnd.community_id))


def _finding_of(session, program, finding_id: int) -> Finding:
    finding = session.get(Finding, finding_id)
    if finding is None or finding.program_id != program.id:
        raise Refusal("not_found", Reason(N_("That finding does not exist.")))
    return finding


@command
def record_finding(session: Session, actor, program_id: int, form, now: datetime) -> Finding:
    """Add one finding (indicator, value, unit, source, date) to the assessment."""
    program = _assessing(session, actor, program_id)
    finding = Finding(program_id=program.id, recorded_by=actor.id, created_at=now,
                      **clean_finding(form, _latest_date(session, program, now)))
    session.add(finding)
    return finding


@command
def update_finding(session: Session, actor, program_id: int, finding_id: int, form,
                   now: datetime) -> Finding:
    """Correct a finding while the assessment is still open."""
    program = _assessing(session, actor, program_id)
    finding = _finding_of(session, program, finding_id)
    for field, value in clean_finding(form, _latest_date(session, program, now)).items():
        setattr(finding, field, value)
    session.add(finding)
    return finding


@command
def remove_finding(session: Session, actor, program_id: int, finding_id: int,
                   now: datetime) -> None:
    """Take a finding out of the assessment."""
    program = _assessing(session, actor, program_id)
    session.delete(_finding_of(session, program, finding_id))
