"""An author's draft: changing it (with the version it was opened at) and deleting it."""
from flask import Blueprint, g, request, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.drafting import commands as drafting
from workflow.engine.reasons import Refusal
from workflow.programs.respond import program_form, shows_refusals
from workflow.web.login import login_required
from workflow.web.render import explain, field_errors, flash_done, go_to, now, render

bp = Blueprint("drafting", __name__, url_prefix="/programs")


@bp.route("/<id:program_id>/edit", methods=("GET", "POST"))
@login_required
@shows_refusals
def edit(program_id: int):
    """An author changes a draft: the proposal form, filled in, with the version opened."""
    if request.method == "GET":
        return _draft_form(program_id)
    try:
        drafting.edit_program(get_session(), g.user, program_id, request.form,
                              request.form.get("version", ""), now())
    except drafting.StaleDraft as stale:
        # Nothing was saved: the newer words beside the person's, and the form kept
        # with the version now saved, so saving again is a choice made knowingly.
        return _draft_form(program_id, 409, request.form, stale.version,
                           message=explain(stale.reason), changes=stale.changes)
    except Refusal as refusal:
        if refusal.kind != "invalid":
            raise
        return _draft_form(program_id, 422, request.form, request.form.get("version", "")[:12],
                           errors=field_errors(refusal), message=explain(refusal.reason))
    flash_done(gettext("Draft saved."))
    return go_to(url_for("programs.show", program_id=program_id))


def _draft_form(program_id: int, status: int = 200, form=None, version=None, **extra):
    program, rnd, community, _ = drafting.draft_to_change(get_session(), g.user, program_id)
    if form is None:
        form = drafting.form_values(drafting.proposal_of(program))
    return program_form(rnd, community, status, form, program=program,
                        version=program.version if version is None else version, **extra)


@bp.route("/<id:program_id>/delete", methods=("GET", "POST"))
@login_required
@shows_refusals
def delete(program_id: int):
    """An author deletes a draft, after saying yes on a page that asks (no JavaScript)."""
    if request.method == "POST" and request.form.get("confirm") == "yes":
        round_id = drafting.delete_draft(get_session(), g.user, program_id, now())
        flash_done(gettext("The draft is deleted."))
        return go_to(url_for("rounds.board", round_id=round_id))
    program = drafting.draft_to_change(get_session(), g.user, program_id).program
    return render("drafting/delete.html", program=program)
