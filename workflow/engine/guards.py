"""Guards: pure predicates over a :class:`Context`, returning a Reason or None.

Each guard names the missing condition in its refusal, so the person who
pressed the button learns what still has to happen.
"""
from dataclasses import dataclass, field
from datetime import UTC, datetime

from workflow.engine.ballots import Tally
from workflow.engine.reasons import N_, Reason


@dataclass(frozen=True)
class Context:
    """Everything the engine may look at when deciding one transition."""
    roles: frozenset = frozenset()
    now: datetime | None = None
    state_since: datetime | None = None
    min_discussion_days: int = 0
    ballot: Tally | None = None          # the open ballot's tally, if any
    ballot_opened_at: datetime | None = None  # when the open ballot was opened
    min_voting_hours: int = 0            # the round's minimum time a vote stays open
    ballots_opened: int = 0              # ballots ever opened on this program
    consent_failed: bool = False         # a consent round that reached quorum has failed
    supporters: int = 0
    supporter_threshold: int = 0
    sourced_findings: int = 0
    reason: str = ""
    outcome: str = ""                    # the target's answer to a delivered demand
    extra: dict = field(default_factory=dict)


def discussion_long_enough(ctx: Context) -> Reason | None:
    """The round's minimum discussion time has passed."""
    if ctx.min_discussion_days <= 0:
        return None
    days = (ctx.now - ctx.state_since).days if ctx.state_since else 0
    if days < ctx.min_discussion_days:
        return Reason(N_("voting cannot open: the discussion has been open %(days)s of the "
                         "required %(required)s days"),
                      {"days": days, "required": ctx.min_discussion_days})
    return None


def _utc(moment: datetime) -> datetime:
    """An aware moment; a naive one is UTC (how the database may give it back)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def voting_long_enough(ctx: Context) -> Reason | None:
    """The round's minimum voting time has passed since the open ballot was opened.

    Residents who work away from the village during the day get their chance to vote
    before anyone may close it.
    """
    if ctx.min_voting_hours <= 0 or ctx.ballot_opened_at is None:
        return None
    seconds = (_utc(ctx.now) - _utc(ctx.ballot_opened_at)).total_seconds()
    hours = max(int(seconds // 3600), 0)
    if hours < ctx.min_voting_hours:
        return Reason(N_("voting cannot close yet: the vote has been open %(hours)s of the "
                         "required %(required)s hours"),
                      {"hours": hours, "required": ctx.min_voting_hours})
    return None


def consent_round_failed(ctx: Context) -> Reason | None:
    """Majority voting is only a fallback after a consent round that reached quorum failed.

    A consent vote closed without quorum decided nothing: it is held again, as a
    musyawarah without quorum is postponed, and unlocks no fallback.
    """
    if not ctx.consent_failed:
        return Reason(N_("a majority vote is only allowed after a consent round "
                         "(mufakat) that reached quorum has failed"))
    return None


def ballot_passed(ctx: Context) -> Reason | None:
    if ctx.ballot is None:
        return Reason(N_("there is no open ballot"))
    return ctx.ballot.outcome_reason


def ballot_failed(ctx: Context) -> Reason | None:
    """The ballot is not carried: it fell short, or it was closed without quorum."""
    if ctx.ballot is None:
        return Reason(N_("there is no open ballot"))
    if not ctx.ballot.binding:
        return ctx.ballot.outcome_reason
    if ctx.ballot.passed:
        return Reason(N_("the ballot passed"))
    return None


def no_vote_opened(ctx: Context) -> Reason | None:
    """An author may withdraw only before anyone has voted on the program."""
    if ctx.ballots_opened:
        return Reason(N_("a vote has already been opened on this program"))
    return None


def enough_supporters(ctx: Context) -> Reason | None:
    missing = ctx.supporter_threshold - ctx.supporters
    if missing > 0:
        return Reason(N_("%(missing)s more supporters needed"), {"missing": missing})
    return None


RESPONSE_OUTCOMES = ("granted", "partial", "refused")


def response_granted(ctx: Context) -> Reason | None:
    """The target granted the demand, all of it or a part: the work can start."""
    if ctx.outcome not in RESPONSE_OUTCOMES:
        return Reason(N_("choose the answer the target gave: granted, partly granted or refused"))
    if ctx.outcome == "refused":
        return Reason(N_("the target refused the demand"))
    return None


def response_refused(ctx: Context) -> Reason | None:
    """The target refused: the residents organise again and escalate."""
    if ctx.outcome not in RESPONSE_OUTCOMES:
        return Reason(N_("choose the answer the target gave: granted, partly granted or refused"))
    if ctx.outcome != "refused":
        return Reason(N_("the target granted the demand"))
    return None


def findings_with_source(ctx: Context) -> Reason | None:
    if ctx.sourced_findings < 1:
        return Reason(N_("findings cannot be published: record at least one finding "
                         "with its source"))
    return None
