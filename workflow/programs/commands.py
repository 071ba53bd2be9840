"""Use cases of a program: propose it, and fire a step of its process.

Every command authorises the actor, asks the rules (the machine, the ballot
rules), writes the records and the audit event, and commits, all in one
transaction. It returns what it made or raises :class:`Refusal` with the
reason; on any failure nothing it wrote is kept.
"""
from dataclasses import replace
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from workflow.core import audit, limits
from workflow.core.audit import Event
from workflow.core.command import command
from workflow.core.db import lock_key
from workflow.drafting.revisions import record_revision
from workflow.engine import machine
from workflow.engine.processes import FACILITATOR, OFFICIAL, RESIDENT, TEMPLATES
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.notifications import causes as news
from workflow.people.passwords import role_in
from workflow.programs import effects
from workflow.programs import steps as step_inputs
from workflow.programs.access import DRAFT, load_program, member_roles
from workflow.programs.facts import context_for
from workflow.programs.form import clean_program
from workflow.programs.models import Program, ProgramAuthor
from workflow.rounds.models import OPEN, Round
from workflow.rounds.queries import community_zone
from workflow.voting.queries import open_ballot

PROPOSERS = {RESIDENT, FACILITATOR, OFFICIAL}


class ConfirmFirst(Exception):
    """Raised, before anything is written, instead of firing a step that cannot be undone
    when the caller asked to hear first: ``transition`` is the step that would happen."""

    def __init__(self, transition):
        super().__init__(transition.name)
        self.transition = transition


class AlreadyProposed(Refusal):
    """The author already has a draft with exactly these words in the round."""

    def __init__(self, program_id: int):
        super().__init__("conflict", Reason(N_(
            "You have already saved this same proposal as a draft, so nothing new was "
            "saved. Here it is: you can still change it.")))
        self.program_id = program_id


def open_for_proposals(rnd: Round) -> None:
    """Refuse a new program in a round that is closed or archived."""
    if rnd.status != OPEN:
        raise Refusal("conflict", Reason(N_(
            "This planning round is closed: it takes no new programs.")))


@command
def create_program(session: Session, actor, round_id: int, form: dict, submission_key: str,
                   now: datetime) -> Program:
    """Save a new program as a draft, with the actor as its first author."""
    rnd = session.get(Round, round_id)
    role = role_in(session, actor.id, rnd.community_id) if rnd else None
    if role is None:
        raise Refusal("not_found", Reason(N_("That planning round does not exist.")))
    if role not in PROPOSERS:
        raise Refusal("forbidden", Reason(N_("Your role cannot propose programs here.")))
    open_for_proposals(rnd)
    submission_key = clean(submission_key)[:64]
    if submission_key:
        lock_key(session, "program-form:" + submission_key)
        existing = session.exec(select(Program).where(
            Program.submission_key == submission_key)).first()
        if existing is not None:
            return existing  # the same form sent twice: one program
    values = clean_program(session, rnd.community_id, form)
    # A form shown again (Back, then Save) has a new key but the same words: say so and
    # point to the draft already made, rather than make a second identical one.
    lock_key(session, f"proposals-of:{actor.id}")
    same = session.exec(select(Program.id).join(
        ProgramAuthor, ProgramAuthor.program_id == Program.id).where(
        ProgramAuthor.user_id == actor.id, Program.round_id == rnd.id,
        Program.state == DRAFT,
        *[getattr(Program, field) == value for field, value in values.items()])).first()
    if same is not None:
        raise AlreadyProposed(same)
    template = TEMPLATES[rnd.template]
    program = Program(round_id=rnd.id, state=template.initial, state_since=now,
                      created_by=actor.id, created_at=now,
                      submission_key=submission_key or None, **values)
    session.add(program)
    session.flush()
    session.add(ProgramAuthor(program_id=program.id, user_id=actor.id))
    record_revision(session, program, actor.id, now)  # revision 1: the words as proposed
    return program


@command
def fire_transition(session: Session, actor, program_id: int, name: str, now: datetime,
                    reason: str = "", expected_state: str | None = None,
                    form: dict | None = None, ask_first: bool = False) -> Program:
    """Move the program one step along its template, if the machine allows it.

    ``form`` carries what some steps record (the demand delivered, the answer
    received); it is checked after the role, before the guards. With ``ask_first``
    a step marked ``confirm`` is checked in full, then :class:`ConfirmFirst` is
    raised instead of firing it (the web's "are you sure?").
    """
    program, rnd = load_program(session, program_id, lock=True)
    roles = member_roles(session, actor, program, rnd)
    if expected_state and program.state != expected_state:
        last = session.exec(select(Event).where(Event.program_id == program.id)
                            .order_by(Event.id.desc()).limit(1)).first()
        if (last and last.transition == name and last.actor_id == actor.id
                and last.from_state == expected_state):
            return program  # a double-clicked button: the first click did it
        raise Refusal("conflict", Reason(
            N_("Someone else already moved this program on: it is now %(state)s."),
            {"state": program.state}))
    template = TEMPLATES[rnd.template]
    # Lock the open ballot before counting it: no vote may land between the count
    # the machine decides on and the count stored when the ballot closes.
    ballot_before = open_ballot(session, program.id, lock=True)
    ctx = context_for(session, program, rnd, roles, now, clean(reason))
    machine.permitted(template, program.state, name, ctx)
    limits.within(clean(reason), limits.REASON, "reason")  # refused whole, never cut short
    # "Today" (the default delivery date) is the community's date, not the server's.
    inputs = step_inputs.clean_inputs(name, form, now,
                                      community_zone(session, rnd.community_id))
    ctx = replace(ctx, outcome=inputs.get("outcome", ""))
    transition = machine.fire(template, program.state, name, ctx)
    if ask_first and transition.confirm:
        raise ConfirmFirst(transition)
    source = program.state
    # A ballot is secret when the facilitator ticked it on the step that opens it.
    secret = (form or {}).get("secret") in ("on", "true", "1")
    payload = {**inputs, **effects.apply_effects(session, transition, program, rnd, now, secret)}
    if clean(reason):
        payload["reason"] = clean(reason)
    # The version check refuses a write based on a state someone has since changed.
    moved = session.exec(update(Program).where(
        Program.id == program.id, Program.version == program.version).values(
        state=transition.target, state_since=now, version=program.version + 1))
    if moved.rowcount != 1:
        raise Refusal("conflict", Reason(N_("Someone else changed this program at the same "
                                            "moment. Please look again.")))
    audit.append_event(session, program_id=program.id, actor_id=actor.id, at=now,
                       transition=name, from_state=source, to_state=transition.target,
                       payload=payload)
    session.refresh(program)
    # The news of the step, in its transaction: written with it or not at all.
    news.step_taken(session, program, rnd, actor.id, ballot_before, now)
    return program


