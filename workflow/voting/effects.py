"""What opening and closing a vote does to the database: the handlers that
``programs/effects.py``'s table names for a transition's effects."""
from workflow.drafting.revisions import latest_number
from workflow.engine import ballots
from workflow.voting.models import Ballot
from workflow.voting.queries import ballot_tally, objections, open_ballot


def opener(kind: str):
    """The handler of an ``open_..._ballot`` effect: a new open ballot of ``kind``, on the
    program's newest revision (its words are frozen from now on)."""
    def open_kind(session, program, rnd, now, secret) -> dict:
        revision = latest_number(session, program.id)
        session.add(Ballot(program_id=program.id, kind=kind, opened_at=now, secret=secret,
                           revision=revision))
        return {"ballot": kind, "secret": secret, "revision": revision}
    return open_kind


def close_ballot(session, program, rnd, now, secret) -> dict:
    """Close the open ballot with its verdict; the tally and the objections go on record."""
    ballot = open_ballot(session, program.id, lock=True)
    if ballot is None:
        return {}
    result = ballot_tally(session, ballot, rnd)
    # The verdict: True carried, False fell short with quorum, NULL decided
    # nothing (no quorum: to be held again; or an advisory poll).
    ballot.closed_at, ballot.passed = now, result.verdict
    session.add(ballot)
    # The objections are what the next round of discussion must answer.
    return {"tally": result.as_dict(), "objections": objections(session, ballot)}


HANDLERS = {
    "open_consent_ballot": opener(ballots.CONSENT),
    "open_majority_ballot": opener(ballots.MAJORITY),
    "open_advisory_poll": opener(ballots.ADVISORY),
    "close_ballot": close_ballot,
}
