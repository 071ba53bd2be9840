"""A program's page and its steps, the new-program form and the author's draft."""
import secrets

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.drafting import commands as drafting
from workflow.engine import machine
from workflow.engine.ballots import CHOICES, NEEDS_REASON
from workflow.engine.diagram import layout
from workflow.engine.processes import (
    DONE_LABELS,
    FACILITATOR,
    RESIDENT,
    TEMPLATES,
    TRANSITION_LABELS,
)
from workflow.engine.reasons import Refusal
from workflow.people.passwords import role_in
from workflow.programs import commands, queries
from workflow.programs.form import FUNDING_SOURCES, SECTORS
from workflow.programs.steps import CHANNELS, OUTCOMES
from workflow.rounds.views import _member_round
from workflow.web.auth import login_required
from workflow.web.extensions import htmx
from workflow.web.render import explain, field_errors, flash_done, go_to, now, refused, render

bp = Blueprint("programs", __name__)


# The discussion shows its newest comments; the rest are one link away. A long talk would
# otherwise outweigh the page budget of a phone on 2G (see tests/test_thin_links.py).
COMMENTS_SHOWN = 20


def page_context(program_id: int) -> dict:
    """Everything the program page shows, loaded in a fixed number of queries."""
    session = get_session()
    found = drafting.readable_program(session, g.user, program_id)
    if found is None:
        abort(404)
    program, rnd, community, roles = found
    template = TEMPLATES[rnd.template]
    ctx = queries.context_for(session, program, rnd, roles, now())
    ballot = queries.open_ballot(session, program.id)
    last_ballot = None if ballot else queries.last_closed_ballot(session, program.id)
    history = queries.history(session, program.id)
    comments, comment_count = queries.recent_comments(
        session, program.id, None if request.args.get("comments") == "all" else COMMENTS_SHOWN)
    return {
        "program": program, "rnd": rnd, "community": community, "roles": roles,
        "steps": machine.available(template, program.state, ctx),
        "ballot": ballot, "tally": ctx.ballot, "choices": CHOICES[ballot.kind] if ballot else (),
        "needs_reason": NEEDS_REASON, "my_vote": queries.my_vote(session, ballot, g.user.id),
        "can_vote": RESIDENT in roles,
        "roll": queries.resident_roll(session, community.id, ballot)
        if ballot and FACILITATOR in roles else [],
        "last_ballot": last_ballot,
        "last_result": queries.last_result(history) if last_ballot else None,
        "objections": queries.objections(session, ballot or last_ballot),
        "open_choices": queries.open_choices(session, ballot or last_ballot),
        "history": history,
        "diagram": layout(template),
        "findings": queries.findings(session, program.id) if rnd.template == "planning" else [],
        "recommendation": queries.latest_payload(history, "recommend"),
        "supporters": ctx.supporters, "supporter_threshold": rnd.supporter_threshold,
        "is_supporter": rnd.template == "action" and queries.is_supporter(
            session, program.id, g.user.id),
        # The current demand with its own answer; refused ones before it as earlier rounds.
        **_demands(queries.demand_rounds(history)),
        "channels": CHANNELS, "outcomes": OUTCOMES,
        "comments": comments, "comment_count": comment_count,
        "comments_closed": template.closed_for_comments(program.state),
        "authors": queries.authors(session, program.id),
        "dusun_name": queries.dusun_name(session, program.dusun_id),
        "refresh_seconds": current_app.config["TALLY_REFRESH_SECONDS"],
        "errors": {}, "form": {},
    }


def _demands(rounds: list) -> dict:
    current = rounds[-1] if rounds else None
    return {"demand": current, "response": current.response if current else None,
            "earlier_demands": rounds[:-1]}


@bp.get("/programs/<id:program_id>")
@login_required
def show(program_id: int):
    """The program: what it is, where it stands, what this user may do next."""
    return render("programs/program.html", **page_context(program_id))


@bp.get("/programs/<id:program_id>/history")
@login_required
def history(program_id: int):
    """The program's full history (riwayat): who did what, when, and why."""
    return render("programs/history.html", **page_context(program_id))


@bp.post("/programs/<id:program_id>/transitions/<name>")
@login_required
def transition(program_id: int, name: str):
    """Fire one step of the program's process, or say why it cannot happen."""
    if name not in TRANSITION_LABELS:
        abort(404)
    try:
        # A step that cannot be undone is checked in full, then asked about first; the
        # confirmation form sends it again with confirm=yes (it works without JavaScript).
        commands.fire_transition(get_session(), g.user, program_id, name, now(),
                                 reason=request.form.get("reason", ""),
                                 form=request.form,
                                 expected_state=request.form.get("expected_state") or None,
                                 ask_first=request.form.get("confirm") != "yes")
    except commands.ConfirmFirst as asked:
        return confirm_step(program_id, asked.transition)
    except Refusal as refusal:
        if refusal.kind == "invalid":
            return main_refused(program_id, refusal, form_step=name)
        if refusal.kind == "conflict":
            return moved_on(program_id, refusal)
        return refused(refusal, back=url_for("programs.show", program_id=program_id))
    flash_done(gettext(DONE_LABELS[name]))
    return after_change(program_id, "programs/partial/main.html")


def confirm_step(program_id: int, step):
    """"Are you sure?": what the step will do, and the same step again with confirm=yes."""
    program, rnd, community = queries.program_scope(get_session(), program_id)
    return render("programs/confirm.html", "programs/partial/confirm.html", program=program, rnd=rnd,
                  community=community, step=step, form=request.form)


def moved_on(program_id: int, refusal: Refusal):
    """The program as it is NOW, the reason on top (409): a stale tab's step, or one whose
    time has not come, leaves the person looking at the current state, not a lone message."""
    context = page_context(program_id)
    context.update(conflict=explain(refusal.reason))
    return render("programs/program.html", "programs/partial/main.html", 409, **context)


def main_refused(program_id: int, refusal: Refusal, **extra):
    """The program again, with the form's messages beside the fields (nothing was saved)."""
    context = page_context(program_id)
    context.update(errors=field_errors(refusal), form=request.form, message=explain(
        refusal.reason), **extra)
    return render("programs/program.html", "programs/partial/main.html", 422, **context)


def after_change(program_id: int, partial: str, anchor: str = ""):
    """htmx gets the refreshed fragment; a plain form post is redirected (no resubmits)."""
    if htmx:
        return render("programs/program.html", partial, **page_context(program_id))
    return redirect(url_for("programs.show", program_id=program_id, _anchor=anchor or None))


@bp.route("/programs/<id:program_id>/edit", methods=("GET", "POST"))
@login_required
def edit(program_id: int):
    """An author changes a draft: the proposal form, filled in, with the version opened."""
    session = get_session()
    if request.method == "POST":
        try:
            drafting.edit_program(session, g.user, program_id, request.form,
                                  request.form.get("version", ""), now())
        except drafting.StaleDraft as stale:
            # Nothing was saved: the newer words beside the person's, and the form kept
            # with the version now saved, so saving again is a choice made knowingly.
            return _draft_form(program_id, 409, request.form, stale.version,
                               message=explain(stale.reason), changes=stale.changes)
        except Refusal as refusal:
            if refusal.kind != "invalid":
                return refused(refusal, back=url_for("programs.show", program_id=program_id))
            return _draft_form(program_id, 422, request.form,
                               request.form.get("version", "")[:12],
                               errors=field_errors(refusal), message=explain(refusal.reason))
        flash_done(gettext("Draft saved."))
        return go_to(url_for("programs.show", program_id=program_id))
    return _draft_form(program_id)


def _draft_form(program_id: int, status: int = 200, form=None, version=None, **extra):
    try:
        program, rnd, community, _ = drafting.draft_to_change(get_session(), g.user, program_id)
    except Refusal as refusal:
        return refused(refusal, back=url_for("programs.show", program_id=program_id))
    if form is None:
        form = drafting.form_values(drafting.proposal_of(program))
    return program_form(rnd, community, status, form, program=program,
                        version=program.version if version is None else version, **extra)


@bp.route("/programs/<id:program_id>/delete", methods=("GET", "POST"))
@login_required
def delete(program_id: int):
    """An author deletes a draft, after saying yes on a page that asks (no JavaScript)."""
    session = get_session()
    if request.method == "POST" and request.form.get("confirm") == "yes":
        try:
            round_id = drafting.delete_draft(session, g.user, program_id, now())
        except Refusal as refusal:
            return refused(refusal, back=url_for("programs.show", program_id=program_id))
        flash_done(gettext("The draft is deleted."))
        return go_to(url_for("rounds.board", round_id=round_id))
    try:
        program = drafting.draft_to_change(session, g.user, program_id).program
    except Refusal as refusal:
        return refused(refusal, back=url_for("programs.show", program_id=program_id))
    return render("drafting/delete.html", program=program)


def program_form(rnd, community, status=200, form=None, errors=None, message=None,
                 program=None, version=None, changes=()):
    """The proposal form: for a new program (with a one-time submission key), or for an
    author's draft (``program``, with the ``version`` it was opened at)."""
    form = form or {}
    return render("programs/new.html", "programs/partial/form.html", status, rnd=rnd,
                  community=community, form=form, errors=errors or {}, message=message,
                  sectors=SECTORS, funding_sources=FUNDING_SOURCES,
                  dusun=queries.dusun_options(get_session(), community.id),
                  program=program, version=version, changes=changes,
                  submission_key=None if program else (
                      form.get("submission_key") or secrets.token_urlsafe(16)))


@bp.route("/rounds/<id:round_id>/programs/new", methods=("GET", "POST"))
@login_required
def new(round_id: int):
    """The proposal form; saving it makes a draft the author can still change."""
    rnd, community, _ = _member_round(round_id)
    if request.method == "GET":
        if role_in(get_session(), g.user.id, community.id) not in commands.PROPOSERS:
            abort(403)  # the same rule create_program applies when the form is sent
        return program_form(rnd, community)
    try:
        program = commands.create_program(get_session(), g.user, rnd.id, request.form,
                                          request.form.get("submission_key", "")[:64], now())
    except commands.AlreadyProposed as same:
        # Nothing new was made: the person is told so on the draft they already have.
        flash(explain(same.reason), "warning")
        return go_to(url_for("programs.show", program_id=same.program_id))
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal)
        return program_form(rnd, community, 422, request.form, field_errors(refusal),
                            explain(refusal.reason))
    flash_done(gettext("Your proposal is saved as a draft. Submit it when it is ready."))
    return go_to(url_for("programs.show", program_id=program.id))
