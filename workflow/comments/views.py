"""The discussion's routes: comments, replies, edits, hides, the summary, the live fragment."""
from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext

from workflow.comments import commands, facilitation, queries
from workflow.core.db import get_session
from workflow.engine.text import is_number
from workflow.programs.access import readable_program
from workflow.programs.page import page_context
from workflow.programs.respond import act
from workflow.web.extensions import htmx
from workflow.web.login import login_required
from workflow.web.render import now

bp = Blueprint("comments", __name__, url_prefix="/programs")
COMMENTS = "comments/partial/comments.html"
DISCUSSION = "comments/partial/discussion.html"


@bp.post("/<id:program_id>/comments")
@login_required
def add(program_id: int):
    """Add a comment, with a stance, to the discussion (or for a resident, or to an objection)."""
    form = request.form
    return act(program_id, lambda: commands.add_comment(
        get_session(), g.user, program_id, form.get("stance", ""), form.get("body", ""), now(),
        on_behalf_of=form.get("on_behalf_of", ""), objection=form.get("objection")),
        done=gettext("Your comment is added."), partial=COMMENTS, anchor="comments")


@bp.post("/<id:program_id>/replies")
@login_required
def reply(program_id: int):
    """Reply to a comment (one level deep)."""
    form, parent = request.form, request.form.get("parent", "")
    return act(program_id, lambda: commands.add_reply(
        get_session(), g.user, program_id, form.get("parent", ""), form.get("body", ""), now(),
        on_behalf_of=form.get("on_behalf_of", "")),
        done=gettext("Your reply is added."), partial=COMMENTS,
        anchor=f"comment-{parent}" if is_number(parent, 9) else "comments")


@bp.post("/<id:program_id>/comments/<id:comment_id>/edit")
@login_required
def edit(program_id: int, comment_id: int):
    """Correct one's own comment, in its first 15 minutes."""
    return act(program_id, lambda: commands.edit_comment(
        get_session(), g.user, program_id, comment_id, request.form.get("body", ""), now()),
        done=gettext("Your comment is changed."), partial=COMMENTS,
        anchor=f"comment-{comment_id}", editing=comment_id)


@bp.post("/<id:program_id>/comments/<id:comment_id>/hide")
@login_required
def hide(program_id: int, comment_id: int):
    """Hide a comment: one's own, or (the facilitator) any, with a reason."""
    return act(program_id, lambda: commands.hide_comment(
        get_session(), g.user, program_id, comment_id, request.form.get("reason", ""), now()),
        done=gettext("The comment is hidden."), partial=COMMENTS,
        anchor=f"comment-{comment_id}", hiding=comment_id)


@bp.post("/<id:program_id>/summary")
@login_required
def summary(program_id: int):
    """The facilitator pins the summary of the discussion (ringkasan musyawarah)."""
    return act(program_id, lambda: facilitation.pin_summary(
        get_session(), g.user, program_id, request.form.get("body", ""), now()),
        done=gettext("The summary is pinned."), partial=COMMENTS, anchor="summary")


@bp.post("/<id:program_id>/objections/<id:vote_id>/addressed")
@login_required
def addressed(program_id: int, vote_id: int):
    """The facilitator marks an objection of a failed consent round as addressed."""
    return act(program_id, lambda: facilitation.mark_objection_addressed(
        get_session(), g.user, program_id, vote_id, now()),
        done=gettext("The objection is marked as addressed."), partial=COMMENTS,
        anchor=f"objection-{vote_id}")


@bp.get("/<id:program_id>/discussion")
@login_required
def discussion(program_id: int):
    """The discussion as it is now, polled by open pages: 204 while nothing changed."""
    if not htmx:
        return redirect(url_for("programs.show", program_id=program_id, _anchor="comments"))
    session = get_session()
    if readable_program(session, g.user, program_id) is None:
        abort(404)
    if request.args.get("v") == queries.version(session, program_id):
        return "", 204
    return render_template(DISCUSSION, fragment=True, **page_context(program_id, COMMENTS))
