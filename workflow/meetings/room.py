"""Votes cast in the hall: the facilitator records each present resident's choice on an
agenda item's open ballot, and the agenda's part of the meeting page (items.html).

A resident who voted online and then in the room is counted once: the room vote replaces
the online one (the voting table's unique key holds one vote per person and ballot), and the
audit chain says who recorded it. A secret ballot is not recorded by name: the facilitator
enters the room's counts instead (counts.py).
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from workflow.core import audit
from workflow.core.command import command
from workflow.engine import ballots as voting
from workflow.engine.processes import RESIDENT
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.meetings import counts, queries
from workflow.meetings.models import OPEN, AgendaItem, Invitee, Meeting
from workflow.people.models import Membership, User
from workflow.programs.models import Program
from workflow.rounds.models import Round
from workflow.voting.commands import store_room_vote
from workflow.voting.models import Ballot, Vote
from workflow.voting.queries import ballot_tally

RUNNER = "runner"   # the role load_meeting names for one who runs the meeting (queries.RUNNERS)


def load_meeting(session: Session, meeting_id: int, user, lock: bool = False):
    """(meeting, round, the user's role in its community); not found for a non-member."""
    found = queries.find(session, meeting_id, user, lock=lock)
    if found is None:
        # Outsiders learn nothing about the meeting, not even that it exists.
        raise Refusal("not_found", Reason(N_("That meeting does not exist.")))
    return found.meeting, found.rnd, (RUNNER if found.runs(user) else found.role)


def facilitated(session: Session, meeting_id: int, user, what: str, lock: bool = True):
    """The meeting for one who runs it (its community's facilitator or administrator), else
    refused with ``what``."""
    meeting, rnd, role = load_meeting(session, meeting_id, user, lock=lock)
    if role != RUNNER:
        raise Refusal("forbidden", Reason(what))
    return meeting, rnd


def _refuse_voter(reason: Reason):
    raise Refusal("invalid", reason, {"voter": reason})


@command
def record_meeting_vote(session: Session, actor, meeting_id: int, program_id: int,
                        voter_name: str, choice: str, reason: str, now: datetime) -> Vote:
    """The facilitator records the choice of a resident present at this open meeting on an
    agenda program's open ballot."""
    meeting, rnd = facilitated(session, meeting_id, actor,
                               N_("Only the facilitator records votes in the room."))
    if meeting.state != OPEN:
        raise Refusal("conflict", Reason(N_("Votes are recorded in the room only while the "
                                            "meeting is open.")))
    item = session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id,
                                                 AgendaItem.program_id == program_id)).first()
    if item is None:
        raise Refusal("invalid", Reason(N_("This program is not on the meeting's agenda.")),
                      {"program": Reason(N_("This program is not on the meeting's agenda."))})
    ballot = session.exec(select(Ballot).where(
        Ballot.program_id == program_id, Ballot.closed_at.is_(None))
        .with_for_update().order_by(Ballot.id.desc()).limit(1)).first()
    if ballot is None:
        raise Refusal("conflict", Reason(N_("There is no open vote on this program now.")))
    if ballot.secret:
        # Nobody's choice is recorded by name in a secret ballot, not even by the facilitator.
        raise Refusal("conflict", Reason(N_("This is a secret ballot: choices are not "
                                            "recorded by name in the room.")))
    found = session.exec(select(User, Invitee.present_at, Membership.role)
                         .join(Invitee, Invitee.user_id == User.id)
                         .outerjoin(Membership, (Membership.user_id == User.id)
                                    & (Membership.community_id == rnd.community_id)
                                    & Membership.active.is_(True))
                         .where(Invitee.meeting_id == meeting.id,
                                User.username == clean(voter_name))).first()
    if found is None or found[2] != RESIDENT or found[0].anonymised_at is not None:
        _refuse_voter(Reason(N_("Choose a resident invited to this meeting.")))
    voter, present_at, _role = found
    if present_at is None:
        _refuse_voter(Reason(N_("%(name)s is not marked present at this meeting: only the "
                                "votes of residents in the room can be recorded."),
                             {"name": voter.display_name}))
    problem = voting.check_choice(ballot.kind, choice, clean(reason))
    if problem:
        raise Refusal("invalid", problem, {"choice": problem})
    before = session.exec(select(Vote.in_room).where(
        Vote.ballot_id == ballot.id, Vote.user_id == voter.id)).first()
    vote = store_room_vote(session, ballot, voter.id, choice, reason, now, actor.id)
    # Who recorded which resident's vote, without the choice: the ballot may be read later.
    audit.record_setup(session, actor_id=actor.id, at=now, action="room_vote",
                       payload={"meeting": meeting.id, "program": program_id,
                                "voter": voter.id, "replaced_online": before is False})
    return vote


@dataclass
class Item:
    """One agenda item as the meeting page and the screen show it."""
    item: AgendaItem
    program: Program
    ballot: Ballot | None
    tally: voting.Tally | None
    decided: bool


def agenda(session: Session, meeting: Meeting, rnd: Round) -> list[Item]:
    """The agenda in order with each program's open ballot and its live tally."""
    rows = session.exec(select(AgendaItem, Program).join(Program, Program.id == AgendaItem.program_id)
                        .where(AgendaItem.meeting_id == meeting.id)
                        .order_by(AgendaItem.position, AgendaItem.id)).all()
    ids = [program.id for _item, program in rows]
    ballots = session.exec(select(Ballot).where(Ballot.program_id.in_(ids))
                           .order_by(Ballot.id)).all() if ids else []
    open_by, decided = {}, set()
    for ballot in ballots:
        if ballot.closed_at is None:
            open_by[ballot.program_id] = ballot
        elif ballot.passed is not None:
            decided.add(ballot.program_id)
    return [Item(item, program, open_by.get(program.id),
                 ballot_tally(session, open_by[program.id], rnd) if program.id in open_by
                 else None, program.id in decided)
            for item, program in rows]


@dataclass
class Voter:
    """A present resident's row of the room votes: their vote on each open ballot."""
    user: User
    votes: dict            # ballot id -> (vote, recorder's display name or None)


def present_voters(session: Session, meeting: Meeting, rnd: Round, ballot_ids: list) -> list:
    """The present residents, each with their votes on ``ballot_ids``: two queries."""
    users = session.exec(select(User).join(Invitee, Invitee.user_id == User.id)
                         .join(Membership, Membership.user_id == User.id)
                         .where(Invitee.meeting_id == meeting.id,
                                Invitee.present_at.is_not(None),
                                Membership.community_id == rnd.community_id,
                                Membership.role == RESIDENT, Membership.active.is_(True),
                                User.anonymised_at.is_(None))
                         .order_by(User.display_name)).all()
    votes = {}
    if ballot_ids and users:
        recorder = aliased(User)
        for vote, by in session.exec(select(Vote, recorder.display_name)
                                     .outerjoin(recorder, recorder.id == Vote.recorded_by)
                                     .where(Vote.ballot_id.in_(ballot_ids),
                                            Vote.user_id.in_([u.id for u in users]))):
            votes.setdefault(vote.user_id, {})[vote.ballot_id] = (vote, by)
    return [Voter(user, votes.get(user.id, {})) for user in users]


def items_part(session: Session, meeting: Meeting, rnd: Round, role: str | None) -> dict:
    """What templates/meetings/partial/items.html needs, in a fixed number of queries."""
    items = agenda(session, meeting, rnd)
    facilitator = role == RUNNER
    named = [i.ballot.id for i in items if i.ballot and not i.ballot.secret]
    secret = [i.ballot.id for i in items if i.ballot and i.ballot.secret]
    voting_open = facilitator and meeting.state == OPEN
    return {"items": items, "is_facilitator": facilitator, "voting_open": voting_open,
            "voters": present_voters(session, meeting, rnd, named)
            if voting_open and named else [],
            # A secret ballot is counted, not named: the form of counts per choice.
            "rooms": counts.room_of(session, meeting, rnd, secret) if voting_open else {},
            "choices": voting.CHOICES, "needs_reason": voting.NEEDS_REASON}
