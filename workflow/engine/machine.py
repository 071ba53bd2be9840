"""The workflow engine: templates are data, decisions are functions of data.

No Flask, no database and no clock in here: the caller passes a
:class:`~workflow.guards.Context` (with ``now``) and gets either the
transition to apply or a :class:`Refusal` that says why not.
"""
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from workflow.engine.guards import Context
from workflow.engine.reasons import N_, Reason, Refusal

Guard = Callable[[Context], Reason | None]


@dataclass(frozen=True)
class Transition:
    name: str
    source: str
    target: str
    roles: frozenset
    guards: tuple = ()
    needs_reason: bool = False
    effects: tuple = ()
    asks: tuple = ()      # form fields the step records (checked in commands)
    confirm: bool = False  # cannot be undone: the web asks "are you sure?" before firing it


@dataclass(frozen=True)
class Template:
    name: str
    initial: str
    states: tuple
    transitions: tuple
    final: frozenset = field(default_factory=frozenset)

    def names(self) -> set:
        return {t.name for t in self.transitions}

    def from_state(self, state: str) -> list:
        return [t for t in self.transitions if t.source == state]

    def closed_for_comments(self, state: str) -> bool:
        """A program at an end of its process takes no more comments (the one rule: the
        command refuses them, the page offers no form)."""
        return state in self.final


def first_refusal(transition: Transition, ctx: Context) -> Reason | None:
    """The first guard of ``transition`` that fails for ``ctx``, or None."""
    for guard in transition.guards:
        reason = guard(ctx)
        if reason is not None:
            return reason
    return None


def permitted(template: Template, state: str, name: str, ctx: Context) -> list:
    """The records of step ``name`` from ``state`` this actor may try, or raise Refusal.

    Checks everything but the guards: the step exists, fits the state, suits
    the actor's role, and has its reason when it needs one.
    """
    if name not in template.names():
        raise Refusal("not_found", Reason(N_("There is no such step.")))
    here = [t for t in template.from_state(state) if t.name == name]
    if not here:
        raise Refusal("conflict", Reason(
            N_("This step is not possible while the program is %(state)s."), {"state": state}))
    if not here[0].roles & ctx.roles:
        raise Refusal("forbidden", Reason(
            N_("This step is for: %(roles)s."), {"roles": sorted(here[0].roles)}))
    if here[0].needs_reason and not ctx.reason.strip():
        raise Refusal("invalid", Reason(N_("Please give a reason.")),
                      {"reason": Reason(N_("Please give a reason."))})
    return here


def fire(template: Template, state: str, name: str, ctx: Context) -> Transition:
    """Decide transition ``name`` from ``state``; return it or raise Refusal.

    Several records may share a name and source (``close_voting`` goes to
    ``agreed`` or back to ``discussion``): the first whose guards pass wins.
    """
    here = permitted(template, state, name, ctx)
    refusals = []
    for transition in here:
        reason = first_refusal(transition, ctx)
        if reason is None:
            return transition
        refusals.append(reason)
    raise Refusal("conflict", refusals[0])


def available(template: Template, state: str, ctx: Context) -> list:
    """The steps this actor may see from ``state``: (transition, refusal or None).

    Steps of other roles are left out; a step whose guard fails stays in the
    list with its reason, so the page can say what is still missing.
    """
    seen, result = set(), []
    for transition in template.from_state(state):
        if transition.name in seen or not transition.roles & ctx.roles:
            continue
        seen.add(transition.name)
        try:
            # What the step asks for (a reason, an answer) is filled in on its
            # form, so it is not missing yet; a step that asks for input is
            # offered once the actor may take it, and its guards judge the input.
            if transition.asks:
                permitted(template, state, transition.name, replace(ctx, reason="-"))
            else:
                fire(template, state, transition.name, replace(ctx, reason="-"))
            result.append((transition, None))
        except Refusal as refusal:
            result.append((transition, refusal.reason))
    return result
