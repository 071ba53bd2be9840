"""Reach in Chromium: every page, for every role, at 360 x 640 px.

Each page of ``catalogue.PAGES`` is opened as each role that uses it and checked for:
0 axe-core violations at WCAG 2.1 A and AA, nothing scrolling sideways, every target at
least 44 x 44 CSS px. Then the keyboard walk (every control reached by Tab in DOM order,
each with a visible focus ring, the skip link first), errors tied to their fields, states
told by word and icon, and axe again after an htmx swap.

SQLite only: what is checked is the markup and styles the pages render, which do not
depend on the database. One live server and one browser serve the whole module; each
role logs in once through the real login form and its cookies are reused by the other
contexts (the axe contexts bypass the CSP so the axe script can be injected; the keyboard
and form checks run under the real CSP).
"""
import contextlib
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlmodel import Session, select
from werkzeug.serving import make_server

from app import create_app
from tests import ROOT
from tests.arrange import draft_by
from tests.axe import axe_violations, report
from tests.catalogue import PEOPLE, arrange_village, pages_for
from tests.helpers import utcnow
from workflow.comments import commands as comment_commands
from workflow.core.db import ENGINE_KEY
from workflow.demo import PASSWORD
from workflow.models import User

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

ICONS = Path(ROOT, "static", "icons.svg").read_text(encoding="utf-8")
SYMBOLS = set(re.findall(r'<symbol id="([^"]+)"', ICONS))
PHONE = {"width": 360, "height": 640}
MIN_TARGET = 44
# Built without the database: the ids are those ``arrange_village`` returns on the demo.
PLACEHOLDER = {"draft": 0, "proposed": 0, "voting": 0, "discussion": 0, "approved": 0,
               "implementation": 0, "assessment": 0, "consultation": 0, "recommended": 0,
               "organizing": 0, "action": 0, "meeting_scheduled": 0, "meeting_open": 0,
               "meeting": 0}
CASES = [(role, name) for role, name, _ in pages_for(PLACEHOLDER)]
# Words a phone cannot fit on one line: they must wrap inside their box, not widen the page.
LONG_WORD = "Pemberdayaanmasyarakatdesasukamajuberkelanjutan" * 2
LONG_URL = ("https://sukamaju.desa.id/" + "dokumen/" * 6
            + "rencana-anggaran-biaya-perbaikan-saluran-air-dusun-krajan-2027.pdf")

OPEN_DETAILS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"

DESCRIBE = """(el) => {
  const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
  return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.name ? `[name=${el.name}]` : "") + (el.value && el.tagName === "BUTTON" ? `[value=${el.value}]` : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "")
    + ` "${text.slice(0, 40)}"`;
}"""

# Elements wider than the window, widest first: the ones to fix when the page scrolls sideways.
OVERFLOW = """() => {
  const describe = %s;
  const limit = window.innerWidth;
  const wide = [...document.querySelectorAll("body *")]
    .map(el => [el, el.getBoundingClientRect()]).filter(([el, r]) => r.right > limit + 0.5)
    .sort((a, b) => b[1].right - a[1].right).slice(0, 6)
    .map(([el, r]) => `${describe(el)} reaches ${Math.round(r.right)}px`);
  return {scroll: document.documentElement.scrollWidth, window: limit, wide};
}""" % DESCRIBE

# Every visible target smaller than 44 x 44 CSS px, each line box of it measured (a link
# broken over two lines is two small targets). A checkbox or radio counts through the
# label that wraps it. Elements placed off the page (the skip link until it is focused:
# the keyboard test measures it focused) are not targets.
SMALL_TARGETS = """(min) => {
  const describe = %s;
  const targets = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[role=button], [tabindex]';
  const small = [];
  for (const el of document.querySelectorAll(targets)) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const box = (el.type === "checkbox" || el.type === "radio") && el.closest("label") || el;
    const rects = [...box.getClientRects()];
    if (!rects.length || rects.every(r => r.right <= 0 || r.bottom <= 0)) continue;
    const tiny = rects.filter(r => r.width < min - 0.01 || r.height < min - 0.01);
    if (tiny.length) small.push(`${describe(el)}: ` + tiny.map(
      r => `${Math.round(r.width * 10) / 10}x${Math.round(r.height * 10) / 10}`).join(", "));
  }
  return small;
}""" % DESCRIBE


@pytest.fixture(scope="module")
def site(backend, tmp_path_factory):
    """The demo village arranged by ``catalogue``, served on a loopback port: (url, ids)."""
    kind, template = backend
    assert kind == "sqlite"
    path = tmp_path_factory.mktemp("reach") / "reach.sqlite3"
    shutil.copyfile(template, path)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}",
                      "SECRET_KEY": "test-secret", "TALLY_REFRESH_SECONDS": 1})
    with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as db:
        users = {u.username: u for u in db.exec(select(User))}
        ids = arrange_village(db, users)
        # The author's board and the voting page carry an unbreakable word and a long address.
        draft_by(db, users, PEOPLE["author"], title=LONG_WORD, problem=f"{LONG_WORD} {LONG_URL}")
        comment_commands.add_comment(db, users["warga7"], ids["voting"], "question",
                             f"{LONG_WORD}? {LONG_URL}", utcnow())
        db.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", ids
    server.shutdown()
    thread.join(timeout=10)
    app.extensions[ENGINE_KEY].dispose()


class People:
    """One logged-in cookie jar per role; pages made from it, with or without the CSP."""

    def __init__(self, browser, base_url):
        self.browser, self.base_url = browser, base_url
        self.states, self.pages, self.contexts = {}, {}, []

    def _guard(self, route):
        # Nothing may leave the live server.
        if route.request.url.startswith(self.base_url + "/"):
            route.continue_()
        else:
            route.abort()

    def _context(self, state=None, **options):
        context = self.browser.new_context(base_url=self.base_url, viewport=PHONE,
                                           storage_state=state, **options)
        context.set_default_timeout(10_000)
        context.route("**/*", self._guard)
        self.contexts.append(context)
        return context

    def state(self, role):
        """The role's cookies, from one login through the real form."""
        if role not in self.states:
            page = self._context().new_page()
            if PEOPLE[role]:
                log_in(page, PEOPLE[role], PASSWORD)
                page.wait_for_url(lambda url: "/login" not in url)
            self.states[role] = page.context.storage_state()
            page.close()
        return self.states[role]

    def page(self, role, scan=False, javascript=True):
        """A reused page for the role: ``scan`` bypasses the CSP so axe can be injected."""
        key = (role, scan, javascript)
        if key not in self.pages:
            self.pages[key] = self._context(self.state(role), bypass_csp=scan,
                                            java_script_enabled=javascript).new_page()
        return self.pages[key]

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="module")
def people(browser, site):
    crowd = People(browser, site[0])
    yield crowd
    crowd.close()


def log_in(page, username, password):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form:has(#password) [type=submit]")


def path_of(site, name):
    return next(path for _, page, path in pages_for(site[1]) if page == name)


# --- every page, every role ----------------------------------------------------------------

@pytest.mark.parametrize("role,name", CASES, ids=[f"{name}-{role}" for role, name in CASES])
def test_page_reaches_everyone(site, people, role, name):
    page = people.page(role, scan=True)
    page.goto(path_of(site, name))
    page.evaluate(OPEN_DETAILS)  # what folds away must pass too
    where = f"page {name} ({page.url}) as {role}"
    problems = []
    violations = axe_violations(page)
    if violations:
        problems.append(f"axe found {len(violations)} WCAG 2.1 AA violations:\n{report(violations)}")
    width = page.evaluate(OVERFLOW)
    if width["scroll"] > width["window"]:
        problems.append(f"scrolls sideways: {width['scroll']}px wide in a {width['window']}px "
                        "window; widest:\n    " + "\n    ".join(width["wide"]))
    small = page.evaluate(SMALL_TARGETS, MIN_TARGET)
    if small:
        problems.append("targets under 44x44 px:\n    " + "\n    ".join(small))
    assert not problems, f"{where}:\n" + "\n".join(problems)


PROGRAM_PAGES = [name for name in dict.fromkeys(n for _, n in CASES) if name.startswith("program-")]
PROGRAM_CASES = [("author" if name == "program-draft" else "resident", name) for name in PROGRAM_PAGES]


@pytest.mark.parametrize("role,name", PROGRAM_CASES, ids=[n for _, n in PROGRAM_CASES])
def test_state_told_by_word_and_icon(site, people, role, name):
    page = people.page(role)
    page.goto(path_of(site, name))
    badge = page.locator("[data-state]")
    expect(badge).to_have_count(1)
    assert badge.inner_text().strip(), f"{name}: the state badge has no words"
    assert_icon(badge, f"{name}: the state badge")


def assert_icon(locator, what):
    hrefs = locator.locator("svg use").evaluate_all("uses => uses.map(u => u.getAttribute('href'))")
    assert hrefs, f"{what} has no icon"
    for href in hrefs:
        sprite = re.fullmatch(r"/static/icons\.svg(\?[^#]*)?#([\w-]+)", href)
        assert sprite and sprite.group(2) in SYMBOLS, f"{what}: no such icon {href}"


def test_vote_choices_and_tally_told_by_word_and_icon(site, people):
    page = people.page("resident")
    page.goto(path_of(site, "program-voting"))
    items = page.locator("[data-choice], [data-count]")
    assert items.count() >= 6  # four choices to press, four counts
    for i in range(items.count()):
        item = items.nth(i)
        what = item.evaluate(DESCRIBE)
        assert item.inner_text().strip(), f"{what} has no words"
        assert_icon(item, what)


# --- keyboard ------------------------------------------------------------------------------

FOCUS_ORDER = """() => {
  const describe = %s;
  const all = 'a[href], button, input, select, textarea, summary, [tabindex], [contenteditable]';
  const groups = new Set(), order = [];
  for (const el of document.querySelectorAll(all)) {
    if (el.disabled || el.type === "hidden" || el.tabIndex < 0) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    if (el.type === "radio" && el.name) {  // a radio group is one stop: its checked radio
      const group = [...(el.form || document).querySelectorAll(`input[type=radio][name="${el.name}"]`)];
      const stop = group.find(r => r.checked) || group[0];
      if (groups.has(stop)) continue;
      if (el !== stop && group.some(r => r.checked)) continue;
      groups.add(stop);
    }
    order.push(el);
  }
  const look = el => { const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(" | "); };
  window.__reachOrder = order;
  window.__reachLooks = order.map(look);
  return order.map(describe);
}""" % DESCRIBE

FOCUSED = """(i) => {
  const describe = %s;
  const el = document.activeElement, s = getComputedStyle(el);
  const r = ((el.type === "checkbox" || el.type === "radio") && el.closest("label") || el).getBoundingClientRect();
  const look = [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(" | ");
  const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2
                && s.outlineColor !== "rgba(0, 0, 0, 0)") || s.boxShadow !== "none";
  return {what: describe(el), changed: look !== window.__reachLooks[i], ring, look,
          onScreen: r.right > 0 && r.bottom > 0 && r.left < innerWidth, w: r.width, h: r.height};
}""" % DESCRIBE

KEYBOARD_CASES = [("anonymous", "login"), ("facilitator", "program-voting"),
                  ("resident", "program-voting")]


@pytest.mark.parametrize("role,name", KEYBOARD_CASES, ids=[f"{n}-{r}" for r, n in KEYBOARD_CASES])
def test_keyboard_reaches_every_control_in_order(site, people, role, name):
    page = people.page(role)
    page.goto(path_of(site, name))
    expected = page.evaluate(FOCUS_ORDER)
    assert expected[0].startswith("a.skip"), f"the first stop is not the skip link: {expected[0]}"
    reached = []
    for i in range(len(expected)):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUSED, i)
        reached.append(focus["what"])
        assert focus["what"] == expected[i], (
            f"{name} as {role}: Tab {i + 1} reached {focus['what']}, expected {expected[i]}\n"
            f"reached so far: {reached}\nexpected order: {expected}")
        assert focus["ring"] and focus["changed"], (
            f"{name} as {role}: no visible focus indicator on {focus['what']} ({focus['look']})")
        assert focus["onScreen"] and focus["w"] >= MIN_TARGET and focus["h"] >= MIN_TARGET, (
            f"{name} as {role}: focused {focus['what']} is off screen or small: {focus}")


def test_skip_link_moves_focus_to_main(site, people):
    page = people.page("resident")
    page.goto(path_of(site, "program-voting"))
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('a.skip')")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)"), \
        "after the skip link, Tab does not continue inside the main content"


def test_tally_refresh_keeps_the_keyboard_focus(site, people):
    # The count refreshes itself every second here; a focused link in it must stay focused.
    page = people.page("resident")
    page.goto(path_of(site, "program-voting"))
    page.focus("#tally-refresh")
    with page.expect_response(lambda r: "/tally" in r.url):
        pass
    page.wait_for_timeout(100)  # let htmx settle the swapped count
    assert page.evaluate("() => document.activeElement.id") == "tally-refresh", (
        "the refresh of the count threw the keyboard focus away")


# --- errors tied to their fields -------------------------------------------------------------

TIED = """(messages) => {
  const describe = %s;
  const problems = [];
  const errors = [...document.querySelectorAll(messages)].filter(e => e.checkVisibility());
  for (const error of errors) {
    if (!error.id) { problems.push(`error without an id: ${error.outerHTML}`); continue; }
    const fields = [...document.querySelectorAll("[aria-describedby]")].filter(
      f => f.getAttribute("aria-describedby").split(/\\s+/).includes(error.id));
    if (!fields.length) problems.push(`no field is described by #${error.id}`);
    for (const f of fields) if (f.getAttribute("aria-invalid") !== "true")
      problems.push(`${describe(f)} is described by #${error.id} but not aria-invalid`);
  }
  for (const f of document.querySelectorAll("[aria-invalid=true]")) {
    const ids = (f.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
    if (!ids.some(id => document.getElementById(id)))
      problems.push(`${describe(f)} is invalid but describes no message`);
  }
  const focus = document.activeElement;
  const summary = focus.closest("[role=alert]") || focus.querySelector("[role=alert]") ? focus : null;
  const invalid = [...document.querySelectorAll("[aria-invalid=true]")].map(f => f.id);
  const listed = summary ? [...summary.querySelectorAll("a[href^='#']")].map(a => a.hash.slice(1)) : [];
  return {problems, errors: errors.length, focus: describe(focus), summary: !!summary,
          focusIsField: focus.getAttribute("aria-invalid") === "true", invalid, listed};
}""" % DESCRIBE


def assert_errors_tied(page, what, messages):
    """Each message (``messages``: a selector) describes its invalid fields, and focus leads to them."""
    # The browser moves focus to an autofocus field at a rendering step after the page is
    # shown, later on a busy machine: wait for focus to leave the body, then judge where it is.
    with contextlib.suppress(PlaywrightTimeout):  # if not, the assertion says where it stayed
        page.wait_for_function("() => document.activeElement !== document.body", timeout=5_000)
    found = page.evaluate(TIED, messages)
    assert found["errors"] and found["invalid"], f"{what}: no error is shown"
    assert not found["problems"], f"{what}:\n  " + "\n  ".join(found["problems"])
    assert found["summary"] or found["focusIsField"], (
        f"{what}: focus is on {found['focus']}, neither an error summary nor an invalid field")
    if found["summary"] and found["errors"] > 1:
        assert set(found["listed"]) >= set(found["invalid"]), (
            f"{what}: the error summary links {found['listed']}, not every invalid field "
            f"{found['invalid']}")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_new_program_errors_are_tied_to_fields(site, people, javascript):
    page = people.page("resident", javascript=javascript)
    page.goto(path_of(site, "new-program"))
    page.fill("#beneficiaries_count", "banyak")  # invalid, beside the empty required fields
    page.click("#program-form [type=submit]")
    expect(page.locator("#title-error")).to_be_visible()
    assert_errors_tied(page, f"the empty proposal form ({'with' if javascript else 'without'} JS)",
                       ".field-error")


def test_login_error_is_tied_to_fields(site, people):
    page = people.page("anonymous")
    log_in(page, PEOPLE["resident"], "not-the-password")
    expect(page.locator("#login-error")).to_be_visible()
    assert_errors_tied(page, "the login form with a wrong password", "#login-error")


# A browser that does not check required fields (some cheap phones' do not) sends them empty.
NO_BROWSER_CHECKS = "() => document.querySelectorAll('form').forEach(f => { f.noValidate = true; })"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_objection_without_reason_is_tied_to_its_field(site, people, javascript):
    page = people.page("resident", javascript=javascript)
    page.goto(path_of(site, "program-voting"))
    if javascript:
        page.evaluate(NO_BROWSER_CHECKS)
    else:  # the page's own scripts are off; remove the check from the markup instead
        page.locator("#block-reason").evaluate("el => el.removeAttribute('required')")
    page.click('[data-choice="block"]')
    expect(page.locator("#choice-error")).to_be_visible()
    assert_errors_tied(page, "an objection without a reason", ".field-error")


STEP_ERRORS = [("program-consultation", "[data-transition=recommend]", "#recommend-reason-error"),
               ("program-assessment", "form:has(#finding-new-indicator) [type=submit]",
                "#finding-new-indicator-error")]


@pytest.mark.parametrize("name,press,message", STEP_ERRORS, ids=["step-reason", "new-finding"])
def test_step_and_finding_errors_are_tied_to_fields(site, people, name, press, message):
    page = people.page("facilitator")
    page.goto(path_of(site, name))
    page.evaluate(NO_BROWSER_CHECKS)
    page.click(press)  # with every field empty
    expect(page.locator(message)).to_be_visible()
    assert_errors_tied(page, f"the empty form on {name}", ".field-error")


ACCOUNT_ERRORS = [("password", "#pw-current", "form:has(#pw-current) [type=submit]"),
                  ("account", "#delete-password", "[data-action=delete-account]")]


@pytest.mark.parametrize("name,field,press", ACCOUNT_ERRORS, ids=["change-password", "delete"])
def test_account_errors_are_tied_to_fields(site, people, name, field, press):
    page = people.page("resident")
    page.goto(path_of(site, name))
    page.fill(field, "not-the-password")  # refused: nothing changes
    page.click(press)
    expect(page.locator(".field-error").first).to_be_visible()
    assert_errors_tied(page, f"the {name} form with a wrong password", ".field-error")


def test_empty_comment_error_is_tied_to_its_field(site, people):
    page = people.page("resident")
    page.goto(path_of(site, "program-voting"))
    page.evaluate(NO_BROWSER_CHECKS)
    page.click("form:has(#comment-body) [type=submit]")
    expect(page.locator("#body-error")).to_be_visible()
    assert_errors_tied(page, "an empty comment", ".field-error")


def test_room_vote_errors_are_tied_to_fields(site, people):
    page = people.page("facilitator")
    page.goto(path_of(site, "program-voting"))
    page.locator("details.room summary").click()
    page.locator("details.room [value=block]").click()  # an objection without a reason
    expect(page.locator("#room-choice-error")).to_be_visible()
    assert_errors_tied(page, "a room vote objection without a reason", ".field-error")


# --- the history on a phone ---------------------------------------------------------------

# Each event row's cells: where they end, and the column name said before each.
EVENT_CELLS = """() => [...document.querySelectorAll("[data-event]")].map(row => [...row.cells].map(td => {
  const r = td.getBoundingClientRect();
  return {left: r.left, right: r.right, width: r.width,
          label: getComputedStyle(td, "::before").content, text: td.innerText.trim()};
}))"""


def test_history_is_a_list_of_whole_events_on_a_phone(site, people):
    """At 360 px each event is one block whose every cell shows within the screen, each
    led by its column's name: nothing hides off to the side of a scrolling table."""
    page = people.page("resident")
    page.goto(path_of(site, "history"))
    events = page.evaluate(EVENT_CELLS)
    width = page.evaluate("() => window.innerWidth")
    assert events, "no event on the history page"
    for cells in events:
        assert len(cells) == 5
        for cell in cells:
            assert cell["width"] > 0 and cell["left"] >= 0 and cell["right"] <= width + 0.5, cell
            if cell["text"]:
                assert cell["label"] not in ("none", "normal", ""), cell
    assert page.evaluate(OVERFLOW)["scroll"] <= width


# --- htmx-swapped content --------------------------------------------------------------------

def test_swapped_ballot_passes_axe(site, people):
    # Runs last: the vote changes the tally the pages above show.
    page = people.page("resident", scan=True)
    page.goto(path_of(site, "program-voting"))
    page.evaluate("() => { window.__reachMark = 'kept'; }")
    page.click('[data-choice="agree"]')
    expect(page.locator('[data-choice="agree"]')).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => window.__reachMark") == "kept", "the vote reloaded the page"
    page.evaluate(OPEN_DETAILS)
    violations = axe_violations(page)
    assert not violations, f"after the vote swap on {page.url}, axe found:\n{report(violations)}"
