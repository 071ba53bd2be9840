"""The official's desk (/approvals): decide on what awaits, in place; the year's agreed plan.

The decisions post to this blueprint's own route, which fires the same step as the program
page (``fire_transition``, which checks the official's role): so the desk's row swaps in
place with htmx, and a plain form comes back here rather than to the program.
"""
import re

from flask import Blueprint, abort, g, redirect, request, url_for
from flask_babel import gettext

from workflow.approvals import plan as planning
from workflow.approvals import queries
from workflow.core.db import get_session
from workflow.engine.processes import DONE_LABELS
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.people.passwords import role_in
from workflow.programs import commands
from workflow.web.extensions import htmx
from workflow.web.login import login_required
from workflow.web.render import explain, field_errors, flash_done, now, refused, render

bp = Blueprint("approvals", __name__, url_prefix="/approvals")
DESK, ROW, CONFIRM = ("approvals/desk.html", "approvals/partial/row.html",
                      "approvals/confirm.html")
# What the row fragment reads besides the row, when nothing was asked or refused.
QUIET = {"done": None, "program_id": None, "confirming": False, "step": None, "message": None,
         "form_step": None, "error_program": None, "errors": {}, "form": {}}
NOT_AN_OFFICIAL = Reason(N_("This page is for the village official."))
NOT_A_PLAN_READER = Reason(N_("The plan is for the village official and the facilitator."))


@bp.app_context_processor
def awaiting_link() -> dict:
    """The home page's count of programs awaiting the official: one query, when asked."""
    return {"approvals_awaiting": lambda: queries.awaiting_count(get_session(), g.user.id)}


@bp.get("")
@login_required
def desk():
    """Every program awaiting this official, grouped by community and round."""
    if not queries.is_official(get_session(), g.user.id):
        return refused(Refusal("forbidden", NOT_AN_OFFICIAL))
    rows = queries.awaiting(get_session(), g.user.id)
    return render(DESK, **QUIET, groups=queries.grouped(rows), total=len(rows))


@bp.post("/<id:program_id>/<name>")
@login_required
def decide(program_id: int, name: str):
    """Approve, return or reject a program from the desk, or say why it cannot be."""
    if name not in queries.DECISIONS:
        abort(404)
    try:
        commands.fire_transition(get_session(), g.user, program_id, name, now(),
                                 reason=request.form.get("reason", ""),
                                 expected_state=request.form.get("expected_state") or None,
                                 ask_first=request.form.get("confirm") != "yes")
    except commands.ConfirmFirst as asked:
        return render(CONFIRM, ROW, **{**QUIET, "row": the_row(program_id),
                                       "step": asked.transition, "form": request.form,
                                       "confirming": True})
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal, back=url_for("approvals.desk"))
        return render(DESK, ROW, 422, **{
            **QUIET, **desk_context(), "row": the_row(program_id), "form": request.form,
            "errors": field_errors(refusal), "form_step": name, "error_program": program_id,
            "message": explain(refusal.reason)})
    if htmx:
        return render(ROW, ROW, **{**QUIET, "done": gettext(DONE_LABELS[name]),
                                   "program_id": program_id})
    flash_done(gettext(DONE_LABELS[name]))
    return redirect(url_for("approvals.desk"))


def the_row(program_id: int):
    """The program's row on the desk (it awaits this official: the step was checked)."""
    rows = queries.awaiting(get_session(), g.user.id, program_id)
    return rows[0] if rows else None


def desk_context() -> dict:
    """The whole desk, for a refused plain form shown again on it."""
    if htmx:
        return {}
    rows = queries.awaiting(get_session(), g.user.id)
    return {"groups": queries.grouped(rows), "total": len(rows)}


def plan_scope():
    """(community, year, rows) of the plan asked for, or the refusal: members who are not
    its official or facilitator may not read it; to others the community does not exist."""
    session = get_session()
    community_id = request.args.get("community", type=int)
    year = request.args.get("year", type=int)
    role = role_in(session, g.user.id, community_id) if community_id else None
    if role is None or year is None or not 1900 <= year <= 2200:
        abort(404)
    if role not in queries.PLAN_READERS:
        raise Refusal("forbidden", NOT_A_PLAN_READER)
    return (queries.community(session, community_id), year,
            queries.plan_rows(session, community_id, year))


@bp.get("/plan")
@login_required
def plan():
    """The year's agreed plan of a community: a table to print."""
    try:
        community, year, rows = plan_scope()
    except Refusal as refusal:
        return refused(refusal)
    return render("approvals/plan.html", community=community, year=year,
                  headings=planning.headings(), table=planning.table(rows),
                  years=queries.plan_years(get_session(), community.id))


@bp.get("/plan.csv")
@login_required
def plan_csv():
    """The same plan as a CSV file for a spreadsheet program."""
    try:
        community, year, rows = plan_scope()
    except Refusal as refusal:
        return refused(refusal)
    name = f"rencana-{re.sub('[^a-z0-9-]', '', community.slug) or community.id}-{year}.csv"
    return planning.as_csv(rows), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"'}
