"""Writing a program together: invitations, their answers, and leaving the authors.

An author invites a member, who accepts or declines; an author may leave, but a program
always keeps one.

A draft is private and may be thrown away with all that hangs on it, so who was asked
and who answered is kept in the invitation table only; once the program is submitted,
each change of who writes it also goes into the program's history (the audit chain).
"""
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, select

from workflow.core import audit
from workflow.core.command import command
from workflow.drafting import revisions
from workflow.drafting.models import ACCEPTED, DECLINED, CoauthorInvitation
from workflow.engine.processes import AUTHOR
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.notifications.models import INVITED
from workflow.notifications.send import notify
from workflow.people.models import Membership, User
from workflow.programs.access import DRAFT, load_program, member_roles
from workflow.programs.models import Program, ProgramAuthor
from workflow.voting.queries import open_ballot

# The events of the program's history (once it is submitted).
INVITE, ACCEPT, DECLINE, LEAVE = ("invite_coauthor", "accept_coauthor", "decline_coauthor",
                                  "leave_authors")


def _record(session, program: Program, actor_id: int, now: datetime, what: str,
            payload: dict) -> None:
    if program.state != DRAFT:
        audit.append_event(session, program_id=program.id, actor_id=actor_id, at=now,
                           transition=what, from_state=program.state,
                           to_state=program.state, payload=payload)


def _invalid(message: str, **values) -> Refusal:
    reason = Reason(message, values)
    return Refusal("invalid", reason, {"username": reason})


def _pending(session: Session, program_id: int, user_id: int) -> CoauthorInvitation | None:
    return session.exec(select(CoauthorInvitation).where(
        CoauthorInvitation.program_id == program_id, CoauthorInvitation.user_id == user_id,
        CoauthorInvitation.answered_at.is_(None))).first()


@command
def invite_coauthor(session: Session, actor, program_id: int, username: str,
                    now: datetime) -> CoauthorInvitation:
    """An author asks the member with login name ``username`` to write the program too."""
    program, rnd = load_program(session, program_id, lock=True)
    if AUTHOR not in member_roles(session, actor, program, rnd):
        raise Refusal("forbidden", Reason(N_("Only an author of this program can invite "
                                             "co-authors.")))
    frozen = revisions.frozen_reason(rnd.template, program.state,
                                     open_ballot(session, program.id) is not None)
    if frozen is not None:
        raise Refusal("conflict", frozen)
    name = clean(username).lower()[:64]
    if not name:
        raise _invalid(N_("Write the login name of the member to invite."))
    # An unknown name and a person of another community get the same answer: the form
    # does not tell who has an account elsewhere.
    found = session.exec(select(User.id, User.display_name).join(
        Membership, Membership.user_id == User.id).where(
        User.username == name, Membership.community_id == rnd.community_id,
        Membership.active.is_(True))).first()
    if found is None:
        raise _invalid(N_("No member of this community has the login name %(username)s."),
                       username=name)
    invitee_id, invitee_name = found
    if session.exec(select(ProgramAuthor.id).where(ProgramAuthor.program_id == program.id,
                                                   ProgramAuthor.user_id == invitee_id)).first():
        raise _invalid(N_("%(name)s is already an author of this program."), name=invitee_name)
    if _pending(session, program.id, invitee_id) is not None:
        raise _invalid(N_("%(name)s is already invited and has not answered yet."),
                       name=invitee_name)
    invitation = CoauthorInvitation(program_id=program.id, user_id=invitee_id,
                                    invited_by=actor.id, invited_at=now)
    session.add(invitation)
    _record(session, program, actor.id, now, INVITE, {"coauthor": invitee_id})
    notify(session, [invitee_id], INVITED, link=f"/programs/{program.id}", now=now,
           program_id=program.id, actor_id=actor.id)
    return invitation


def _last_answer(session: Session, program_id: int, user_id: int) -> str | None:
    return session.exec(select(CoauthorInvitation.answer).where(
        CoauthorInvitation.program_id == program_id, CoauthorInvitation.user_id == user_id)
        .order_by(CoauthorInvitation.id.desc()).limit(1)).first()


def _answer(session: Session, actor, program_id: int, answer: str, now: datetime) -> Program:
    program, rnd = load_program(session, program_id, lock=True)
    roles = member_roles(session, actor, program, rnd)
    invitation = _pending(session, program.id, actor.id)
    if invitation is None:
        if answer == ACCEPTED and AUTHOR in roles and _last_answer(session, program.id,
                                                                   actor.id) == ACCEPTED:
            return program  # a second click of "accept": the first made them an author
        raise Refusal("conflict", Reason(N_("You have no invitation to answer for this "
                                            "program.")))
    invitation.answered_at, invitation.answer = now, answer
    session.add(invitation)
    if answer == ACCEPTED:
        session.add(ProgramAuthor(program_id=program.id, user_id=actor.id))
    _record(session, program, actor.id, now, ACCEPT if answer == ACCEPTED else DECLINE, {})
    return program


@command
def accept_coauthor(session: Session, actor, program_id: int, now: datetime) -> Program:
    """The invitee becomes an author of the program."""
    return _answer(session, actor, program_id, ACCEPTED, now)


@command
def decline_coauthor(session: Session, actor, program_id: int, now: datetime) -> Program:
    """The invitee says no; a draft is then theirs no more to read."""
    return _answer(session, actor, program_id, DECLINED, now)


@command
def leave_authors(session: Session, actor, program_id: int, now: datetime) -> Program:
    """An author stops being one, unless they are the last."""
    program, rnd = load_program(session, program_id, lock=True)
    if AUTHOR not in member_roles(session, actor, program, rnd):
        raise Refusal("forbidden", Reason(N_("Only an author of this program can leave "
                                             "its authors.")))
    authors = session.exec(select(func.count()).select_from(ProgramAuthor).where(
        ProgramAuthor.program_id == program.id)).one()
    if authors <= 1:
        raise Refusal("conflict", Reason(N_(
            "You are the only author: a program always keeps one. Invite someone to write "
            "it with you first, then leave.")))
    session.exec(delete(ProgramAuthor).where(ProgramAuthor.program_id == program.id,
                                             ProgramAuthor.user_id == actor.id))
    _record(session, program, actor.id, now, LEAVE, {})
    return program
