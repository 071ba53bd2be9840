"""A secret ballot counted in the hall: the facilitator enters how many chose each option.

Nobody's choice is recorded by name; the tally adds the counts to the phones' votes
(voting/queries.py ``counted``).

The total is checked against those who can still be counted in the room: the residents
present at this meeting who have no vote on the ballot yet (one who voted on a phone is
already counted). An objection (block) stops a consensus and must say why, so that the next
round can answer it (engine/ballots.py): a block count needs the objections' reasons, as one
text without names, which go on record with the phones' objections.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, select

from workflow.core import audit, limits
from workflow.core.command import command
from workflow.engine import ballots as voting
from workflow.engine.processes import RESIDENT
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean, is_number
from workflow.meetings import queries
from workflow.meetings.models import OPEN, AgendaItem, Invitee, Meeting, RoomCount
from workflow.people.models import Membership, User
from workflow.rounds.models import Round
from workflow.voting.models import Ballot, Vote

MAX_DIGITS = 5   # no hall holds 100 000 residents


def present_residents(meeting: Meeting, rnd: Round):
    """The SELECT of the ids of the residents present at ``meeting``."""
    return (select(User.id).join(Invitee, Invitee.user_id == User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(Invitee.meeting_id == meeting.id, Invitee.present_at.is_not(None),
                   Membership.community_id == rnd.community_id, Membership.role == RESIDENT,
                   Membership.active.is_(True), User.anonymised_at.is_(None)))


@dataclass(frozen=True)
class Room:
    """What the hall knows of one secret ballot: who is present, how many of them already
    voted (on a phone), and the counts entered so far."""
    present: int
    voted: int
    counts: dict       # choice -> the count entered at this meeting
    reason: str        # the objections' reasons entered with a block count

    @property
    def countable(self) -> int:
        """How many the room may still count: present and without a vote."""
        return self.present - self.voted


def room_of(session: Session, meeting: Meeting, rnd: Round, ballot_ids: list) -> dict:
    """ballot id -> Room, for the secret ballots ``ballot_ids``: three queries."""
    if not ballot_ids:
        return {}
    present = present_residents(meeting, rnd)
    many = session.exec(select(func.count()).select_from(present.subquery())).one()
    voted = dict(session.exec(select(Vote.ballot_id, func.count()).where(
        Vote.ballot_id.in_(ballot_ids), Vote.user_id.in_(present))
        .group_by(Vote.ballot_id)).all())
    counts, reasons = {}, {}
    for row in session.exec(select(RoomCount).where(RoomCount.meeting_id == meeting.id,
                                                    RoomCount.ballot_id.in_(ballot_ids))):
        counts.setdefault(row.ballot_id, {})[row.choice] = row.count
        if row.reason:
            reasons[row.ballot_id] = row.reason
    return {b: Room(many, voted.get(b, 0), counts.get(b, {}), reasons.get(b, ""))
            for b in ballot_ids}


def counted_in_room(session: Session, ballot_id: int, user_id: int) -> bool:
    """Whether ``user_id`` was present at a meeting that entered counts for the secret
    ballot: they are counted in the hall (or could have been), not on their phone too."""
    return session.exec(select(RoomCount.id).join(
        Invitee, Invitee.meeting_id == RoomCount.meeting_id).where(
        RoomCount.ballot_id == ballot_id, Invitee.user_id == user_id,
        Invitee.present_at.is_not(None)).limit(1)).first() is not None


def _read(kind: str, raw: dict) -> dict:
    """choice -> whole number from the form's fields (an empty field is 0); else invalid."""
    numbers, errors = {}, {}
    for choice in voting.CHOICES[kind]:
        value = clean(raw.get(choice) or "") or "0"
        if not is_number(value, MAX_DIGITS):
            errors[choice] = Reason(N_("Write a whole number, 0 or more."))
        else:
            numbers[choice] = int(value)
    if errors:
        raise Refusal("invalid", next(iter(errors.values())), errors)
    return numbers


@command
def record_room_counts(session: Session, actor, meeting_id: int, program_id: int, raw: dict,
                       reason: str, now: datetime) -> dict:
    """The facilitator enters how many in the hall chose each option of an agenda program's
    open secret ballot; entering them again replaces this meeting's counts (a miscount)."""
    found = queries.find(session, meeting_id, actor, lock=True)
    if found is None:
        raise Refusal("not_found", Reason(N_("That meeting does not exist.")))
    if not found.runs(actor):
        raise Refusal("forbidden", Reason(N_("Only the facilitator enters the counts in the "
                                             "room.")))
    meeting, rnd = found.meeting, found.rnd
    if meeting.state != OPEN:
        raise Refusal("conflict", Reason(N_("Counts are entered in the room only while the "
                                            "meeting is open.")))
    on_agenda = Reason(N_("This program is not on the meeting's agenda."))
    if session.exec(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id,
                                                AgendaItem.program_id == program_id)).first() is None:
        raise Refusal("invalid", on_agenda, {"program": on_agenda})
    ballot = session.exec(select(Ballot).where(
        Ballot.program_id == program_id, Ballot.closed_at.is_(None))
        .with_for_update().order_by(Ballot.id.desc()).limit(1)).first()
    if ballot is None:
        raise Refusal("conflict", Reason(N_("There is no open vote on this program now.")))
    if not ballot.secret:
        raise Refusal("conflict", Reason(N_("This ballot is not secret: record each present "
                                            "resident's choice by name instead.")))
    numbers = _read(ballot.kind, raw)
    reason = limits.within(clean(reason), limits.MINUTES, "reason")
    if numbers.get("block") and not reason:
        why = Reason(N_("An objection needs a reason, so the others can answer it: write "
                        "the reasons given in the room."))
        raise Refusal("invalid", why, {"reason": why})
    room = room_of(session, meeting, rnd, [ballot.id])[ballot.id]
    total = sum(numbers.values())
    if total > room.countable:
        over = Reason(N_("%(total)s counted, but only %(countable)s residents present can "
                         "still be counted (%(present)s present, %(voted)s of them voted on "
                         "their phones)."),
                      {"total": total, "countable": room.countable, "present": room.present,
                       "voted": room.voted})
        raise Refusal("invalid", over, {"counts": over})
    session.exec(delete(RoomCount).where(RoomCount.ballot_id == ballot.id,
                                         RoomCount.meeting_id == meeting.id))
    for choice, count in numbers.items():
        session.add(RoomCount(ballot_id=ballot.id, meeting_id=meeting.id, choice=choice,
                              count=count, reason=reason if choice == "block" and count else "",
                              recorded_by=actor.id, recorded_at=now))
    audit.record_setup(session, actor_id=actor.id, at=now, action="room_counts",
                       payload={"meeting": meeting.id, "program": program_id,
                                "counts": numbers})
    return numbers
