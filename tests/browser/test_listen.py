"""The "Dengarkan" (Listen) button, in Chromium, under the real Content-Security-Policy.

The browser's speech is replaced by a recorder (an init script), so the test hears what
would be spoken and in which language. Where the browser has no speech synthesis, or
JavaScript is off, the button is absent. Console errors (a CSP violation shows up there),
page errors and requests leaving the live server are collected and must stay empty.

SQLite only: what is spoken does not depend on the database.
"""
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from tests.axe import AXE
from tests.browser.support import Village
from tests.helpers import PROGRAM
from workflow.engine.processes import STATE_LABELS
from workflow.models import Program

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

LISTEN = "[data-listen]"

# A speech synthesis that records instead of speaking.
RECORDER = """(() => {
  window.__spoken = [];
  window.__cancelled = 0;
  const recorder = {
    speaking: false, pending: false, paused: false,
    speak(u) { window.__spoken.push({text: u.text, lang: u.lang}); this.speaking = true; },
    cancel() { window.__cancelled += 1; this.speaking = false; },
    pause() {}, resume() {}, getVoices() { return []; },
    addEventListener() {}, removeEventListener() {}, dispatchEvent() { return true; },
  };
  Object.defineProperty(window, "speechSynthesis", {value: recorder, configurable: true});
})();"""

# A browser without speech synthesis: gone from the window and from its prototypes.
NO_SPEECH = """(() => {
  for (let o = window; o; o = Object.getPrototypeOf(o)) {
    if (Object.getOwnPropertyDescriptor(o, "speechSynthesis")) {
      Object.defineProperty(o, "speechSynthesis", {value: undefined, configurable: true});
      delete o.speechSynthesis;
    }
  }
})();"""

AXE_ON_BUTTON = """async (source) => {
  (0, eval)(source);
  const result = await axe.run({include: [["[data-listen]"]]}, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    resultTypes: ["violations"]});
  return result.violations.map(v => v.id + ": " + v.help);
}"""


def words(app, program, lang: str) -> dict:
    """What the button must say, and what it must read, in ``lang``."""
    with app.app_context(), force_locale(lang):
        return {"listen": gettext("Listen"), "stop": gettext("Stop listening"),
                "state": gettext(STATE_LABELS[program.state]),
                "problem": gettext("The problem"), "goal": gettext("The goal")}


def spoken(page) -> list:
    return page.evaluate("() => window.__spoken")


def assert_reads_the_program(page, program, said: dict, lang: str) -> None:
    button = page.locator(LISTEN)
    expect(button).to_be_visible()
    expect(button).to_have_accessible_name(said["listen"])
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    button.click()
    utterances = spoken(page)
    assert utterances, "nothing was spoken"
    assert {u["lang"] for u in utterances} == {lang}
    text = " ".join(u["text"] for u in utterances)
    for part in (program.title, program.problem, program.goal, said["state"],
                 said["problem"], said["goal"]):
        assert " ".join(part.split()) in text, f"{part!r} not read aloud in {text!r}"
    # The order of the page: title, stage, problem, goal.
    assert (text.index(program.title) < text.index(said["state"])
            < text.index(" ".join(program.problem.split()))
            < text.index(" ".join(program.goal.split())))
    # Pressed again while speaking, it stops.
    expect(button).to_have_accessible_name(said["stop"])
    cancelled = page.evaluate("() => window.__cancelled")
    button.click()
    assert page.evaluate("() => window.__cancelled") == cancelled + 1
    assert len(spoken(page)) == len(utterances), "the second press spoke again"
    expect(button).to_have_accessible_name(said["listen"])


def test_listen_reads_the_program_aloud_where_the_browser_speaks(browser, live_server,
                                                               app, db):
    program = db.get(Program, PROGRAM)
    village = Village(browser, live_server)
    try:
        page = village.person("warga5")
        context = page.context

        # No speech synthesis: no button (it is in the page, hidden).
        silent = context.new_page()
        village._watch("warga5 (no speech)", silent)
        silent.add_init_script(NO_SPEECH)
        silent.goto(f"/programs/{PROGRAM}")
        assert silent.evaluate("() => 'speechSynthesis' in window") is False
        expect(silent.locator(LISTEN)).to_have_count(1)
        expect(silent.locator(LISTEN)).to_be_hidden()
        silent.close()

        # With speech: the button reads the program in Indonesian...
        page.add_init_script(RECORDER)
        page.goto(f"/programs/{PROGRAM}")
        assert_reads_the_program(page, program, words(app, program, "id"), "id-ID")
        assert page.evaluate(AXE_ON_BUTTON, Path(AXE).read_text(encoding="utf-8")) == []

        # ...and in English once the page is English.
        page.locator("form.lang button[name=lang]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert_reads_the_program(page, program, words(app, program, "en"), "en-US")

        # After an htmx swap of the program (a step taken) the new button shows too.
        facilitator = village.person("pendamping")
        facilitator.add_init_script(RECORDER)
        facilitator.goto(f"/programs/{PROGRAM}")
        facilitator.evaluate("() => { window.__notReloaded = true; }")
        facilitator.locator('[data-transition="open_discussion"]').click()
        expect(facilitator.locator("[data-state]")).to_have_attribute("data-state", "discussion")
        assert facilitator.evaluate("() => window.__notReloaded") is True, "no htmx swap"
        expect(facilitator.locator(LISTEN)).to_be_visible()
        facilitator.locator(LISTEN).click()
        with app.app_context(), force_locale("id"):
            assert gettext(STATE_LABELS["discussion"]) in " ".join(
                u["text"] for u in spoken(facilitator))
        assert village.problems == [], "\n".join(village.problems)
    finally:
        village.close()


def test_no_listen_button_without_javascript(browser, live_server):
    village = Village(browser, live_server, javascript=False)
    try:
        page = village.person("warga5")
        page.goto(f"/programs/{PROGRAM}")
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator(LISTEN)).to_have_count(1)
        expect(page.locator(LISTEN)).to_be_hidden()
        assert village.problems == [], "\n".join(village.problems)
    finally:
        village.close()
