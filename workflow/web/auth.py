"""Logging in and out, and choosing the language."""
import functools
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, request, session, url_for
from flask_babel import gettext

from workflow.core.db import get_session
from workflow.engine.reasons import Refusal
from workflow.people import commands as people

from .render import STATUS, explain, now, render

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, default: str) -> str:
    """Only follow a ``next`` that stays on this site."""
    if (not target or not target.startswith("/") or target.startswith(("//", "/\\"))
            or any(ord(ch) < 32 or ord(ch) == 127 for ch in target)):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. "/[" is not a URL at all
        return default
    if parts.scheme or parts.netloc:
        return default
    return target


def login_required(view):
    """Send anyone not logged in to the login page, and back afterwards."""
    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)
    return wrapped


@bp.route("/login", methods=("GET", "POST"))
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
            lang = session.get("lang")
            session.clear()  # a new session: nothing from before the login carries over
            session.update(sid=token, **({"lang": lang} if lang else {}))
            session.permanent = True
            target = safe_next(request.args.get("next"), url_for("rounds.home"))
            if user.must_change_password:
                target = url_for("account.password")
            return redirect(target)
    headers = {"Retry-After": "900"} if status == 429 else {}
    body, status = render("people/login.html", status=status, error=error,
                          username=request.form.get("username", ""))
    return body, status, headers


@bp.route("/logout", methods=("GET", "POST"))
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


@bp.post("/language")
def language():
    """Switch between Bahasa Indonesia and English."""
    lang = request.form.get("lang", "")
    if lang in ("id", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("rounds.home")))
