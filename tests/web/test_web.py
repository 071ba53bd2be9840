"""App-wide: the 404 page, the static files and the security headers."""
import re

import pytest

from tests.helpers import (
    HX,
    is_fragment,
    login_as,
)

# --- the 404 page, the static files, the headers -------------------------------------------

@pytest.mark.parametrize(("htmx", "template"), [(False, "refused.html"),
                                                (True, "partial/refused.html")])
def test_not_found_page(client, people, rendered, htmx, template):
    """An unknown address is the 404 page, or only its message for htmx."""
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get("/no/such/page", headers=HX if htmx else {})
    assert response.status_code == 404
    assert rendered == [template]
    assert is_fragment(response) == htmx
    assert 'id="refused"' in response.get_data(as_text=True)


def test_not_found_page_for_anonymous(client, rendered):
    """Unknown addresses are 404 even before logging in."""
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert rendered == ["refused.html"]


def test_stylesheet_served(client):
    """The stylesheet every page links to is served as CSS."""
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"


def test_htmx_served_from_the_pinned_package(client):
    """The page's htmx script URL serves JavaScript, cached for a year."""
    page = client.get("/login").get_data(as_text=True)
    url = re.search(r'<script src="(/static/vendor/htmx-[^"]+\.min\.js)"', page).group(1)
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert b"htmx" in response.get_data()[:2000]


def test_htmx_other_version_is_404(client):
    """Only the installed htmx version is served."""
    assert client.get("/static/vendor/htmx-0.0.1.min.js").status_code == 404


def test_security_headers_on_pages(client, people):
    """Pages forbid inline scripts and framing, and are never cached."""
    login_as(client, people["warga1"])
    response = client.get("/programs/1")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
