"""A transition's effects, as a table: effect name -> the feature's handler.

The engine names the effects of a step (``Transition.effects``); the features carry them
out. A handler gets ``(session, program, round, now, secret)`` and returns what goes into
the step's audit event. An effect named in a template but missing here fails a test
(``tests/programs``), not a village's vote.
"""
from workflow.voting import effects as voting

EFFECTS = {**voting.HANDLERS}


def apply_effects(session, transition, program, rnd, now, secret=False) -> dict:
    """Carry out a transition's effects; return what goes into the event's payload."""
    payload = {}
    for effect in transition.effects:
        payload.update(EFFECTS[effect](session, program, rnd, now, secret))
    return payload
