"""The facilitator's part of the discussion: the pinned summary, objections addressed.

The summary (ringkasan musyawarah) is shown above the comments; an objection of a failed
consent round is marked addressed. Both are part of the program's record, so both go into its history.
"""
from datetime import datetime

from sqlmodel import Session, select

from workflow.comments.models import DiscussionSummary
from workflow.comments.queries import ADDRESSED, addressed_objections
from workflow.core import audit, limits
from workflow.core.command import command
from workflow.engine import ballots
from workflow.engine.processes import FACILITATOR
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.programs.access import load_program, member_roles
from workflow.voting.models import Ballot, Vote


def _facilitating(session, actor, program_id, refusal):
    program, rnd = load_program(session, program_id, lock=True)
    if FACILITATOR not in member_roles(session, actor, program, rnd):
        raise Refusal("forbidden", refusal)
    return program


@command
def pin_summary(session: Session, actor, program_id: int, body: str,
                now: datetime) -> DiscussionSummary:
    """The facilitator writes the summary: a new version, the older ones kept."""
    program = _facilitating(session, actor, program_id,
                            Reason(N_("Only the facilitator writes the summary.")))
    body = clean(body)
    if not body:
        empty = Reason(N_("Write the summary first."))
        raise Refusal("invalid", empty, {"summary": empty})
    if len(body) > limits.SUMMARY:
        raise Refusal("invalid", limits.too_long(limits.SUMMARY),
                      {"summary": limits.too_long(limits.SUMMARY)})
    summary = DiscussionSummary(program_id=program.id, author_id=actor.id, body=body,
                                created_at=now)
    session.add(summary)
    audit.append_event(session, program_id=program.id, actor_id=actor.id, at=now,
                       transition="pin_summary", from_state=program.state,
                       to_state=program.state, payload={"summary": body})
    return summary


@command
def mark_objection_addressed(session: Session, actor, program_id: int, vote_id: int,
                             now: datetime) -> None:
    """The facilitator marks an objection (a block with its reason, on a closed ballot of
    this program) as addressed; the history says so."""
    program = _facilitating(session, actor, program_id,
                            Reason(N_("Only the facilitator marks an objection as addressed.")))
    vote = session.exec(select(Vote).join(Ballot, Ballot.id == Vote.ballot_id).where(
        Vote.id == vote_id, Ballot.program_id == program.id, Ballot.closed_at.is_not(None),
        Vote.choice.in_(ballots.NEEDS_REASON))).first()
    if vote is None:
        raise Refusal("not_found", Reason(N_("There is no such objection on this program.")))
    if vote.id in addressed_objections(session, program.id):
        return  # marked already (a double click or a second tab)
    audit.append_event(session, program_id=program.id, actor_id=actor.id, at=now,
                       transition=ADDRESSED, from_state=program.state,
                       to_state=program.state, payload={"objection": vote.id,
                                                        "reason": vote.reason})
