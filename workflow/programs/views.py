"""A program's page, its history and its steps, and the form that proposes a new one."""

from flask import Blueprint, abort, flash, g, request, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.engine.processes import (
    DONE_LABELS,
    TRANSITION_LABELS,
)
from workflow.engine.reasons import Refusal
from workflow.people.passwords import role_in
from workflow.programs import commands, queries
from workflow.programs.page import page_context
from workflow.programs.respond import (
    after_change,
    form_again,
    moved_on,
    program_form,
    shows_refusals,
)
from workflow.rounds import queries as rounds
from workflow.web.login import login_required
from workflow.web.render import explain, field_errors, flash_done, go_to, now, render

bp = Blueprint("programs", __name__)


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
@shows_refusals
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
            return form_again(program_id, refusal, form_step=name)
        if refusal.kind == "conflict":
            return moved_on(program_id, refusal)
        raise
    flash_done(gettext(DONE_LABELS[name]))
    return after_change(program_id)


def confirm_step(program_id: int, step):
    """"Are you sure?": what the step will do, and the same step again with confirm=yes."""
    program, rnd, community = queries.program_scope(get_session(), program_id)
    return render("programs/confirm.html", "programs/partial/confirm.html", program=program, rnd=rnd,
                  community=community, step=step, form=request.form)


@bp.route("/rounds/<id:round_id>/programs/new", methods=("GET", "POST"))
@login_required
@shows_refusals
def new(round_id: int):
    """The proposal form; saving it makes a draft the author can still change."""
    found = rounds.member_round(get_session(), round_id, g.user.id)
    if found is None:
        abort(404)
    rnd, community, _ = found
    if request.method == "GET":
        if role_in(get_session(), g.user.id, community.id) not in commands.PROPOSERS:
            abort(403)  # the same rules create_program applies when the form is sent
        commands.open_for_proposals(rnd)
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
            raise
        return program_form(rnd, community, 422, request.form, field_errors(refusal),
                            explain(refusal.reason))
    flash_done(gettext("Your proposal is saved as a draft. Submit it when it is ready."))
    return go_to(url_for("programs.show", program_id=program.id))
