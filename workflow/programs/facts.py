"""The database as the engine sees it: ``context_for()`` gathers the facts the guards
decide on (roles, counts, the open ballot's tally, dates) into an engine ``Context``.
"""
from datetime import datetime

from sqlmodel import Session

from workflow.assessment.queries import sourced_findings
from workflow.engine.guards import Context
from workflow.organizing.queries import supporters_count
from workflow.programs.models import Program
from workflow.rounds.models import Round
from workflow.voting.queries import ballot_tally, ballots_summary, open_ballot


def context_for(session: Session, program: Program, rnd: Round, roles: frozenset,
                now: datetime, reason: str = "", outcome: str = "") -> Context:
    """Gather the facts the machine's guards look at, in a fixed number of queries."""
    ballot = open_ballot(session, program.id)
    opened, consent_failed = ballots_summary(session, program.id)
    return Context(
        roles=roles, now=now, state_since=program.state_since,
        min_discussion_days=rnd.min_discussion_days,
        ballot=ballot_tally(session, ballot, rnd) if ballot else None,
        ballot_opened_at=ballot.opened_at if ballot else None,
        min_voting_hours=rnd.min_voting_hours,
        ballots_opened=opened, consent_failed=consent_failed,
        supporters=supporters_count(session, program.id),
        sourced_findings=sourced_findings(session, program.id),
        supporter_threshold=rnd.supporter_threshold, reason=reason or "", outcome=outcome or "")
