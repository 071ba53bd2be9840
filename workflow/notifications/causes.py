"""What a step on a program tells whom: the program's followers hear it moved on; the whole
community hears that a vote opened or closed. Called by ``fire_transition`` inside its own
transaction, after the step's event, so the news and the step are kept or lost together.

One step sends one kind of news: a step that opens or closes a ballot sends the vote news to
every active member (the program's followers among them), not also the change of state; the
vote news says what happened to the program. A draft (no step leads back to one) tells nobody.
"""
from datetime import datetime

from sqlalchemy import union
from sqlmodel import Session, select

from workflow.comments.models import Comment
from workflow.engine.ballots import ADVISORY
from workflow.notifications.models import PROGRAM_CHANGED, VOTE_CLOSED, VOTE_OPENED
from workflow.notifications.send import notify
from workflow.organizing.models import Supporter
from workflow.people.models import Membership, User
from workflow.programs.access import DRAFT
from workflow.programs.models import ProgramAuthor
from workflow.voting.models import Ballot
from workflow.voting.queries import open_ballot

# What a closed ballot decided, as VOTE_CLOSED's detail says it.
ACCEPTED, NOT_ACCEPTED, NO_QUORUM, POLL_ENDED = "accepted", "not_accepted", "no_quorum", "advisory"


def members(community_id: int):
    """The community's active members who have not left: a SELECT of user ids."""
    return select(Membership.user_id).join(User, User.id == Membership.user_id).where(
        Membership.community_id == community_id, Membership.active.is_(True),
        User.anonymised_at.is_(None))


def followers(program_id: int, community_id: int):
    """Who follows a program: its authors, its supporters and whoever commented on it, while
    they are active members of its community (so may read it): one SELECT of user ids."""
    following = union(
        select(ProgramAuthor.user_id.label("user_id")).where(ProgramAuthor.program_id == program_id),
        select(Supporter.user_id).where(Supporter.program_id == program_id),
        select(Comment.user_id).where(Comment.program_id == program_id)).subquery()
    return select(following.c.user_id).where(following.c.user_id.in_(members(community_id)))


def outcome(ballot: Ballot) -> str:
    """What a closed ballot decided (its ``passed``: True, False, or NULL without quorum)."""
    if ballot.kind == ADVISORY:
        return POLL_ENDED
    if ballot.passed is None:
        return NO_QUORUM
    return ACCEPTED if ballot.passed else NOT_ACCEPTED


def step_taken(session: Session, program, rnd, actor_id: int, ballot_before: Ballot | None,
               now: datetime) -> None:
    """Tell of the step that just moved ``program`` (its new state loaded); ``ballot_before``
    is the ballot that was open before the step's effects ran (the same object they closed)."""
    if program.state == DRAFT:
        return
    link = f"/programs/{program.id}"
    common = dict(now=now, program_id=program.id, actor_id=actor_id)
    if ballot_before is not None and ballot_before.closed_at is not None:
        notify(session, members(rnd.community_id), VOTE_CLOSED, link=link + "#ballot",
               detail=outcome(ballot_before), **common)
        return
    # Only one ballot is open at a time: a new one can only follow a step with none open.
    opened = open_ballot(session, program.id) if ballot_before is None else None
    if opened is not None:
        notify(session, members(rnd.community_id), VOTE_OPENED, link=link + "#ballot",
               detail=opened.kind, **common)
        return
    notify(session, followers(program.id, rnd.community_id), PROGRAM_CHANGED, link=link,
           detail=program.state, **common)
