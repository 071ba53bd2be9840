"""Gzip for text responses: static files compressed once and kept, pages per request.

A resident on 2G pays for every byte, so text is sent gzipped to any browser that asks
(``Accept-Encoding: gzip``). Static files (app.css, icons.svg, htmx) never change under
their fingerprinted URLs, so each is compressed once per process at the highest level and
the bytes are kept in memory; pages, fragments and JSON are compressed per request at a
cheaper level. Tiny bodies, streams, redirects and bodies already encoded pass untouched.

BREACH: a compressed page that holds a secret (the CSRF token, the person's own vote on
a secret ballot) next to text an attacker controls (every page reflects its own URL in
the language form's ``next`` field) leaks the secret through the compressed length, if
the attacker can both make the victim's browser load chosen URLs and watch the encrypted
traffic. Such loads are started by the attacker's page, so the browser marks them
``Sec-Fetch-Site: cross-site`` (or ``same-site``): those pages are sent uncompressed.
Our own links, forms and htmx requests are ``same-origin``, a typed or bookmarked address
is ``none``; both are compressed. Older browsers that send no Fetch Metadata still get
compressed pages; for them the remaining defences are the session cookie's
``SameSite=Lax`` (no cookie on cross-site subrequests, so the attacker is left with
visible top-level navigations) and Flask-WTF's token, whose timestamp and signature change
every second (``payload.timestamp.signature``), faster than a length oracle can read it.
"""
import functools
import gzip
import os

from flask import current_app, request
from werkzeug.security import safe_join

from .assets import HTMX_DIST

COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript",
                "application/json", "image/svg+xml"}
MIN_SIZE = 500      # below this, gzip's own header and the work cost more than they save
PAGE_LEVEL = 6      # per request: most of the gain for a fraction of level 9's time
STATIC_LEVEL = 9    # once per file and process, so take all there is
UNTRUSTED_SITES = {"cross-site", "same-site"}  # see BREACH above


def accepts_gzip() -> bool:
    """Whether the client takes gzip: an explicit ``gzip`` entry wins over ``*``."""
    qualities = {value.lower(): quality for value, quality in request.accept_encodings}
    return qualities.get("gzip", qualities.get("x-gzip", qualities.get("*", 0))) > 0


def static_path() -> str | None:
    """The file behind a static response of this request, or None for anything else."""
    if request.endpoint == "static":
        return safe_join(current_app.static_folder, request.view_args["filename"])
    if request.endpoint == "assets.htmx_js":
        return os.path.join(HTMX_DIST, "htmx.min.js")
    return None


@functools.lru_cache(maxsize=64)
def gzipped_file(path: str, mtime_ns: int, size: int) -> bytes:
    """A static file's gzip bytes; the key changes when the file does."""
    with open(path, "rb") as fh:
        return gzip.compress(fh.read(), STATIC_LEVEL, mtime=0)


def _encode(response, body: bytes) -> None:
    """Put the gzip body in place, with its own length and its own validator."""
    response.direct_passthrough = False
    response.set_data(body)  # sets Content-Length to the compressed size
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag:
        # The gzip bytes differ from the identity bytes: a strong ETag must differ too.
        # A browser revalidates with this one; the identity check upstream did not know
        # it, so the conditional request is answered here (304 when it matches).
        response.set_etag(f"{etag}-gzip", weak)
        response.make_conditional(request)


def compress(response):
    """after_request: gzip a text response when the client takes it and it is worth it."""
    if response.mimetype not in COMPRESSIBLE or "Content-Encoding" in response.headers:
        return response
    response.vary.add("Accept-Encoding")
    status = response.status_code
    if status < 200 or 300 <= status < 400 or status in (204, 206) or not accepts_gzip():
        return response
    path = static_path()
    if path is not None:
        if not (response.direct_passthrough and status == 200):
            return response
        stat = os.stat(path)
        if stat.st_size < MIN_SIZE:
            return response
        body = gzipped_file(path, stat.st_mtime_ns, stat.st_size)
        if hasattr(response.response, "close"):
            response.response.close()  # the open file send_file would have streamed
        _encode(response, body)
        return response
    if response.direct_passthrough or response.is_streamed:
        return response
    response.vary.add("Sec-Fetch-Site")
    if request.headers.get("Sec-Fetch-Site", "").lower() in UNTRUSTED_SITES:
        return response
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    _encode(response, gzip.compress(data, PAGE_LEVEL, mtime=0))
    return response


def init_app(app) -> None:
    app.after_request(compress)
