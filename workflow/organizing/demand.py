"""What the steps of a social-action demand record: the demand delivered (to whom, how,
when) and the answer received. The cleaners are named in ``programs/steps.py``'s table.
"""
from datetime import date

from workflow.core import limits
from workflow.engine.dates import parse_date
from workflow.engine.reasons import N_, Reason
from workflow.engine.text import clean

CHANNELS = {
    "letter": N_("Letter"), "audiensi": N_("Meeting with the target (audiensi)"),
    "demonstration": N_("Demonstration"), "petition": N_("Petition"), "media": N_("Media"),
}
OUTCOMES = {
    "granted": N_("Granted"), "partial": N_("Partly granted"), "refused": N_("Refused"),
}
MAX_TARGET, MAX_NOTE = limits.DEMAND_TARGET, limits.RESPONSE_NOTE


def deliver(form, today: date, latest: date) -> tuple[dict, dict]:
    """``today`` is the community's date (the default), ``latest`` the last one allowed."""
    errors = {}
    target, channel = clean(form.get("target")), clean(form.get("channel"))
    if not target:
        errors["target"] = Reason(N_("Name the body that receives the demand."))
    elif len(target) > MAX_TARGET:
        errors["target"] = Reason(N_("Too long: at most %(n)s letters."), {"n": MAX_TARGET})
    if channel not in CHANNELS:
        errors["channel"] = Reason(N_("Choose how the demand was delivered."))
    delivered_on = parse_date(form.get("delivered_on"), errors, "delivered_on", today, latest)
    return ({"target": target, "channel": channel,
             "delivered_on": delivered_on.isoformat() if delivered_on else None}, errors)


def record_response(form, today: date, latest: date) -> tuple[dict, dict]:
    errors = {}
    outcome, note = clean(form.get("outcome")), clean(form.get("note"))
    if outcome not in OUTCOMES:
        errors["outcome"] = Reason(N_("Choose the answer: granted, partly granted or refused."))
    if len(note) > MAX_NOTE:
        errors["note"] = Reason(N_("Too long: at most %(n)s letters."), {"n": MAX_NOTE})
    return {"outcome": outcome, "note": note}, errors
