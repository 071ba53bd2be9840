"""Home and a round's board."""
from flask import Blueprint, abort, g

from workflow.core.db import get_session
from workflow.engine.diagram import layout
from workflow.engine.processes import TEMPLATES
from workflow.people.passwords import role_in
from workflow.rounds import queries
from workflow.web.login import login_required
from workflow.web.render import render

bp = Blueprint("rounds", __name__)


@bp.get("/")
@login_required
def home():
    """The user's communities and rounds, with programs grouped by state."""
    return render("rounds/home.html", board=queries.home_board(get_session(), g.user.id))


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
                  diagram=layout(TEMPLATES[rnd.template]),
                  role=role_in(get_session(), g.user.id, community.id))
