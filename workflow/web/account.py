"""The person's own account: password, personal data, being forgotten; and the admin's resets."""
import json

from flask import Blueprint, Response, abort, g, redirect, request, session, url_for
from flask_babel import gettext
from sqlmodel import select

from workflow.core.db import get_session
from workflow.engine.processes import ADMIN
from workflow.engine.reasons import Refusal
from workflow.engine.text import is_number
from workflow.people import commands as people

from ..models import Community, Membership, User
from .auth import login_required
from .render import explain, field_errors, flash_done, now, refused, render

bp = Blueprint("account", __name__)


@bp.get("/account")
@login_required
def overview():
    """The person's account: their communities and what they can do with their data."""
    return render("people/account.html", memberships=get_session().exec(
        select(Membership, Community.name).join(Community, Community.id == Membership.community_id)
        .where(Membership.user_id == g.user.id)).all())


@bp.route("/account/password", methods=("GET", "POST"))
@login_required
def password():
    """Change the password (required after an administrator reset it)."""
    errors, status = {}, 200
    if request.method == "POST":
        try:
            people.change_password(get_session(), g.user, request.form.get("current", ""),
                                   request.form.get("new", ""), request.form.get("repeat", ""),
                                   now())
        except Refusal as refusal:
            errors, status = field_errors(refusal), 422
        else:
            flash_done(gettext("Your new password is saved."))
            return redirect(url_for("rounds.home"))
    return render("people/password.html", status=status, errors=errors)


@bp.get("/account/data")
@login_required
def data():
    """Download everything the service holds about you, as a JSON file."""
    body = json.dumps(people.personal_data(get_session(), g.user), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="musyawarah-{g.user.id}.json"'})


@bp.post("/account/delete")
@login_required
def delete():
    """Forget me: the account is anonymised and the session ends."""
    try:
        people.anonymise(get_session(), g.user, request.form.get("password", ""), now())
    except Refusal as refusal:
        return render("people/account.html", status=422, errors=field_errors(refusal),
                      memberships=[], message=explain(refusal.reason))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash_done(gettext("Your account is deleted. Your votes still count, without your name."))
    return redirect(url_for("auth.login"))


@bp.get("/admin")
@login_required
def admin():
    """The members of the communities this person administers."""
    administered = select(Membership.community_id).where(
        Membership.user_id == g.user.id, Membership.role == ADMIN)
    if not get_session().exec(administered).first():
        abort(403)
    members = get_session().exec(
        select(User, Membership.role, Community.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Community, Community.id == Membership.community_id)
        .where(Membership.community_id.in_(administered), User.anonymised_at.is_(None))
        .order_by(Community.name, User.display_name)).all()
    return render("people/admin.html", members=members, errors={})


@bp.post("/admin/users/<user_id>/password")
@login_required
def reset(user_id: str):
    """Give a member a temporary password; they must change it when they next log in."""
    if not is_number(user_id, 9):
        abort(404)
    try:
        member = people.reset_password(get_session(), g.user, int(user_id),
                                       request.form.get("password", ""), now())
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal)
        flash_done(explain(refusal.reason))  # shown at the top of the list
        return redirect(url_for(".admin", _anchor=f"user-{user_id}"))
    flash_done(gettext("%(name)s must choose a new password at the next login.",
                       name=member.display_name))
    return redirect(url_for(".admin"))
