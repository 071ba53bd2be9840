"""What some steps must record besides a reason, as a table: step name -> its cleaner
(the features own the cleaners: ``organizing.demand`` for the demand and its answer)."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from workflow.engine.dates import DEFAULT_ZONE, community_today, latest_allowed
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.organizing import demand


@dataclass(frozen=True)
class StepInput:
    """What a step records besides its reason: the cleaner of the form, (form, today,
    latest) -> (values, errors), and the template of its fields in the step's form."""
    clean: Callable
    fields: str


# Step name -> its inputs. A step not named here records nothing but its reason.
STEP_INPUTS = {
    "deliver": StepInput(demand.deliver, "organizing/partial/deliver_fields.html"),
    "record_response": StepInput(demand.record_response, "organizing/partial/response_fields.html"),
}
# The fields template of each step with inputs, for the steps partial.
STEP_FIELDS = {name: step.fields for name, step in STEP_INPUTS.items()}


def clean_inputs(name: str, form, now: datetime, zone_name: str = DEFAULT_ZONE) -> dict:
    """The checked inputs of step ``name`` (empty for most steps), or Refusal('invalid').

    ``zone_name`` is the community's time zone: it decides what "today" is."""
    step = STEP_INPUTS.get(name)
    if step is None:
        return {}
    values, errors = step.clean(form or {}, community_today(now, zone_name),
                             latest_allowed(now, zone_name))
    if errors:
        raise Refusal("invalid", Reason(N_("Please correct the marked fields.")), errors)
    return {key: value for key, value in values.items() if value}
