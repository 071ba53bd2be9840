"""Writing a program: its words, their revisions, its co-authors, deleting a draft.

The words are changed with the version the form was opened at (no silent overwrite).
"""
from flask import Blueprint, abort, g, request, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.drafting import coauthors, queries
from workflow.drafting import commands as drafting
from workflow.drafting.revisions import FIELD_LABELS
from workflow.engine.reasons import Refusal
from workflow.programs.access import readable_program
from workflow.programs.respond import act, program_form, shows_refusals
from workflow.rounds import queries as rounds
from workflow.web.login import login_required
from workflow.web.render import explain, field_errors, flash_done, go_to, now, render

bp = Blueprint("drafting", __name__, url_prefix="/programs")


@bp.route("/<id:program_id>/edit", methods=("GET", "POST"))
@login_required
@shows_refusals
def edit(program_id: int):
    """An author changes the program's words: the proposal form, filled in, with its version."""
    if request.method == "GET":
        return _edit_form(program_id)
    try:
        drafting.edit_program(get_session(), g.user, program_id, request.form,
                              request.form.get("version", ""), now())
    except drafting.StaleDraft as stale:
        # Nothing was saved: the other person's change above the person's own words, and
        # the version now saved, so saving again is a choice made knowingly.
        return _edit_form(program_id, 409, request.form, stale.version,
                          message=explain(stale.reason), changes=stale.theirs,
                          opened=stale.opened)
    except Refusal as refusal:
        if refusal.kind != "invalid":
            raise
        return _edit_form(program_id, 422, request.form, request.form.get("version", "")[:12],
                          errors=field_errors(refusal), message=explain(refusal.reason))
    flash_done(gettext("Your changes are saved."))
    return go_to(url_for("programs.show", program_id=program_id))


def _edit_form(program_id: int, status: int = 200, form=None, version=None, **extra):
    program, rnd, community, _ = drafting.program_to_edit(get_session(), g.user, program_id)
    if form is None:
        form = drafting.as_text(drafting.proposal_of(program))
    return program_form(rnd, community, status, form, program=program,
                        version=program.version if version is None else version,
                        revision_labels=FIELD_LABELS, **extra)


@bp.get("/<id:program_id>/revisions")
@login_required
def revisions(program_id: int):
    """Every saved version of the program's words, and the difference of two of them."""
    session = get_session()
    found = readable_program(session, g.user, program_id)
    if found is None:
        abort(404)
    rows = queries.revision_list(session, program_id)
    numbers = [revision.number for revision, _, _ in rows]
    if not numbers:
        abort(404)  # every program has its first revision; this guards a broken record
    a = request.args.get("a", str(numbers[-2] if len(numbers) > 1 else numbers[0]))
    b = request.args.get("b", str(numbers[-1]))
    if not all(n.isascii() and n.isdecimal() and int(n) in numbers for n in (a, b)):
        abort(404)  # a revision that does not exist
    a, b = int(a), int(b)
    return render("drafting/revisions.html", program=found.program, rnd=found.rnd,
                  community=found.community, rows=rows, a=a, b=b, labels=FIELD_LABELS,
                  changes=queries.compared(rows, a, b),
                  dusun=rounds.dusun_options(session, found.community.id))


@bp.post("/<id:program_id>/coauthors")
@login_required
@shows_refusals
def invite(program_id: int):
    """An author invites a member of the community to write the program with them."""
    return act(program_id, lambda: coauthors.invite_coauthor(
        get_session(), g.user, program_id, request.form.get("username", ""), now()),
        done=gettext("The invitation is sent."), anchor="coauthors")


@bp.post("/<id:program_id>/coauthors/accept")
@login_required
@shows_refusals
def accept(program_id: int):
    """The invitee becomes an author."""
    return act(program_id, lambda: coauthors.accept_coauthor(
        get_session(), g.user, program_id, now()),
        done=gettext("You are now an author of this program."), anchor="coauthors")


@bp.post("/<id:program_id>/coauthors/decline")
@login_required
@shows_refusals
def decline(program_id: int):
    """The invitee says no, and is taken where they may still look."""
    program = coauthors.decline_coauthor(get_session(), g.user, program_id, now())
    flash_done(gettext("You declined the invitation."))
    return _after_leaving(program_id, program.round_id)


@bp.post("/<id:program_id>/coauthors/leave")
@login_required
@shows_refusals
def leave(program_id: int):
    """An author stops being one (not the last)."""
    program = coauthors.leave_authors(get_session(), g.user, program_id, now())
    flash_done(gettext("You are no longer an author of this program."))
    return _after_leaving(program_id, program.round_id)


def _after_leaving(program_id: int, round_id: int):
    """Back to the program, or to its round when it is a draft no longer theirs to read."""
    if readable_program(get_session(), g.user, program_id) is None:
        return go_to(url_for("rounds.board", round_id=round_id))
    return go_to(url_for("programs.show", program_id=program_id, _anchor="coauthors"))


@bp.route("/<id:program_id>/delete", methods=("GET", "POST"))
@login_required
@shows_refusals
def delete(program_id: int):
    """An author deletes a draft, after saying yes on a page that asks (no JavaScript)."""
    if request.method == "POST" and request.form.get("confirm") == "yes":
        round_id = drafting.delete_draft(get_session(), g.user, program_id, now())
        flash_done(gettext("The draft is deleted."))
        return go_to(url_for("rounds.board", round_id=round_id))
    program = drafting.draft_to_delete(get_session(), g.user, program_id).program
    return render("drafting/delete.html", program=program)
