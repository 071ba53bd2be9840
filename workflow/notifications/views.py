"""A member's news: the page, marking read (one or all), the kinds to hear; and the bell
every full page shows in its header."""
from flask import Blueprint, g, redirect, request, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.engine.reasons import N_, Refusal
from workflow.notifications import commands, queries
from workflow.notifications.models import INVITED, KINDS, PROGRAM_CHANGED, REPLY, VOTE_CLOSED, VOTE_OPENED
from workflow.web.login import login_required, safe_next
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

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PAGE, ITEM, SETTINGS = ("notifications/page.html", "notifications/partial/item.html",
                        "notifications/settings.html")
# The settings page's words for each kind, in KINDS order.
KIND_LABELS = {
    INVITED: N_("Someone invites me to co-author a program"),
    PROGRAM_CHANGED: N_("A program I wrote, support or commented on moves to a new stage"),
    VOTE_OPENED: N_("A vote opens in my community"),
    VOTE_CLOSED: N_("A vote closes in my community, with its result"),
    REPLY: N_("Someone replies to my comment"),
}
MAX_ID = 2_147_483_647


@bp.app_context_processor
def bell() -> dict:
    """The bell's count, for base.html: counted only when a full page asks for it."""
    return {"unread_notifications": lambda: queries.unread_count(get_session(), g.user.id)}


def _before() -> int | None:
    """The ``?before=`` of an older page: a row id, else the newest page."""
    raw = request.args.get("before", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
        return None
    return int(raw) if 0 < int(raw) <= MAX_ID else None


@bp.get("")
@login_required
def page():
    """The member's news, newest first, a page at a time."""
    before = _before()
    news, older = queries.news_page(get_session(), g.user.id, before)
    return render(PAGE, news=news, older=older, first=before is None)


@bp.post("/<id:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    """Mark one read: htmx gets the line again, a plain form goes back where it was sent."""
    try:
        commands.mark_read(get_session(), g.user, notification_id, now())
    except Refusal as refusal:
        return refused(refusal)
    if answers_with_fragment(ITEM):
        return render(PAGE, ITEM, item=queries.one_news(get_session(), g.user.id, notification_id))
    return redirect(safe_next(request.form.get("next"), url_for("notifications.page")))


@bp.post("/read")
@login_required
def mark_all_read():
    """Mark every unread news read, then the page again."""
    commands.mark_all_read(get_session(), g.user, now())
    flash_done(gettext("All your news is marked as read."))
    return go_to(url_for("notifications.page"))


@bp.route("/settings", methods=("GET", "POST"))
@login_required
def settings():
    """Choose which kinds of news to receive."""
    if request.method == "GET":
        return render(SETTINGS, kinds=KIND_LABELS, on=queries.kinds_on(get_session(), g.user.id),
                      errors={}, message=None)
    chosen = request.form.getlist("kinds")
    try:
        commands.choose_kinds(get_session(), g.user, chosen, now())
    except Refusal as refusal:
        return render(SETTINGS, status=422, kinds=KIND_LABELS, errors=field_errors(refusal),
                      on=[kind for kind in KINDS if kind in chosen], message=explain(refusal.reason))
    flash_done(gettext("Your choice of news is saved."))
    return go_to(url_for("notifications.settings"))
