"""Guards (workflow/guards.py): pure predicates over a Context, a Reason or None."""
from datetime import UTC, datetime, timedelta, timezone

import pytest

from workflow.engine import guards as g
from workflow.engine.ballots import ADVISORY, CONSENT, MAJORITY, tally
from workflow.engine.guards import Context
from workflow.engine.reasons import Reason

NOW = datetime(2024, 3, 15, 9, 0, tzinfo=UTC)
WIB = timezone(timedelta(hours=7), "WIB")


def since(**delta):
    """The moment ``delta`` before NOW."""
    return NOW - timedelta(**delta)


# --- discussion_long_enough ---------------------------------------------------------

@pytest.mark.parametrize(("elapsed", "required", "days_shown"), (
    (timedelta(days=2), 7, 2),
    (timedelta(days=2, hours=23, minutes=59), 7, 2),
    (timedelta(days=6, hours=23, minutes=59, seconds=59), 7, 6),
    (timedelta(hours=1), 7, 0),
    (timedelta(0), 1, 0),
    (timedelta(hours=23), 1, 0),
    (timedelta(days=13), 14, 13),
))
def test_discussion_too_short(elapsed, required, days_shown):
    """Before the minimum, the reason names the days passed and the days required."""
    reason = g.discussion_long_enough(Context(
        now=NOW, state_since=NOW - elapsed, min_discussion_days=required))
    assert isinstance(reason, Reason)
    assert reason.params == {"days": days_shown, "required": required}
    text = str(reason)
    assert f"open {days_shown} of the required {required} days" in text
    assert text.startswith("voting cannot open")


def test_discussion_two_of_seven_days():
    """The example in DESIGN.md: open 2 of the required 7 days."""
    reason = g.discussion_long_enough(Context(
        now=NOW, state_since=since(days=2), min_discussion_days=7))
    assert str(reason) == ("voting cannot open: the discussion has been open 2 of the "
                           "required 7 days")


@pytest.mark.parametrize(("elapsed", "required"), (
    (timedelta(days=7), 7),
    (timedelta(days=7, seconds=1), 7),
    (timedelta(days=30), 7),
    (timedelta(days=1), 1),
    (timedelta(days=14), 14),
))
def test_discussion_long_enough(elapsed, required):
    """Once the minimum has passed, the guard lets voting open."""
    assert g.discussion_long_enough(Context(
        now=NOW, state_since=NOW - elapsed, min_discussion_days=required)) is None


@pytest.mark.parametrize("state_since", (
    NOW, since(seconds=1), since(days=100), None, NOW + timedelta(days=3)))
@pytest.mark.parametrize("minimum", (0, -1))
def test_no_minimum_always_passes(state_since, minimum):
    """A round without a minimum discussion time never holds voting back."""
    assert g.discussion_long_enough(Context(
        now=NOW, state_since=state_since, min_discussion_days=minimum)) is None


def test_no_minimum_needs_no_clock():
    """With no minimum the guard does not even look at the time."""
    assert g.discussion_long_enough(Context(min_discussion_days=0)) is None


def test_discussion_unknown_start_counts_as_zero_days():
    """A missing start date counts as no discussion yet, not as enough."""
    reason = g.discussion_long_enough(Context(now=NOW, state_since=None,
                                              min_discussion_days=3))
    assert reason.params == {"days": 0, "required": 3}


def test_discussion_across_time_zones():
    """Aware datetimes in different zones are compared as instants."""
    started = datetime(2024, 3, 8, 15, 0, tzinfo=WIB)   # 08:00 UTC
    assert g.discussion_long_enough(Context(
        now=NOW, state_since=started, min_discussion_days=7)) is None      # 7 days 1 h
    started = datetime(2024, 3, 8, 17, 0, tzinfo=WIB)   # 10:00 UTC
    reason = g.discussion_long_enough(Context(
        now=NOW, state_since=started, min_discussion_days=7))               # 6 days 23 h
    assert reason.params["days"] == 6


# --- enough_supporters ----------------------------------------------------------------

@pytest.mark.parametrize(("supporters", "threshold", "missing"), (
    (0, 10, 10),
    (3, 5, 2),
    (4, 5, 1),
    (0, 1, 1),
))
def test_not_enough_supporters(supporters, threshold, missing):
    """The reason carries how many supporters are still missing."""
    reason = g.enough_supporters(Context(supporters=supporters,
                                         supporter_threshold=threshold))
    assert reason.params == {"missing": missing}
    assert str(reason) == f"{missing} more supporters needed"


@pytest.mark.parametrize(("supporters", "threshold"), (
    (5, 5), (6, 5), (0, 0), (10, 0)))
def test_enough_supporters(supporters, threshold):
    """Reaching the threshold is enough."""
    assert g.enough_supporters(Context(supporters=supporters,
                                       supporter_threshold=threshold)) is None


# --- findings_with_source -------------------------------------------------------------

@pytest.mark.parametrize(("sourced", "passes"), ((0, False), (1, True), (7, True)))
def test_findings_with_source(sourced, passes):
    """Findings are published only once at least one has a source."""
    reason = g.findings_with_source(Context(sourced_findings=sourced))
    if passes:
        assert reason is None
    else:
        assert "at least one finding with its source" in str(reason)


# --- no_vote_opened -------------------------------------------------------------------

@pytest.mark.parametrize(("opened", "passes"), ((0, True), (1, False), (3, False)))
def test_no_vote_opened(opened, passes):
    """An author may withdraw only while no ballot has ever been opened."""
    reason = g.no_vote_opened(Context(ballots_opened=opened))
    if passes:
        assert reason is None
    else:
        assert "a vote has already been opened" in str(reason)


# --- voting_long_enough -----------------------------------------------------------------

@pytest.mark.parametrize(("elapsed", "required", "hours_shown"), (
    (timedelta(hours=1), 24, 1),
    (timedelta(hours=1, minutes=59), 24, 1),
    (timedelta(0), 24, 0),
    (timedelta(seconds=1), 1, 0),
    (timedelta(minutes=59, seconds=59), 1, 0),
    (timedelta(hours=23, minutes=59, seconds=59), 24, 23),
    (timedelta(days=1, hours=23), 48, 47),
    (-timedelta(hours=3), 24, 0),            # a clock behind the opening counts as none
))
def test_vote_open_too_short(elapsed, required, hours_shown):
    """Before the minimum, the refusal names the hours open and the hours required."""
    reason = g.voting_long_enough(Context(now=NOW, ballot_opened_at=NOW - elapsed,
                                          min_voting_hours=required))
    assert isinstance(reason, Reason)
    assert reason.params == {"hours": hours_shown, "required": required}
    assert f"the vote has been open {hours_shown} of the required {required} hours" in str(
        reason)
    assert str(reason).startswith("voting cannot close yet")


def test_vote_open_one_of_twenty_four_hours():
    """The example of issue #9: open 1 of the required 24 hours."""
    reason = g.voting_long_enough(Context(now=NOW, ballot_opened_at=since(hours=1),
                                          min_voting_hours=24))
    assert str(reason) == ("voting cannot close yet: the vote has been open 1 of the "
                           "required 24 hours")


@pytest.mark.parametrize(("elapsed", "required"), (
    (timedelta(hours=24), 24),
    (timedelta(hours=24, seconds=1), 24),
    (timedelta(days=5), 24),
    (timedelta(hours=1), 1),
    (timedelta(hours=48), 48),
))
def test_vote_open_long_enough(elapsed, required):
    """Once the minimum has passed, the vote may be closed."""
    assert g.voting_long_enough(Context(now=NOW, ballot_opened_at=NOW - elapsed,
                                        min_voting_hours=required)) is None


@pytest.mark.parametrize("opened_at", (NOW, since(seconds=1), since(days=9), None,
                                       NOW + timedelta(hours=2)))
@pytest.mark.parametrize("minimum", (0, -1))
def test_no_voting_minimum_always_passes(opened_at, minimum):
    """A round without a minimum voting time never holds the close back."""
    assert g.voting_long_enough(Context(now=NOW, ballot_opened_at=opened_at,
                                        min_voting_hours=minimum)) is None


def test_voting_minimum_without_an_open_ballot_leaves_it_to_the_ballot_guards():
    """No open ballot: nothing to wait for here (ballot_passed says there is no ballot)."""
    assert g.voting_long_enough(Context(now=NOW, min_voting_hours=24)) is None
    assert g.voting_long_enough(Context(min_voting_hours=24)) is None


def test_voting_minimum_across_time_zones_and_naive_moments():
    """Aware moments in other zones compare as instants; a naive one (as stored) is UTC."""
    opened = datetime(2024, 3, 15, 15, 0, tzinfo=WIB)          # 08:00 UTC, 1 h before NOW
    assert g.voting_long_enough(Context(now=NOW, ballot_opened_at=opened,
                                        min_voting_hours=2)).params["hours"] == 1
    naive = datetime(2024, 3, 14, 9, 0)                        # 24 h before NOW, in UTC
    assert g.voting_long_enough(Context(now=NOW, ballot_opened_at=naive,
                                        min_voting_hours=24)) is None
    assert g.voting_long_enough(Context(now=NOW.replace(tzinfo=None),
                                        ballot_opened_at=since(hours=3),
                                        min_voting_hours=24)).params["hours"] == 3


# --- consent_round_failed -------------------------------------------------------------

def test_consent_round_failed():
    """A majority vote is only a fallback after a consent round that reached quorum failed."""
    reason = g.consent_round_failed(Context(consent_failed=False))
    assert str(reason) == ("a majority vote is only allowed after a consent round "
                           "(mufakat) that reached quorum has failed")
    assert g.consent_round_failed(Context(consent_failed=True)) is None


# --- ballot_passed / ballot_failed ------------------------------------------------------

PASSING = tally(CONSENT, ["agree", "agree", "disagree"], 3, "2/3", "2/3")
BLOCKED = tally(CONSENT, ["agree", "agree", "block"], 3, "2/3", "2/3")
NO_QUORUM = tally(CONSENT, ["agree"], 12, "2/3", "2/3")
MAJORITY_TIE = tally(MAJORITY, ["yes", "no"], 2, "2/3", "2/3")
MAJORITY_WIN = tally(MAJORITY, ["yes", "yes", "no"], 3, "2/3", "2/3")
MAJORITY_NO_QUORUM = tally(MAJORITY, ["yes"] * 7, 12, "2/3", "2/3")
ADVISORY_POLL = tally(ADVISORY, ["yes", "yes", "no"], 3, "2/3", "2/3")


@pytest.mark.parametrize(("ballot", "passed_phrase", "failed_phrase"), (
    (None, "there is no open ballot", "there is no open ballot"),
    (PASSING, None, "the ballot passed"),
    (MAJORITY_WIN, None, "the ballot passed"),
    (BLOCKED, "keberatan", None),
    (NO_QUORUM, "quorum is not met", None),
    (MAJORITY_TIE, "no majority", None),
    (MAJORITY_NO_QUORUM, "7 of 8 votes needed", None),
))
def test_ballot_passed_and_failed(ballot, passed_phrase, failed_phrase):
    """Exactly one of ballot_passed / ballot_failed lets an open ballot through."""
    ctx = Context(ballot=ballot)
    for guard, phrase in ((g.ballot_passed, passed_phrase), (g.ballot_failed, failed_phrase)):
        reason = guard(ctx)
        if phrase is None:
            assert reason is None
        else:
            assert phrase in str(reason)
    if ballot is not None:
        assert (g.ballot_passed(ctx) is None) != (g.ballot_failed(ctx) is None)


def test_an_advisory_poll_neither_passes_nor_fails():
    """A poll binds nobody: neither ballot guard lets it through, each says why."""
    for guard in (g.ballot_passed, g.ballot_failed):
        assert "binds nobody" in str(guard(Context(ballot=ADVISORY_POLL)))


def test_ballot_passed_explains_with_the_tally_reason():
    """The refusal of ballot_passed is the tally's own explanation."""
    assert g.ballot_passed(Context(ballot=BLOCKED)) == BLOCKED.outcome_reason


# --- Context ------------------------------------------------------------------------------

def test_context_defaults():
    """An empty Context holds no facts: no roles, no ballot, nothing counted."""
    ctx = Context()
    assert ctx.roles == frozenset()
    assert ctx.ballot is None
    assert (ctx.ballots_opened, ctx.supporters, ctx.sourced_findings) == (0, 0, 0)
    assert ctx.consent_failed is False
    assert (ctx.ballot_opened_at, ctx.min_voting_hours) == (None, 0)
    assert ctx.reason == ""
    assert Context().extra is not Context().extra


@pytest.mark.parametrize("guard", (
    g.discussion_long_enough, g.voting_long_enough, g.consent_round_failed, g.ballot_passed,
    g.ballot_failed, g.no_vote_opened, g.enough_supporters, g.findings_with_source))
def test_guards_return_reason_or_none(guard):
    """Every guard answers with a Reason or None, never a bare bool or string."""
    for ctx in (Context(), Context(now=NOW, state_since=NOW, min_discussion_days=7,
                                   ballot=PASSING, ballot_opened_at=NOW, min_voting_hours=5,
                                   ballots_opened=1, consent_failed=True,
                                   supporters=1, supporter_threshold=3,
                                   sourced_findings=1)):
        result = guard(ctx)
        assert result is None or isinstance(result, Reason)
