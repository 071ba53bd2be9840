"""Shared view helpers: page-or-fragment rendering, refusals, the clock, the user."""
from datetime import UTC, datetime

from flask import abort, flash, g, redirect, render_template
from flask_babel import format_decimal, gettext

from workflow.engine.processes import ROLE_LABELS, STATE_LABELS, TRANSITION_LABELS
from workflow.engine.reasons import Reason, Refusal

from .extensions import htmx

STATUS = {"forbidden": 403, "conflict": 409, "not_found": 404, "invalid": 422,
          "unauthorised": 401, "too_many": 429}


def now() -> datetime:
    """The one place the web layer reads the clock; commands get it passed in."""
    return datetime.now(UTC)


def answers_with_fragment(partial: str | None) -> bool:
    """Whether this request is answered with the fragment ``partial`` (an htmx swap)."""
    return partial is not None and bool(htmx) and not htmx.boosted


def render(page: str, partial: str | None = None, status: int = 200, **context):
    """The full page, or only its fragment when htmx asks for a swap."""
    wants_fragment = answers_with_fragment(partial)
    return render_template(partial if wants_fragment else page, fragment=wants_fragment,
                           **context), status


def explain(reason: Reason | str | None) -> str:
    """Translate a Reason, translating the state and role names inside it too."""
    if reason is None:
        return ""
    if isinstance(reason, str):
        return gettext(reason)
    params = dict(reason.params)
    if "state" in params:
        params["state"] = gettext(STATE_LABELS.get(params["state"], params["state"]))
    if "transition" in params:
        params["transition"] = gettext(TRANSITION_LABELS[params["transition"]])
    if "roles" in params:
        params["roles"] = ", ".join(gettext(ROLE_LABELS[r]) for r in params["roles"])
    if isinstance(params.get("n"), int):
        params["n"] = format_decimal(params["n"])  # "2.000 huruf", as the field's hint says
    return gettext(reason.msgid, **params)


def field_errors(refusal: Refusal) -> dict:
    return {field: explain(reason) for field, reason in refusal.errors.items()}


# Where an htmx refusal lands: the message region every page has (base.html), so what
# the form targeted (the discussion, the program) stays on the page.
MESSAGES = "#messages"


def refusal_page(message: str, status: int, headers: dict | None = None, **context):
    """The refusal page for a plain request (with a way back); for htmx the refusal
    fragment, sent into the page's message region instead of the form's target."""
    body, status = render("refused.html", "partial/refused.html", status, message=message,
                          **context)
    headers = dict(headers or {})
    if htmx and not htmx.boosted:
        headers.update({"HX-Retarget": MESSAGES, "HX-Reswap": "innerHTML show:top",
                        "HX-Reselect": "#refused"})
    return body, status, headers


def refused(refusal: Refusal, **context):
    """Show why an action was refused, as a page or in the page's message region."""
    if refusal.kind == "not_found":
        abort(404)
    return refusal_page(explain(refusal.reason), STATUS[refusal.kind], **context)


def flash_done(message: str) -> None:
    flash(message, "success")


def current_user():
    return g.get("user")


def go_to(target: str):
    """After a saved form: a plain post is redirected; htmx is told to go there itself
    (a new page, not a fragment)."""
    if htmx:
        return "", 204, {"HX-Redirect": target}
    return redirect(target)
