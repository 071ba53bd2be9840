"""How long each kind of typed text may be: one place, read by the checks and the forms.

The commands refuse a longer text (nothing is cut off silently) and the templates tell
the same limit beside the field (a ``maxlength`` and a hint), so the two cannot drift.
Limits count letters (Unicode code points) after ``text.clean``; several of them are
also the width of a database column (the feature models modules).
"""
from workflow.engine.reasons import N_, Reason, Refusal

REASON = 2000           # a step's reason or recommendation (kept in the event's payload)
VOTE_REASON = 1000      # the reason given with a vote, an objection's: Vote.reason's column
COMMENT = 4000          # a comment's body
PROGRAM = {"title": 200, "problem": 4000, "goal": 4000, "beneficiaries": 200}
FINDING = {"indicator": 200, "value": 64, "unit": 64, "source": 300}
DEMAND_TARGET = 200     # who receives a delivered demand
RESPONSE_NOTE = 2000    # the notes on the target's answer
SUMMARY = 4000          # the facilitator's pinned summary of a discussion
HIDE_REASON = 500       # why the facilitator hid a comment: Comment.hidden_reason's column


def too_long(limit: int) -> Reason:
    return Reason(N_("Too long: at most %(n)s letters."), {"n": limit})


def within(text: str, limit: int, field: str) -> str:
    """``text`` (already cleaned) when it fits, else Refusal('invalid') at ``field``."""
    if len(text) > limit:
        raise Refusal("invalid", too_long(limit), {field: too_long(limit)})
    return text
MINUTES = 8000          # the minutes (notulen) noted for one agenda item of a meeting
ADDENDUM = 4000         # a correction to a locked meeting's record
OFFICER = 120           # the chair's or the secretary's name: Meeting.chair's column
