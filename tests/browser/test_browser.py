"""End to end in Debian's Chromium (Playwright, sync API), against the live server.

The main test walks one locality-development program through its whole life, the way
the people of Desa Sukamaju would: a resident proposes and submits it, the facilitator
opens the discussion and the consent vote, one objection (keberatan) sends it back to
discussion, a majority vote agrees it, the village head approves it and the facilitator
starts carrying it out. Each person has their own browser context (their own cookies),
so every step goes through the real login, the real pages and htmx.

Every person's screen is a cheap phone's, 360 x 640. The main test runs twice: with
htmx, and with JavaScript switched off, where every htmx form is a plain form with a real
action and a person reloads to see what others did. A shorter test checks, without
JavaScript, that a vote can be changed until the ballot closes.

Only the public contract of DESIGN.md is relied on for what is clicked and
checked (``data-action``, ``data-template``, ``data-transition``, ``data-choice``,
``data-tally``, ``data-state``, ``#history li[data-event]``, field names), so the wording
and layout stay free to change.
"""
import os
import re
import tempfile

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.axe import axe_violations, report
from workflow.demo import PASSWORD
from workflow.engine.processes import CONFIRM_FIRST

# On SQLite only: these walk the pages a person sees, which do not depend on the database;
# every command under them runs on PostgreSQL too in the command, page, participation,
# concurrency, crash and fuzz tests. (Both halves of the suite fit CI's time this way.)
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

CHROMIUM = "/usr/bin/chromium"
# The resolver rule keeps Chromium's own background lookups (account and update hosts) off
# the network: every name but 127.0.0.1 fails at once, so nothing leaves the machine.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
TIMEOUT_MS = 10_000
PHONE = {"width": 360, "height": 640}
PROGRAM_URL = re.compile(r"/programs/(\d+)$")
FULL_FLOW = ["submit", "open_discussion", "open_voting", "close_voting",
             "open_majority_vote", "close_voting", "approve", "start_implementation"]
VOTERS = [f"warga{i}" for i in range(1, 11)]
BLOCK_REASON = "Biaya terlalu mahal untuk satu dusun; mohon dibagi dua tahap."
COMMENT = "Saya mendukung, tapi tolong jelaskan siapa yang merawat saluran nanti."

# Name the element and the script behind any Content-Security-Policy violation.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  const el = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 160) : String(e.target);
  console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}; sample "${e.sample}"; element ${el}`);
});
"""

expect.set_options(timeout=TIMEOUT_MS)
CURRENT_STEP = ["start"]  # what the test is doing, named in every problem reported


def doing(page, what: str) -> None:
    CURRENT_STEP[0] = f"{what} (page {page.url})"


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module; every person gets their own context."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


class Village:
    """The people of one test, each logged in once in their own browser context.

    Everything the browser reports that a user would not see is gathered in
    ``problems``: console errors (a CSP violation shows up there), uncaught page
    errors, server errors (5xx) and any request that would leave the live server.
    """

    def __init__(self, browser, base_url: str, javascript: bool = True):
        self.browser, self.base_url, self.javascript = browser, base_url, javascript
        self.pages = {}
        self.twins = {}  # username -> a page of the same session that bypasses the CSP, for axe
        self.contexts = []
        self.problems = []

    @property
    def step(self) -> str:
        return CURRENT_STEP[0]

    def _guard(self, route):
        if route.request.url.startswith(self.base_url + "/"):
            route.continue_()
        else:
            self.problems.append(f"request outside the live server: {route.request.url}")
            route.abort()

    def _watch(self, who: str, page) -> None:
        def console(message):
            if message.type == "error":
                self.problems.append(f"{who} [{self.step}]: console error at {page.url}: "
                                     f"{message.text}")

        def response(resp):
            if resp.status >= 500:
                self.problems.append(f"{who} [{self.step}]: HTTP {resp.status} from "
                                     f"{resp.request.method} {resp.url}")

        page.on("console", console)
        page.on("pageerror", lambda error: self.problems.append(
            f"{who} [{self.step}]: page error: {error}"))
        page.on("response", response)

    def person(self, username: str):
        """This person's page, logged in through the login form on first use."""
        if username not in self.pages:
            # A cheap phone's screen: every flow runs at 360 x 640.
            context = self.browser.new_context(base_url=self.base_url,
                                               java_script_enabled=self.javascript,
                                               viewport=PHONE)
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", self._guard)
            context.add_init_script(CSP_WATCH)
            self.contexts.append(context)
            page = context.new_page()
            self._watch(username, page)
            login(page, username)
            self.pages[username] = page
        return self.pages[username]

    def audit(self, username: str) -> None:
        """axe on the page this person is on, reloaded in a twin context of the same session.

        The twin bypasses the CSP so that axe can be injected, and runs JavaScript (axe is a
        script) even when the flow does not: the server sends the same page either way. The
        flow itself stays under the real CSP. Violations are gathered in ``problems`` with
        the step they were seen at.
        """
        page = self.pages[username]
        if username not in self.twins:
            context = self.browser.new_context(
                base_url=self.base_url, viewport=PHONE,
                bypass_csp=True, storage_state=page.context.storage_state())
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", self._guard)
            self.contexts.append(context)
            self.twins[username] = context.new_page()
        twin = self.twins[username]
        twin.goto(page.url)
        violations = axe_violations(twin)
        if violations:
            self.problems.append(f"{username} [{self.step}]: axe at {page.url}:\n"
                                 f"{report(violations)}")

    def close(self, failed_test: str = "") -> None:
        """Close every context; after a failure, first photograph every open page."""
        if failed_test:
            for username, page in self.pages.items():
                if page.url.startswith(self.base_url):
                    path = os.path.join(tempfile.gettempdir(),
                                        f"musyawarah-{failed_test}-{username}.png")
                    screenshot(page, path)
                    print(f"{username} was on {page.url}: screenshot {path}")
        for context in self.contexts:
            context.close()


def screenshot(page, path: str) -> None:
    # caret="initial": hiding the caret puts style="" on text fields, and htmx's
    # attribute settling would then trip the CSP (style-src 'self') on the next swap.
    page.screenshot(path=path, full_page=True, caret="initial")


def _village(request, browser, live_server, javascript: bool):
    village = Village(browser, live_server, javascript)
    failures_before = request.session.testsfailed
    yield village
    # The call's report is logged before the teardown, so a failure is counted by now.
    failed = request.session.testsfailed > failures_before
    village.close(re.sub(r"\W+", "-", request.node.name) if failed else "")


@pytest.fixture
def village(request, browser, live_server):
    yield from _village(request, browser, live_server, javascript=True)


@pytest.fixture
def village_without_js(request, browser, live_server):
    yield from _village(request, browser, live_server, javascript=False)


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def village_either_way(request, browser, live_server):
    """The core flows run twice: with htmx, and as plain links and forms."""
    yield from _village(request, browser, live_server, javascript=request.param)


# --- what a person does -----------------------------------------------------------------

def login(page, username: str) -> None:
    doing(page, f"{username} logs in")
    page.goto("/login")
    form = page.locator("form:has([name=password])")
    form.locator("[name=username]").fill(username)
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.locator("[data-action=new-program]").first).to_be_visible()


def propose(page, title: str) -> int:
    """From the home page, propose a locality-development program; return its id."""
    doing(page, f"proposing {title!r}")
    page.goto("/")
    page.click('a[data-action="new-program"][data-template="locality"]')
    form = page.locator("form:has([name=title])")
    form.locator("[name=title]").fill(title)
    form.locator("[name=problem]").fill(
        "Jalan setapak ke sawah di Dusun Sukamulya berlumpur dan licin setiap musim hujan.")
    form.locator("[name=goal]").fill("Petani dan anak sekolah bisa lewat dengan aman.")
    form.locator("[name=beneficiaries]").fill("Petani dan anak sekolah RT 04")
    form.locator("[name=beneficiaries_count]").fill("85")
    form.locator("[name=dusun_id]").select_option(label="Dusun Sukamulya")
    form.locator("[name=rt]").fill("04")
    form.locator("[name=rw]").fill("02")
    form.locator("[name=sector]").select_option("infrastructure")
    form.locator("[name=estimated_cost]").fill("25000000")
    form.locator("[name=funding_source]").select_option("swadaya")
    form.locator("[type=submit]").click()
    page.wait_for_url(PROGRAM_URL)
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "draft")
    facts = page.locator("main")
    for shown in ("Dusun Sukamulya", "04", "25.000.000"):
        expect(facts).to_contain_text(shown)
    return int(PROGRAM_URL.search(page.url).group(1))


def open_program(page, program_id: int) -> None:
    doing(page, f"opening program {program_id}")
    page.goto(f"/programs/{program_id}")
    expect(page.locator("[data-state]")).to_be_visible()


def mark_page(page) -> None:
    """Leave a mark in the document; a full reload wipes it, an htmx swap does not."""
    page.evaluate("() => { window.__musyawarahMark = 'still here'; }")


def assert_not_reloaded(page, what: str) -> None:
    assert page.evaluate("() => window.__musyawarahMark") == "still here", (
        f"{what} reloaded the whole page: the htmx swap did not happen")


def fire(page, name: str, expected_state: str, javascript: bool = True) -> None:
    """Press the step's control and wait for the program to reach ``expected_state``."""
    doing(page, f"firing {name}")
    control = page.locator(f'[data-transition="{name}"]')
    expect(control).to_have_count(1)
    if control.is_disabled():
        why = page.locator(f"#why-{name}")
        pytest.fail(f"{name} is offered but disabled: "
                    f"{why.inner_text() if why.count() else '(no reason shown)'}")
    if javascript:
        mark_page(page)
    control.click()
    # A step that cannot be undone first answers with a confirmation form whose submit
    # control carries the same data-transition (DESIGN.md): press it too.
    if name in CONFIRM_FIRST:
        confirm = page.locator(f'form:has(input[name="confirm"]) [data-transition="{name}"]')
        expect(confirm).to_have_count(1)
        doing(page, f"confirming {name}")
        confirm.click()
    expect(page.locator("[data-state]")).to_have_attribute("data-state", expected_state)
    if javascript:
        assert_not_reloaded(page, f"the {name} control")


def vote(page, choice: str, reason: str = "", javascript: bool = True) -> None:
    """Cast a vote on the open ballot and wait until the page shows it as this person's."""
    doing(page, f"voting {choice}")
    button = page.locator(f'[data-choice="{choice}"]')
    expect(button).to_have_count(1)
    if reason:
        page.locator(f'form:has([data-choice="{choice}"]) [name=reason]').fill(reason)
    if javascript:
        mark_page(page)
    button.click()
    expect(page.locator(f'[data-choice="{choice}"]')).to_have_attribute("aria-pressed", "true")
    if javascript:
        assert_not_reloaded(page, f"the {choice} vote")


def vote_as(village, username: str, program_id: int, choice: str, reason: str = "",
            stay: bool = False) -> None:
    """Open the program as ``username``, vote, and (unless ``stay``) leave the page, so
    that ten open pages do not all keep polling the tally."""
    page = village.person(username)
    open_program(page, program_id)
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "voting")
    vote(page, choice, reason, village.javascript)
    if not stay:
        page.goto("about:blank")


def comment(page, body: str, javascript: bool = True) -> None:
    doing(page, "commenting")
    form = page.locator("form:has(textarea[name=body])")
    # No stance is chosen for the person: they say whether they support, worry or ask.
    form.locator("input[name=stance][value=support]").check()
    form.locator("[name=body]").fill(body)
    if javascript:
        mark_page(page)
    form.locator("[type=submit]").click()
    expect(page.locator("main")).to_contain_text(body)
    if javascript:
        assert_not_reloaded(page, "sending a comment")


def tally_count(page, choice: str):
    """The count shown for ``choice`` inside the tally element."""
    return page.locator(f'[data-tally] [data-count="{choice}"] strong')


# --- the tests --------------------------------------------------------------------------

def watch_tally(watcher, program_id: int, javascript: bool) -> None:
    """With htmx the open page follows the votes by itself; without, the person reloads."""
    if javascript:
        assert_not_reloaded(watcher, "the tally refresh")
    else:
        open_program(watcher, program_id)


def test_locality_program_from_proposal_to_implementation(village_either_way):
    """The issue's "Done when": the whole locality process in Chromium at 360 px, once with
    htmx and once with JavaScript off (plain links and forms only), with axe run on each
    person's page along the way."""
    village = village_either_way
    js = village.javascript
    soft_failures = []

    # A resident proposes a program and submits it.
    warga1 = village.person("warga1")
    assert warga1.evaluate("() => typeof window.htmx") == ("object" if js else "undefined")
    program_id = propose(warga1, "Pengerasan jalan setapak ke sawah")
    village.audit("warga1")
    fire(warga1, "submit", "proposed", js)

    # The facilitator opens the discussion, takes part in it, and opens the consent vote.
    pendamping = village.person("pendamping")
    open_program(pendamping, program_id)
    fire(pendamping, "open_discussion", "discussion", js)
    comment(pendamping, COMMENT, js)
    fire(pendamping, "open_voting", "voting", js)
    village.audit("pendamping")

    # warga11 keeps the page open: with htmx its tally follows the votes without a reload.
    watcher = village.person("warga11")
    open_program(watcher, program_id)
    expect(watcher.locator("[data-tally]")).to_be_visible()
    expect(tally_count(watcher, "agree")).to_have_text("0")
    mark_page(watcher)
    before = watcher.locator("[data-tally]").inner_text()

    # Consent round: nine agree, one objects with a reason. An objection blocks mufakat.
    vote_as(village, "warga1", program_id, "agree")
    watch_tally(watcher, program_id, js)
    expect(tally_count(watcher, "agree")).to_have_text("1")
    assert watcher.locator("[data-tally]").inner_text() != before
    for username in VOTERS[1:-1]:
        vote_as(village, username, program_id, "agree")
    vote_as(village, VOTERS[-1], program_id, "block", BLOCK_REASON)
    watch_tally(watcher, program_id, js)
    expect(tally_count(watcher, "agree")).to_have_text("9")
    expect(tally_count(watcher, "block")).to_have_text("1")
    village.audit("warga11")

    open_program(pendamping, program_id)
    fire(pendamping, "close_voting", "discussion", js)
    village.audit("pendamping")
    if js:
        # The watcher's next poll learns that the vote has closed (and stops polling).
        expect(watcher.locator("[data-tally] [data-count]")).to_have_count(0)
        assert_not_reloaded(watcher, "the tally refresh")
    # Back in discussion, everyone must be able to read why it did not pass.
    for username in ("pendamping", "warga1"):
        page = village.person(username)
        open_program(page, program_id)
        try:
            expect(page.locator("main")).to_contain_text(BLOCK_REASON, timeout=2_000)
        except AssertionError:
            path = os.path.join(tempfile.gettempdir(), f"musyawarah-block-reason-{username}.png")
            screenshot(page, path)
            soft_failures.append(
                f"after the failed consent vote, {username}'s program page does not show "
                f"the objection's reason {BLOCK_REASON!r} (screenshot {path})")

    # The fallback: a majority vote (suara terbanyak). Nine yes, one no.
    fire(pendamping, "open_majority_vote", "voting", js)
    open_program(watcher, program_id)
    expect(tally_count(watcher, "yes")).to_have_text("0")
    mark_page(watcher)
    for username in VOTERS[:-1]:
        vote_as(village, username, program_id, "yes")
    vote_as(village, VOTERS[-1], program_id, "no")
    watch_tally(watcher, program_id, js)
    expect(tally_count(watcher, "yes")).to_have_text("9")
    expect(tally_count(watcher, "no")).to_have_text("1")
    watcher.goto("about:blank")

    open_program(pendamping, program_id)
    fire(pendamping, "close_voting", "agreed", js)

    # The village head approves; the facilitator starts carrying it out.
    kades = village.person("kades")
    open_program(kades, program_id)
    village.audit("kades")
    fire(kades, "approve", "approved", js)
    open_program(pendamping, program_id)
    fire(pendamping, "start_implementation", "implementation", js)

    # A fresh look at the page: the state and the whole history, in order.
    open_program(pendamping, program_id)
    expect(pendamping.locator("[data-state]")).to_have_attribute("data-state",
                                                                 "implementation")
    expect(pendamping.locator("#history li[data-event]")).to_have_count(len(FULL_FLOW))
    events = pendamping.locator("#history li[data-event]").evaluate_all(
        "items => items.map(li => li.dataset.event)")
    assert events == FULL_FLOW
    expect(pendamping.locator("main")).to_contain_text(COMMENT)
    village.audit("pendamping")

    # The JSON API tells the same story.
    api = pendamping.request.get(f"/api/v1/programs/{program_id}")
    assert api.ok
    data = api.json()
    assert data["state"] == "implementation" and data["template"] == "locality"
    assert [e["transition"] for e in data["events"]] == FULL_FLOW

    assert not village.problems, "\n".join(village.problems)
    assert not soft_failures, "\n".join(soft_failures)


def test_core_actions_work_as_plain_forms_without_javascript(village_without_js):
    """Login, propose, submit, discuss and vote with JavaScript off: plain forms only."""
    village = village_without_js
    warga1 = village.person("warga1")
    assert warga1.evaluate("() => typeof window.htmx") == "undefined", "scripts ran"
    program_id = propose(warga1, "Posyandu lansia di balai dusun")
    fire(warga1, "submit", "proposed", javascript=False)

    pendamping = village.person("pendamping")
    open_program(pendamping, program_id)
    fire(pendamping, "open_discussion", "discussion", javascript=False)
    comment(pendamping, COMMENT, javascript=False)
    fire(pendamping, "open_voting", "voting", javascript=False)

    vote_as(village, "warga2", program_id, "agree")
    vote_as(village, "warga3", program_id, "block", BLOCK_REASON, stay=True)
    warga3 = village.person("warga3")
    expect(tally_count(warga3, "agree")).to_have_text("1")
    expect(tally_count(warga3, "block")).to_have_text("1")

    # A voter may change their vote until the ballot closes.
    vote(warga3, "agree", javascript=False)
    expect(tally_count(warga3, "agree")).to_have_text("2")
    expect(tally_count(warga3, "block")).to_have_text("0")

    open_program(pendamping, program_id)
    events = pendamping.locator("#history li[data-event]").evaluate_all(
        "items => items.map(li => li.dataset.event)")
    assert events == ["submit", "open_discussion", "open_voting"]
    assert not village.problems, "\n".join(village.problems)
