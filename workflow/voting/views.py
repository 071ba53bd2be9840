"""Votes on a program's ballot, from phones and from the room, and the live tally."""
from flask import Blueprint, abort, current_app, g, redirect, request, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.engine.text import is_number
from workflow.programs.access import readable_program
from workflow.programs.respond import act
from workflow.voting import commands, queries
from workflow.web.extensions import htmx
from workflow.web.login import login_required
from workflow.web.render import now, render

bp = Blueprint("voting", __name__, url_prefix="/programs")
BALLOT = "voting/partial/ballot.html"


@bp.post("/<id:program_id>/votes")
@login_required
def vote(program_id: int):
    """Cast or change the user's vote on the open ballot."""
    return act(program_id, lambda: commands.cast_vote(
        get_session(), g.user, program_id, request.form.get("choice", ""),
        request.form.get("reason", ""), now()),
        done=gettext("Your vote is recorded. You can change it until the vote closes."),
        partial=BALLOT, anchor="ballot")


@bp.post("/<id:program_id>/room-votes")
@login_required
def room_vote(program_id: int):
    """The facilitator records the choice of a resident present in the meeting."""
    voter = request.form.get("voter", "")
    return act(program_id, lambda: commands.record_room_vote(
        get_session(), g.user, program_id, int(voter) if is_number(voter, 9) else -1,
        request.form.get("choice", ""), request.form.get("reason", ""), now(),
        on_behalf_of=request.form.get("on_behalf_of", "")),
        done=gettext("The vote from the room is recorded."), partial=BALLOT, anchor="ballot")


@bp.get("/<id:program_id>/tally")
@login_required
def tally(program_id: int):
    """The live count of the open ballot, polled by everyone who has the page open."""
    if not htmx:
        return redirect(url_for("programs.show", program_id=program_id, _anchor="ballot"))
    # Polled every few seconds by every open phone: load only what the count needs.
    session = get_session()
    found = readable_program(session, g.user, program_id)
    if found is None:
        abort(404)
    program, rnd = found.program, found.rnd
    ballot = queries.open_ballot(session, program.id)
    return render("programs/program.html", "voting/partial/tally.html", program=program,
                  ballot=ballot, tally=queries.ballot_tally(session, ballot, rnd) if ballot else None,
                  refresh_seconds=current_app.config["TALLY_REFRESH_SECONDS"])
