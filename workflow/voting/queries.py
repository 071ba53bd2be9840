"""The read side of voting: the open ballot, its tally and quorum base, the roll of residents,
the objections raised; each in a fixed number of queries.
"""
import json

from sqlalchemy import func, or_, union_all
from sqlmodel import Session, select

from workflow.engine import ballots as voting
from workflow.engine.processes import FACILITATOR, RESIDENT
from workflow.meetings.models import RoomCount
from workflow.people.models import Membership, User
from workflow.programs.queries import latest_payload
from workflow.rounds.models import Round
from workflow.voting.models import Ballot, Vote


def open_ballot(session: Session, program_id: int, lock: bool = False) -> Ballot | None:
    query = select(Ballot).where(Ballot.program_id == program_id, Ballot.closed_at.is_(None))
    if lock:
        query = query.with_for_update()
    return session.exec(query.order_by(Ballot.id.desc()).limit(1)).first()


def ballots_summary(session: Session, program_id: int) -> tuple[int, bool]:
    """(ballots ever opened, whether a consent round that reached quorum has failed).

    A consent ballot closed without quorum keeps ``passed`` NULL (it decided nothing),
    so it does not count as failed and unlocks no majority fallback.
    """
    rows = session.exec(select(Ballot.kind, Ballot.passed).where(
        Ballot.program_id == program_id)).all()
    return len(rows), any(k == voting.CONSENT and p is False for k, p in rows)


def eligible_voters(session: Session, community_id: int, ballot_id: int | None = None) -> int:
    """The quorum's base: the community's active residents, not counting those who left
    or were deactivated.

    A person who left (anonymised) or was deactivated after voting on ``ballot_id`` is
    still counted there: their vote stands, and the base must hold every vote it counts.
    """
    present = User.anonymised_at.is_(None) & Membership.active.is_(True)
    if ballot_id is not None:
        present = or_(present, User.id.in_(select(Vote.user_id).where(
            Vote.ballot_id == ballot_id)))
    return session.exec(select(func.count()).select_from(Membership).join(
        User, User.id == Membership.user_id).where(
        Membership.community_id == community_id, Membership.role == RESIDENT, present)).one()


def counted(ballot_id: int):
    """(choice, how many) of a ballot in one aggregate query: the votes cast (on phones or
    recorded by name in the room) and the counts of a secret ballot entered in the hall
    (meetings/counts.py), which count towards the quorum like votes."""
    votes = select(Vote.choice.label("choice"), func.count().label("many")).where(
        Vote.ballot_id == ballot_id).group_by(Vote.choice)
    room = select(RoomCount.choice.label("choice"), RoomCount.count.label("many")).where(
        RoomCount.ballot_id == ballot_id)
    both = union_all(votes, room).subquery()
    return select(both.c.choice, func.sum(both.c.many)).group_by(both.c.choice)


def ballot_tally(session: Session, ballot: Ballot, rnd: Round) -> voting.Tally:
    rows = session.exec(counted(ballot.id)).all()
    return voting.tally_counts(ballot.kind, ((c, int(n)) for c, n in rows),
                               eligible_voters(session, rnd.community_id, ballot.id),
                               rnd.quorum, rnd.consent_threshold)


def last_result(history_rows: list) -> dict | None:
    """The tally the newest closing step recorded: the last closed ballot's result.

    Pure, over already loaded history rows; every step that closes a ballot stores it.
    """
    for event, _name in reversed(history_rows):
        tally = json.loads(event.payload or "{}").get("tally")
        if tally:
            return tally
    return None


def my_vote(session: Session, ballot: Ballot | None, user_id: int) -> Vote | None:
    if ballot is None:
        return None
    return session.exec(select(Vote).where(Vote.ballot_id == ballot.id,
                                           Vote.user_id == user_id)).first()


def resident_roll(session: Session, community_id: int, ballot: Ballot | None) -> list:
    """[(user, vote or None)] for every resident, for the facilitator's room record."""
    votes = {}
    if ballot is not None:
        votes = {v.user_id: v for v in session.exec(select(Vote).where(
            Vote.ballot_id == ballot.id))}
    residents = session.exec(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.community_id == community_id, Membership.role == RESIDENT,
        Membership.active.is_(True), User.anonymised_at.is_(None))
        .order_by(User.display_name)).all()
    return [(user, votes.get(user.id)) for user in residents]


def open_choices(session: Session, ballot: Ballot | None) -> list:
    """[(name, choice)] of an open (not secret) ballot; nothing at all for a secret one."""
    if ballot is None or ballot.secret:
        return []
    return session.exec(select(User.display_name, Vote.choice).join(
        User, User.id == Vote.user_id).where(Vote.ballot_id == ballot.id)
        .order_by(User.display_name)).all()


def objections(session: Session, ballot: Ballot | None) -> list:
    """The reasons given with objections (keberatan), without names, oldest first."""
    if ballot is None:
        return []
    reasons = session.exec(select(Vote.reason).where(
        Vote.ballot_id == ballot.id, Vote.choice.in_(voting.NEEDS_REASON))
        .order_by(Vote.id)).all()
    # The reasons the room gave for a secret ballot's objections (meetings/counts.py).
    return reasons + session.exec(select(RoomCount.reason).where(
        RoomCount.ballot_id == ballot.id, RoomCount.choice.in_(voting.NEEDS_REASON),
        RoomCount.count > 0).order_by(RoomCount.meeting_id)).all()


def last_closed_ballot(session: Session, program_id: int) -> Ballot | None:
    return session.exec(select(Ballot).where(Ballot.program_id == program_id,
                                             Ballot.closed_at.is_not(None))
                        .order_by(Ballot.id.desc()).limit(1)).first()


def page_part(facts) -> dict:
    """The ballot on the program page: the open vote (or the last result), the reader's
    vote, the roll for votes from the room, the objections and the open choices."""
    session, ballot, roles = facts.session, facts.ballot, facts.roles
    last_ballot = None if ballot else last_closed_ballot(session, facts.program.id)
    return {
        "ballot": ballot, "tally": facts.tally,
        "choices": voting.CHOICES[ballot.kind] if ballot else (),
        "needs_reason": voting.NEEDS_REASON, "my_vote": my_vote(session, ballot, facts.user.id),
        "can_vote": RESIDENT in roles,
        "roll": resident_roll(session, facts.community.id, ballot)
        if ballot and FACILITATOR in roles else [],
        "last_ballot": last_ballot,
        "last_result": last_result(facts.history) if last_ballot else None,
        "objections": objections(session, ballot or last_ballot),
        "open_choices": open_choices(session, ballot or last_ballot),
        "recommendation": latest_payload(facts.history, "recommend"),
    }
