"""Supporters of a social-action program."""
from flask import Blueprint, g, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.engine.reasons import Refusal
from workflow.organizing import commands as organizing
from workflow.programs.views import after_change, main_refused
from workflow.web.auth import login_required
from workflow.web.render import flash_done, now, refused

bp = Blueprint("organizing", __name__, url_prefix="/programs")


def _done(program_id: int, message: str, anchor: str):
    flash_done(message)
    return after_change(program_id, "programs/partial/main.html", anchor)


def _refused(program_id: int, refusal: Refusal, **extra):
    if refusal.kind == "invalid":
        return main_refused(program_id, refusal, **extra)
    return refused(refusal, back=url_for("programs.show", program_id=program_id))


@bp.post("/<id:program_id>/supporters")
@login_required
def support(program_id: int):
    """A resident joins the program as a supporter."""
    try:
        organizing.join_supporters(get_session(), g.user, program_id, now())
    except Refusal as refusal:
        return _refused(program_id, refusal)
    return _done(program_id, gettext("You now support this program."), "supporters")


@bp.post("/<id:program_id>/supporters/leave")
@login_required
def leave(program_id: int):
    """A resident stops supporting the program."""
    try:
        organizing.leave_supporters(get_session(), g.user, program_id, now())
    except Refusal as refusal:
        return _refused(program_id, refusal)
    return _done(program_id, gettext("You no longer support this program."), "supporters")
