"""Screenshots of the key pages at 360 x 640, in Indonesian, for the README.

    .venv/bin/python scripts/screenshots.py        (or: make screenshots)

A temporary SQLite database gets the demo village, brought by tests/catalogue.py's
``arrange_village`` to a state where every page has something on it; the app serves it on
a free port of 127.0.0.1 in this process, and Debian's Chromium (through Playwright) logs
in through the real login form as a resident and as the facilitator, then saves a PNG per
page into docs/screenshots/. Any request that would leave the server is aborted.
"""
import logging
import os
import sys
import tempfile
import threading

from playwright.sync_api import sync_playwright
from sqlmodel import Session, select
from werkzeug.serving import make_server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from catalogue import PEOPLE, arrange_village  # noqa: E402
from test_browser import CHROMIUM, CHROMIUM_ARGS, PHONE  # noqa: E402

from app import create_app  # noqa: E402
from workflow import demo  # noqa: E402
from workflow.core import migrate  # noqa: E402
from workflow.core.db import ENGINE_KEY  # noqa: E402
from workflow.models import User  # noqa: E402

OUT = os.path.join(ROOT, "docs", "screenshots")
MAX_HEIGHT = 2 * PHONE["height"]  # two screens at most: the PNGs stay small


def shots(ids: dict) -> list:
    """(file name, role, path, element to start from or None) for each screenshot."""
    voting = f"/programs/{ids['voting']}"
    return [("login", "anonymous", "/login", None),
            ("home", "resident", "/", None),
            ("round", "resident", "/rounds/1", None),
            ("program-ballot", "resident", voting, "#ballot"),
            ("program-facilitator", "facilitator", voting, "#steps"),
            ("new-program", "resident", "/rounds/1/programs/new", None)]


def village(folder: str):
    """The app on a seeded, arranged SQLite database in ``folder``; returns (app, ids)."""
    url = f"sqlite:///{os.path.join(folder, 'screenshots.sqlite3')}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": os.urandom(32).hex()})
    with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as db, app.app_context():
        demo.load(db)
        ids = arrange_village(db, {u.username: u for u in db.exec(select(User))})
    return app, ids


def log_in(context, username: str) -> None:
    page = context.new_page()
    page.goto("/login")
    form = page.locator("form:has([name=password])")
    form.locator("[name=username]").fill(username)
    form.locator("[name=password]").fill(demo.PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.close()


def take(browser, base: str, ids: dict) -> list:
    contexts, saved, outside = {}, [], []

    def guard(route):
        if route.request.url.startswith(base + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    for name, role, path, anchor in shots(ids):
        if role not in contexts:
            context = browser.new_context(base_url=base, viewport=PHONE, device_scale_factor=1,
                                          locale="id-ID")
            context.route("**/*", guard)
            if PEOPLE[role]:
                log_in(context, PEOPLE[role])
            contexts[role] = context
        page = contexts[role].new_page()
        page.goto(path)
        top = max(0, page.locator(anchor).bounding_box()["y"] - 8) if anchor else 0
        height = page.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": top, "width": PHONE["width"],
                "height": min(MAX_HEIGHT, height - top)}
        target = os.path.join(OUT, f"{name}.png")
        # caret="initial": hiding the caret would put style="" on text fields (CSP).
        page.screenshot(path=target, full_page=True, clip=clip, caret="initial")
        page.close()
        saved.append((target, os.path.getsize(target)))
    for context in contexts.values():
        context.close()
    if outside:
        raise SystemExit(f"requests outside the server were aborted: {outside}")
    return saved


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    with tempfile.TemporaryDirectory() as folder:
        app, ids = village(folder)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS, headless=True)
                saved = take(browser, f"http://127.0.0.1:{server.server_port}", ids)
                browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)
            app.extensions[ENGINE_KEY].dispose()
    for path, size in saved:
        print(f"{os.path.relpath(path, ROOT)}: {size // 1024} KB")


if __name__ == "__main__":
    main()
