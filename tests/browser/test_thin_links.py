"""Thin links: gzip on the wire, a first load of at most 40 KB for every page, and a vote
that lands within 5 s over a slow 3G link, with JavaScript on and off.

The compression checks use the Flask test client. The browser checks drive Debian's
Chromium and read the bytes that crossed the wire from the DevTools protocol
(``Network.loadingFinished``'s ``encodedDataLength``: response headers plus the body as
sent, i.e. gzipped). SQLite only: what a page weighs and how fast it travels do not
depend on the database, and the browser costs seconds per page.

Requests that would leave the live server go to a dead proxy on loopback (so they fail)
and are reported; Playwright's request routing is not used, because it switches off the
browser cache, which the slow-link check relies on as a returning resident would.
"""
import gzip
import json
import os
import random
import re
import socket
import time

import pytest
from flask import Response
from sqlmodel import select

from tests.arrange import arrange
from tests.catalogue import PEOPLE, arrange_village, pages_for
from tests.helpers import HX, login_as, utcnow
from workflow.comments import commands as comment_commands
from workflow.comments.queries import COMMENTS_SHOWN
from workflow.demo import PASSWORD
from workflow.models import Ballot, Vote
from workflow.web import compress
from workflow.web.assets import htmx_version

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
BUDGET = 40 * 1024  # bytes on the wire for a page's first load, empty cache
LONG_DISCUSSION = 200  # comments added to the voting program: the heaviest page we know
TIMEOUT_MS = 15_000

# Chrome DevTools' "Slow 3G" preset (renamed "3G" in newer DevTools): 400 ms RTT times 5
# and 500 kbit/s times 0.8 each way, the factors DevTools applies to turn link figures
# into what a page sees. These are the harshest of its presets; the vote fits within 5 s.
SLOW_3G_LATENCY_MS = 400 * 5
SLOW_3G_DOWN_BYTES_PER_S = 500 * 1000 / 8 * 0.8
SLOW_3G_UP_BYTES_PER_S = 500 * 1000 / 8 * 0.8
VOTE_WITHIN_S = 5.0
USABLE_WITHIN_S = 5.0  # program page opened over the slow link, until it can be used


def text_of(response) -> str:
    data = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return data.decode()


def without_tokens(html: str) -> str:
    """A page with its CSRF tokens blanked: their signature changes every second."""
    return re.sub(r"[\w-]{20,}\.[\w-]+\.[\w-]{20,}", "TOKEN", html)


# --- compression, with the Flask test client --------------------------------------------

def test_pages_are_gzipped_when_asked_and_plain_otherwise(client, users):
    login_as(client, users["warga5"])
    zipped = client.get("/programs/1", headers=GZIP)
    plain = client.get("/programs/1")
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data) / 2
    assert without_tokens(text_of(zipped)) == without_tokens(plain.get_data(as_text=True))
    assert "Content-Encoding" not in plain.headers
    assert int(plain.headers["Content-Length"]) == len(plain.data)
    refused = client.get("/programs/1", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers
    for response in (zipped, plain, refused):
        assert "Accept-Encoding" in response.headers["Vary"]


@pytest.mark.parametrize("url", ["/static/app.css", "/static/icons.svg",
                                 f"/static/vendor/htmx-{htmx_version()}.min.js"])
def test_static_files_are_compressed_once_with_their_own_etag(client, url):
    compress.gzipped_file.cache_clear()
    plain = client.get(url)
    zipped = client.get(url, headers=GZIP)
    again = client.get(url, headers=GZIP)
    assert plain.status_code == zipped.status_code == 200
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.data == again.data
    assert compress.gzipped_file.cache_info().misses == 1  # compressed once, then kept
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    assert zipped.headers["Cache-Control"] == plain.headers["Cache-Control"]
    assert "max-age=31536000" in zipped.headers["Cache-Control"]
    etag, weak = zipped.get_etag()
    assert etag and not weak and etag != plain.get_etag()[0]
    for response in (plain, zipped):
        assert "Accept-Encoding" in response.headers["Vary"]
    # Revalidation: each representation's ETag brings a 304 to the client that holds it.
    fresh = client.get(url, headers={**GZIP, "If-None-Match": zipped.headers["ETag"]})
    assert fresh.status_code == 304 and fresh.data == b""
    assert "Accept-Encoding" in fresh.headers["Vary"]
    assert client.get(url, headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    # The gzip ETag does not validate the identity bytes.
    assert client.get(url, headers={"If-None-Match": zipped.headers["ETag"]}).status_code == 200


@pytest.mark.parametrize("url", ["/static/app.css", f"/static/vendor/htmx-{htmx_version()}.min.js"])
def test_static_files_are_the_same_for_everyone(client, users, url):
    """No session is read for a static file: a cache may share it, and no query is made."""
    login_as(client, users["warga5"])
    response = client.get(url, headers=GZIP)
    assert response.status_code == 200
    assert "Cookie" not in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers
    assert "Cookie" in client.get("/programs/1", headers=GZIP).headers["Vary"]


def test_htmx_fragments_json_and_downloads_decode_to_the_same(client, db, users):
    arrange(db, users, "voting")  # events enough for the API's JSON to be worth gzip
    db.commit()
    token = login_as(client, users["warga5"])
    fragment = client.post("/programs/1/comments", headers={**GZIP, **HX}, data={
        "csrf_token": token, "stance": "question", "body": "Kapan mulai dikerjakan?" * 30})
    assert fragment.status_code == 200 and fragment.headers["Content-Encoding"] == "gzip"
    html = text_of(fragment)
    assert html.lstrip().startswith("<section id=\"comments\"") and "Kapan mulai" in html
    api_zipped = client.get("/api/v1/programs/1", headers=GZIP)
    api_plain = client.get("/api/v1/programs/1")
    assert api_zipped.headers.get("Content-Encoding") == "gzip"
    assert json.loads(text_of(api_zipped)) == api_plain.get_json()
    download = client.get("/account/data", headers=GZIP)
    assert download.headers["Content-Encoding"] == "gzip"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert json.loads(text_of(download)) == client.get("/account/data").get_json()


def test_small_bodies_redirects_and_refusals_are_left_alone(client, users):
    tiny = client.get("/api/v1/programs/1", headers=GZIP)  # 401 JSON, a few bytes
    assert tiny.status_code == 401 and "Content-Encoding" not in tiny.headers
    assert tiny.get_json() == {"error": "login required"}
    token = login_as(client, users["warga5"])
    moved = client.post("/programs/1/comments", headers=GZIP, data={
        "csrf_token": token, "stance": "support", "body": "Setuju."})
    assert moved.status_code in (302, 303) and "Content-Encoding" not in moved.headers
    assert int(moved.headers["Content-Length"]) == len(moved.data)
    tally = client.get("/programs/1/tally", headers={**GZIP, **HX})
    assert tally.status_code == 200
    assert (tally.headers.get("Content-Encoding") == "gzip") == (
        len(client.get("/programs/1/tally", headers=HX).data) >= compress.MIN_SIZE)


def test_streams_and_encoded_bodies_pass_untouched(app, client):
    def stream():
        yield "<p>" + "sedikit demi sedikit " * 100 + "</p>"

    app.add_url_rule("/test-stream", "test_stream",
                     lambda: Response(stream(), mimetype="text/html"))
    app.add_url_rule("/test-encoded", "test_encoded", lambda: Response(
        gzip.compress(b"x" * 2000), mimetype="text/html", headers={"Content-Encoding": "gzip"}))
    streamed = client.get("/test-stream", headers=GZIP)
    assert "Content-Encoding" not in streamed.headers
    assert streamed.get_data(as_text=True).count("sedikit") == 200
    encoded = client.get("/test-encoded", headers=GZIP)
    assert gzip.decompress(encoded.data) == b"x" * 2000  # compressed exactly once


def test_pages_asked_for_by_another_site_are_not_compressed(client, users):
    """BREACH: an attacker's page cannot get a compressed page with the person's token."""
    login_as(client, users["warga5"])
    crafted = "/programs/1?next=aria-pressed%3D%22true%22"
    for site in ("cross-site", "same-site"):
        response = client.get(crafted, headers={**GZIP, "Sec-Fetch-Site": site})
        assert response.status_code == 200 and "Content-Encoding" not in response.headers
        assert "Sec-Fetch-Site" in response.headers["Vary"]
    for site in ("same-origin", "none"):
        response = client.get(crafted, headers={**GZIP, "Sec-Fetch-Site": site})
        assert response.headers["Content-Encoding"] == "gzip"
    # Static files hold no secret: compressed whoever asks.
    css = client.get("/static/app.css", headers={**GZIP, "Sec-Fetch-Site": "cross-site"})
    assert css.headers["Content-Encoding"] == "gzip"


def test_a_long_discussion_shows_its_newest_comments_and_links_to_the_rest(client, db, users):
    login_as(client, users["warga5"])
    shown = COMMENTS_SHOWN
    for i in range(shown):
        comment_commands.add_comment(db, users["warga4"], 1, "question", f"Pertanyaan nomor {i}.",
                             utcnow())
    db.commit()
    page = client.get("/programs/1").get_data(as_text=True)
    assert page.count('class="comment stance-') == shown and "?comments=all" not in page
    for i in range(shown, shown + 5):
        comment_commands.add_comment(db, users["warga4"], 1, "question", f"Pertanyaan nomor {i}.",
                             utcnow())
    db.commit()
    total = shown + 5
    page = client.get("/programs/1").get_data(as_text=True)
    assert page.count('class="comment stance-') == shown
    assert f"({total})</h2>" in page  # the heading counts them all
    assert "Pertanyaan nomor 4." not in page and f"Pertanyaan nomor {total - 1}." in page
    link = re.search(r'<a class="button" href="([^"]+)" hx-get="([^"]+)" hx-select="#comments"',
                     page)
    assert link and link.group(1) == "/programs/1?comments=all#comments"
    assert "5" in page[link.end():page.index("</a>", link.end())]
    everything = client.get(link.group(1)).get_data(as_text=True)  # without JavaScript
    assert everything.count('class="comment stance-') == total
    assert 'hx-select="#comments"' not in everything  # no link once all are shown
    swapped = client.get(link.group(2), headers=HX).get_data(as_text=True)  # htmx
    section = swapped[swapped.index('<section id="comments"'):]
    assert section.count('class="comment stance-') == total
    assert section.index("Pertanyaan nomor 0.") < section.index(f"Pertanyaan nomor {total - 1}.")


def test_stylesheets_load_no_fonts_and_no_images(app):
    """System fonts only; icons are the SVG sprite, so no stylesheet fetches anything."""
    folder = app.static_folder
    sheets = [name for name in os.listdir(folder) if name.endswith(".css")]
    assert sheets
    for name in sheets:
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            css = fh.read()
        assert not re.search(r"@font-face|@import|url\(", css), f"{name} fetches something"


# --- in Chromium -----------------------------------------------------------------------

def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Wire:
    """One browser context whose every request and its bytes on the wire are recorded."""

    def __init__(self, browser, base_url: str, javascript: bool = True, state=None):
        self.base_url = base_url
        # Anything not for the live server goes to a closed loopback port, and fails.
        self.context = browser.new_context(
            base_url=base_url, java_script_enabled=javascript, storage_state=state,
            proxy={"server": f"http://127.0.0.1:{closed_port()}", "bypass": "127.0.0.1"})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        self.requests = {}  # request id -> {"url", "type", "bytes" (None until done)}
        self.outside = []
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._done)
        self.cdp.on("Network.loadingFailed", lambda e: self._done(e, failed=True))

    def _sent(self, event):
        url = event["request"]["url"]
        if not (url.startswith(self.base_url + "/") or url.startswith("data:")):
            self.outside.append(url)
        if "redirectResponse" in event:  # the same id goes on: keep the redirect apart
            self.requests[event["requestId"] + "-redirect"] = {
                "url": event["redirectResponse"]["url"], "type": "Redirect",
                "bytes": event["redirectResponse"]["encodedDataLength"]}
        self.requests[event["requestId"]] = {"url": url, "type": event.get("type", "Other"),
                                             "bytes": None}

    def _done(self, event, failed=False):
        entry = self.requests.setdefault(event["requestId"], {"url": "?", "type": "?"})
        entry["bytes"] = 0 if failed else event["encodedDataLength"]
        entry["failed"] = failed

    def first_load(self, path: str) -> list:
        """Open ``path``; the requests made until the load event, once all have finished."""
        self.requests.clear()
        self.page.goto(path, wait_until="load")
        started = list(self.requests)
        deadline = time.monotonic() + 5
        while any(self.requests[r]["bytes"] is None for r in started):
            assert time.monotonic() < deadline, f"{path}: requests never finished"
            self.page.wait_for_timeout(50)
        return [self.requests[r] for r in started]

    def close(self):
        self.context.close()


def log_in(wire: Wire, username: str) -> None:
    wire.page.goto("/login")
    form = wire.page.locator("form:has([name=password])")
    form.locator("[name=username]").fill(username)
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("[type=submit]").click()
    wire.page.wait_for_url(lambda url: "/login" not in url)


def long_discussion(db, users, program_id: int) -> None:
    """Many varied comments (varied text compresses worse than a repeated one)."""
    words = ["air", "saluran", "dusun", "jalan", "biaya", "desa", "gotong", "royong", "warga", "musim", "hujan",
             "sawah", "sekolah", "anak", "petani", "kerja", "bakti", "dana", "semen", "pasir", "pipa", "sumur",
             "rusak", "baru", "tahun", "depan", "minggu", "rapat", "kepala", "RT", "RW", "setuju", "tanya",
             "kapan", "siapa", "berapa"]
    rng = random.Random(6)
    for i in range(LONG_DISCUSSION):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(8, 30))).capitalize()
        comment_commands.add_comment(db, users[f"warga{1 + i % 12}"], program_id,
                             ("support", "concern", "question")[i % 3], body + f" ({i})",
                             utcnow())
    db.commit()


def report(resources: list) -> str:
    return "\n".join(f"  {r['bytes']:>7} B  {r['type']:<10} {r['url']}"
                     + ("  (failed)" if r.get("failed") else "") for r in resources)


@pytest.mark.browser
def test_first_load_of_every_page_fits_the_budget(browser, live_server, db, users):
    ids = arrange_village(db, users)
    long_discussion(db, users, ids["voting"])
    states, problems, weights = {}, [], []
    for role, name, path in pages_for(ids):
        if role not in states:
            states[role] = None
            if PEOPLE[role]:
                wire = Wire(browser, live_server)
                log_in(wire, PEOPLE[role])
                states[role] = wire.context.storage_state()
                wire.close()
        where = f"{name} as {role} ({path})"
        wire = Wire(browser, live_server, state=states[role])  # a new context: empty cache
        resources = wire.first_load(path)
        if re.search(r"<(img|picture|video)\b", wire.page.content()):
            problems.append(f"{where}: an image in the markup (icons come from the sprite)")
        wire.close()
        total = sum(r["bytes"] for r in resources)
        weights.append((total, role, name, resources))
        if total > BUDGET:
            problems.append(f"{where}: {total} B on the wire, over {BUDGET} B:\n"
                            + report(resources))
        for r in resources:
            if r["type"] == "Font" or re.search(r"\.(woff2?|ttf|otf|eot)(\?|$)", r["url"]):
                problems.append(f"{where}: a web font was fetched: {r['url']}")
            elif (r["type"] == "Image" and "/static/icons.svg" not in r["url"]
                  and not r["url"].startswith("data:")):
                # data: URLs cross no wire: the one seen is Chromium's own calendar icon
                # in date fields. Our markup is checked above, our stylesheets apart.
                problems.append(f"{where}: an image other than the icon sprite: {r['url']}")
            elif r.get("failed") and not r["url"].startswith("data:"):
                problems.append(f"{where}: {r['url']} failed")
        problems += [f"{where}: request outside the live server: {u}" for u in wire.outside]
    heaviest = max(weights, key=lambda weight: weight[0])
    print(f"heaviest first load: {heaviest[2]} as {heaviest[1]}, {heaviest[0]} B of {BUDGET}")
    print(report(heaviest[3]))
    assert not problems, "\n".join(problems)


def vote_stored(db, program_id: int, user_id: int, choice: str) -> bool:
    found = db.exec(select(Vote).join(Ballot, Ballot.id == Vote.ballot_id).where(
        Ballot.program_id == program_id, Vote.user_id == user_id, Vote.choice == choice)).first()
    db.commit()  # end the read, so the next one sees the app's writes
    return found is not None


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_vote_lands_within_5_s_over_slow_3g(browser, live_server, db, users,
                                              javascript):
    program_id = arrange(db, users, "voting")
    db.commit()
    voter, choice = users["warga5"], "agree" if javascript else "disagree"
    wire = Wire(browser, live_server, javascript=javascript)
    try:
        # Logged in beforehand at full speed: the browser keeps the stylesheet, scripts and
        # icons (a year's max-age), as a returning resident's phone does.
        log_in(wire, voter.username)
        wire.cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": SLOW_3G_LATENCY_MS,
            "downloadThroughput": SLOW_3G_DOWN_BYTES_PER_S,
            "uploadThroughput": SLOW_3G_UP_BYTES_PER_S})
        page = wire.page
        button = page.locator(f'#ballot [data-choice="{choice}"]')
        start = time.monotonic()
        page.goto(f"/programs/{program_id}", wait_until="domcontentloaded")
        button.wait_for(state="visible")
        usable = time.monotonic() - start
        timing = page.evaluate("""() => { const n = performance.getEntriesByType("navigation")[0];
            return {response: n.responseEnd, dom: n.domContentLoadedEventEnd}; }""")
        button.scroll_into_view_if_needed()  # the thumb is over the button already
        start = time.monotonic()
        button.click()
        page.locator(f'#ballot [data-choice="{choice}"][aria-pressed="true"]').wait_for(
            state="visible")
        while not vote_stored(db, program_id, voter.id, choice):
            assert time.monotonic() - start < 2 * VOTE_WITHIN_S, "the vote was never stored"
            time.sleep(0.05)
        landed = time.monotonic() - start
    finally:
        wire.close()
    mode = "JavaScript on" if javascript else "JavaScript off"
    print(f"slow 3G ({SLOW_3G_LATENCY_MS} ms, {SLOW_3G_DOWN_BYTES_PER_S * 8 / 1000:.0f} kbit/s), "
          f"{mode}: page usable in {usable:.2f} s (document in {timing['response'] / 1000:.2f} s, "
          f"DOMContentLoaded {timing['dom'] / 1000:.2f} s); vote landed {landed:.2f} s "
          f"after the click")
    assert not wire.outside, f"requests outside the live server: {wire.outside}"
    assert usable <= USABLE_WITHIN_S, f"the program page took {usable:.2f} s to be usable"
    assert landed <= VOTE_WITHIN_S, f"the vote took {landed:.2f} s to land"
