"""The read side of the discussion: the latest comments of a program and how many there are.
"""

from sqlalchemy import func
from sqlmodel import Session, select

from workflow.comments.models import Comment
from workflow.people.models import User

# The discussion shows its newest comments; the rest are one link away. A long talk would
# otherwise outweigh the page budget of a phone on 2G (see the thin-links browser test).
COMMENTS_SHOWN = 20


def recent_comments(session: Session, program_id: int, limit: int | None) -> tuple[list, int]:
    """The newest ``limit`` comments (all when None), oldest first, and how many there are."""
    query = (select(Comment, User.display_name, func.count().over())
             .join(User, User.id == Comment.user_id)
             .where(Comment.program_id == program_id).order_by(Comment.id.desc()))
    rows = session.exec(query if limit is None else query.limit(limit)).all()
    return [(comment, name) for comment, name, _ in reversed(rows)], rows[0][2] if rows else 0


def page_part(facts) -> dict:
    """The discussion: the newest comments (all of them when asked), and whether it is open."""
    shown = None if facts.args.get("comments") == "all" else COMMENTS_SHOWN
    comments, count = recent_comments(facts.session, facts.program.id, shown)
    return {"comments": comments, "comment_count": count,
            "comments_closed": facts.template.closed_for_comments(facts.program.state)}
