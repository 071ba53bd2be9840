"""What some steps must record besides a reason: a delivered demand, the target's answer."""
from datetime import date, datetime

from workflow.core import limits
from workflow.engine.dates import DEFAULT_ZONE, community_today, latest_allowed, parse_date
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean

CHANNELS = {
    "letter": N_("Letter"), "audiensi": N_("Meeting with the target (audiensi)"),
    "demonstration": N_("Demonstration"), "petition": N_("Petition"), "media": N_("Media"),
}
OUTCOMES = {
    "granted": N_("Granted"), "partial": N_("Partly granted"), "refused": N_("Refused"),
}
MAX_TARGET, MAX_NOTE = limits.DEMAND_TARGET, limits.RESPONSE_NOTE


def _deliver(form, today: date, latest: date) -> tuple[dict, dict]:
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


def _record_response(form, today: date, latest: date) -> tuple[dict, dict]:
    errors = {}
    outcome, note = clean(form.get("outcome")), clean(form.get("note"))
    if outcome not in OUTCOMES:
        errors["outcome"] = Reason(N_("Choose the answer: granted, partly granted or refused."))
    if len(note) > MAX_NOTE:
        errors["note"] = Reason(N_("Too long: at most %(n)s letters."), {"n": MAX_NOTE})
    return {"outcome": outcome, "note": note}, errors


CLEANERS = {"deliver": _deliver, "record_response": _record_response}


def clean_inputs(name: str, form, now: datetime, zone_name: str = DEFAULT_ZONE) -> dict:
    """The checked inputs of step ``name`` (empty for most steps), or Refusal('invalid').

    ``zone_name`` is the community's time zone: it decides what "today" is."""
    cleaner = CLEANERS.get(name)
    if cleaner is None:
        return {}
    values, errors = cleaner(form or {}, community_today(now, zone_name),
                             latest_allowed(now, zone_name))
    if errors:
        raise Refusal("invalid", Reason(N_("Please correct the marked fields.")), errors)
    return {key: value for key, value in values.items() if value}
