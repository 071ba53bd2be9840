"""What the steps of a social-action demand record: the demand delivered (to whom, how,
when) and the answer received. The cleaners are named in ``programs/steps.py``'s table.
"""
from datetime import date

from workflow.core import limits
from workflow.core.fields import Fields
from workflow.engine.reasons import N_

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
    fields = Fields(form)
    fields.text("target", MAX_TARGET, required=N_("Name the body that receives the demand."))
    chosen = N_("Choose how the demand was delivered.")
    fields.choice("channel", CHANNELS, required=chosen, message=chosen)
    delivered_on = fields.date("delivered_on", today, latest)
    fields.values["delivered_on"] = delivered_on.isoformat() if delivered_on else None
    return fields.values, fields.errors


def record_response(form, today: date, latest: date) -> tuple[dict, dict]:
    fields = Fields(form)
    chosen = N_("Choose the answer: granted, partly granted or refused.")
    fields.choice("outcome", OUTCOMES, required=chosen, message=chosen)
    fields.text("note", MAX_NOTE)
    return fields.values, fields.errors
