"""Ballot rules (workflow/engine/ballots.py): pure, no database, no app."""
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.engine import ballots as voting
from workflow.engine.ballots import (
    ADVISORY,
    CHOICES,
    CONSENT,
    MAJORITY,
    as_fraction,
    check_choice,
    quorum_needed,
    tally,
)

TWO_THIRDS = "2/3"


def consent(agree=0, abstain=0, disagree=0, block=0, eligible=None,
            quorum=TWO_THIRDS, threshold=TWO_THIRDS):
    """A consent tally from counts; eligible defaults to the number cast."""
    choices = (["agree"] * agree + ["abstain"] * abstain + ["disagree"] * disagree
               + ["block"] * block)
    return tally(CONSENT, choices, len(choices) if eligible is None else eligible,
                 quorum, threshold)


def majority(yes=0, no=0, abstain=0, eligible=None, quorum=TWO_THIRDS, kind=MAJORITY):
    """A majority (or advisory) tally from counts; eligible defaults to the number cast."""
    choices = ["yes"] * yes + ["no"] * no + ["abstain"] * abstain
    return tally(kind, choices, len(choices) if eligible is None else eligible,
                 quorum, TWO_THIRDS)


# --- fractions and quorum ---------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), (
    ("2/3", Fraction(2, 3)),
    ("1/2", Fraction(1, 2)),
    ("3/4", Fraction(3, 4)),
    (Fraction(2, 3), Fraction(2, 3)),
    (0.6667, Fraction(2, 3)),
    (2 / 3, Fraction(2, 3)),
    (0.5, Fraction(1, 2)),
    ("0.5", Fraction(1, 2)),
    (1, Fraction(1)),
    (0, Fraction(0)),
))
def test_as_fraction(value, expected):
    """Stored fractions are read back as exact Fractions."""
    result = as_fraction(value)
    assert isinstance(result, Fraction)
    assert result == expected


def test_as_fraction_two_thirds_is_exact():
    """"2/3" is exactly two thirds, not a rounded decimal."""
    assert as_fraction("2/3") == Fraction(2, 3)
    assert as_fraction("2/3") * 3 == 2
    assert as_fraction("2/3") != Fraction(6667, 10000)


@pytest.mark.parametrize(("eligible", "quorum", "needed"), (
    (12, "2/3", 8),
    (12, 0.6667, 8),
    (12, Fraction(2, 3), 8),
    (9, "2/3", 6),
    (9, 0.6667, 6),      # a float product would give ceil(6.0003) = 7
    (10, "2/3", 7),
    (1, "2/3", 1),
    (3, "1/2", 2),
    (4, "1/2", 2),
    (0, "2/3", 0),
    (12, 0, 0),
    (12, 1, 12),
))
def test_quorum_needed(eligible, quorum, needed):
    """Quorum is ceil(eligible × fraction), computed exactly."""
    assert quorum_needed(eligible, quorum) == needed


# --- consent ----------------------------------------------------------------

@pytest.mark.parametrize(("votes", "eligible", "passed", "phrase"), (
    ({"agree": 2, "disagree": 1}, None, True, None),
    ({"agree": 1, "disagree": 1}, None, False, "not enough agreement"),
    ({"abstain": 3}, None, False, "not enough agreement"),
    ({"agree": 3}, None, True, None),
    ({"agree": 1, "abstain": 5}, None, True, None),
    ({"agree": 2, "disagree": 2}, None, False, "not enough agreement"),
    ({"agree": 4, "disagree": 2}, None, True, None),
    ({"agree": 5, "disagree": 3}, None, False, "not enough agreement"),   # 5/8 < 2/3
    ({"agree": 7, "disagree": 3}, None, True, None),                      # 7/10 > 2/3
    ({"agree": 10, "block": 1}, None, False, "keberatan"),
    ({"agree": 9, "disagree": 1, "block": 1}, None, False, "keberatan"),
    ({"block": 1}, None, False, "keberatan"),
    ({"agree": 7}, 12, False, "quorum"),          # 7 of 8 needed
    ({"agree": 8}, 12, True, None),               # exactly the quorum
    ({"agree": 6, "abstain": 2}, 12, True, None),  # abstentions count toward quorum
    ({"abstain": 8}, 12, False, "not enough agreement"),
    ({"agree": 2, "block": 1}, 12, False, "quorum"),  # quorum is named first
    ({}, 12, False, "quorum"),
    ({}, 0, False, "quorum"),
))
def test_consent_tally(votes, eligible, passed, phrase):
    """Consent passes on quorum, no block, and agree / (agree + disagree) >= 2/3."""
    result = consent(**votes, eligible=eligible)
    assert result.passed is passed
    if passed:
        assert result.outcome_reason is None
    else:
        assert phrase in str(result.outcome_reason)


def test_consent_threshold_boundary_is_inclusive():
    """Exactly 2/3 agreement passes; a float threshold of 0.6667 reads as 2/3 too."""
    assert consent(agree=2, disagree=1).passed
    assert consent(agree=2, disagree=1, threshold=0.6667).passed
    assert consent(agree=2, disagree=1, threshold=Fraction(2, 3)).passed
    assert not consent(agree=2, disagree=1, threshold="3/4").passed
    assert consent(agree=3, disagree=1, threshold="3/4").passed


def test_consent_block_reason_names_the_count():
    """The refusal says how many objections block the agreement."""
    reason = consent(agree=5, block=2).outcome_reason
    assert reason.params == {"n": 2}
    assert "keberatan" in str(reason) and "2" in str(reason)


def test_consent_not_enough_agreement_reason_names_counts():
    """The refusal names the agree and disagree counts."""
    reason = consent(agree=1, disagree=1).outcome_reason
    assert reason.params == {"agree": 1, "disagree": 1}


def test_quorum_reason_names_cast_and_needed():
    """The quorum refusal says how many were cast out of how many needed."""
    reason = consent(agree=5, eligible=12).outcome_reason
    assert reason.params == {"cast": 5, "needed": 8}
    assert "5 of 8" in str(reason)


def test_consent_tally_counts_and_dict():
    """Counts, cast and as_dict() agree with the choices given."""
    result = consent(agree=3, abstain=1, disagree=1, eligible=6)
    assert result.counts == {"agree": 3, "abstain": 1, "disagree": 1, "block": 0}
    assert result.cast == 5
    assert result.needed == 4
    assert result.quorum_met
    assert result.threshold == Fraction(2, 3)
    assert result.as_dict() == {
        "kind": CONSENT, "counts": {"agree": 3, "abstain": 1, "disagree": 1, "block": 0},
        "cast": 5, "eligible": 6, "needed": 4, "quorum_met": True, "passed": True}
    assert consent(agree=1, disagree=1, eligible=2).as_dict()["passed"] is False


def test_as_dict_counts_is_a_copy():
    """Changing the dict from as_dict() does not change the tally."""
    result = consent(agree=3)
    result.as_dict()["counts"]["agree"] = 0
    assert result.counts["agree"] == 3


def test_unknown_choice_in_tally_is_an_error():
    """A choice that is not on the ballot is not silently counted."""
    with pytest.raises(KeyError):
        tally(CONSENT, ["yes"], 3, TWO_THIRDS, TWO_THIRDS)


# --- majority -----------------------------------------------------------------

@pytest.mark.parametrize(("votes", "eligible", "passed", "phrase"), (
    ({"yes": 2, "no": 1}, None, True, None),
    ({"yes": 1, "no": 1}, None, False, "no majority"),
    ({"yes": 1, "no": 2}, None, False, "no majority"),
    ({"yes": 0, "no": 0, "abstain": 3}, None, False, "no majority"),
    ({"yes": 1, "abstain": 10}, None, True, None),
    ({"yes": 5, "no": 4}, None, True, None),
    ({"yes": 4, "no": 4, "abstain": 1}, None, False, "no majority"),
    ({"yes": 7}, 12, False, "quorum"),
    ({"yes": 5, "no": 3}, 12, True, None),
    ({"yes": 4, "no": 4}, 12, False, "no majority"),
    ({}, 0, False, "quorum"),
))
def test_majority_tally(votes, eligible, passed, phrase):
    """Majority passes on quorum and yes > no; ties fail."""
    result = majority(**votes, eligible=eligible)
    assert result.passed is passed
    if not passed:
        assert phrase in str(result.outcome_reason)


def test_majority_ignores_consent_threshold():
    """A bare majority passes whatever the round's consent threshold is."""
    result = tally(MAJORITY, ["yes", "yes", "no"], 3, TWO_THIRDS, "9/10")
    assert result.passed


@pytest.mark.parametrize(("votes", "eligible"), (
    ({"yes": 2, "no": 1}, None),
    ({"yes": 1, "no": 1}, None),
    ({"yes": 0, "no": 9, "abstain": 1}, None),
    ({"yes": 7}, 12),                 # below the 2/3 a binding vote would need
    ({"yes": 1}, 100),
    ({}, 12),
    ({}, 0),
))
def test_advisory_poll_has_no_verdict(votes, eligible):
    """An advisory poll binds nobody: no pass, no fail, no quorum, whatever was cast."""
    result = majority(**votes, eligible=eligible, kind=ADVISORY)
    assert result.binding is False
    assert result.passed is None
    assert result.quorum_met is None
    assert result.verdict is None
    assert "binds nobody" in str(result.outcome_reason)
    stored = result.as_dict()
    assert "passed" not in stored and "quorum_met" not in stored and "needed" not in stored
    assert stored["counts"] == {"yes": votes.get("yes", 0), "no": votes.get("no", 0),
                                "abstain": votes.get("abstain", 0)}
    assert stored["turnout_percent"] == result.turnout


def test_advisory_poll_reports_its_turnout():
    """Seven of twelve residents took part: 58%, counts and turnout, nothing else."""
    result = majority(yes=5, no=1, abstain=1, eligible=12, kind=ADVISORY)
    assert result.as_dict() == {
        "kind": ADVISORY, "counts": {"yes": 5, "no": 1, "abstain": 1}, "cast": 7,
        "eligible": 12, "turnout_percent": 58}


@pytest.mark.parametrize(("cast", "eligible", "percent"), (
    (7, 12, 58),      # 58.33
    (8, 12, 67),      # 66.67
    (1, 8, 13),       # 12.5 rounds half up
    (1, 3, 33),
    (2, 3, 67),
    (0, 12, 0),
    (12, 12, 100),
    (1, 200, 1),      # 0.5 rounds half up
    (1, 201, 0),      # 0.4975
    (0, 0, None),
    (3, 0, None),
))
def test_turnout_percent(cast, eligible, percent):
    """The share of residents who took part, a whole percent rounded half up, exactly."""
    assert voting.turnout_percent(cast, eligible) == percent


@pytest.mark.parametrize(("kind", "votes", "eligible", "verdict"), (
    (CONSENT, {"agree": 8}, 12, True),
    (CONSENT, {"agree": 6, "block": 2}, 12, False),     # quorum, an objection
    (CONSENT, {"agree": 4, "disagree": 4}, 12, False),  # quorum, too little agreement
    (CONSENT, {"abstain": 8}, 12, False),
    (CONSENT, {"agree": 7}, 12, None),                  # no quorum: decided nothing
    (CONSENT, {"agree": 2, "block": 5}, 12, None),      # a block without quorum too
    (CONSENT, {}, 12, None),
    (CONSENT, {}, 0, None),
    (MAJORITY, {"yes": 5, "no": 3}, 12, True),
    (MAJORITY, {"yes": 4, "no": 4}, 12, False),
    (MAJORITY, {"yes": 7}, 12, None),
    (MAJORITY, {}, 12, None),
    (ADVISORY, {"yes": 12}, 12, None),
    (ADVISORY, {"no": 12}, 12, None),
))
def test_verdict(kind, votes, eligible, verdict):
    """What a closed ballot stores: carried, fell short with quorum, or nothing decided."""
    counts = dict.fromkeys(CHOICES[kind], 0) | votes
    choices = [choice for choice, n in counts.items() for _ in range(n)]
    result = tally(kind, choices, eligible, TWO_THIRDS, TWO_THIRDS)
    assert result.verdict is verdict
    if kind != ADVISORY:
        # The tally still tells why it was not carried, quorum first.
        assert result.passed is (verdict is True)
        assert result.quorum_met is (verdict is not None)
        assert result.as_dict()["quorum_met"] is result.quorum_met


@pytest.mark.parametrize(("kind", "choices"), (
    (CONSENT, ("agree", "abstain", "disagree", "block")),
    (MAJORITY, ("yes", "no", "abstain")),
    (ADVISORY, ("yes", "no", "abstain")),
))
def test_choices_per_kind(kind, choices):
    """Each ballot kind offers exactly the choices the public contract names."""
    assert set(CHOICES[kind]) == set(choices)
    assert set(tally(kind, [], 1, TWO_THIRDS, TWO_THIRDS).counts) == set(choices)


# --- check_choice -----------------------------------------------------------------

@pytest.mark.parametrize(("kind", "choice", "reason", "phrase"), (
    (CONSENT, "agree", "", None),
    (CONSENT, "abstain", "", None),
    (CONSENT, "disagree", "", None),
    (CONSENT, "block", "It floods the road.", None),
    (CONSENT, "block", "", "needs a reason"),
    (CONSENT, "block", "   \n\t", "needs a reason"),
    (CONSENT, "block", None, "needs a reason"),
    (CONSENT, "yes", "", "Choose one of the options"),
    (CONSENT, "", "", "Choose one of the options"),
    (CONSENT, "Agree", "", "Choose one of the options"),
    (MAJORITY, "yes", "", None),
    (MAJORITY, "no", "", None),
    (MAJORITY, "abstain", "", None),
    (MAJORITY, "agree", "", "Choose one of the options"),
    (MAJORITY, "block", "a reason", "Choose one of the options"),
    (ADVISORY, "no", "", None),
    ("no-such-kind", "agree", "", "Choose one of the options"),
))
def test_check_choice(kind, choice, reason, phrase):
    """A ballot paper is valid only with a listed choice, and a block needs a reason."""
    result = check_choice(kind, choice, reason)
    if phrase is None:
        assert result is None
    else:
        assert phrase in str(result)


# --- properties ---------------------------------------------------------------------

fractions = st.fractions(min_value=0, max_value=1, max_denominator=20)


@st.composite
def ballots(draw, kinds=(CONSENT, MAJORITY, ADVISORY)):
    kind = draw(st.sampled_from(kinds))
    choices = draw(st.lists(st.sampled_from(CHOICES[kind]), max_size=40))
    eligible = draw(st.integers(min_value=0, max_value=50))
    return kind, choices, eligible, draw(fractions), draw(fractions)


@given(ballots())
def test_tally_properties(ballot):
    """Cast equals the number of choices, counts sum to it, and passing needs the quorum."""
    kind, choices, eligible, quorum, threshold = ballot
    result = tally(kind, choices, eligible, quorum, threshold)
    assert result.cast == len(choices)
    assert sum(result.counts.values()) == result.cast
    for choice in CHOICES[kind]:
        assert result.counts[choice] == choices.count(choice)
    assert result.needed == quorum_needed(eligible, quorum)
    if kind == ADVISORY:
        assert (result.passed, result.quorum_met, result.verdict) == (None, None, None)
        assert set(result.as_dict()) == {"kind", "counts", "cast", "eligible",
                                         "turnout_percent"}
        return
    if result.passed:
        assert result.quorum_met
        assert result.outcome_reason is None
    else:
        assert result.outcome_reason is not None
    assert result.as_dict()["passed"] is result.passed
    # Only a ballot that reached its quorum decided anything.
    assert result.verdict is (result.passed if result.quorum_met else None)


@given(ballots(kinds=(CONSENT,)))
def test_consent_with_a_block_never_passes(ballot):
    """A single objection (keberatan) stops a consent ballot whatever else was cast."""
    _, choices, eligible, quorum, threshold = ballot
    result = tally(CONSENT, choices + ["block"], eligible, quorum, threshold)
    assert not result.passed


@given(ballots(kinds=(CONSENT,)))
def test_consent_matches_integer_arithmetic(ballot):
    """The consent rule agrees with an independent integer-only computation."""
    _, choices, eligible, quorum, threshold = ballot
    result = tally(CONSENT, choices, eligible, quorum, threshold)
    agree, disagree = choices.count("agree"), choices.count("disagree")
    needed = -(-eligible * quorum.numerator // quorum.denominator)
    expected = (eligible > 0 and len(choices) >= needed and "block" not in choices
                and agree + disagree > 0
                and agree * threshold.denominator >= threshold.numerator * (agree + disagree))
    assert result.passed is expected


@given(ballots(kinds=(MAJORITY,)))
def test_majority_matches_integer_arithmetic(ballot):
    """The majority rule is quorum and yes > no, nothing more."""
    kind, choices, eligible, quorum, threshold = ballot
    result = tally(kind, choices, eligible, quorum, threshold)
    needed = -(-eligible * quorum.numerator // quorum.denominator)
    expected = (eligible > 0 and len(choices) >= needed
                and choices.count("yes") > choices.count("no"))
    assert result.passed is expected


@given(ballots(kinds=(CONSENT,)))
def test_one_more_agree_keeps_a_passing_consent(ballot):
    """Adding an agree vote never turns a passing consent ballot into a failing one."""
    _, choices, eligible, quorum, threshold = ballot
    if tally(CONSENT, choices, eligible, quorum, threshold).passed:
        assert tally(CONSENT, choices + ["agree"], eligible, quorum, threshold).passed


def test_module_names():
    """The ballot kinds keep their stored names."""
    assert (voting.CONSENT, voting.MAJORITY, voting.ADVISORY) == (
        "consent", "majority", "advisory")
