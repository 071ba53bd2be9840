"""Votes on a program's ballot, from phones and from the room, and the live tally."""
from flask import Blueprint, abort, current_app, g, redirect, request, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.drafting import commands as drafting
from workflow.engine.reasons import Refusal
from workflow.engine.text import is_number
from workflow.programs import commands, queries
from workflow.programs.views import after_change, page_context
from workflow.web.auth import login_required
from workflow.web.extensions import htmx
from workflow.web.render import field_errors, flash_done, now, refused, render

bp = Blueprint("voting", __name__, url_prefix="/programs")


@bp.post("/<id:program_id>/votes")
@login_required
def vote(program_id: int):
    """Cast or change the user's vote on the open ballot."""
    try:
        commands.cast_vote(get_session(), g.user, program_id, request.form.get("choice", ""),
                           request.form.get("reason", ""), now())
    except Refusal as refusal:
        return _ballot_refused(program_id, refusal)
    flash_done(gettext("Your vote is recorded. You can change it until the vote closes."))
    return after_change(program_id, "voting/partial/ballot.html", "ballot")


@bp.post("/<id:program_id>/room-votes")
@login_required
def room_vote(program_id: int):
    """The facilitator records the choice of a resident present in the meeting."""
    voter = request.form.get("voter", "")
    try:
        commands.record_room_vote(get_session(), g.user, program_id,
                                  int(voter) if is_number(voter, 9) else -1,
                                  request.form.get("choice", ""), request.form.get("reason", ""),
                                  now())
    except Refusal as refusal:
        return _ballot_refused(program_id, refusal)
    flash_done(gettext("The vote from the room is recorded."))
    return after_change(program_id, "voting/partial/ballot.html", "ballot")


def _ballot_refused(program_id: int, refusal: Refusal):
    if refusal.kind != "invalid":
        return refused(refusal, back=url_for("programs.show", program_id=program_id))
    context = page_context(program_id)
    context.update(errors=field_errors(refusal), form=request.form)
    return render("programs/program.html", "voting/partial/ballot.html", 422, **context)


@bp.get("/<id:program_id>/tally")
@login_required
def tally(program_id: int):
    """The live count of the open ballot, polled by everyone who has the page open."""
    if not htmx:
        return redirect(url_for("programs.show", program_id=program_id, _anchor="ballot"))
    # Polled every few seconds by every open phone: load only what the count needs.
    session = get_session()
    found = drafting.readable_program(session, g.user, program_id)
    if found is None:
        abort(404)
    program, rnd = found.program, found.rnd
    ballot = queries.open_ballot(session, program.id)
    return render("programs/program.html", "voting/partial/tally.html", program=program, ballot=ballot,
                  tally=queries.ballot_tally(session, ballot, rnd) if ballot else None,
                  refresh_seconds=current_app.config["TALLY_REFRESH_SECONDS"])
