"""The Nu HTML checker (npm vnu-jar, run with Java) finds no error on any page.

Every page of ``catalogue.PAGES`` is rendered for every role that opens it, with the Flask
test client, in Indonesian (the default language); so are the pages and htmx fragments that
only appear after an action: a form sent back with its error messages, the refreshed ballot,
comments and steps, a refusal, the polled tally. Fragments are wrapped in a minimal document,
since htmx swaps them into one. All files go to the checker in one run (one JVM: it is slow
to start). The only errors forgiven are the ``hx-*`` attributes, which the checker does not
know; any other error fails with its file, line and message.

SQLite only: the markup does not depend on the database, and the checker costs seconds.
"""
import io
import json
import os
import re
import shutil
import subprocess

import pytest

from tests import ROOT
from tests.catalogue import PEOPLE, arrange_village, pages_for
from tests.helpers import HX, VALID_PROGRAM, login_as, send

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

VNU = os.path.join(ROOT, "node_modules", "vnu-jar", "build", "dist", "vnu.jar")
# The checker's message for an attribute it does not know, e.g.
# Attribute “hx-post” not allowed on element “form” at this point.
HX_ATTRIBUTE = re.compile(r"Attribute “hx-[a-z:-]+” not allowed on element “[a-z0-9]+” "
                          r"at this point\.")
WRAPPER = ('<!doctype html><html lang="id"><head><meta charset="utf-8">'
           "<title>fragment</title></head><body>\n{}\n</body></html>\n")


def run_checker(files: list) -> list:
    """The checker's messages (errors only) for ``files``, as dicts."""
    java = shutil.which("java")
    assert java, "Java is missing: run scripts/install-system-packages"
    assert os.path.exists(VNU), "vnu-jar is missing: run npm ci"
    result = subprocess.run([java, "-jar", VNU, "--format", "json", "--errors-only",
                             *map(str, files)], capture_output=True, text=True, timeout=300)
    # The report goes to stderr; the exit status is 1 whenever there is any error at all.
    return json.loads(result.stderr)["messages"]


class Pages:
    """Renders pages and fragments into files for the checker, checking each status."""

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

    def save(self, name: str, response, status: int, fragment: bool = False) -> None:
        assert response.status_code == status, (name, response.status_code)
        body = response.get_data(as_text=True)
        if fragment:
            assert "<html" not in body, f"{name}: expected a fragment, got a page"
            body = WRAPPER.format(body)
        path = self.folder / f"{self.role}-{name}.html"
        path.write_text(body, encoding="utf-8")
        self.files.append(path)

    def get(self, name, path, status=200, htmx=False):
        self.save(name, self.client.get(path, headers=HX if htmx else {}), status, htmx)

    def post(self, name, path, data, status, htmx=False):
        self.save(name, send(self.client, path, self.token, data, htmx=htmx), status, htmx)


STATUS = {"forbidden": 403, "not-found": 404}


def render_everything(client, users, ids, folder) -> list:
    pages = Pages(client, users, folder)
    for role, name, path in pages_for(ids):
        pages.as_role(role).get(name, path, STATUS.get(name, 200))
    voting = f"/programs/{ids['voting']}"
    # The login form, refused (one real password check).
    pages.as_role("anonymous").post("login-refused", "/login",
                                    {"username": "warga5", "password": "salah"}, 401)
    # Forms sent back with their messages, as a plain page (no JavaScript) and as a fragment.
    resident = pages.as_role("resident")
    for htmx in (False, True):
        kind = "fragment" if htmx else "page"
        resident.post(f"new-program-errors-{kind}", "/rounds/1/programs/new",
                      {"title": "", "estimated_cost": "banyak"}, 422, htmx)
        resident.post(f"comment-errors-{kind}", f"{voting}/comments",
                      {"stance": "concern", "body": ""}, 422, htmx)
        resident.post(f"vote-errors-{kind}", f"{voting}/votes",
                      {"choice": "block", "reason": ""}, 422, htmx)
    # What htmx swaps in after an action, and the refusal of a step not one's own.
    resident.get("tally", f"{voting}/tally", htmx=True)
    resident.post("ballot", f"{voting}/votes", {"choice": "agree"}, 200, htmx=True)
    resident.post("comments", f"{voting}/comments",
                  {"stance": "support", "body": "Setuju, segera dikerjakan."}, 200, htmx=True)
    resident.post("refused-fragment", f"{voting}/transitions/close_voting", {}, 403, htmx=True)
    resident.post("refused-page", f"{voting}/transitions/close_voting", {}, 403)
    # A draft's form sent back: with messages (422), and over a newer version (409).
    author, edit = pages.as_role("author"), f"/programs/{ids['draft']}/edit"
    for htmx in (False, True):
        kind = "fragment" if htmx else "page"
        author.post(f"edit-errors-{kind}", edit, {"title": "", "version": "1"}, 422, htmx)
        author.post(f"edit-stale-{kind}", edit, {**VALID_PROGRAM, "version": "0"}, 409, htmx)
    pages.as_role("author").post("steps", f"/programs/{ids['draft']}/transitions/submit", {},
                                 200, htmx=True)
    # The people import: a preview ready to confirm, one with a row's problems, a bad file.
    admin, people_csv = pages.as_role("admin"), "name,username,role,dusun,gender,tags\n"
    for name, rows, status in (("import-preview", "Ibu Sri Wahyuni,,resident,,f,women\n", 200),
                               ("import-problems", "=1,,kepala,Entah,x,aliens\n", 200),
                               ("import-refused", None, 422)):
        data = (people_csv + rows).encode() if rows else b"\x89PNG\r\n\x1a\n\x00"
        admin.post(name, "/communities/1/people/import",
                   {"file": (io.BytesIO(data), "people.csv")}, status)
    return pages.files


def test_every_page_is_valid_html(app, client, db, users, tmp_path):
    ids = arrange_village(db, users)
    files = render_everything(client, users, ids, tmp_path)
    messages = run_checker(files)
    errors = [m for m in messages if not (m.get("type") == "error"
                                          and HX_ATTRIBUTE.fullmatch(m.get("message", "")))]
    forgiven = len(messages) - len(errors)
    assert forgiven > 0, "no hx-* attribute reported: is the checker reading the files?"
    report = "\n".join(
        f"{os.path.basename(m.get('url', '?'))}:{m.get('lastLine', '?')}: {m.get('message')}"
        f"\n    {m.get('extract', '').strip()}" for m in errors)
    assert not errors, f"{len(errors)} HTML errors in {len(files)} files:\n{report}"
