"""The workflow engine (workflow/machine.py) and its templates (workflow/processes.py).

Pure: every test builds a Context by hand; nothing touches a database.
"""
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from workflow.engine import guards as g
from workflow.engine.ballots import CONSENT, MAJORITY, tally
from workflow.engine.guards import Context
from workflow.engine.machine import Template, Transition, available, fire, first_refusal
from workflow.engine.processes import (
    ACTION,
    ADMIN,
    AUTHOR,
    FACILITATOR,
    LOCALITY,
    OFFICIAL,
    PLANNING,
    RESIDENT,
    TEMPLATES,
)
from workflow.engine.reasons import Reason, Refusal

NOW = datetime(2024, 3, 15, 9, 0, tzinfo=UTC)
ROLES = (RESIDENT, FACILITATOR, OFFICIAL, ADMIN, AUTHOR)
KINDS = ("forbidden", "conflict", "not_found", "invalid")
ALL_NAMES = sorted(set().union(*(tpl.names() for tpl in TEMPLATES.values()))
                   | {"no_such_step", ""})


def ballot(*choices, kind=CONSENT, eligible=None):
    """The tally of an open ballot; eligible defaults to the number cast."""
    return tally(kind, choices, len(choices) if eligible is None else eligible, "2/3", "2/3")


PASSES = ballot("agree", "agree", "disagree")
SPLIT = ballot("agree", "disagree")
BLOCKED = ballot("agree", "agree", "agree", "block")
ABSTAINED = ballot("abstain", "abstain", "abstain")
NO_QUORUM = ballot("agree", eligible=12)
MAJORITY_WINS = ballot("yes", "yes", "no", kind=MAJORITY)
MAJORITY_TIE = ballot("yes", "no", kind=MAJORITY)
MAJORITY_NO_QUORUM = ballot("yes", "yes", kind=MAJORITY, eligible=12)
# A vote opened an hour ago in a round that keeps votes open 24 hours.
FRESH = dict(ballot_opened_at=NOW - timedelta(hours=1), min_voting_hours=24)
DAY_OLD = dict(ballot_opened_at=NOW - timedelta(hours=24), min_voting_hours=24)


def ctx(roles=(), **facts):
    """A Context for ``roles``: ten days of discussion against a seven-day minimum."""
    values = dict(now=NOW, state_since=NOW - timedelta(days=10), min_discussion_days=7)
    values.update(facts)
    return Context(roles=frozenset([roles] if isinstance(roles, str) else roles), **values)


# Contexts that make the guards pass or fail in every combination that matters.
FACT_VARIANTS = {
    "everything allowed": dict(ballot=PASSES, consent_failed=True, reason="because",
                               supporters=5, supporter_threshold=1, sourced_findings=1),
    "nothing allowed": dict(state_since=NOW - timedelta(days=2), ballot=None,
                            ballots_opened=2, reason="", supporter_threshold=3),
    "failed ballot": dict(ballot=BLOCKED, ballots_opened=1, consent_failed=True,
                          reason="  "),
    "no quorum, short discussion": dict(ballot=NO_QUORUM, state_since=NOW,
                                        reason="a reason"),
    "majority tie": dict(ballot=MAJORITY_TIE, ballots_opened=2, consent_failed=True,
                         reason="x", min_discussion_days=0),
    "vote opened too recently": dict(ballot=PASSES, ballots_opened=1, consent_failed=True,
                                     reason="r", **FRESH),
    "no quorum, vote open long enough": dict(ballot=NO_QUORUM, ballots_opened=1,
                                             reason="r", **DAY_OLD),
}


def outcome(template, state, name, context):
    """The target state fire() chooses, or the Refusal it raises."""
    try:
        return fire(template, state, name, context).target
    except Refusal as refusal:
        return refusal


# --- the table: (state, transition, roles) -> target or refusal ------------------------

LOCALITY_TABLE = (
    # state, transition, roles, facts, expected target or refusal kind, key phrase
    ("draft", "submit", AUTHOR, {}, "proposed", None),
    ("draft", "submit", (RESIDENT, AUTHOR), {}, "proposed", None),
    ("draft", "submit", RESIDENT, {}, "forbidden", "author"),
    ("draft", "submit", FACILITATOR, {}, "forbidden", "author"),
    ("draft", "submit", (), {}, "forbidden", None),
    ("proposed", "submit", AUTHOR, {}, "conflict", "while the program is proposed"),
    ("draft", "open_discussion", FACILITATOR, {}, "conflict", "while the program is draft"),
    ("proposed", "open_discussion", FACILITATOR, {}, "discussion", None),
    ("proposed", "open_discussion", OFFICIAL, {}, "forbidden", "facilitator"),
    ("proposed", "open_discussion", RESIDENT, {}, "forbidden", "facilitator"),
    ("proposed", "open_discussion", ADMIN, {}, "forbidden", "facilitator"),
    ("discussion", "open_voting", FACILITATOR, {}, "voting", None),
    ("discussion", "open_voting", FACILITATOR,
     dict(state_since=NOW - timedelta(days=7)), "voting", None),
    ("discussion", "open_voting", FACILITATOR,
     dict(state_since=NOW - timedelta(days=2)), "conflict", "open 2 of the required 7 days"),
    ("discussion", "open_voting", FACILITATOR,
     dict(state_since=NOW - timedelta(days=6, hours=23)), "conflict", "6 of the required 7"),
    ("discussion", "open_voting", FACILITATOR,
     dict(state_since=NOW, min_discussion_days=0), "voting", None),
    ("discussion", "open_voting", RESIDENT, {}, "forbidden", "facilitator"),
    ("discussion", "open_voting", OFFICIAL, {}, "forbidden", "facilitator"),
    ("discussion", "open_majority_vote", FACILITATOR, {}, "conflict",
     "only allowed after a consent round (mufakat) that reached quorum has failed"),
    ("discussion", "open_majority_vote", FACILITATOR, dict(ballots_opened=1), "conflict",
     "that reached quorum"),
    ("discussion", "open_majority_vote", FACILITATOR, dict(consent_failed=True), "voting", None),
    ("discussion", "open_majority_vote", FACILITATOR,
     dict(consent_failed=True, state_since=NOW), "voting", None),
    ("discussion", "open_majority_vote", RESIDENT, dict(consent_failed=True), "forbidden",
     "facilitator"),
    ("voting", "open_majority_vote", FACILITATOR, dict(consent_failed=True), "conflict",
     "while the program is voting"),
    ("voting", "open_voting", FACILITATOR, {}, "conflict", "while the program is voting"),
    ("voting", "close_voting", FACILITATOR, dict(ballot=PASSES), "agreed", None),
    ("voting", "close_voting", FACILITATOR, dict(ballot=SPLIT), "discussion", None),
    ("voting", "close_voting", FACILITATOR, dict(ballot=BLOCKED), "discussion", None),
    ("voting", "close_voting", FACILITATOR, dict(ballot=ABSTAINED), "discussion", None),
    ("voting", "close_voting", FACILITATOR, dict(ballot=NO_QUORUM), "discussion", None),
    ("voting", "close_voting", FACILITATOR, dict(ballot=MAJORITY_WINS), "agreed", None),
    ("voting", "close_voting", FACILITATOR, dict(ballot=MAJORITY_TIE), "discussion", None),
    ("voting", "close_voting", FACILITATOR, dict(ballot=None), "conflict",
     "there is no open ballot"),
    # The round's minimum voting time holds every close back, whatever the count says.
    ("voting", "close_voting", FACILITATOR, dict(ballot=PASSES, **FRESH), "conflict",
     "the vote has been open 1 of the required 24 hours"),
    ("voting", "close_voting", FACILITATOR, dict(ballot=BLOCKED, **FRESH), "conflict",
     "the vote has been open 1 of the required 24 hours"),
    ("voting", "close_voting", FACILITATOR, dict(ballot=NO_QUORUM, **FRESH), "conflict",
     "voting cannot close yet"),
    ("voting", "close_voting", FACILITATOR, dict(ballot=MAJORITY_WINS, **FRESH), "conflict",
     "open 1 of the required 24 hours"),
    ("voting", "close_voting", FACILITATOR,
     dict(ballot=PASSES, ballot_opened_at=NOW - timedelta(hours=23, minutes=59),
          min_voting_hours=24), "conflict", "open 23 of the required 24 hours"),
    ("voting", "close_voting", FACILITATOR, dict(ballot=PASSES, **DAY_OLD), "agreed", None),
    ("voting", "close_voting", FACILITATOR, dict(ballot=BLOCKED, **DAY_OLD), "discussion",
     None),
    ("voting", "close_voting", FACILITATOR, dict(ballot=NO_QUORUM, **DAY_OLD), "discussion",
     None),
    ("voting", "close_voting", FACILITATOR,
     dict(ballot=PASSES, ballot_opened_at=NOW, min_voting_hours=0), "agreed", None),
    ("voting", "close_voting", FACILITATOR, dict(ballot=None, min_voting_hours=24),
     "conflict", "there is no open ballot"),
    ("voting", "close_voting", OFFICIAL, dict(ballot=PASSES, **FRESH), "forbidden",
     "facilitator"),
    ("voting", "close_voting", FACILITATOR, dict(ballot=MAJORITY_NO_QUORUM), "discussion",
     None),
    ("voting", "close_voting", OFFICIAL, dict(ballot=PASSES), "forbidden", "facilitator"),
    ("voting", "close_voting", RESIDENT, dict(ballot=PASSES), "forbidden", "facilitator"),
    ("discussion", "close_voting", FACILITATOR, dict(ballot=PASSES), "conflict",
     "while the program is discussion"),
    ("discussion", "reject", FACILITATOR, dict(reason="A duplicate of program 4."),
     "rejected", None),
    ("discussion", "reject", FACILITATOR, dict(reason=""), "invalid", "give a reason"),
    ("discussion", "reject", FACILITATOR, dict(reason=" \n\t "), "invalid", "give a reason"),
    ("discussion", "reject", OFFICIAL, dict(reason="no"), "forbidden", "facilitator"),
    ("discussion", "reject", RESIDENT, dict(reason=""), "forbidden", "facilitator"),
    ("agreed", "approve", OFFICIAL, {}, "approved", None),
    ("agreed", "approve", FACILITATOR, {}, "forbidden", "official"),
    ("agreed", "approve", RESIDENT, {}, "forbidden", "official"),
    ("agreed", "approve", ADMIN, {}, "forbidden", "official"),
    ("discussion", "approve", OFFICIAL, {}, "conflict", "while the program is discussion"),
    ("approved", "approve", OFFICIAL, {}, "conflict", "while the program is approved"),
    ("agreed", "return", OFFICIAL, dict(reason="Cost is not in the budget."), "discussion",
     None),
    ("agreed", "return", OFFICIAL, dict(reason=""), "invalid", "give a reason"),
    ("agreed", "return", FACILITATOR, dict(reason="why"), "forbidden", "official"),
    ("agreed", "reject", OFFICIAL, dict(reason="Not village land."), "rejected", None),
    ("agreed", "reject", OFFICIAL, dict(reason=""), "invalid", "give a reason"),
    ("agreed", "reject", FACILITATOR, dict(reason="why"), "forbidden", "official"),
    ("agreed", "reject", FACILITATOR, dict(reason=""), "forbidden", "official"),
    ("approved", "start_implementation", FACILITATOR, {}, "implementation", None),
    ("approved", "start_implementation", OFFICIAL, {}, "implementation", None),
    ("approved", "start_implementation", RESIDENT, {}, "forbidden", None),
    ("agreed", "start_implementation", FACILITATOR, {}, "conflict", "while the program is"),
    ("implementation", "complete", FACILITATOR, {}, "completed", None),
    ("implementation", "complete", RESIDENT, {}, "forbidden", "facilitator"),
    ("completed", "evaluate", FACILITATOR, {}, "evaluated", None),
    ("implementation", "evaluate", FACILITATOR, {}, "conflict", "while the program is"),
    ("draft", "withdraw", AUTHOR, {}, "withdrawn", None),
    ("proposed", "withdraw", AUTHOR, {}, "withdrawn", None),
    ("discussion", "withdraw", AUTHOR, dict(ballots_opened=0), "withdrawn", None),
    ("discussion", "withdraw", (RESIDENT, AUTHOR), dict(ballots_opened=1), "conflict",
     "a vote has already been opened"),
    ("discussion", "withdraw", FACILITATOR, {}, "forbidden", "author"),
    ("discussion", "withdraw", RESIDENT, {}, "forbidden", "author"),
    ("draft", "withdraw", OFFICIAL, {}, "forbidden", "author"),
    ("voting", "withdraw", AUTHOR, {}, "conflict", "while the program is voting"),
    ("agreed", "withdraw", AUTHOR, {}, "conflict", "while the program is agreed"),
    ("approved", "withdraw", AUTHOR, {}, "conflict", None),
    ("evaluated", "withdraw", AUTHOR, {}, "conflict", None),
    ("rejected", "withdraw", AUTHOR, {}, "conflict", None),
    ("withdrawn", "submit", AUTHOR, {}, "conflict", None),
    ("rejected", "open_discussion", FACILITATOR, {}, "conflict", None),
    ("evaluated", "evaluate", FACILITATOR, {}, "conflict", None),
    ("discussion", "publish_findings", FACILITATOR, {}, "not_found", "no such step"),
    ("organizing", "record_response", FACILITATOR, {}, "not_found", "no such step"),
    ("draft", "no_such_step", AUTHOR, {}, "not_found", "no such step"),
    ("draft", "", AUTHOR, {}, "not_found", "no such step"),
    ("draft", "Submit", AUTHOR, {}, "not_found", "no such step"),
    ("no_such_state", "submit", AUTHOR, {}, "conflict", None),
)


@pytest.mark.parametrize(("state", "name", "roles", "facts", "expected", "phrase"),
                         LOCALITY_TABLE)
def test_locality_table(state, name, roles, facts, expected, phrase):
    """fire() moves to the expected state or refuses with the expected kind and reason."""
    result = outcome(LOCALITY, state, name, ctx(roles, **facts))
    if expected in LOCALITY.states:
        assert result == expected
    else:
        assert isinstance(result, Refusal), f"fired to {result!r}"
        assert result.kind == expected
        assert isinstance(result.reason, Reason)
        if phrase is not None:
            assert phrase in str(result.reason)


# --- the exhaustive part ----------------------------------------------------------------

@pytest.mark.parametrize(("state", "name", "role"),
                         list(product(LOCALITY.states, ALL_NAMES, ROLES)))
def test_locality_exhaustive(state, name, role):
    """Every (state, name, role) fires a permitted transition or raises Refusal, nothing else."""
    records = [t for t in LOCALITY.transitions if t.source == state and t.name == name]
    for label, facts in FACT_VARIANTS.items():
        context = ctx(role, **facts)
        try:
            result = fire(LOCALITY, state, name, context)
        except Refusal as refusal:
            assert refusal.kind in KINDS, label
            assert isinstance(refusal.reason, Reason), label
            assert str(refusal), label
            if name not in LOCALITY.names():
                assert refusal.kind == "not_found", label
            elif not records:
                assert refusal.kind == "conflict", label
            elif not any(role in t.roles for t in records):
                assert refusal.kind == "forbidden", label
            elif records[0].needs_reason and not context.reason.strip():
                assert refusal.kind == "invalid", label
                assert "reason" in refusal.errors, label
            else:
                assert refusal.kind == "conflict", label
                assert all(first_refusal(t, context) is not None for t in records), label
                assert refusal.reason == first_refusal(records[0], context), label
        except Exception as exc:  # pragma: no cover - the point of the test
            pytest.fail(f"{label}: fire() raised {exc!r} instead of a Refusal")
        else:
            assert isinstance(result, Transition), label
            assert result in LOCALITY.transitions, label
            assert (result.source, result.name) == (state, name), label
            assert role in result.roles, label
            assert result.target in LOCALITY.states, label
            assert first_refusal(result, context) is None, label
            assert not (result.needs_reason and not context.reason.strip()), label
            # The first record whose guards pass is the one chosen.
            assert result == next(t for t in records if first_refusal(t, context) is None)


@pytest.mark.parametrize(("state", "name"),
                         sorted({(t.source, t.name) for t in LOCALITY.transitions}))
def test_unlisted_role_is_always_forbidden(state, name):
    """A role not listed on an existing transition gets 'forbidden', whatever the facts."""
    listed = set().union(*(t.roles for t in LOCALITY.transitions
                           if (t.source, t.name) == (state, name)))
    for role, facts in product(set(ROLES) - listed, FACT_VARIANTS.values()):
        with pytest.raises(Refusal) as refused:
            fire(LOCALITY, state, name, ctx(role, **facts))
        assert refused.value.kind == "forbidden"
        assert refused.value.reason.params == {"roles": sorted(listed)}


def test_no_roles_at_all_is_forbidden():
    """Someone with no role on the program may fire nothing that exists from the state."""
    for t in LOCALITY.transitions:
        with pytest.raises(Refusal) as refused:
            fire(LOCALITY, t.source, t.name, ctx((), **FACT_VARIANTS["everything allowed"]))
        assert refused.value.kind == "forbidden"


# --- the template matches DESIGN.md ---------------------------------------------------

DESIGN_TAIL = {
    ("start_implementation", "approved", "implementation"),
    ("complete", "implementation", "completed"),
    ("evaluate", "completed", "evaluated"),
}

DESIGN_LOCALITY = DESIGN_TAIL | {
    ("submit", "draft", "proposed"),
    ("open_discussion", "proposed", "discussion"),
    ("open_voting", "discussion", "voting"),
    ("close_voting", "voting", "agreed"),
    ("close_voting", "voting", "discussion"),
    ("open_majority_vote", "discussion", "voting"),
    ("reject", "discussion", "rejected"),
    ("approve", "agreed", "approved"),
    ("return", "agreed", "discussion"),
    ("reject", "agreed", "rejected"),
    # withdraw: by an author, before any vote opens (the states a vote cannot yet be open in)
    ("withdraw", "draft", "withdrawn"),
    ("withdraw", "proposed", "withdrawn"),
    ("withdraw", "discussion", "withdrawn"),
}

DESIGN_PLANNING = DESIGN_TAIL | {
    ("submit", "draft", "proposed"),
    ("start_assessment", "proposed", "assessment"),
    ("publish_findings", "assessment", "consultation"),
    ("recommend", "consultation", "agreed"),
    ("approve", "agreed", "approved"),
    ("return", "agreed", "assessment"),
    ("reject", "agreed", "rejected"),
    ("withdraw", "draft", "withdrawn"),
    ("withdraw", "proposed", "withdrawn"),
    ("withdraw", "assessment", "withdrawn"),
}

# Social action has no "approved" state (no official approval: the target's response
# starts the work), so its tail begins at implementation.
ACTION_TAIL = DESIGN_TAIL - {("start_implementation", "approved", "implementation")}

DESIGN_ACTION = ACTION_TAIL | {
    ("submit", "draft", "proposed"),
    ("start_organizing", "proposed", "organizing"),
    ("open_voting", "organizing", "voting"),
    ("close_voting", "voting", "agreed"),
    ("close_voting", "voting", "organizing"),
    ("deliver", "agreed", "action"),
    ("record_response", "action", "implementation"),
    ("record_response", "action", "organizing"),
    ("withdraw", "draft", "withdrawn"),
    ("withdraw", "proposed", "withdrawn"),
    ("withdraw", "organizing", "withdrawn"),
}


def edges(template):
    return {(t.name, t.source, t.target) for t in template.transitions}


def test_locality_transitions_are_exactly_the_design():
    """LOCALITY has DESIGN.md's transitions, names, sources and targets, no more, no fewer."""
    assert edges(LOCALITY) == DESIGN_LOCALITY
    assert len(LOCALITY.transitions) == len(DESIGN_LOCALITY)


@pytest.mark.parametrize(("template", "design"), (
    (PLANNING, DESIGN_PLANNING), (ACTION, DESIGN_ACTION)))
def test_other_templates_match_the_design(template, design):
    """PLANNING and ACTION have DESIGN.md's transitions too."""
    assert edges(template) == design


def test_locality_metadata():
    """The locality template is named, starts in draft and ends in the three final states."""
    assert TEMPLATES["locality"] is LOCALITY
    assert LOCALITY.name == "locality"
    assert LOCALITY.initial == "draft"
    assert LOCALITY.final == {"evaluated", "rejected", "withdrawn"}
    assert set(LOCALITY.states) == {s for e in DESIGN_LOCALITY for s in e[1:]}
    assert len(set(LOCALITY.states)) == len(LOCALITY.states)


@pytest.mark.parametrize(("name", "source", "roles"), (
    ("submit", "draft", {AUTHOR}),
    ("open_discussion", "proposed", {FACILITATOR}),
    ("open_voting", "discussion", {FACILITATOR}),
    ("open_majority_vote", "discussion", {FACILITATOR}),
    ("close_voting", "voting", {FACILITATOR}),
    ("reject", "discussion", {FACILITATOR}),
    ("approve", "agreed", {OFFICIAL}),
    ("return", "agreed", {OFFICIAL}),
    ("reject", "agreed", {OFFICIAL}),
    ("withdraw", "draft", {AUTHOR}),
    ("withdraw", "proposed", {AUTHOR}),
    ("withdraw", "discussion", {AUTHOR}),
))
def test_locality_roles(name, source, roles):
    """Who may fire each locality step is as DESIGN.md and the role table say."""
    records = [t for t in LOCALITY.transitions if (t.name, t.source) == (name, source)]
    assert records
    assert all(t.roles == roles for t in records)


def test_residents_and_admins_fire_nothing_in_locality():
    """Residents act as authors and voters, admins manage accounts: no step is theirs."""
    assert all(not t.roles & {RESIDENT, ADMIN} for t in LOCALITY.transitions)


def test_locality_reasons_required():
    """Exactly reject and return ask for a reason."""
    assert {(t.name, t.source) for t in LOCALITY.transitions if t.needs_reason} == {
        ("reject", "discussion"), ("return", "agreed"), ("reject", "agreed")}


@pytest.mark.parametrize(("name", "source", "guards", "effects"), (
    ("open_voting", "discussion", (g.discussion_long_enough,), ("open_consent_ballot",)),
    ("open_majority_vote", "discussion", (g.consent_round_failed,), ("open_majority_ballot",)),
    ("withdraw", "draft", (g.no_vote_opened,), ()),
    ("withdraw", "proposed", (g.no_vote_opened,), ()),
    ("withdraw", "discussion", (g.no_vote_opened,), ()),
    ("submit", "draft", (), ()),
    ("approve", "agreed", (), ()),
))
def test_locality_guards_and_effects(name, source, guards, effects):
    """Guards and ballot effects sit on the steps DESIGN.md names."""
    (record,) = [t for t in LOCALITY.transitions if (t.name, t.source) == (name, source)]
    assert record.guards == guards
    assert record.effects == effects


def test_close_voting_records():
    """close_voting has one record per outcome, each closing the ballot."""
    records = {t.target: t for t in LOCALITY.transitions if t.name == "close_voting"}
    assert set(records) == {"agreed", "discussion"}
    assert records["agreed"].guards == (g.voting_long_enough, g.ballot_passed)
    assert records["discussion"].guards == (g.voting_long_enough, g.ballot_failed)
    assert all(t.effects == ("close_ballot",) for t in records.values())


@pytest.mark.parametrize("template", (LOCALITY, ACTION), ids=("locality", "action"))
def test_every_close_voting_waits_for_the_minimum_voting_time(template):
    """In both templates that vote, every close_voting record first checks the minimum."""
    records = [t for t in template.transitions if t.name == "close_voting"]
    assert len(records) == 2
    assert all(t.guards[0] is g.voting_long_enough for t in records)
    for tally_ in (PASSES, BLOCKED, NO_QUORUM, MAJORITY_WINS, MAJORITY_TIE):
        refused = outcome(template, "voting", "close_voting",
                          ctx(FACILITATOR, ballot=tally_, **FRESH))
        assert refused.kind == "conflict"
        assert refused.reason.params == {"hours": 1, "required": 24}


@pytest.mark.parametrize("tally_", (PASSES, SPLIT, BLOCKED, ABSTAINED, NO_QUORUM,
                                    MAJORITY_WINS, MAJORITY_TIE, MAJORITY_NO_QUORUM))
def test_only_a_consent_round_with_quorum_unlocks_the_majority_fallback(tally_):
    """After a close, open_majority_vote opens exactly when a consent ballot failed with quorum.

    The context says a consent round failed when a closed consent ballot's verdict is
    False (queries.ballots_summary over Ballot.passed); a close without quorum leaves it
    None and the program back in discussion, where only the consent vote may open again.
    """
    after = fire(LOCALITY, "voting", "close_voting", ctx(FACILITATOR, ballot=tally_))
    failed = tally_.kind == CONSENT and tally_.verdict is False
    facts = dict(ballots_opened=1, consent_failed=failed, state_since=NOW,
                 min_discussion_days=0)
    if after.target == "agreed":
        assert tally_.verdict is True
        return
    assert after.target == "discussion"
    assert outcome(LOCALITY, "discussion", "open_voting", ctx(FACILITATOR, **facts)) == (
        "voting")
    fallback = outcome(LOCALITY, "discussion", "open_majority_vote", ctx(FACILITATOR, **facts))
    if failed:
        assert fallback == "voting"
    else:
        assert isinstance(fallback, Refusal) and fallback.kind == "conflict"
        assert "that reached quorum" in str(fallback.reason)
    assert failed is (tally_ in (SPLIT, BLOCKED, ABSTAINED))


@pytest.mark.parametrize("ballot_", (PASSES, SPLIT, BLOCKED, ABSTAINED, NO_QUORUM,
                                     MAJORITY_WINS, MAJORITY_TIE))
def test_close_voting_follows_the_ballot(ballot_):
    """close_voting goes to agreed exactly when the ballot passes, else back to discussion."""
    target = fire(LOCALITY, "voting", "close_voting", ctx(FACILITATOR, ballot=ballot_)).target
    assert target == ("agreed" if ballot_.passed else "discussion")


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_common_tail_and_withdraw_in_every_template(template):
    """Every template ends (approved→)implementation→completed→evaluated and can be withdrawn."""
    assert (ACTION_TAIL if template is ACTION else DESIGN_TAIL) <= edges(template)
    withdrawals = [t for t in template.transitions if t.name == "withdraw"]
    assert {t.source for t in withdrawals} >= {"draft", "proposed"}
    assert "voting" not in {t.source for t in withdrawals}
    for t in withdrawals:
        assert t.target == "withdrawn"
        assert t.roles == {AUTHOR}
        assert g.no_vote_opened in t.guards


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_template_is_consistent(template):
    """States are declared, final states are dead ends, every state is reachable."""
    states = set(template.states)
    assert template.initial in states
    assert template.final <= states
    for t in template.transitions:
        assert t.source in states and t.target in states, t
        assert t.source not in template.final, t
        assert t.roles, t
    reached, frontier = {template.initial}, [template.initial]
    while frontier:
        for t in template.from_state(frontier.pop()):
            if t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == states
    for state in states - template.final:
        assert template.from_state(state), state


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_no_transition_record_is_shadowed(template):
    """Where several records share a name and source, each one can actually be chosen.

    fire() takes the first record whose guards pass, so an earlier record without
    guards makes every later one with the same name and source unreachable.
    """
    groups = defaultdict(list)
    for t in template.transitions:
        groups[(t.name, t.source)].append(t)
    for (name, source), records in groups.items():
        for earlier in records[:-1]:
            assert earlier.guards, (
                f"{template.name}: {name} from {source} always goes to {earlier.target}; "
                f"{[t.target for t in records[1:]]} can never be reached")


def test_planning_publish_findings_needs_a_sourced_finding():
    """Findings are published only with at least one sourced finding."""
    refused = outcome(PLANNING, "assessment", "publish_findings", ctx(FACILITATOR))
    assert refused.kind == "conflict"
    assert "finding with its source" in str(refused.reason)
    assert outcome(PLANNING, "assessment", "publish_findings",
                   ctx(FACILITATOR, sourced_findings=1)) == "consultation"


def test_action_open_voting_needs_supporters():
    """In social action, voting opens only once enough residents have joined."""
    refused = outcome(ACTION, "organizing", "open_voting",
                      ctx(FACILITATOR, supporters=3, supporter_threshold=5))
    assert refused.kind == "conflict"
    assert "2 more supporters needed" in str(refused.reason)
    assert outcome(ACTION, "organizing", "open_voting",
                   ctx(FACILITATOR, supporters=5, supporter_threshold=5)) == "voting"


@pytest.mark.parametrize(("ballot_", "facts", "target"), (
    (MAJORITY_WINS, {}, "agreed"), (MAJORITY_TIE, {}, "organizing"),
    (MAJORITY_NO_QUORUM, {}, "organizing"), (None, {}, None),
    (MAJORITY_WINS, FRESH, None), (MAJORITY_TIE, FRESH, None),
    (MAJORITY_WINS, DAY_OLD, "agreed"), (MAJORITY_NO_QUORUM, DAY_OLD, "organizing")))
def test_action_close_voting(ballot_, facts, target):
    """Demands are adopted by majority, or organising goes on; not before the minimum time."""
    result = outcome(ACTION, "voting", "close_voting",
                     ctx(FACILITATOR, ballot=ballot_, **facts))
    if target is None:
        assert result.kind == "conflict"
    else:
        assert result == target


# --- refusals carry their reasons ------------------------------------------------------

def test_refusal_reasons_carry_parameters():
    """Each refusal kind explains itself with its own parameters."""
    cases = (
        ("discussion", "no_such_step", FACILITATOR, {}, "not_found", {}),
        ("draft", "approve", OFFICIAL, {}, "conflict", {"state": "draft"}),
        ("agreed", "approve", RESIDENT, {}, "forbidden", {"roles": [OFFICIAL]}),
        ("discussion", "reject", FACILITATOR, {"reason": ""}, "invalid", {}),
    )
    for state, name, roles, facts, kind, params in cases:
        refused = outcome(LOCALITY, state, name, ctx(roles, **facts))
        assert (refused.kind, refused.reason.params) == (kind, params)


def test_invalid_refusal_names_the_reason_field():
    """A missing reason is reported against the form field named reason."""
    refused = outcome(LOCALITY, "agreed", "return", ctx(OFFICIAL, reason=""))
    assert set(refused.errors) == {"reason"}
    assert isinstance(refused.errors["reason"], Reason)


def test_checks_come_in_order():
    """Unknown name, then wrong state, then role, then missing reason, then guards."""
    nobody = ctx(())
    assert outcome(LOCALITY, "evaluated", "publish_findings", nobody).kind == "not_found"
    assert outcome(LOCALITY, "evaluated", "reject", nobody).kind == "conflict"
    assert outcome(LOCALITY, "discussion", "reject", nobody).kind == "forbidden"
    assert outcome(LOCALITY, "discussion", "reject", ctx(FACILITATOR)).kind == "invalid"
    assert outcome(LOCALITY, "discussion", "withdraw",
                   ctx(AUTHOR, ballots_opened=1)).kind == "conflict"


def test_fire_is_pure():
    """Firing twice with the same facts gives the same answer and leaves the facts alone."""
    context = ctx(FACILITATOR, ballot=PASSES)
    before = repr(context)
    first = fire(LOCALITY, "voting", "close_voting", context)
    assert fire(LOCALITY, "voting", "close_voting", context) == first
    assert repr(context) == before


# --- whole journeys --------------------------------------------------------------------

def walk(template, steps, start=None):
    """Fire each (name, roles, facts) in turn; return the states visited."""
    state, visited = start or template.initial, []
    for name, roles, facts in steps:
        state = fire(template, state, name, ctx(roles, **facts)).target
        visited.append(state)
    return visited


def test_locality_journey_by_consent():
    """From draft to evaluated when the first consent round reaches mufakat."""
    assert walk(LOCALITY, (
        ("submit", AUTHOR, {}),
        ("open_discussion", FACILITATOR, {}),
        ("open_voting", FACILITATOR, {}),
        ("close_voting", FACILITATOR, dict(ballot=PASSES, ballots_opened=1)),
        ("approve", OFFICIAL, {}),
        ("start_implementation", OFFICIAL, {}),
        ("complete", FACILITATOR, {}),
        ("evaluate", FACILITATOR, {}),
    )) == ["proposed", "discussion", "voting", "agreed", "approved", "implementation",
           "completed", "evaluated"]


def test_locality_journey_by_majority_fallback():
    """A blocked consent round goes back to discussion; the majority fallback then decides."""
    assert walk(LOCALITY, (
        ("submit", AUTHOR, {}),
        ("open_discussion", FACILITATOR, {}),
        ("open_voting", FACILITATOR, {}),
        ("close_voting", FACILITATOR, dict(ballot=BLOCKED, ballots_opened=1)),
        ("open_majority_vote", FACILITATOR, dict(ballots_opened=1, consent_failed=True,
                                                 state_since=NOW)),
        ("close_voting", FACILITATOR, dict(ballot=MAJORITY_WINS, ballots_opened=2,
                                           consent_failed=True)),
        ("return", OFFICIAL, dict(reason="Please add the cost.")),
        ("reject", FACILITATOR, dict(reason="Merged into program 7.", ballots_opened=2)),
    )) == ["proposed", "discussion", "voting", "discussion", "voting", "agreed",
           "discussion", "rejected"]


def test_no_withdrawal_after_a_vote_opened():
    """Once a vote has been opened, the author can no longer withdraw, even in discussion."""
    refused = outcome(LOCALITY, "discussion", "withdraw", ctx(AUTHOR, ballots_opened=1))
    assert refused.kind == "conflict"
    assert "a vote has already been opened" in str(refused.reason)


# --- available() ----------------------------------------------------------------------

def steps(state, roles, **facts):
    """[(name, str(reason) or None)] that available() offers."""
    return [(t.name, None if r is None else str(r))
            for t, r in available(LOCALITY, state, ctx(roles, **facts))]


def test_available_for_facilitator_in_discussion():
    """Guard-failed steps stay listed with their reason; the author's withdraw is left out."""
    offered = dict(steps("discussion", FACILITATOR,
                         state_since=NOW - timedelta(days=2)))
    assert list(offered) == ["open_voting", "open_majority_vote", "reject"]
    assert "open 2 of the required 7 days" in offered["open_voting"]
    assert "consent round" in offered["open_majority_vote"]
    assert offered["reject"] is None  # the reason is asked for in the form itself


def test_available_when_everything_is_ready():
    """With the guards met, every step of the role is offered without a reason."""
    assert steps("discussion", FACILITATOR, consent_failed=True) == [
        ("open_voting", None), ("open_majority_vote", None), ("reject", None)]


@pytest.mark.parametrize(("state", "roles", "facts", "expected"), (
    ("draft", AUTHOR, {}, [("submit", None), ("withdraw", None)]),
    ("draft", RESIDENT, {}, []),
    ("draft", FACILITATOR, {}, []),
    ("proposed", (RESIDENT, AUTHOR), {}, [("withdraw", None)]),
    ("proposed", FACILITATOR, {}, [("open_discussion", None)]),
    ("discussion", RESIDENT, {}, []),
    ("discussion", OFFICIAL, {}, []),
    ("discussion", ADMIN, {}, []),
    ("discussion", AUTHOR, dict(ballots_opened=0), [("withdraw", None)]),
    ("discussion", AUTHOR, dict(ballots_opened=1),
     [("withdraw", "a vote has already been opened on this program")]),
    ("voting", FACILITATOR, dict(ballot=PASSES), [("close_voting", None)]),
    ("voting", FACILITATOR, dict(ballot=BLOCKED), [("close_voting", None)]),
    ("voting", FACILITATOR, dict(ballot=None), [("close_voting", "there is no open ballot")]),
    ("voting", FACILITATOR, dict(ballot=PASSES, **FRESH), [(
        "close_voting",
        "voting cannot close yet: the vote has been open 1 of the required 24 hours")]),
    ("voting", FACILITATOR, dict(ballot=NO_QUORUM, **DAY_OLD), [("close_voting", None)]),
    ("voting", AUTHOR, dict(ballot=PASSES), []),
    ("agreed", OFFICIAL, {}, [("approve", None), ("return", None), ("reject", None)]),
    ("agreed", FACILITATOR, {}, []),
    ("approved", OFFICIAL, {}, [("start_implementation", None)]),
    ("approved", FACILITATOR, {}, [("start_implementation", None)]),
    ("implementation", FACILITATOR, {}, [("complete", None)]),
    ("completed", FACILITATOR, {}, [("evaluate", None)]),
    ("evaluated", FACILITATOR, {}, []),
    ("rejected", OFFICIAL, {}, []),
    ("withdrawn", AUTHOR, {}, []),
    ("no_such_state", FACILITATOR, {}, []),
))
def test_available_table(state, roles, facts, expected):
    """available() lists the actor's steps from each state, with reasons where blocked."""
    assert steps(state, roles, **facts) == expected


@pytest.mark.parametrize(("state", "roles"), list(product(
    LOCALITY.states, [frozenset({r}) for r in ROLES]
    + [frozenset({RESIDENT, AUTHOR}), frozenset({FACILITATOR, OFFICIAL}), frozenset()])))
def test_available_agrees_with_fire(state, roles):
    """available() offers exactly the actor's steps, each reason being fire()'s refusal."""
    for label, facts in FACT_VARIANTS.items():
        context = ctx(roles, **facts)
        offered = available(LOCALITY, state, context)
        names = [t.name for t, _ in offered]
        assert len(names) == len(set(names)), label
        own = {t.name for t in LOCALITY.from_state(state) if t.roles & roles}
        assert set(names) == own, label
        for transition, reason in offered:
            assert transition.source == state, label
            assert transition.roles & roles, label
            result = outcome(LOCALITY, state, transition.name, ctx(roles, **{
                **facts, "reason": "a reason"}))
            if reason is None:
                assert not isinstance(result, Refusal), (label, transition.name, result)
            else:
                assert isinstance(result, Refusal), (label, transition.name)
                assert result.kind == "conflict"
                assert result.reason == reason, label


def test_available_on_a_custom_template():
    """available() works on any template given as data, not only the built-in ones."""
    tpl = Template(name="tiny", initial="a", states=("a", "b"), final=frozenset({"b"}),
                   transitions=(Transition("go", "a", "b", frozenset({"x"}),
                                           (g.findings_with_source,)),
                                Transition("skip", "a", "b", frozenset({"y"}))))
    (offered,) = available(tpl, "a", Context(roles=frozenset({"x"})))
    assert offered[0].name == "go"
    assert "finding" in str(offered[1])
    assert fire(tpl, "a", "go", Context(roles=frozenset({"x"}), sourced_findings=1)).target == "b"
