"""How a view answers after it ran a command on a program: one way for every action.

``act()`` runs the command; on success it flashes what was done and answers with the
refreshed fragment (htmx) or a redirect to the program (a plain form: no resubmits); on a
refusal of the form's content it answers 422 with the same fragment and each field's
message; on any other refusal, the refusal (with a way back to the program).
"""
import functools
import secrets

from flask import redirect, request, url_for

from workflow.core.db import get_session
from workflow.engine.reasons import Refusal
from workflow.programs.form import FUNDING_SOURCES, SECTORS
from workflow.programs.page import MAIN, page_context
from workflow.rounds import queries as rounds
from workflow.web.extensions import htmx
from workflow.web.render import explain, field_errors, flash_done, refused, render

PAGE = "programs/program.html"


def shows_refusals(view):
    """A refusal the view lets through is its answer: the refusal page (or, for htmx, the
    message region), with a way back to the program when there is one; not found is 404."""
    @functools.wraps(view)
    def answered(**kwargs):
        try:
            return view(**kwargs)
        except Refusal as refusal:
            program_id = kwargs.get("program_id")
            return refused(refusal, back=url_for("programs.show", program_id=program_id)
                           if program_id else None)
    return answered


def act(program_id: int, run, *, done: str, partial: str = MAIN, anchor: str = "",
        **extra):
    """Run ``run()`` (one command) and answer; ``extra`` goes to the form shown again."""
    try:
        run()
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal, back=url_for("programs.show", program_id=program_id))
        return form_again(program_id, refusal, partial, **extra)
    flash_done(done)
    return after_change(program_id, partial, anchor)


def form_again(program_id: int, refusal: Refusal, partial: str = MAIN, **extra):
    """The program again, with the form's messages beside the fields (nothing was saved);
    the program's own forms also say the reason on top."""
    context = page_context(program_id, partial)
    context.update(errors=field_errors(refusal), form=request.form, **extra)
    if partial == MAIN:
        context.update(message=explain(refusal.reason))
    return render(PAGE, partial, 422, **context)


def moved_on(program_id: int, refusal: Refusal):
    """The program as it is NOW, the reason on top (409): a stale tab's step, or one whose
    time has not come, leaves the person looking at the current state, not a lone message."""
    context = page_context(program_id)
    context.update(conflict=explain(refusal.reason))
    return render(PAGE, MAIN, 409, **context)


def after_change(program_id: int, partial: str = MAIN, anchor: str = ""):
    """htmx gets the refreshed fragment; a plain form post is redirected (no resubmits)."""
    if htmx:
        return render(PAGE, partial, **page_context(program_id, partial))
    return redirect(url_for("programs.show", program_id=program_id, _anchor=anchor or None))


def program_form(rnd, community, status=200, form=None, errors=None, message=None,
                 program=None, version=None, changes=(), **extra):
    """The proposal form: for a new program (with a one-time submission key), or for an
    author's program (``program``, with the ``version`` it was opened at; ``extra``: what
    a refused save shows, drafting/views.py)."""
    form = form or {}
    return render("programs/new.html", "programs/partial/form.html", status, rnd=rnd,
                  community=community, form=form, errors=errors or {}, message=message,
                  sectors=SECTORS, funding_sources=FUNDING_SOURCES,
                  dusun=rounds.dusun_options(get_session(), community.id),
                  program=program, version=version, changes=changes, **extra,
                  submission_key=None if program else (
                      form.get("submission_key") or secrets.token_urlsafe(16)))
