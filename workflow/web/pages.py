"""Home, a round's board, and the new-program form."""
import secrets

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext

from workflow.programs import commands, queries
from workflow.people.passwords import role_in
from workflow.core.db import get_session
from workflow.engine.diagram import layout
from workflow.engine.processes import TEMPLATES
from workflow.programs.form import FUNDING_SOURCES, SECTORS
from workflow.engine.reasons import Refusal
from .auth import login_required
from .extensions import htmx
from .render import explain, field_errors, flash_done, now, refused, render

bp = Blueprint("pages", __name__)


@bp.get("/")
@login_required
def home():
    """The user's communities and rounds, with programs grouped by state."""
    return render("home.html", board=queries.home_board(get_session(), g.user.id))


@bp.get("/glossary")
def glossary():
    """Every technical word with the word the pages use and a plain explanation; public."""
    return render("glossary.html")


def _member_round(round_id: int):
    """The round and community, or 404 for anyone outside the community."""
    found = queries.round_board(get_session(), round_id, g.user.id)
    if found is None or role_in(get_session(), g.user.id, found[1].id) is None:
        abort(404)
    return found


@bp.get("/rounds/<id:round_id>")
@login_required
def round_board(round_id: int):
    """One planning round: its programs grouped by where they stand."""
    rnd, community, groups = _member_round(round_id)
    return render("round.html", rnd=rnd, community=community, groups=groups,
                  diagram=layout(TEMPLATES[rnd.template]),
                  role=role_in(get_session(), g.user.id, community.id))


def program_form(rnd, community, status=200, form=None, errors=None, message=None,
                 program=None, version=None, changes=()):
    """The proposal form: for a new program (with a one-time submission key), or for an
    author's draft (``program``, with the ``version`` it was opened at)."""
    form = form or {}
    return render("program_form.html", "partial/program_form.html", status, rnd=rnd,
                  community=community, form=form, errors=errors or {}, message=message,
                  sectors=SECTORS, funding_sources=FUNDING_SOURCES,
                  dusun=queries.dusun_options(get_session(), community.id),
                  program=program, version=version, changes=changes,
                  submission_key=None if program else (
                      form.get("submission_key") or secrets.token_urlsafe(16)))


@bp.route("/rounds/<id:round_id>/programs/new", methods=("GET", "POST"))
@login_required
def new_program(round_id: int):
    """The proposal form; saving it makes a draft the author can still change."""
    rnd, community, _ = _member_round(round_id)
    if request.method == "GET":
        if role_in(get_session(), g.user.id, community.id) not in commands.PROPOSERS:
            abort(403)  # the same rule create_program applies when the form is sent
        return program_form(rnd, community)
    try:
        program = commands.create_program(get_session(), g.user, rnd.id, request.form,
                                          request.form.get("submission_key", "")[:64], now())
    except commands.AlreadyProposed as same:
        # Nothing new was made: the person is told so on the draft they already have.
        flash(explain(same.reason), "warning")
        return go_to(url_for("programs.show", program_id=same.program_id))
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal)
        return program_form(rnd, community, 422, request.form, field_errors(refusal),
                            explain(refusal.reason))
    flash_done(gettext("Your proposal is saved as a draft. Submit it when it is ready."))
    return go_to(url_for("programs.show", program_id=program.id))


def go_to(target: str):
    """After a saved form: a plain post is redirected; htmx is told to go there itself
    (a new page, not a fragment)."""
    if htmx:
        return "", 204, {"HX-Redirect": target}
    return redirect(target)
