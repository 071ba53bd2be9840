"""Supporters of a social-action program."""
from flask import Blueprint, g, request
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.organizing import commands
from workflow.programs.respond import act
from workflow.web.login import login_required
from workflow.web.render import now

bp = Blueprint("organizing", __name__, url_prefix="/programs")


@bp.post("/<id:program_id>/supporters")
@login_required
def support(program_id: int):
    """A resident joins the program as a supporter (or the facilitator records one's support)."""
    for_someone = request.form.get("on_behalf_of", "")
    return act(program_id, lambda: commands.join_supporters(
        get_session(), g.user, program_id, now(), on_behalf_of=for_someone),
        done=gettext("The support is recorded.") if for_someone.strip()
        else gettext("You now support this program."), anchor="supporters")


@bp.post("/<id:program_id>/supporters/leave")
@login_required
def leave(program_id: int):
    """A resident stops supporting the program."""
    return act(program_id, lambda: commands.leave_supporters(get_session(), g.user, program_id, now()),
               done=gettext("You no longer support this program."), anchor="supporters")
