"""The read side of drafting: a program's authors, its invitations and its revisions.

Who writes the program is its part of the program page; the revisions are compared two
at a time.
"""
import json

from sqlalchemy import case, literal
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from workflow.drafting import revisions
from workflow.drafting.models import CoauthorInvitation, Revision
from workflow.engine.processes import AUTHOR
from workflow.people.models import User
from workflow.programs.access import INVITEE
from workflow.programs.models import ProgramAuthor


def _username():
    """The login name, or '' for a person who asked to be forgotten (theirs is a
    placeholder that would say so)."""
    return case((User.anonymised_at.is_(None), User.username), else_=literal(""))


def authors_of(session: Session, program_id: int) -> list:
    """[(username, display name)] of the program's authors, in the order they joined."""
    return session.exec(select(_username(), User.display_name).join(
        ProgramAuthor, ProgramAuthor.user_id == User.id).where(
        ProgramAuthor.program_id == program_id).order_by(ProgramAuthor.id)).all()


def pending_invitations(session: Session, program_id: int) -> list:
    """[(username, display name, who invited them)] of the invitations not answered yet."""
    inviter = aliased(User)
    return session.exec(select(_username(), User.display_name, inviter.display_name)
                        .join(CoauthorInvitation, CoauthorInvitation.user_id == User.id)
                        .join(inviter, inviter.id == CoauthorInvitation.invited_by)
                        .where(CoauthorInvitation.program_id == program_id,
                               CoauthorInvitation.answered_at.is_(None))
                        .order_by(CoauthorInvitation.id)).all()


def page_part(facts) -> dict:
    """The authors and pending invitations, what the reader may do about them, and whether
    the words may still change (and if not, why)."""
    frozen = revisions.frozen_reason(facts.rnd.template, facts.program.state,
                                     facts.ballot is not None)
    is_author = AUTHOR in facts.roles
    return {
        "coauthors": authors_of(facts.session, facts.program.id),
        "invitations": pending_invitations(facts.session, facts.program.id)
        if is_author or INVITEE in facts.roles else [],
        "invited": INVITEE in facts.roles,
        "may_edit": is_author and frozen is None,
        "frozen": frozen if is_author else None,
    }


def revision_list(session: Session, program_id: int) -> list:
    """[(revision, author's display name, changed fields)] oldest first."""
    rows = session.exec(select(Revision, User.display_name).join(
        User, User.id == Revision.user_id).where(Revision.program_id == program_id)
        .order_by(Revision.number)).all()
    return [(revision, name, json.loads(revision.changed)) for revision, name in rows]


def compared(rows: list, a: int, b: int) -> list:
    """The difference from revision ``a`` to revision ``b`` among loaded ``rows``."""
    by_number = {revision.number: revision for revision, _, _ in rows}
    return revisions.compare(revisions.values_of(by_number[a]),
                             revisions.values_of(by_number[b]))
