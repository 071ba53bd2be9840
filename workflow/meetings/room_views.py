"""The hall's routes: votes and counts recorded in the room, the minutes, the projector.

They live on the meetings blueprint (workflow/meetings/views.py); importing this module
adds them to it.
"""
from flask import g, redirect, request, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.engine.reasons import Refusal
from workflow.engine.text import is_number
from workflow.meetings import counts, minutes, room, screen
from workflow.meetings.views import bp
from workflow.web.extensions import htmx
from workflow.web.login import login_required
from workflow.web.render import field_errors, flash_done, now, refused, render

ITEMS = "meetings/partial/items.html"
LIVE = "meetings/partial/screen_live.html"


def meeting_url(meeting_id: int, anchor: str = "items") -> str:
    return url_for("meetings.show", meeting_id=meeting_id, _anchor=anchor)


def _items(meeting_id: int, status: int = 200, **extra):
    """The agenda fragment again (htmx) after a change or a refused form."""
    session = get_session()
    meeting, rnd, role = room.load_meeting(session, meeting_id, g.user)
    return render(ITEMS, ITEMS, status, meeting=meeting,
                  **room.items_part(session, meeting, rnd, role), **extra)


def _act(meeting_id: int, run, done: str):
    """Run one command; htmx gets the agenda again, a plain form goes back to the meeting."""
    try:
        run()
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal, back=meeting_url(meeting_id))
        if htmx:
            return _items(meeting_id, 422, errors=field_errors(refusal), form=request.form)
        return refused(Refusal("conflict", refusal.reason), back=meeting_url(meeting_id))
    flash_done(done)
    if htmx:
        return _items(meeting_id)
    return redirect(meeting_url(meeting_id))


@bp.post("/meetings/<id:meeting_id>/votes")
@login_required
def room_vote(meeting_id: int):
    """The facilitator records a present resident's choice on an agenda item's open vote."""
    program = request.form.get("program", "")
    return _act(meeting_id, lambda: room.record_meeting_vote(
        get_session(), g.user, meeting_id, int(program) if is_number(program, 9) else -1,
        request.form.get("voter", ""), request.form.get("choice", ""),
        request.form.get("reason", ""), now()), done=gettext("The vote from the room is recorded."))


@bp.post("/meetings/<id:meeting_id>/counts")
@login_required
def room_counts(meeting_id: int):
    """The facilitator enters how many in the hall chose each option of a secret ballot."""
    program = request.form.get("program", "")
    return _act(meeting_id, lambda: counts.record_room_counts(
        get_session(), g.user, meeting_id, int(program) if is_number(program, 9) else -1,
        request.form.to_dict(), request.form.get("reason", ""), now()),
        done=gettext("The counts from the room are saved."))


@bp.post("/meetings/<id:meeting_id>/items/<id:item_id>/minutes")
@login_required
def save_minutes(meeting_id: int, item_id: int):
    """The facilitator saves the minutes of one agenda item."""
    return _act(meeting_id, lambda: minutes.save_minutes(
        get_session(), g.user, meeting_id, item_id, request.form.get("notes", ""), now()),
        done=gettext("The minutes are saved."))


@bp.get("/meetings/<id:meeting_id>/screen")
@login_required
def show_screen(meeting_id: int):
    """The projector view; ``?part=live`` is the fragment it polls."""
    session = get_session()
    try:
        meeting, rnd, _role = room.load_meeting(session, meeting_id, g.user)
    except Refusal as refusal:
        return refused(refusal)
    part = LIVE if request.args.get("part") == "live" else None
    context = {"meeting": meeting, **screen.screen_part(session, meeting, rnd)}
    if part:
        return render(LIVE, LIVE, **context)
    return render("meetings/screen.html", **context)


@bp.app_context_processor
def hall_parts():
    """The meeting page includes items.html with only ``meeting``: it asks for its own part."""
    def room_part(meeting) -> dict:
        session = get_session()
        _meeting, rnd, role = room.load_meeting(session, meeting.id, g.user)
        return room.items_part(session, meeting, rnd, role)
    return {"room_part": room_part}
