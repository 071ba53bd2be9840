"""The program page, composed of the features' parts.

Each feature that shows on the program page has a ``page_part(facts)`` in its queries
module, returning the names its templates use. ``page_context()`` loads the program once
(``ProgramFacts``), then asks only the parts the response shows: the whole page asks them
all; a fragment (the discussion after a comment, the ballot after a vote) asks its own.
What several parts need (the engine's context, the open ballot, the history) is loaded
once, the first time a part asks for it.
"""
from functools import cached_property

from flask import abort, current_app, g, request

from workflow.assessment import queries as assessment
from workflow.comments import queries as comments
from workflow.core.db import get_session
from workflow.drafting import queries as drafting
from workflow.engine.processes import TEMPLATES
from workflow.organizing import queries as organizing
from workflow.programs import queries as programs
from workflow.programs.access import readable_program
from workflow.programs.facts import context_for
from workflow.voting import queries as voting
from workflow.web.render import answers_with_fragment, now

MAIN = "programs/partial/main.html"

# Part name -> its page_part; the keys of the parts never overlap (a test checks it).
PAGE_PARTS = {
    "programs": programs.page_part,
    "voting": voting.page_part,
    "comments": comments.page_part,
    "assessment": assessment.page_part,
    "organizing": organizing.page_part,
    "drafting": drafting.page_part,
}
# Fragment -> the parts it shows. Anything else (the page, the main fragment) shows all.
FRAGMENT_PARTS = {
    "voting/partial/ballot.html": ("voting",),
    "comments/partial/comments.html": ("comments",),
}


class ProgramFacts:
    """One program as the reader may see it, with what several parts share, loaded lazily."""

    def __init__(self, session, user, found, now, args):
        self.session, self.user, self.now, self.args = session, user, now, args
        self.program, self.rnd, self.community, self.roles = found
        self.template = TEMPLATES[self.rnd.template]

    @cached_property
    def ctx(self):
        return context_for(self.session, self.program, self.rnd, self.roles, self.now)

    @cached_property
    def ballot(self):
        return voting.open_ballot(self.session, self.program.id)

    @cached_property
    def tally(self):
        """The open ballot's count: the engine's context has it when a part asked for that."""
        if "ctx" in self.__dict__:
            return self.ctx.ballot
        return voting.ballot_tally(self.session, self.ballot, self.rnd) if self.ballot else None

    @cached_property
    def history(self):
        return programs.history(self.session, self.program.id)


def page_context(program_id: int, partial: str | None = None) -> dict:
    """What the program page shows, or only its fragment ``partial`` when the response is
    that fragment; 404 when the reader may not see the program."""
    session = get_session()
    found = readable_program(session, g.user, program_id)
    if found is None:
        abort(404)
    facts = ProgramFacts(session, g.user, found, now(), request.args)
    context = {"program": facts.program, "rnd": facts.rnd, "community": facts.community,
               "roles": facts.roles,
               "refresh_seconds": current_app.config["TALLY_REFRESH_SECONDS"],
               "errors": {}, "form": {},
               # What a refused form or a stale step adds (programs/respond.py); none by default.
               "conflict": None, "message": None, "form_step": None}
    shown = partial if answers_with_fragment(partial) else None
    for name in FRAGMENT_PARTS.get(shown, PAGE_PARTS):
        context.update(PAGE_PARTS[name](facts))
    return context
