"""Home and a round's board; a community's new round and a round's settings."""
from flask import Blueprint, abort, g, request, url_for
from flask_babel import gettext

from workflow.communities.models import Community
from workflow.core.db import get_session
from workflow.engine.diagram import layout
from workflow.engine.processes import TEMPLATES
from workflow.engine.reasons import Refusal
from workflow.meetings import queries as meetings
from workflow.people.passwords import role_in
from workflow.rounds import commands, queries
from workflow.rounds.models import Round
from workflow.web.login import login_required
from workflow.web.render import explain, field_errors, flash_done, go_to, now, refused, render

bp = Blueprint("rounds", __name__)


@bp.get("/")
@login_required
def home():
    """The user's communities and rounds, with programs grouped by state."""
    return render("rounds/home.html", board=queries.home_board(get_session(), g.user.id),
                  meetings=meetings.upcoming_for(get_session(), g.user.id))


def _member_round(round_id: int):
    """The round, its community and its board, or 404 for anyone outside the community."""
    found = queries.member_round(get_session(), round_id, g.user.id)
    if found is None:
        abort(404)
    return found


@bp.get("/rounds/<id:round_id>")
@login_required
def board(round_id: int):
    """One planning round: its programs grouped by where they stand."""
    rnd, community, groups = _member_round(round_id)
    return render("rounds/board.html", rnd=rnd, community=community, groups=groups,
                  diagram=layout(TEMPLATES[rnd.template]), statuses=queries.STATUSES,
                  role=role_in(get_session(), g.user.id, community.id),
                  meetings=meetings.of_round(get_session(), rnd.id),
                  meeting_states=meetings.STATE_LABELS)


def _new_page(community: Community, status=200, form=None, errors=None, message=None):
    return render("rounds/new.html", status=status, community=community,
                  form=form or queries.NEW_ROUND, errors=errors or {}, message=message,
                  **queries.form_choices())


@bp.get("/communities/<id:community_id>/rounds/new")
@login_required
def new(community_id: int):
    """The form for a new round (administrators also have it on the community's page)."""
    try:
        community = commands.may_set_up(get_session(), g.user, community_id)
    except Refusal as refusal:
        return refused(refusal)
    return _new_page(community)


@bp.post("/communities/<id:community_id>/rounds")
@login_required
def create(community_id: int):
    """A facilitator or administrator opens a new round; its board comes next."""
    try:
        rnd = commands.create_round(get_session(), g.user, community_id, request.form, now())
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal)
        return _new_page(get_session().get(Community, community_id), 422, request.form,
                         field_errors(refusal), explain(refusal.reason))
    flash_done(gettext("The round %(title)s is open: programs can be proposed in it.",
                       title=rnd.title))
    return go_to(url_for("rounds.board", round_id=rnd.id))


def _edit_page(round_id: int, status=200, form=None, errors=None, message=None):
    session = get_session()
    rnd = session.get(Round, round_id)
    return render("rounds/edit.html", status=status, rnd=rnd,
                  community=session.get(Community, rnd.community_id),
                  form=form or queries.settings_of(rnd), errors=errors or {},
                  message=message, fixed_process=queries.has_programs(session, rnd.id),
                  vote_open=queries.vote_open(session, rnd.id), **queries.form_choices())


@bp.route("/rounds/<id:round_id>/edit", methods=("GET", "POST"))
@login_required
def edit(round_id: int):
    """A round's settings: its name, year, process, voting rules and whether it is open."""
    try:
        if request.method == "GET":
            commands.may_change(get_session(), g.user, round_id)
            return _edit_page(round_id)
        commands.update_round(get_session(), g.user, round_id, request.form, now())
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal)
        return _edit_page(round_id, 422, request.form, field_errors(refusal),
                          explain(refusal.reason))
    flash_done(gettext("The round's settings are saved."))
    return go_to(url_for("rounds.board", round_id=round_id))
