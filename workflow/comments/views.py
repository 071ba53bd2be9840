"""Comments, with a stance, on a program's discussion."""
from flask import Blueprint, g, request
from flask_babel import gettext

from workflow.comments import commands
from workflow.core.db import get_session
from workflow.programs.respond import act
from workflow.web.login import login_required
from workflow.web.render import now

bp = Blueprint("comments", __name__, url_prefix="/programs")


@bp.post("/<id:program_id>/comments")
@login_required
def add(program_id: int):
    """Add a comment, with a stance, to the discussion."""
    return act(program_id, lambda: commands.add_comment(
        get_session(), g.user, program_id, request.form.get("stance", ""),
        request.form.get("body", ""), now()),
        done=gettext("Your comment is added."), partial="comments/partial/comments.html",
        anchor="comments")
