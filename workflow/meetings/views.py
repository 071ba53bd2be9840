"""A meeting of a round: scheduling it, its page, its steps, its roll and guests, and its
calendar file. The commands decide; these views only answer."""
from flask import Blueprint, Response, abort, g, request, url_for
from flask_babel import gettext

from workflow.communities.models import Community
from workflow.core.db import get_session
from workflow.engine import dates
from workflow.engine.people import TAGS
from workflow.engine.reasons import Refusal
from workflow.meetings import calendar, commands, queries, roll
from workflow.meetings.commands import MOMENT, POSTPONE_REASON, TEXT
from workflow.meetings.models import GUEST_KINDS
from workflow.meetings.roll import GUEST_NAME
from workflow.rounds.commands import may_change
from workflow.web.login import login_required
from workflow.web.render import (
    answers_with_fragment,
    explain,
    field_errors,
    flash_done,
    go_to,
    now,
    refused,
    render,
)

bp = Blueprint("meetings", __name__)
PAGE, NEW, ROLL = "meetings/meeting.html", "meetings/new.html", "meetings/partial/roll.html"


def _new_page(round_id: int, status=200, form=None, errors=None, message=None):
    session = get_session()
    rnd = may_change(session, g.user, round_id)
    return render(NEW, status=status, rnd=rnd, community=session.get(Community, rnd.community_id),
                  form=form or {}, errors=errors or {}, message=message,
                  choices=queries.agenda_choices(session, rnd.id), text_limit=TEXT)


@bp.get("/rounds/<id:round_id>/meetings/new")
@login_required
def new(round_id: int):
    """The form for a new meeting of the round, for its facilitators."""
    try:
        return _new_page(round_id)
    except Refusal as refusal:
        return refused(refusal)


@bp.post("/rounds/<id:round_id>/meetings")
@login_required
def create(round_id: int):
    """A facilitator schedules a meeting; its page comes next."""
    try:
        meeting = commands.schedule_meeting(get_session(), g.user, round_id, request.form, now())
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal)
        return _new_page(round_id, 422, request.form, field_errors(refusal),
                         explain(refusal.reason))
    flash_done(gettext("The meeting is scheduled and the residents are invited."))
    return go_to(url_for("meetings.show", meeting_id=meeting.id))


def _found(meeting_id: int) -> queries.Found:
    found = queries.find(get_session(), meeting_id, g.user)
    if found is None:
        abort(404)
    return found


def _context(found: queries.Found, **extra) -> dict:
    local = dates.local_time(found.meeting.starts_at, found.community.timezone)
    return {**queries.page(get_session(), found), "runs": found.runs(g.user),
            "errors": {}, "form": {}, "message": None, "kinds": GUEST_KINDS,
            "state_labels": queries.STATE_LABELS, "tags": TAGS, "starts_local": local.strftime(MOMENT),
            "reason_limit": POSTPONE_REASON, "name_limit": GUEST_NAME, **extra}


@bp.get("/meetings/<id:meeting_id>")
@login_required
def show(meeting_id: int):
    """The meeting: its time and place, agenda, roll, quorum and the groups present."""
    return render(PAGE, **_context(_found(meeting_id)))


def _act(meeting_id: int, run, done: str, partial: str | None = None):
    """Run one command on the meeting and answer: the fragment for htmx, else back to the
    page; a form's problem shows the page again (422), any other refusal its reason."""
    try:
        run()
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal, back=url_for("meetings.show", meeting_id=meeting_id))
        context = _context(_found(meeting_id), errors=field_errors(refusal), form=request.form,
                           message=explain(refusal.reason))
        return render(PAGE, partial, 422, **context)
    if answers_with_fragment(partial):
        return render(PAGE, partial, **_context(_found(meeting_id)))
    flash_done(done)
    return go_to(url_for("meetings.show", meeting_id=meeting_id,
                         _anchor="attendance" if partial else None))


@bp.post("/meetings/<id:meeting_id>/invitees")
@login_required
def invitees(meeting_id: int):
    """Before it opens, the facilitator chooses who is invited (checkboxes ``invitees``)."""
    return _act(meeting_id, lambda: commands.set_invitees(
        get_session(), g.user, meeting_id, request.form.getlist("invitees"), now()),
        gettext("The list of invitees is saved."))


@bp.post("/meetings/<id:meeting_id>/open")
@login_required
def open_meeting(meeting_id: int):
    """Open the meeting: the roll can be taken."""
    return _act(meeting_id, lambda: commands.open_meeting(get_session(), g.user, meeting_id,
                                                          now()),
                gettext("The meeting is open: mark who is present."))


@bp.post("/meetings/<id:meeting_id>/postpone")
@login_required
def postpone(meeting_id: int):
    """Postpone the meeting to a new time, with a reason."""
    return _act(meeting_id, lambda: commands.postpone_meeting(
        get_session(), g.user, meeting_id, request.form, now()),
        gettext("The meeting is postponed to the new time."))


@bp.post("/meetings/<id:meeting_id>/close")
@login_required
def close(meeting_id: int):
    """Close the meeting; its quorum is recorded as the roll stands."""
    return _act(meeting_id, lambda: commands.close_meeting(get_session(), g.user, meeting_id,
                                                           now()),
                gettext("The meeting is closed."))


@bp.post("/meetings/<id:meeting_id>/present")
@login_required
def present(meeting_id: int):
    """Mark an invitee present, or absent again (field ``member``, a user name)."""
    return _act(meeting_id, lambda: roll.toggle_present(
        get_session(), g.user, meeting_id, request.form.get("member", ""), now()),
        gettext("The roll is updated."), ROLL)


@bp.post("/meetings/<id:meeting_id>/guests")
@login_required
def guests(meeting_id: int):
    """Register a guest or an observer (fields ``name``, ``kind``)."""
    return _act(meeting_id, lambda: roll.add_guest(get_session(), g.user, meeting_id,
                                                   request.form, now()),
                gettext("The guest is registered."), ROLL)


@bp.get("/meetings/<id:meeting_id>.ics")
@login_required
def ics(meeting_id: int):
    """The meeting as a calendar file for a phone."""
    found = _found(meeting_id)
    body = calendar.ics(found.meeting, found.community.timezone, request.host, now())
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="musyawarah-{meeting_id}.ics"'})
