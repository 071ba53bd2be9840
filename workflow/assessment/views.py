"""The findings of a planning assessment."""
from flask import Blueprint, g, request
from flask_babel import gettext

from workflow.assessment import commands
from workflow.core.db import get_session
from workflow.programs.respond import act
from workflow.web.login import login_required
from workflow.web.render import now

bp = Blueprint("assessment", __name__, url_prefix="/programs")


@bp.post("/<id:program_id>/findings")
@login_required
def add_finding(program_id: int):
    """The facilitator records one finding of the assessment."""
    return act(program_id, lambda: commands.record_finding(
        get_session(), g.user, program_id, request.form, now()),
        done=gettext("The finding is recorded."), anchor="findings", finding_form="new")


@bp.post("/<id:program_id>/findings/<id:finding_id>")
@login_required
def edit_finding(program_id: int, finding_id: int):
    """The facilitator corrects a finding."""
    return act(program_id, lambda: commands.update_finding(
        get_session(), g.user, program_id, finding_id, request.form, now()),
        done=gettext("The finding is corrected."), anchor="findings", finding_form=finding_id)


@bp.post("/<id:program_id>/findings/<id:finding_id>/delete")
@login_required
def delete_finding(program_id: int, finding_id: int):
    """The facilitator removes a finding."""
    return act(program_id, lambda: commands.remove_finding(
        get_session(), g.user, program_id, finding_id, now()),
        done=gettext("The finding is removed."), anchor="findings")
