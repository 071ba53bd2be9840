"""Use cases of voting: a resident's own vote, and a vote the facilitator records in the room.
"""
from datetime import datetime

from sqlmodel import Session, select

from workflow.comments.assisted import resident_for
from workflow.core import limits
from workflow.core.command import command
from workflow.engine import ballots as voting
from workflow.engine.processes import FACILITATOR, RESIDENT
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.meetings.counts import counted_in_room
from workflow.people.models import User
from workflow.people.passwords import role_in
from workflow.programs.access import load_program, member_roles
from workflow.voting.models import Vote
from workflow.voting.queries import my_vote, open_ballot


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


def store_room_vote(session, ballot, voter_id, choice, reason, now, recorded_by) -> Vote:
    """Write a vote recorded in the room, replacing the voter's vote on ``ballot`` if any
    (one person, one vote): for a command that made its own checks (meetings/room.py)."""
    return _store_vote(session, ballot, voter_id, choice, reason, now, recorded_by=recorded_by)


@command
def cast_vote(session: Session, actor, program_id: int, choice: str, reason: str,
              now: datetime) -> Vote:
    """Record or change the actor's vote on the program's open ballot."""
    program, rnd = load_program(session, program_id)
    roles = member_roles(session, actor, program, rnd)
    if RESIDENT not in roles:
        raise Refusal("forbidden", Reason(N_("Only residents of the community vote.")))
    ballot = _open_ballot_for_vote(session, program, rnd)
    if ballot.secret and my_vote(session, ballot, actor.id) is None \
            and counted_in_room(session, ballot.id, actor.id):
        # Counted once: the hall's counts of this secret ballot may include this resident.
        raise Refusal("conflict", Reason(N_("You were present when the room's votes on this "
                                            "secret ballot were counted: you are counted "
                                            "there.")))
    problem = voting.check_choice(ballot.kind, choice, clean(reason))
    if problem:
        raise Refusal("invalid", problem, {"choice": problem})
    return _store_vote(session, ballot, actor.id, choice, reason, now)


@command
def record_room_vote(session: Session, actor, program_id: int, voter_id: int, choice: str,
                     reason: str, now: datetime, on_behalf_of: str = "") -> Vote:
    """The facilitator records the choice of a resident present in the meeting; the resident
    is ``voter_id``, or named by ``on_behalf_of`` (their user name: assisted entry)."""
    program, rnd = load_program(session, program_id)
    roles = member_roles(session, actor, program, rnd)
    resident = resident_for(session, roles, rnd.community_id, on_behalf_of)
    if FACILITATOR not in roles:
        raise Refusal("forbidden", Reason(N_("Only the facilitator records votes in the room.")))
    if resident is not None:
        voter_id = resident.id
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
