"""htmx, served from the pinned npm package the set-up installed (never copied into the repo)."""
import functools
import json
import os

from flask import Blueprint, abort, send_from_directory

from workflow.core.migrate import ROOT

bp = Blueprint("assets", __name__)
HTMX_DIST = os.path.join(ROOT, "node_modules", "htmx.org", "dist")
YEAR = 365 * 24 * 3600


@functools.cache
def htmx_version() -> str:
    """The installed htmx version, used in the URL so a new version is fetched afresh."""
    try:
        with open(os.path.join(HTMX_DIST, "..", "package.json"), encoding="utf-8") as fh:
            return json.load(fh)["version"]
    except OSError:
        return "missing"


@bp.get("/static/vendor/htmx-<version>.min.js")
def htmx_js(version: str):
    """The htmx file, cached for a year: the version in its name changes when it does."""
    if version != htmx_version():
        abort(404)
    return send_from_directory(HTMX_DIST, "htmx.min.js", max_age=YEAR,
                               mimetype="text/javascript")
