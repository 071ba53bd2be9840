"""What the browser tests share: Chromium's settings, the people of one test (``Village``,
each in their own context at 360 x 640, with every problem the browser reports gathered),
and what a person does on the pages (log in, propose, open, fire a step, vote, comment).

The fixtures that launch Chromium and make villages are in tests/browser/conftest.py.
"""
import os
import re
import tempfile

import pytest
from playwright.sync_api import expect

from tests.axe import axe_violations, report
from workflow.demo import PASSWORD
from workflow.engine.processes import CONFIRM_FIRST

CHROMIUM = "/usr/bin/chromium"
# The resolver rule keeps Chromium's own background lookups (account and update hosts) off
# the network: every name but 127.0.0.1 fails at once, so nothing leaves the machine.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
TIMEOUT_MS = 10_000
PHONE = {"width": 360, "height": 640}
PROGRAM_URL = re.compile(r"/programs/(\d+)$")
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

    def visitor(self, name: str):
        """A page in a browser of its own, not logged in (a person who is not yet known, or
        who logs in another way), watched like every page."""
        if name not in self.pages:
            # A cheap phone's screen: every flow runs at 360 x 640.
            context = self.browser.new_context(base_url=self.base_url,
                                               java_script_enabled=self.javascript,
                                               viewport=PHONE)
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", self._guard)
            context.add_init_script(CSP_WATCH)
            self.contexts.append(context)
            page = context.new_page()
            self._watch(name, page)
            self.pages[name] = page
        return self.pages[name]

    def person(self, username: str):
        """This person's page, logged in through the login form on first use."""
        if username not in self.pages:
            login(self.visitor(username), username)
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
    form = page.locator("#comment-form")
    # No stance is chosen for the person: they say whether they support, worry or ask.
    form.locator("input[name=stance][value=support]").check()
    form.locator("[name=body]").fill(body)
    if javascript:
        mark_page(page)
    form.locator("[type=submit]").click()
    expect(page.locator("main")).to_contain_text(body)
    if javascript:
        assert_not_reloaded(page, "sending a comment")


def mark_present(page, username: str) -> None:
    """At an open meeting, tap the invitee's row of the roll and wait for it to say present."""
    doing(page, f"marking {username} present")
    row = page.locator(f'[data-member="{username}"]')
    row.locator('[data-action="mark-present"]').click()
    expect(page.locator(f'[data-member="{username}"]')).to_have_attribute("data-present", "true")


def tally_count(page, choice: str):
    """The count shown for ``choice`` inside the tally element."""
    return page.locator(f'[data-tally] [data-count="{choice}"] strong')
