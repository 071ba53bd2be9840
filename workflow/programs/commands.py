"""Use cases: one verb-named function each.

Every command authorises the actor, asks the rules (the machine, the ballot
rules), writes the records and the audit event, and commits, all in one
transaction. It returns what it made or raises :class:`Refusal` with the
reason; on any failure nothing it wrote is kept.
"""
import functools
import json
from dataclasses import replace
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from workflow.core import audit, limits
from workflow.core.db import begin_write, lock_key
from workflow.engine import ballots as voting
from workflow.engine import machine
from workflow.engine.processes import AUTHOR, FACILITATOR, OFFICIAL, RESIDENT, TEMPLATES
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.models import Ballot, Comment, Event, Program, ProgramAuthor, Round, User, Vote
from workflow.people.passwords import role_in
from workflow.programs import queries
from workflow.programs import steps as step_inputs
from workflow.programs.form import clean_program
from workflow.programs.queries import (
    ballot_tally,
    community_zone,
    context_for,
    objections,
    open_ballot,
)

COMMENT_STANCES = ("support", "concern", "question")
PROPOSERS = {RESIDENT, FACILITATOR, OFFICIAL}
MAX_COMMENT = limits.COMMENT


def command(fn):
    """Commit what ``fn`` wrote, or roll all of it back if it raised."""
    @functools.wraps(fn)
    def run(session: Session, *args, **kwargs):
        try:
            begin_write(session)
            result = fn(session, *args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
    return run


class ConfirmFirst(Exception):
    """Raised, before anything is written, instead of firing a step that cannot be undone
    when the caller asked to hear first: ``transition`` is the step that would happen."""

    def __init__(self, transition):
        super().__init__(transition.name)
        self.transition = transition


def _not_found():
    return Refusal("not_found", Reason(N_("That program does not exist.")))


def load_program(session: Session, program_id: int, lock: bool = False):
    """The program and its round; the row is locked for the transaction when asked."""
    query = select(Program).where(Program.id == program_id)
    if lock:
        query = query.with_for_update()
    program = session.exec(query).first()
    if program is None:
        raise _not_found()
    return program, session.get(Round, program.round_id)


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


def roles_on(session: Session, user_id: int, program: Program, rnd: Round) -> frozenset:
    """The actor's roles for this program: their community role, plus author."""
    role = role_in(session, user_id, rnd.community_id)
    if role is None:
        return frozenset()
    is_author = session.exec(select(ProgramAuthor.id).where(
        ProgramAuthor.program_id == program.id, ProgramAuthor.user_id == user_id)).first()
    return frozenset({role, AUTHOR} if is_author else {role})


def member_roles(session, actor, program, rnd) -> frozenset:
    roles = roles_on(session, actor.id, program, rnd)
    if not queries.may_read(program, roles):
        # Outsiders learn nothing about the program, not even that it exists; nor does a
        # member about another person's draft.
        raise _not_found()
    return roles


class AlreadyProposed(Refusal):
    """The author already has a draft with exactly these words in the round."""

    def __init__(self, program_id: int):
        super().__init__("conflict", Reason(N_(
            "You have already saved this same proposal as a draft, so nothing new was "
            "saved. Here it is: you can still change it.")))
        self.program_id = program_id


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
        Program.state == queries.DRAFT,
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
    return program


def _apply_effects(session, transition, program, rnd, ctx, now, secret=False) -> dict:
    """Carry out a transition's effects; return what goes into the event's payload."""
    payload = {}
    for effect in transition.effects:
        if effect.startswith("open_"):
            kind = {"open_consent_ballot": voting.CONSENT,
                    "open_majority_ballot": voting.MAJORITY,
                    "open_advisory_poll": voting.ADVISORY}[effect]
            session.add(Ballot(program_id=program.id, kind=kind, opened_at=now, secret=secret))
            payload["ballot"], payload["secret"] = kind, secret
        elif effect == "close_ballot":
            ballot = open_ballot(session, program.id, lock=True)
            if ballot is not None:
                result = ballot_tally(session, ballot, rnd)
                # The verdict: True carried, False fell short with quorum, NULL decided
                # nothing (no quorum: to be held again; or an advisory poll).
                ballot.closed_at, ballot.passed = now, result.verdict
                session.add(ballot)
                payload["tally"] = result.as_dict()
                # The objections are what the next round of discussion must answer.
                payload["objections"] = objections(session, ballot)
    return payload


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
    open_ballot(session, program.id, lock=True)
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
    payload = {**inputs, **_apply_effects(session, transition, program, rnd, ctx, now, secret)}
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
    return program


def _open_ballot_for_vote(session, program, rnd):
    ballot = open_ballot(session, program.id, lock=True)
    if ballot is None:
        raise Refusal("conflict", Reason(N_("There is no open vote on this program now.")))
    return ballot


def _store_vote(session, ballot, voter_id, choice, reason, now, recorded_by=None):
    existing = session.exec(select(Vote).where(
        Vote.ballot_id == ballot.id, Vote.user_id == voter_id)).first()
    vote = existing or Vote(ballot_id=ballot.id, user_id=voter_id)
    # The vote forms tell a reason's problem at the choice (voting/partial/ballot.html, room_vote.html).
    vote.choice, vote.reason, vote.cast_at = (
        choice, limits.within(clean(reason), limits.VOTE_REASON, "choice"), now)
    vote.in_room, vote.recorded_by = recorded_by is not None, recorded_by
    session.add(vote)
    return vote


@command
def cast_vote(session: Session, actor, program_id: int, choice: str, reason: str,
              now: datetime) -> Vote:
    """Record or change the actor's vote on the program's open ballot."""
    program, rnd = load_program(session, program_id)
    roles = member_roles(session, actor, program, rnd)
    if RESIDENT not in roles:
        raise Refusal("forbidden", Reason(N_("Only residents of the community vote.")))
    ballot = _open_ballot_for_vote(session, program, rnd)
    problem = voting.check_choice(ballot.kind, choice, clean(reason))
    if problem:
        raise Refusal("invalid", problem, {"choice": problem})
    return _store_vote(session, ballot, actor.id, choice, reason, now)


@command
def record_room_vote(session: Session, actor, program_id: int, voter_id: int, choice: str,
                     reason: str, now: datetime) -> Vote:
    """The facilitator records the choice of a resident present in the meeting."""
    program, rnd = load_program(session, program_id)
    if FACILITATOR not in member_roles(session, actor, program, rnd):
        raise Refusal("forbidden", Reason(N_("Only the facilitator records votes in the room.")))
    ballot = _open_ballot_for_vote(session, program, rnd)
    if role_in(session, voter_id, rnd.community_id) != RESIDENT:
        raise Refusal("invalid", Reason(N_("Choose a resident from the community roll.")),
                      {"voter": Reason(N_("Choose a resident from the community roll."))})
    if session.get(User, voter_id).anonymised_at is not None:
        # A person who deleted their account is no longer on the roll and has no say.
        left = Reason(N_("This person has left and deleted their account: no vote can be "
                         "recorded for them. Choose a resident from the community roll."))
        raise Refusal("invalid", left, {"voter": left})
    problem = voting.check_choice(ballot.kind, choice, clean(reason))
    if problem:
        raise Refusal("invalid", problem, {"choice": problem})
    existing = session.exec(select(Vote).where(
        Vote.ballot_id == ballot.id, Vote.user_id == voter_id)).first()
    if existing is not None and not existing.in_room:
        # Counted once: the vote this person cast on their phone stands.
        raise Refusal("conflict", Reason(N_("This resident has already voted online; "
                                            "that vote counts.")))
    return _store_vote(session, ballot, voter_id, choice, reason, now, recorded_by=actor.id)


@command
def add_comment(session: Session, actor, program_id: int, stance: str, body: str,
                now: datetime) -> Comment:
    """A member adds a comment with a stance to the program's discussion."""
    program, rnd = load_program(session, program_id)
    member_roles(session, actor, program, rnd)
    body = clean(body)
    errors = {}
    if not body:
        errors["body"] = Reason(N_("Write your comment first."))
    elif len(body) > MAX_COMMENT:
        errors["body"] = Reason(N_("The comment is too long (at most %(n)s letters)."),
                                {"n": MAX_COMMENT})
    if stance not in COMMENT_STANCES:
        errors["stance"] = Reason(N_("Choose whether you support, have a concern or a question."))
    if TEMPLATES[rnd.template].closed_for_comments(program.state):
        raise Refusal("conflict", Reason(N_("This program is closed for comments.")))
    if errors:
        raise Refusal("invalid", next(iter(errors.values())), errors)
    comment = Comment(program_id=program.id, user_id=actor.id, stance=stance, body=body,
                      created_at=now)
    session.add(comment)
    return comment


def event_payload(event: Event) -> dict:
    return json.loads(event.payload or "{}")
