"""Use cases of the discussion: comments, replies, edits and hides.

A member comments with a stance (or the facilitator for a resident without a phone),
replies one level deep, edits a comment for a short while and hides it later; the
facilitator hides any comment with a reason.
"""
from datetime import datetime

from sqlmodel import Session, select

from workflow.comments.assisted import resident_for
from workflow.comments.models import Comment
from workflow.comments.queries import can_edit
from workflow.core import audit, limits
from workflow.core.command import command
from workflow.engine import ballots
from workflow.engine.processes import FACILITATOR, TEMPLATES
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean, is_number
from workflow.notifications.models import REPLY
from workflow.notifications.send import notify
from workflow.programs.access import load_program, member_roles
from workflow.voting.models import Ballot, Vote

COMMENT_STANCES = ("support", "concern", "question")
MAX_COMMENT = limits.COMMENT


def _body(body: str) -> tuple[str, dict]:
    body = clean(body)
    if not body:
        return body, {"body": Reason(N_("Write your comment first."))}
    if len(body) > MAX_COMMENT:
        return body, {"body": Reason(N_("The comment is too long (at most %(n)s letters)."),
                                     {"n": MAX_COMMENT})}
    return body, {}


def _open_discussion(session, actor, program_id):
    program, rnd = load_program(session, program_id, lock=True)
    roles = member_roles(session, actor, program, rnd)
    if TEMPLATES[rnd.template].closed_for_comments(program.state):
        raise Refusal("conflict", Reason(N_("This program is closed for comments.")))
    return program, rnd, roles


def _objection(session, program_id: int, objection) -> int | None:
    """The objection (a vote with a reason on a closed ballot) a comment answers, if any."""
    if objection in (None, ""):
        return None
    vote_id = int(objection) if is_number(str(objection), 9) else -1
    found = session.exec(select(Vote.id).join(Ballot, Ballot.id == Vote.ballot_id).where(
        Vote.id == vote_id, Ballot.program_id == program_id, Ballot.closed_at.is_not(None),
        Vote.choice.in_(ballots.NEEDS_REASON))).first()
    if found is None:
        raise Refusal("not_found", Reason(N_("There is no such objection on this program.")))
    return found


@command
def add_comment(session: Session, actor, program_id: int, stance: str, body: str,
                now: datetime, on_behalf_of: str = "", objection=None) -> Comment:
    """A member adds a comment with a stance (the facilitator may add one for a resident,
    ``on_behalf_of``; a comment may answer an ``objection`` of a failed consent round)."""
    program, rnd, roles = _open_discussion(session, actor, program_id)
    resident = resident_for(session, roles, rnd.community_id, on_behalf_of)
    body, errors = _body(body)
    if stance not in COMMENT_STANCES:
        errors["stance"] = Reason(N_("Choose whether you support, have a concern or a question."))
    objection_id = _objection(session, program.id, objection)
    if errors:
        raise Refusal("invalid", next(iter(errors.values())), errors)
    comment = Comment(program_id=program.id, user_id=(resident or actor).id, stance=stance,
                      body=body, created_at=now, objection_id=objection_id,
                      recorded_by=actor.id if resident else None)
    session.add(comment)
    return comment


@command
def add_reply(session: Session, actor, program_id: int, parent_id, body: str,
              now: datetime, on_behalf_of: str = "") -> Comment:
    """A member replies to a comment (one level deep: never to a reply, nor to a hidden
    comment); the comment's writer is told. A reply takes no stance of its own."""
    program, rnd, roles = _open_discussion(session, actor, program_id)
    parent = session.get(Comment, int(parent_id)) if is_number(str(parent_id), 9) else None
    if parent is None or parent.program_id != program.id:
        raise Refusal("not_found", Reason(N_("There is no such comment on this program.")))
    if parent.parent_id is not None:
        raise Refusal("conflict", Reason(N_("Replies go one level deep: answer the first "
                                            "comment instead.")))
    if parent.hidden_at is not None:
        raise Refusal("conflict", Reason(N_("This comment is hidden and takes no replies.")))
    resident = resident_for(session, roles, rnd.community_id, on_behalf_of)
    body, errors = _body(body)
    if errors:
        raise Refusal("invalid", errors["body"], {"reply": errors["body"]})
    reply = Comment(program_id=program.id, user_id=(resident or actor).id, stance="",
                    body=body, created_at=now, parent_id=parent.id,
                    recorded_by=actor.id if resident else None)
    session.add(reply)
    session.flush()
    notify(session, [parent.user_id], REPLY, link=f"/programs/{program.id}#comment-{reply.id}",
           now=now, program_id=program.id, actor_id=actor.id)
    return reply


def _own_comment(session, actor, program_id, comment_id):
    program, rnd = load_program(session, program_id, lock=True)
    roles = member_roles(session, actor, program, rnd)
    comment = session.get(Comment, comment_id)
    if comment is None or comment.program_id != program.id:
        raise Refusal("not_found", Reason(N_("There is no such comment on this program.")))
    return program, rnd, roles, comment


@command
def edit_comment(session: Session, actor, program_id: int, comment_id: int, body: str,
                 now: datetime) -> Comment:
    """The writer (or the facilitator who entered it) corrects a comment within 15 minutes."""
    program, rnd, roles, comment = _own_comment(session, actor, program_id, comment_id)
    if actor.id not in (comment.user_id, comment.recorded_by):
        raise Refusal("forbidden", Reason(N_("Only the writer of a comment changes it.")))
    if comment.hidden_at is not None:
        raise Refusal("conflict", Reason(N_("A hidden comment cannot be changed.")))
    if not can_edit(comment, actor.id, now):
        raise Refusal("conflict", Reason(N_("A comment can be changed only in the first "
                                            "%(n)s minutes."), {"n": 15}))
    if TEMPLATES[rnd.template].closed_for_comments(program.state):
        raise Refusal("conflict", Reason(N_("This program is closed for comments.")))
    body, errors = _body(body)
    if errors:
        raise Refusal("invalid", errors["body"], {"edit": errors["body"]})
    comment.body, comment.edited_at, comment.revision = body, now, comment.revision + 1
    session.add(comment)
    return comment


@command
def hide_comment(session: Session, actor, program_id: int, comment_id: int, reason: str,
                 now: datetime) -> Comment:
    """The writer hides their own comment; the facilitator hides any, with a reason that
    is kept in the program's history. The text stays for the writer and the facilitator."""
    program, rnd, roles, comment = _own_comment(session, actor, program_id, comment_id)
    reason = clean(reason)
    moderating = FACILITATOR in roles and actor.id != comment.user_id
    if not moderating and actor.id != comment.user_id:
        raise Refusal("forbidden", Reason(N_("Only the writer or the facilitator hides a "
                                             "comment.")))
    if comment.hidden_at is not None:
        return comment  # hidden already (a double click): nothing more to do
    if moderating and not reason:
        missing = Reason(N_("Say why the comment is hidden."))
        raise Refusal("invalid", missing, {"reason": missing})
    limits.within(reason, limits.HIDE_REASON, "reason")
    comment.hidden_at, comment.hidden_reason = now, reason
    comment.revision += 1
    session.add(comment)
    if moderating:
        audit.append_event(session, program_id=program.id, actor_id=actor.id, at=now,
                           transition="hide_comment", from_state=program.state,
                           to_state=program.state,
                           payload={"comment": comment.id, "reason": reason})
    return comment
