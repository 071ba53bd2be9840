"""The read side of the discussion: what the page and its polled fragment show.

The comments with their replies, the counts per stance, the pinned summary, the
objections to answer, and the version the live page polls with.

Each reading is one query, whatever the number of comments: the discussion fragment is
polled by every open phone.
"""
import json
from datetime import timedelta

from sqlalchemy import case, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from workflow.comments.models import Comment, DiscussionSummary
from workflow.core.audit import Event
from workflow.engine import ballots
from workflow.engine.dates import as_utc
from workflow.engine.processes import FACILITATOR, RESIDENT
from workflow.people.models import Membership, User
from workflow.voting.models import Ballot, Vote

# The discussion shows its newest comments; the rest are one link away. A long talk would
# otherwise outweigh the page budget of a phone on 2G (see the thin-links browser test).
COMMENTS_SHOWN = 20
STANCES = ("support", "concern", "question")
# The history event of an objection the facilitator marked addressed.
ADDRESSED = "address_objection"
# How long the writer may still correct a comment: a typo, not a change of mind after replies.
EDIT_WINDOW = timedelta(minutes=15)

Recorder = aliased(User)


def _with_names(query):
    return (query.join(User, User.id == Comment.user_id)
            .outerjoin(Recorder, Recorder.id == Comment.recorded_by))


def recent_comments(session: Session, program_id: int, limit: int | None) -> tuple[list, int]:
    """The newest ``limit`` first-level comments (all when None), oldest first, as
    (comment, writer's name, recorder's name or None), and how many there are."""
    query = _with_names(select(Comment, User.display_name, Recorder.display_name,
                               func.count().over())).where(
        Comment.program_id == program_id, Comment.parent_id.is_(None)).order_by(Comment.id.desc())
    rows = session.exec(query if limit is None else query.limit(limit)).all()
    return [tuple(row[:3]) for row in reversed(rows)], rows[0][3] if rows else 0


def replies_to(session: Session, parent_ids: list[int]) -> dict:
    """parent id -> [(reply, writer's name, recorder's name)], oldest first."""
    if not parent_ids:
        return {}
    found: dict = {}
    for reply, name, recorder in session.exec(_with_names(
            select(Comment, User.display_name, Recorder.display_name)).where(
            Comment.parent_id.in_(parent_ids)).order_by(Comment.id)):
        found.setdefault(reply.parent_id, []).append((reply, name, recorder))
    return found


def latest_summary(session: Session, program_id: int):
    """(the newest pinned summary, its writer's name), or None."""
    return session.exec(select(DiscussionSummary, User.display_name).join(
        User, User.id == DiscussionSummary.author_id).where(
        DiscussionSummary.program_id == program_id)
        .order_by(DiscussionSummary.id.desc()).limit(1)).first()


def counts_and_version(session: Session, program_id: int) -> tuple[dict, str]:
    """How many first-level comments take each stance (hidden ones no longer count), and
    the discussion's version: what changes whenever anything it shows changes (a new
    comment or reply, an edit or a hide, a new summary, an objection addressed). Read from
    the database, so every worker answers the same; one query."""
    counted = Comment.parent_id.is_(None) & Comment.hidden_at.is_(None)
    per_stance = [func.coalesce(func.sum(case((counted & (Comment.stance == stance), 1),
                                              else_=0)), 0) for stance in STANCES]
    comments = select(func.coalesce(func.max(Comment.id), 0), func.count(Comment.id),
                      func.coalesce(func.sum(Comment.revision), 0), *per_stance).where(
        Comment.program_id == program_id).subquery()
    summary = select(func.coalesce(func.max(DiscussionSummary.id), 0)).where(
        DiscussionSummary.program_id == program_id).scalar_subquery()
    addressed = select(func.count(Event.id)).where(
        Event.program_id == program_id, Event.transition == ADDRESSED).scalar_subquery()
    row = [int(value) for value in session.exec(select(*comments.columns, summary,
                                                       addressed)).one()]
    stances = dict(zip(STANCES, row[3:3 + len(STANCES)]))
    return stances, "-".join(str(value) for value in row[:3] + row[3 + len(STANCES):])


def version(session: Session, program_id: int) -> str:
    """The discussion's version alone (what the polling pages compare)."""
    return counts_and_version(session, program_id)[1]


def objections_to_answer(session: Session, program_id: int) -> list:
    """[(vote id, reason)] of the blocks on the program's failed ballots, oldest first."""
    return session.exec(select(Vote.id, Vote.reason).join(Ballot, Ballot.id == Vote.ballot_id)
                        .where(Ballot.program_id == program_id, Ballot.closed_at.is_not(None),
                               Ballot.passed.is_not(True),
                               Vote.choice.in_(ballots.NEEDS_REASON))
                        .order_by(Vote.id)).all()


def addressed_objections(session: Session, program_id: int) -> set:
    """The objections (vote ids) the facilitator marked addressed."""
    return {json.loads(payload).get("objection") for payload in session.exec(
        select(Event.payload).where(Event.program_id == program_id,
                                    Event.transition == ADDRESSED))}


def answers(session: Session, program_id: int) -> dict:
    """objection (vote id) -> the ids of the comments answering it."""
    found: dict = {}
    for comment_id, vote_id in session.exec(select(Comment.id, Comment.objection_id).where(
            Comment.program_id == program_id, Comment.objection_id.is_not(None))
            .order_by(Comment.id)):
        found.setdefault(vote_id, []).append(comment_id)
    return found


def residents(session: Session, community_id: int) -> list:
    """[(user name, name)] of the community's residents, for the facilitator's assisted entry."""
    return session.exec(select(User.username, User.display_name).join(
        Membership, Membership.user_id == User.id).where(
        Membership.community_id == community_id, Membership.role == RESIDENT,
        Membership.active.is_(True), User.anonymised_at.is_(None))
        .order_by(User.display_name)).all()


def can_edit(comment, user_id: int, now) -> bool:
    """Whether ``user_id`` may still correct the comment (the rule of edit_comment)."""
    return (user_id in (comment.user_id, comment.recorded_by) and comment.hidden_at is None
            and as_utc(now) - as_utc(comment.created_at) <= EDIT_WINDOW)


def page_part(facts) -> dict:
    """The discussion: the newest comments (all when asked) with their replies, the counts,
    the summary, the objections to answer, the version it was read at, and whether it is
    open; the facilitator also gets the residents to enter something for."""
    session, program_id = facts.session, facts.program.id
    shown = None if facts.args.get("comments") == "all" else COMMENTS_SHOWN
    comments, count = recent_comments(session, program_id, shown)
    objections = objections_to_answer(session, program_id)
    facilitating = FACILITATOR in facts.roles
    stances, discussion_version = counts_and_version(session, program_id)
    replies = replies_to(session, [c.id for c, _, _ in comments])
    everything = [c for c, _, _ in comments] + [r for rs in replies.values() for r, _, _ in rs]
    return {"comments": comments, "comment_count": count,
            "replies": replies,
            "editable": {c.id for c in everything if can_edit(c, facts.user.id, facts.now)},
            "stance_counts": stances,
            "summary": latest_summary(session, program_id),
            "discussion_version": discussion_version,
            "discussion_objections": objections,
            "addressed": addressed_objections(session, program_id) if objections else set(),
            "answers": answers(session, program_id) if objections else {},
            "facilitating": facilitating,
            "residents": residents(session, facts.community.id) if facilitating else [],
            "comments_closed": facts.template.closed_for_comments(facts.program.state)}
