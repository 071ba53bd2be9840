"""Comments, with a stance, on a program's discussion."""
from flask import Blueprint, g, request, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.engine.reasons import Refusal
from workflow.programs import commands
from workflow.programs.views import after_change, page_context
from workflow.web.auth import login_required
from workflow.web.render import field_errors, flash_done, now, refused, render

bp = Blueprint("comments", __name__, url_prefix="/programs")


@bp.post("/<id:program_id>/comments")
@login_required
def add(program_id: int):
    """Add a comment, with a stance, to the discussion."""
    try:
        commands.add_comment(get_session(), g.user, program_id, request.form.get("stance", ""),
                             request.form.get("body", ""), now())
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal, back=url_for("programs.show", program_id=program_id))
        context = page_context(program_id)
        context.update(errors=field_errors(refusal), form=request.form)
        return render("programs/program.html", "comments/partial/comments.html", 422, **context)
    flash_done(gettext("Your comment is added."))
    return after_change(program_id, "comments/partial/comments.html", "comments")
