"""The web layer: extensions, hooks, error pages and what every page shares; it registers the features' blueprints."""
import functools
import hashlib
import json
import os
from datetime import datetime

from flask import current_app, g, redirect, request, session, url_for
from flask_babel import format_date, format_decimal, format_time, get_locale, gettext
from flask_wtf.csrf import CSRFError, generate_csrf
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.routing import IntegerConverter

from workflow import glossary
from workflow.core import limits
from workflow.core.db import get_session
from workflow.engine import dates
from workflow.engine.processes import (
    EVENT_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
    TEMPLATE_LABELS,
    TRANSITION_LABELS,
)
from workflow.people.logins import user_for_token
from workflow.programs.form import FUNDING_SOURCES, SECTORS

from .assets import htmx_version
from .extensions import babel, csrf, htmx
from .render import explain, refusal_page

HTMX_CONFIG = {
    # Style the loading indicator from app.css, so the CSP needs no inline styles.
    "includeIndicatorStyles": False,
    # Settling a copied `style` attribute would break the CSP (style-src 'self').
    "attributesToSettle": ["class", "width", "height"],
    # Refusals (403/409/422) carry a message the person should see: swap them in too.
    "responseHandling": [{"code": "204", "swap": False}, {"code": "[23]..", "swap": True},
                         {"code": "4..", "swap": True, "error": False},
                         {"code": "...", "swap": False, "error": True}],
}


# While a reset password must be changed, only these pages open.
# Files the same for everyone: no session is read for them, so no database query is made and
# caches may share them (reading the session would add "Vary: Cookie").
SHARED_FILES = {"static", "assets.htmx_js"}
PASSWORD_CHANGE_ALLOWED = {"account.password", "auth.login", "auth.logout", "auth.language",
                           *SHARED_FILES}


def select_locale() -> str:
    """The language chosen with the switch, else Bahasa Indonesia."""
    return session.get("lang", "id")


def load_user():
    """The logged-in user, from a live server-side session; a forced password change first."""
    if request.endpoint in SHARED_FILES:
        g.user = None
        return None
    g.user = user_for_token(get_session(), session.get("sid"))
    if (g.user is not None and g.user.must_change_password
            and request.endpoint not in PASSWORD_CHANGE_ALLOWED):
        return redirect(url_for("account.password"))
    return None


def security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security",
                                    "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        # Pages show who may do what: never cache them in a shared phone's browser.
        response.headers["Cache-Control"] = "no-store"
    return response


@functools.cache
def _fingerprint(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:10]


def asset(filename: str) -> str:
    """A static file's URL with its content hash, so it can be cached for a year."""
    return url_for("static", filename=filename,
                   v=_fingerprint(os.path.join(current_app.static_folder, filename)))


def icon(name: str) -> Markup:
    """An icon from the inline SVG sprite; always shown beside words, never alone."""
    return Markup('<svg class="icon" aria-hidden="true" focusable="false">'
                  '<use href="%s#%s"></use></svg>') % (
        asset("icons.svg"), name)


def person(name: str | None) -> str:
    """A stored person's name; one who left (anonymised, name blanked) is named in the
    page's language, so old records still read as sentences."""
    return name or gettext("a former resident")


def _page_zone(context) -> str:
    """The time zone of the community the page belongs to (the default one elsewhere)."""
    return getattr(context.get("community"), "timezone", None) or dates.DEFAULT_ZONE


@pass_context
def show_date(context, value) -> Markup:
    """A date as the reader writes it ("1 Des 2026"), in a <time> with its ISO date.

    A moment (datetime) is shown as its date on the community's calendar."""
    if value is None or value == "":
        return Markup("")
    if isinstance(value, datetime):
        value = dates.local_time(value, _page_zone(context)).date()
    else:
        value = dates.stored_date(value)
        if value is None:
            return Markup("")
    return Markup('<time datetime="%s">%s</time>') % (value.isoformat(),
                                                       format_date(value, "medium"))


@pass_context
def show_datetime(context, value) -> Markup:
    """A moment on the community's clocks ("1 Des 2026 17.00"), in a <time> whose
    attribute is the same moment in whole seconds with its offset (valid HTML)."""
    if value is None:
        return Markup("")
    moment = dates.local_time(value, _page_zone(context)).replace(microsecond=0)
    # The locale's own way to join a date and a time; minutes are enough to read.
    text = (get_locale().datetime_formats["medium"].replace("'", "")
            .replace("{1}", format_date(moment, "medium", rebase=False))
            .replace("{0}", format_time(moment, "short", rebase=False)))
    return Markup('<time datetime="%s">%s</time>') % (moment.isoformat(), text)


def limit_hint(n: int) -> Markup:
    """The longest a field may be, said beside its label ("at most 2.000 letters")."""
    return Markup('<span class="limit">%s</span>') % gettext(
        "(at most %(n)s letters)", n=format_decimal(n))


def template_helpers() -> dict:
    return {
        "explain": explain, "icon": icon, "person": person, "asset": asset, "csrf_token": generate_csrf,
        "current_locale": str(get_locale()),
        "state_label": lambda s: gettext(STATE_LABELS.get(s, s)),
        # An event that is not a step (a co-author joined) is named as the history tells it.
        "transition_label": lambda t: gettext(TRANSITION_LABELS.get(t) or EVENT_LABELS.get(t, t)),
        "template_label": lambda t: gettext(TEMPLATE_LABELS.get(t, t)),
        "event_label": lambda t: gettext(EVENT_LABELS.get(t, t)),
        "role_label": lambda r: gettext(ROLE_LABELS.get(r, r)),
        "sector_label": lambda s: gettext(SECTORS[s]) if s in SECTORS else "",
        "funding_label": lambda s: gettext(FUNDING_SOURCES[s]) if s in FUNDING_SOURCES else "",
        "htmx_config": json.dumps(HTMX_CONFIG), "htmx_version": htmx_version,
        # The one rule for every date and moment a page shows (see show_date).
        "show_date": show_date, "show_datetime": show_datetime,
        "rupiah": lambda n: "Rp " + format_decimal(n, format="#,##0") if n is not None else "",
    }


# Every error page is the refusal page in the reader's language; for htmx it lands in the
# page's message region (see render.refusal_page), never in place of what was on the page.
def csrf_refused(error):
    return refusal_page(gettext(
        "This form has expired or was not sent from this site. Please go back, "
        "reload the page and try again."), 400)


def not_found(_error):
    return refusal_page(gettext("That page does not exist."), 404)


def forbidden(_error):
    return refusal_page(gettext("Your role in this community does not allow this."), 403)


def method_not_allowed(error):
    """A link followed to an address that only takes a form (or the other way round)."""
    return refusal_page(gettext("This page cannot be opened like this. Please use the "
                                "buttons and links on the pages."), 405,
                        {"Allow": ", ".join(sorted(error.valid_methods or ()))})


def too_large(_error):
    """A request body over MAX_CONTENT_LENGTH (or a form over MAX_FORM_MEMORY_SIZE)."""
    return refusal_page(gettext("What was sent is too large for this page. A file to import "
                                "may be at most 1 MB: split it into smaller files."), 413)


def server_error(_error):
    # A command that failed kept nothing of what it wrote (see commands.command).
    return refusal_page(gettext("Something went wrong on our side, and nothing was saved. "
                                "Please try again in a moment."), 500)


class IdConverter(IntegerConverter):
    """A row id in a URL: a positive whole number that fits the database's integer."""

    regex = r"[0-9]{1,10}"  # ASCII digits only: '١' is not an id

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=2_147_483_647)


def init_app(app) -> None:
    from workflow.api import views as api
    from workflow.assessment import views as assessment
    from workflow.comments import views as comments
    from workflow.communities import views as communities
    from workflow.drafting import views as drafting
    from workflow.glossary import views as glossary_views
    from workflow.meetings import (
        record_views,  # noqa: F401 (record_views: its routes on meetings.bp)
        room_views,  # noqa: F401  (the hall's routes, on meetings.bp)
    )
    from workflow.meetings import views as meetings
    from workflow.notifications import views as notifications
    from workflow.organizing import views as organizing
    from workflow.people import views as people
    from workflow.programs import views as programs
    from workflow.rounds import views as rounds
    from workflow.voting import views as voting
    from workflow.web import assets

    app.url_map.converters["id"] = IdConverter  # before any route that uses it
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    htmx.init_app(app)
    app.before_request(load_user)
    app.after_request(security_headers)
    app.context_processor(template_helpers)
    app.add_template_filter(json.loads, "fromjson")
    app.jinja_env.globals["glossary"] = glossary  # the help beside technical words
    # The length limits the commands check, told beside the fields: {{ limit_hint(limits.REASON) }}
    app.jinja_env.globals.update(limits=limits, limit_hint=limit_hint)
    app.register_error_handler(CSRFError, csrf_refused)
    app.register_error_handler(404, not_found)
    app.register_error_handler(403, forbidden)
    app.register_error_handler(405, method_not_allowed)
    app.register_error_handler(413, too_large)
    app.register_error_handler(500, server_error)
    # The feature blueprints (endpoint prefix = package = templates folder = tests folder;
    # the people feature's two, auth and account, keep their older names).
    for blueprint in (people.auth, people.account, communities.bp, rounds.bp, glossary_views.bp, programs.bp,
                      voting.bp, comments.bp, drafting.bp, assessment.bp, organizing.bp, api.bp,
                      notifications.bp, meetings.bp, assets.bp):
        app.register_blueprint(blueprint)
    from workflow.approvals.views import bp as approvals_bp
    app.register_blueprint(approvals_bp)
