"""Who is asking: the guard every feature's views put on their routes, and the rule for
where a login may send the person back to."""
import functools
from urllib.parse import urlsplit

from flask import g, redirect, request, url_for


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
