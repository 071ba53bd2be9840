"""Ballot kinds and tallies: pure functions of the choices cast.

A *consent* ballot (musyawarah mufakat) passes when the quorum is met,
nobody blocks, and agree / (agree + disagree) reaches the round's consent
threshold. A *majority* ballot (suara terbanyak) passes when the quorum is
met and yes outnumbers no. Abstentions count toward the quorum only.

A ballot closed without its quorum decided nothing: it neither passed nor
failed (a musyawarah without quorum is postponed, not lost). An *advisory*
poll binds nobody and is never judged at all: it reports its counts and the
share of residents who took part.
"""
import re
from dataclasses import dataclass
from fractions import Fraction
from math import ceil

from workflow.engine.reasons import N_, Reason
from workflow.engine.text import clean

CONSENT = "consent"
MAJORITY = "majority"
ADVISORY = "advisory"  # a poll that informs a recommendation and binds nobody
CHOICES = {
    CONSENT: ("agree", "abstain", "disagree", "block"),
    MAJORITY: ("yes", "no", "abstain"),
    ADVISORY: ("yes", "no", "abstain"),
}
# Choices whose caster must say why (a block stops a consensus).
NEEDS_REASON = {"block"}


def as_fraction(value) -> Fraction:
    """Read a stored fraction (0.6667, "2/3", Fraction) as an exact Fraction."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str) and "/" in value:
        return Fraction(value)
    return Fraction(value).limit_denominator(100)


# A round's shares (its quorum, the agreement a consensus needs) as people write them: "2/3".
FRACTION_FORM = N_("Write the share as a fraction, for example 2/3 or 1/2.")
FRACTION_RANGE = N_("The share must be more than 0 and at most 1, for example 2/3 (1/1 is "
                    "everyone).")
_FRACTION = re.compile(r"([0-9]{1,4}) ?/ ?([0-9]{1,4})")


def read_fraction(raw) -> tuple[str | None, Reason | None]:
    """("a/b" in lowest terms, None) for a share 0 < a/b <= 1 written like "2/3", or
    (None, why it cannot be one). Only a fraction of plain digits is read: "0.67" or "67%"
    would each round the quorum a different way."""
    match = _FRACTION.fullmatch(" ".join(clean(raw).split()))
    if match is None:
        return None, Reason(FRACTION_FORM)
    top, bottom = int(match[1]), int(match[2])
    if bottom == 0 or not 0 < top <= bottom:
        return None, Reason(FRACTION_RANGE)
    share = Fraction(top, bottom)
    return f"{share.numerator}/{share.denominator}", None


def fraction_problem(raw) -> Reason | None:
    """Why ``raw`` is not a share a round may use, or None."""
    return read_fraction(raw)[1]


def quorum_needed(eligible: int, quorum) -> int:
    """How many ballots must be cast for the decision to count."""
    return ceil(eligible * as_fraction(quorum))


def turnout_percent(cast: int, eligible: int) -> int | None:
    """The share of eligible residents who took part, a whole percent rounded half up.

    Integer arithmetic only (7 of 12 is 58); None when nobody is eligible.
    """
    if eligible <= 0:
        return None
    return (200 * cast + eligible) // (2 * eligible)


@dataclass(frozen=True)
class Tally:
    kind: str
    counts: dict
    eligible: int
    needed: int
    threshold: Fraction

    @property
    def binding(self) -> bool:
        """Whether the ballot decides anything (an advisory poll does not)."""
        return self.kind != ADVISORY

    @property
    def cast(self) -> int:
        return sum(self.counts.values())

    @property
    def turnout(self) -> int | None:
        """The percentage of eligible residents who took part (see turnout_percent)."""
        return turnout_percent(self.cast, self.eligible)

    @property
    def quorum_met(self) -> bool | None:
        """Whether enough residents voted for the decision to count; None for a poll."""
        if not self.binding:
            return None
        return self.eligible > 0 and self.cast >= self.needed

    @property
    def outcome_reason(self) -> Reason | None:
        """Why the ballot does not pass, or None when it passes.

        An advisory poll neither passes nor fails: asked anyway, it says so.
        """
        c = self.counts
        if not self.binding:
            return Reason(N_("an advisory poll binds nobody: it neither passes nor fails"))
        if not self.quorum_met:
            return Reason(N_("the quorum is not met: %(cast)s of %(needed)s votes needed"),
                          {"cast": self.cast, "needed": self.needed})
        if self.kind == CONSENT:
            if c["block"]:
                return Reason(N_("there is an objection (keberatan): %(n)s"),
                              {"n": c["block"]})
            decided = c["agree"] + c["disagree"]
            if decided == 0 or Fraction(c["agree"], decided) < self.threshold:
                return Reason(N_("not enough agreement: %(agree)s agree, %(disagree)s disagree"),
                              {"agree": c["agree"], "disagree": c["disagree"]})
            return None
        if c["yes"] <= c["no"]:
            return Reason(N_("no majority: %(yes)s yes, %(no)s no"),
                          {"yes": c["yes"], "no": c["no"]})
        return None

    @property
    def passed(self) -> bool | None:
        """Whether the ballot would be carried if closed now; None for an advisory poll."""
        if not self.binding:
            return None
        return self.outcome_reason is None

    @property
    def verdict(self) -> bool | None:
        """What the ballot decided, as Ballot.passed stores it.

        True: carried. False: the quorum was reached and the proposal fell short (a
        block, too little agreement, no majority). None: nothing was decided, because
        the quorum was not reached or the ballot is an advisory poll.
        """
        if not self.binding or not self.quorum_met:
            return None
        return self.passed

    def as_dict(self) -> dict:
        """The tally as an event payload and the API record it; a poll has no verdict."""
        result = {"kind": self.kind, "counts": dict(self.counts), "cast": self.cast,
                  "eligible": self.eligible}
        if not self.binding:
            return {**result, "turnout_percent": self.turnout}
        return {**result, "needed": self.needed, "quorum_met": self.quorum_met,
                "passed": self.passed}


def tally(kind: str, choices, eligible: int, quorum, threshold) -> Tally:
    """Count ``choices`` (an iterable of choice names) on a ballot of ``kind``."""
    return tally_counts(kind, ((choice, 1) for choice in choices), eligible, quorum, threshold)


def tally_counts(kind: str, counted, eligible: int, quorum, threshold) -> Tally:
    """The tally of ``counted``, (choice, how many) pairs: the votes and the counts a
    facilitator entered in the room for a secret ballot add up alike."""
    counts = dict.fromkeys(CHOICES[kind], 0)
    for choice, many in counted:
        counts[choice] += many
    return Tally(kind, counts, eligible, quorum_needed(eligible, quorum),
                 as_fraction(threshold))


def check_choice(kind: str, choice: str, reason: str) -> Reason | None:
    """Why a ballot paper is not valid, or None."""
    if choice not in CHOICES.get(kind, ()):
        return Reason(N_("Choose one of the options on the ballot."))
    if choice in NEEDS_REASON and not (reason or "").strip():
        return Reason(N_("An objection needs a reason, so the others can answer it."))
    return None
