"""A program's page and its steps, the new-program form and the author's draft."""
import secrets

from flask import Blueprint, abort, flash, g, request, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.drafting import commands as drafting
from workflow.engine.processes import (
    DONE_LABELS,
    TRANSITION_LABELS,
)
from workflow.engine.reasons import Refusal
from workflow.people.passwords import role_in
from workflow.programs import commands, queries
from workflow.programs.form import FUNDING_SOURCES, SECTORS
from workflow.programs.page import page_context
from workflow.programs.respond import after_change, form_again, moved_on
from workflow.rounds import queries as rounds
from workflow.web.login import login_required
from workflow.web.render import explain, field_errors, flash_done, go_to, now, refused, render

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
        return refused(refusal, back=url_for("programs.show", program_id=program_id))
    flash_done(gettext(DONE_LABELS[name]))
    return after_change(program_id)


def confirm_step(program_id: int, step):
    """"Are you sure?": what the step will do, and the same step again with confirm=yes."""
    program, rnd, community = queries.program_scope(get_session(), program_id)
    return render("programs/confirm.html", "programs/partial/confirm.html", program=program, rnd=rnd,
                  community=community, step=step, form=request.form)


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
                  dusun=rounds.dusun_options(get_session(), community.id),
                  program=program, version=version, changes=changes,
                  submission_key=None if program else (
                      form.get("submission_key") or secrets.token_urlsafe(16)))


@bp.route("/rounds/<id:round_id>/programs/new", methods=("GET", "POST"))
@login_required
def new(round_id: int):
    """The proposal form; saving it makes a draft the author can still change."""
    found = rounds.member_round(get_session(), round_id, g.user.id)
    if found is None:
        abort(404)
    rnd, community, _ = found
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
