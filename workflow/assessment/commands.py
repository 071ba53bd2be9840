"""Social planning: the facilitator records the facts (findings) of the assessment."""
from datetime import datetime

from sqlmodel import Session

from workflow.assessment.models import Finding
from workflow.core import limits
from workflow.core.command import command
from workflow.engine.dates import latest_allowed, parse_date
from workflow.engine.processes import FACILITATOR
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.programs.access import program_in_stage
from workflow.rounds.models import Round
from workflow.rounds.queries import community_zone

LIMITS = limits.FINDING
# Facts are gathered while the program is in its assessment stage.
ASSESSING = "assessment"


def clean_finding(form, latest) -> dict:
    """Checked fields of a finding, or Refusal('invalid') naming each bad field.

    ``latest`` is the last date a fact may carry (dates.latest_allowed)."""
    errors, values = {}, {field: clean(form.get(field)) for field in LIMITS}
    for field, limit in LIMITS.items():
        if len(values[field]) > limit:
            errors[field] = Reason(N_("Too long: at most %(n)s letters."), {"n": limit})
    for field, message in (("indicator", N_("Say what was measured or counted.")),
                           ("value", N_("Write what was found, for example 45.")),
                           ("source", N_("Say where the fact comes from, so others can "
                                         "check it."))):
        if not values[field]:
            errors[field] = Reason(message)
    values["observed_on"] = parse_date(form.get("observed_on"), errors, "observed_on", None,
                                       latest=latest)
    if errors:
        raise Refusal("invalid", Reason(N_("Please correct the marked fields.")), errors)
    return values


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
