"""The people's pages: logging in and out and the language (blueprint ``auth``); the
person's own account, their data and being forgotten, and the administrator's list of
members (blueprint ``account``). Two blueprints in one feature: their endpoint names
(``auth.login``, ``account.password``) are older than the feature packages, and the
session rules in ``workflow/web`` name them.
"""
import json

from flask import Blueprint, Response, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext

from workflow.communities import queries as communities
from workflow.communities.commands import KINDS
from workflow.core.db import get_session
from workflow.engine.dates import ZONES
from workflow.engine.reasons import Refusal
from workflow.engine.text import is_number
from workflow.people import commands as people
from workflow.people import queries
from workflow.web.login import login_required, safe_next
from workflow.web.render import STATUS, explain, field_errors, flash_done, now, refused, render

auth = Blueprint("auth", __name__)
account = Blueprint("account", __name__)


@auth.route("/login", methods=("GET", "POST"))
def login():
    """Show the login form; on a good name and password, start a fresh session."""
    error, status = None, 200
    if request.method == "POST":
        try:
            user, token = people.log_in(get_session(), request.form.get("username", ""),
                                        request.form.get("password", ""),
                                        request.remote_addr or "", now())
        except Refusal as refusal:
            error, status = explain(refusal.reason), STATUS[refusal.kind]
        else:
            _start(token)
            target = safe_next(request.args.get("next"), url_for("rounds.home"))
            if user.must_change_password:
                target = url_for("account.password")
            return redirect(target)
    headers = {"Retry-After": "900"} if status == 429 else {}
    body, status = render("people/login.html", status=status, error=error,
                          username=request.form.get("username", ""))
    return body, status, headers


@auth.route("/activate", methods=("GET", "POST"))
def activate():
    """Choose a password with the code on the slip from the balai desa; logged in after."""
    errors, message, status = {}, None, 200
    form = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        try:
            user, token = people.activate(
                get_session(), form.get("username", ""), form.get("code", ""),
                form.get("password", ""), form.get("password_confirm", ""),
                request.remote_addr or "", now())
        except Refusal as refusal:
            errors, message, status = field_errors(refusal), explain(refusal.reason), \
                STATUS[refusal.kind]
        else:
            _start(token)
            flash_done(gettext("Welcome, %(name)s. Your password is set: log in with it "
                               "next time.", name=user.display_name))
            return redirect(url_for("rounds.home"))
    headers = {"Retry-After": "900"} if status == 429 else {}
    body, status = render("people/activate.html", status=status, errors=errors,
                          message=message, username=form.get("username", ""),
                          code=form.get("code", "") if request.method == "POST" else "")
    return body, status, headers


def _start(token: str) -> None:
    """A fresh session with this token: nothing from before the login carries over."""
    lang = session.get("lang")
    session.clear()
    session.update(sid=token, **({"lang": lang} if lang else {}))
    session.permanent = True


@auth.route("/logout", methods=("GET", "POST"))
def logout():
    """End the session (on the server too), keeping only the chosen language.

    A GET (an old bookmark, a typed address) only asks: logging out changes state, so it
    is done by the form the page shows, with its CSRF token.
    """
    if request.method == "GET":
        if g.user is None:
            return redirect(url_for("auth.login"))
        return render("people/logout.html")
    lang = session.get("lang")
    people.log_out(get_session(), session.get("sid"), now())
    session.clear()
    if lang:
        session["lang"] = lang
    flash(gettext("You have logged out."), "success")
    return redirect(url_for("auth.login"))


@auth.post("/language")
def language():
    """Switch between Bahasa Indonesia and English."""
    lang = request.form.get("lang", "")
    if lang in ("id", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("rounds.home")))


@account.get("/account")
@login_required
def overview():
    """The person's account: their communities and what they can do with their data."""
    return render("people/account.html", memberships=queries.memberships(get_session(), g.user.id),
                  errors={}, message=None)


@account.route("/account/password", methods=("GET", "POST"))
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


@account.get("/account/data")
@login_required
def data():
    """Download everything the service holds about you, as a JSON file."""
    body = json.dumps(queries.personal_data(get_session(), g.user), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="musyawarah-{g.user.id}.json"'})


@account.post("/account/delete")
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


@account.get("/admin")
@login_required
def admin():
    """The communities this person sets up (a site administrator: all of them, and a new
    one), and their members."""
    members = queries.administered_members(get_session(), g.user)
    if members is None:
        abort(403)
    return render("people/admin.html", members=members, errors={}, form={}, message=None,
                  communities=communities.managed(get_session(), g.user), community=None,
                  kinds=KINDS, zones=ZONES)


@account.post("/admin/users/<user_id>/password")
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
        return redirect(url_for("account.admin", _anchor=f"user-{user_id}"))
    flash_done(gettext("%(name)s must choose a new password at the next login.",
                       name=member.display_name))
    return redirect(url_for("account.admin"))
