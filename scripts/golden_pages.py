"""A golden copy of the service's HTML: every catalogue page for every role that opens it,
plus the htmx fragments and the form pages sent back with their messages.

    .venv/bin/python scripts/golden_pages.py OUT_DIR [--keep-db FILE]

A temporary SQLite database gets the demo village, brought by tests/catalogue.py's
``arrange_village`` to a state where every page has something on it; the Flask test
client renders each page in Indonesian into OUT_DIR/<role>-<name>.html. What changes
from run to run is normalised: CSRF tokens, submission keys, session ids, times and
dates. Two runs of the same code give identical folders, so a diff between a run before a
change and one after it shows exactly what the change did to the markup.

``--keep-db FILE`` keeps a copy of the database afterwards (it has events of every kind:
``flask --app app verify-audit`` must pass on it with any later version of the code).
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from jinja2 import StrictUndefined  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app import create_app  # noqa: E402
from workflow import demo  # noqa: E402
from workflow.core import migrate  # noqa: E402

try:  # the feature-package layout
    from tests.catalogue import PEOPLE, arrange_village, pages_for
    from tests.helpers import HX, VALID_PROGRAM, login_as, send
    from workflow.core.db import ENGINE_KEY, make_engine
    from workflow.models import User
except ImportError:  # the flat layout before it
    from catalogue import PEOPLE, arrange_village, pages_for
    from helpers import HX, VALID_PROGRAM, login_as, send

    from workflow.core.db import ENGINE_KEY, make_engine
    from workflow.models import User

STATUS = {"forbidden": 403, "not-found": 404}

# What differs between two runs of the same code, and what stands for it.
NORMALISE = [
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]*'), r"\1CSRF"),
    (re.compile(r'(name="submission_key"[^>]*value=")[^"]*'), r"\1KEY"),
    (re.compile(r'("X-CSRFToken": *")[^"]*'), r"\1CSRF"),
    (re.compile(r'(<meta name="csrf-token" content=")[^"]*'), r"\1CSRF"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?"),
     "DATETIME"),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "DATE"),
    (re.compile(r"\b\d{1,2}[:.]\d{2}\b"), "HH:MM"),
    (re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|Mei|May|Jun|Jul|Agu|Aug|Sep|Okt|Oct|Nov|Des|Dec)"
                r"[a-z]* \d{4}\b"), "DAY MONTH YEAR"),
]


def normalise(body: str) -> str:
    for pattern, replacement in NORMALISE:
        body = pattern.sub(replacement, body)
    return body


class Pages:
    """Renders pages and fragments into files, checking each status."""

    def __init__(self, client, users, folder):
        self.client, self.users, self.folder = client, users, folder
        self.files = []
        self.role = self.token = None

    def as_role(self, role: str):
        if role != self.role:
            username = PEOPLE[role]
            self.token = login_as(self.client, username and self.users[username], lang="id")
            self.role = role
        return self

    def save(self, name: str, response, status: int) -> None:
        assert response.status_code == status, (self.role, name, response.status_code)
        path = os.path.join(self.folder, f"{self.role}-{name}.html")
        with open(path, "w", encoding="utf-8") as out:
            out.write(f"{response.status_code} {response.headers.get('Content-Type')}\n")
            for header in ("Location", "HX-Redirect", "HX-Retarget", "HX-Reswap"):
                if header in response.headers:
                    out.write(f"{header}: {normalise(response.headers[header])}\n")
            out.write(normalise(response.get_data(as_text=True)))
        self.files.append(path)

    def get(self, name, path, status=200, htmx=False):
        self.save(name, self.client.get(path, headers=HX if htmx else {}), status)

    def post(self, name, path, data, status, htmx=False):
        self.save(name, send(self.client, path, self.token, data, htmx=htmx), status)


def render_everything(client, users, ids, folder) -> list:
    """Every catalogue page for each of its roles, and the fragments htmx swaps in."""
    pages = Pages(client, users, folder)
    for role, name, path in pages_for(ids):
        pages.as_role(role).get(name, path, STATUS.get(name, 200))
    voting = f"/programs/{ids['voting']}"
    pages.as_role("anonymous").post("login-refused", "/login",
                                    {"username": "warga5", "password": "salah"}, 401)
    resident = pages.as_role("resident")
    for htmx in (False, True):
        kind = "fragment" if htmx else "page"
        resident.post(f"new-program-errors-{kind}", "/rounds/1/programs/new",
                      {"title": "", "estimated_cost": "banyak"}, 422, htmx)
        resident.post(f"comment-errors-{kind}", f"{voting}/comments",
                      {"stance": "concern", "body": ""}, 422, htmx)
        resident.post(f"vote-errors-{kind}", f"{voting}/votes",
                      {"choice": "block", "reason": ""}, 422, htmx)
    resident.get("tally", f"{voting}/tally", htmx=True)
    resident.get("tally-page", f"{voting}/tally", 302)
    resident.get("program-fragment", voting, htmx=True)
    resident.post("ballot", f"{voting}/votes", {"choice": "agree"}, 200, htmx=True)
    resident.post("comments", f"{voting}/comments",
                  {"stance": "support", "body": "Setuju, segera dikerjakan."}, 200, htmx=True)
    resident.post("comment-page", f"{voting}/comments",
                  {"stance": "question", "body": "Kapan mulai?"}, 302)
    resident.post("refused-fragment", f"{voting}/transitions/close_voting", {}, 403, htmx=True)
    resident.post("refused-page", f"{voting}/transitions/close_voting", {}, 403)
    resident.post("support-fragment", f"/programs/{ids['organizing']}/supporters", {}, 200,
                  htmx=True)
    facilitator = pages.as_role("facilitator")
    facilitator.post("finding-fragment", f"/programs/{ids['assessment']}/findings",
                     {"indicator": "Rumah tanpa jamban", "value": "12", "unit": "rumah",
                      "source": "Survei RT"}, 200, htmx=True)
    facilitator.post("finding-errors-fragment", f"/programs/{ids['assessment']}/findings",
                     {"indicator": "", "value": "x"}, 422, htmx=True)
    author, edit = pages.as_role("author"), f"/programs/{ids['draft']}/edit"
    for htmx in (False, True):
        kind = "fragment" if htmx else "page"
        author.post(f"edit-errors-{kind}", edit, {"title": "", "version": "1"}, 422, htmx)
        author.post(f"edit-stale-{kind}", edit, {**VALID_PROGRAM, "version": "0"}, 409, htmx)
    author.post("steps", f"/programs/{ids['draft']}/transitions/submit", {}, 200, htmx=True)
    return pages.files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder for the pages (made if missing; emptied first)")
    parser.add_argument("--keep-db", help="keep a copy of the database in this file")
    args = parser.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "golden.sqlite3")
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "golden",
                          "TALLY_REFRESH_SECONDS": 1})
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session, app.app_context():
            demo.load(session)
        engine.dispose()
        app.jinja_env.undefined = StrictUndefined  # a name no view gave fails the copy
        with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as db:
            users = {u.username: u for u in db.exec(select(User))}
            db.commit()
            ids = arrange_village(db, users)
        files = render_everything(app.test_client(), users, ids, args.out)
        app.extensions[ENGINE_KEY].dispose()
        if args.keep_db:
            shutil.copyfile(path, args.keep_db)
    print(f"{len(files)} pages and fragments in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
