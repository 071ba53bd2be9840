"""The findings of a planning assessment."""
from flask import Blueprint, g, request, url_for
from flask_babel import gettext

from workflow.assessment import commands as assessment
from workflow.core.db import get_session
from workflow.engine.reasons import Refusal
from workflow.programs.views import after_change, main_refused
from workflow.web.auth import login_required
from workflow.web.render import flash_done, now, refused

bp = Blueprint("assessment", __name__, url_prefix="/programs")


def _done(program_id: int, message: str, anchor: str):
    flash_done(message)
    return after_change(program_id, "programs/partial/main.html", anchor)


def _refused(program_id: int, refusal: Refusal, **extra):
    if refusal.kind == "invalid":
        return main_refused(program_id, refusal, **extra)
    return refused(refusal, back=url_for("programs.show", program_id=program_id))


@bp.post("/<id:program_id>/findings")
@login_required
def add_finding(program_id: int):
    """The facilitator records one finding of the assessment."""
    try:
        assessment.record_finding(get_session(), g.user, program_id, request.form, now())
    except Refusal as refusal:
        return _refused(program_id, refusal, finding_form="new")
    return _done(program_id, gettext("The finding is recorded."), "findings")


@bp.post("/<id:program_id>/findings/<id:finding_id>")
@login_required
def edit_finding(program_id: int, finding_id: int):
    """The facilitator corrects a finding."""
    try:
        assessment.update_finding(get_session(), g.user, program_id, finding_id,
                                  request.form, now())
    except Refusal as refusal:
        return _refused(program_id, refusal, finding_form=finding_id)
    return _done(program_id, gettext("The finding is corrected."), "findings")


@bp.post("/<id:program_id>/findings/<id:finding_id>/delete")
@login_required
def delete_finding(program_id: int, finding_id: int):
    """The facilitator removes a finding."""
    try:
        assessment.remove_finding(get_session(), g.user, program_id, finding_id, now())
    except Refusal as refusal:
        return _refused(program_id, refusal)
    return _done(program_id, gettext("The finding is removed."), "findings")
