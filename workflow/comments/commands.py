"""Use cases of the discussion: a member adds a comment with a stance.
"""
from datetime import datetime

from sqlmodel import Session

from workflow.comments.models import Comment
from workflow.core import limits
from workflow.core.command import command
from workflow.engine.processes import TEMPLATES
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.programs.access import load_program, member_roles

COMMENT_STANCES = ("support", "concern", "question")
MAX_COMMENT = limits.COMMENT


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
