"""End to end in Debian's Chromium: the two other process models of DESIGN.md.

B. Social planning (``planning``, round 2): a resident proposes, the facilitator gathers
the facts (findings, each with its source), publishes them, residents answer the advisory
poll and comment, the facilitator writes the recommendation; the village head sends it
back once with a reason, then approves the second recommendation.

C. Social action (``action``, round 3): a resident proposes, residents join as
supporters until the round's threshold (6) lets the facilitator open the majority vote
on the demands, eight of the twelve residents (the 2/3 quorum) vote yes, the demand is
delivered to the target, the target refuses and the residents organise again.

Each test also sends one person through the key page with JavaScript off, so the
finding form and the supporter button are exercised as plain forms too.

The browser, the per-person contexts and every guard (console errors and CSP violations,
page errors, 5xx answers, requests leaving the live server) come from support.py and
conftest.py beside this module; only the public contract of DESIGN.md (``data-*`` markers, field names, ``#why-<step>``
for the reason a step is not yet possible) is relied on, not the wording.
"""
import os
import re
import tempfile
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.support import (
    PROGRAM_URL,
    assert_not_reloaded,
    comment,
    doing,
    fire,
    mark_page,
    open_program,
    screenshot,
    tally_count,
    vote,
    vote_as,
)

# On SQLite only: these walk the pages a person sees, which do not depend on the database;
# every command under them runs on PostgreSQL too in the command, page, participation,
# concurrency, crash and fuzz tests. (Both halves of the suite fit CI's time this way.)
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

PLANNING_ROUND, ACTION_ROUND = 2, 3
PLANNING_FLOW = ["submit", "start_assessment", "publish_findings", "recommend", "return",
                 "publish_findings", "recommend", "approve"]
ACTION_FLOW = ["submit", "start_organizing", "open_voting", "close_voting", "deliver",
               "record_response"]
SUPPORTER_THRESHOLD = 6
QUORUM = 8  # 2/3 of the twelve residents
RECOMMENDATION = ("Bangun dua sumur bor di Dusun Cibodas dahulu: 62 keluarga belum punya "
                  "air bersih menurut pendataan kader.")
RETURN_REASON = "Mohon tambahkan data debit air musim kemarau sebelum saya setujui."
SECOND_RECOMMENDATION = ("Bangun dua sumur bor; debit musim kemarau cukup menurut uji "
                         "Dinas PU.")
POLL_COMMENT = "Sumur di RT 03 kering setiap Agustus, tolong dicek juga."
TARGET = "Dinas Pekerjaan Umum Kabupaten"
RESPONSE_NOTE = "Dinas menjawab anggaran tahun ini sudah habis."
# The refusals a person is meant to see come back as 4xx answers that htmx swaps in;
# Chromium logs each one as a console error, which is expected here and only here.
EXPECTED_4XX = re.compile(r"Failed to load resource: the server responded with a status "
                          r"of 422\b")


def events_of(page) -> list:
    return page.locator("#history li[data-event]").evaluate_all(
        "items => items.map(li => li.dataset.event)")


def api_events(page, program_id: int) -> dict:
    response = page.request.get(f"/api/v1/programs/{program_id}")
    assert response.ok, f"GET /api/v1/programs/{program_id}: HTTP {response.status}"
    return response.json()


def real_problems(village) -> list:
    return [p for p in village.problems if not EXPECTED_4XX.search(p)]


def propose(page, template: str, round_id: int, title: str, problem: str, goal: str) -> int:
    """From the home page, propose a program of ``template`` (title, problem, goal only)."""
    doing(page, f"proposing {title!r} ({template})")
    page.goto("/")
    link = page.locator(f'a[data-action="new-program"][data-template="{template}"]')
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_url(re.compile(rf"/rounds/{round_id}/programs/new$"))
    form = page.locator("form:has([name=title])")
    form.locator("[name=title]").fill(title)
    form.locator("[name=problem]").fill(problem)
    form.locator("[name=goal]").fill(goal)
    form.locator("[type=submit]").click()
    page.wait_for_url(PROGRAM_URL)
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "draft")
    return int(PROGRAM_URL.search(page.url).group(1))


def expect_state(page, state: str) -> None:
    expect(page.locator("[data-state]")).to_have_attribute("data-state", state)


def step_form(page, name: str):
    return page.locator(f'form:has([data-transition="{name}"])')


def expect_disabled_with_reason(page, name: str, pattern) -> str:
    """The step is shown, disabled, and says why; return the reason's text."""
    control = page.locator(f'[data-transition="{name}"]')
    expect(control).to_have_count(1)
    expect(control).to_be_disabled()
    why = page.locator(f"#why-{name}")
    expect(why).to_be_visible()
    expect(control).to_have_attribute("aria-describedby", f"why-{name}")
    expect(why).to_have_text(pattern)
    return why.inner_text()


def post_refused(page, program_id: int, name: str) -> tuple[int, str]:
    """Post the step as a hand-made form would (the button being disabled is not the
    only defence): the server must refuse it and say why."""
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post(f"/programs/{program_id}/transitions/{name}",
                                 form={"csrf_token": token})
    return response.status, response.text()


class SoftFailures(list):
    """Problems that do not stop the walk (so the rest of the flow is still checked),
    each with a screenshot; the test fails at its end if there are any."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def add(self, page, what: str) -> None:
        path = os.path.join(tempfile.gettempdir(), f"musyawarah-{self.name}-{len(self) + 1}.png")
        screenshot(page, path)
        self.append(f"{what} (screenshot {path})")


def submit(page, button, javascript: bool, what: str, soft: SoftFailures):
    """Click a form's button. Without JavaScript this is a plain POST that must answer
    with a redirect (or a 4xx page with the form's messages), never a server error;
    after a server error the person goes back to the program page and carries on."""
    if javascript:
        button.click()
        return None
    program_url = re.match(r".*/programs/\d+", page.url).group(0)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        button.click()
    response = posted.value
    if response.status >= 500:
        soft.add(page, f"{what} as a plain form (JavaScript off): POST "
                       f"{urlsplit(response.url).path} answered HTTP {response.status} "
                       f"instead of redirecting back to the program")
        page.goto(program_url)
        return None
    return response


def expect_redirected(response, what: str) -> None:
    """A plain form that saved something answers with a redirect (no resubmission)."""
    if response is not None:
        assert response.status in (302, 303), (
            f"{what} as a plain form answered HTTP {response.status}, not a redirect")


def fill_finding(form, indicator: str, value: str, unit: str, source: str,
                 observed_on: str) -> None:
    form.locator("[name=indicator]").fill(indicator)
    form.locator("[name=value]").fill(value)
    form.locator("[name=unit]").fill(unit)
    form.locator("[name=source]").fill(source)
    form.locator("[name=observed_on]").fill(observed_on)


def new_finding_form(page):
    return page.locator("#findings > form:has([name=indicator])")


def record_finding_without_source(page, javascript: bool, observed_on: str,
                                  soft: SoftFailures) -> None:
    """The form comes back with the message at the source field; nothing is saved."""
    doing(page, "recording a finding without a source")
    before = page.locator("#findings li[data-finding]").count()
    form = new_finding_form(page)
    fill_finding(form, "Keluarga tanpa air bersih", "62", "keluarga", "", observed_on)
    if javascript:
        mark_page(page)
    submit(page, form.locator("[type=submit]"), javascript, "a finding without a source", soft)
    error = page.locator("#finding-new-source-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    # At the field: right before its input, and tied to it for screen readers.
    expect(page.locator("#finding-new-source-error + #finding-new-source")).to_have_count(1)
    source = page.locator("#finding-new-source")
    expect(source).to_have_attribute("aria-invalid", "true")
    expect(source).to_have_attribute("aria-describedby", "finding-new-source-error")
    # Only the source is wrong; what was typed is kept.
    expect(page.locator("#finding-new-indicator-error")).to_have_count(0)
    expect(page.locator("#finding-new-indicator")).to_have_value("Keluarga tanpa air bersih")
    expect(page.locator("#finding-new-value")).to_have_value("62")
    expect(page.locator("#finding-new-observed_on")).to_have_value(observed_on)
    expect(page.locator("#findings li[data-finding]")).to_have_count(before)
    expect_state(page, "assessment")
    if javascript:
        assert_not_reloaded(page, "the refused finding")


def record_finding(page, indicator: str, value: str, unit: str, source: str,
                   observed_on: str, javascript: bool, soft: SoftFailures) -> None:
    doing(page, f"recording the finding {indicator!r}")
    before = page.locator("#findings li[data-finding]").count()
    form = new_finding_form(page)
    fill_finding(form, indicator, value, unit, source, observed_on)
    if javascript:
        mark_page(page)
    response = submit(page, form.locator("[type=submit]"), javascript, "recording a finding",
                      soft)
    expect_redirected(response, "recording a finding")
    expect(page.locator("#findings li[data-finding]")).to_have_count(before + 1)
    saved = page.locator("#findings li[data-finding]").last
    for shown in (indicator, value, unit, source):
        expect(saved).to_contain_text(shown)
    expect(page.locator("#finding-new-source-error")).to_have_count(0)
    # The form is empty again, ready for the next finding.
    expect(page.locator("#finding-new-source")).to_have_value("")
    if javascript:
        assert_not_reloaded(page, "saving a finding")


def advisory_vote(village, username: str, program_id: int, choice: str):
    page = village.person(username)
    open_program(page, program_id)
    expect_state(page, "consultation")
    vote(page, choice, javascript=village.javascript)
    return page


# --- B. social planning -----------------------------------------------------------------

def test_planning_program_from_proposal_to_approval(village, village_without_js):
    """Model B: assess with sourced findings, consult, recommend, returned once, approved."""
    soft = SoftFailures("planning")
    today = date.today()
    measured_on = (today - timedelta(days=30)).isoformat()

    warga1 = village.person("warga1")
    program_id = propose(
        warga1, "planning", PLANNING_ROUND, "Air bersih untuk Dusun Cibodas",
        "Banyak keluarga di Dusun Cibodas mengambil air dari sungai yang keruh.",
        "Setiap keluarga mendapat air bersih dalam jarak 100 meter dari rumah.")
    fire(warga1, "submit", "proposed")

    pendamping = village.person("pendamping")
    open_program(pendamping, program_id)
    fire(pendamping, "start_assessment", "assessment")
    # The step's "done" message is said once, not once per card of the swapped fragment.
    shown = pendamping.locator("#program-main .flash:visible").all_inner_texts()
    if len(shown) != 1:
        soft.add(pendamping, f"after start_assessment (htmx swap of #program-main) the "
                             f"confirmation is shown {len(shown)} times: {shown}")

    # No finding with a source yet: publishing is offered, disabled, and says why.
    doing(pendamping, "trying to publish findings before any is recorded")
    expect(pendamping.locator("#findings")).to_be_visible()
    expect(pendamping.locator("#findings li[data-finding]")).to_have_count(0)
    expect_disabled_with_reason(pendamping, "publish_findings", re.compile(r"sumber|source", re.I))
    status, body = post_refused(pendamping, program_id, "publish_findings")
    assert status == 409, f"publishing without findings answered HTTP {status}, not 409"
    assert re.search(r"sumber|source", body, re.I), "the refusal does not say what is missing"
    open_program(pendamping, program_id)
    expect_state(pendamping, "assessment")

    # A finding without its source is refused at the field; then recorded with one.
    record_finding_without_source(pendamping, True, measured_on, soft)
    expect_disabled_with_reason(pendamping, "publish_findings", re.compile(r"\S"))
    record_finding(pendamping, "Keluarga tanpa air bersih", "62", "keluarga",
                   "Pendataan kader posyandu RT 03", measured_on, javascript=True, soft=soft)
    expect(pendamping.locator("#findings li[data-finding]").first).to_contain_text(
        measured_on[:4])

    # The facilitator corrects the finding once.
    doing(pendamping, "correcting the finding")
    finding = pendamping.locator("#findings li[data-finding]").first
    finding.locator("summary").click()
    edit = finding.locator("form:has([name=indicator])")
    expect(edit.locator("[name=value]")).to_have_value("62")
    expect(edit.locator("[name=source]")).to_have_value("Pendataan kader posyandu RT 03")
    edit.locator("[name=value]").fill("58")
    edit.locator("[name=source]").fill("Pendataan kader posyandu RT 03, Maret")
    mark_page(pendamping)
    edit.locator("[type=submit]").click()
    finding = pendamping.locator("#findings li[data-finding]")
    expect(finding).to_have_count(1)
    expect(finding).to_contain_text("58")
    expect(finding).to_contain_text("Pendataan kader posyandu RT 03, Maret")
    expect(finding).not_to_contain_text("62")
    assert_not_reloaded(pendamping, "correcting the finding")

    # The same finding form as a plain form, JavaScript off: refused, then recorded.
    plain = village_without_js.person("pendamping")
    assert plain.evaluate("() => typeof window.htmx") == "undefined", "scripts ran"
    open_program(plain, program_id)
    record_finding_without_source(plain, False, measured_on, soft)
    record_finding(plain, "Sumur warga yang kering di bulan Agustus", "9", "sumur",
                   "Survei pendamping bersama karang taruna", measured_on, javascript=False,
                   soft=soft)
    expect(plain.locator("#findings li[data-finding]")).to_have_count(2)

    open_program(pendamping, program_id)
    expect(pendamping.locator("#findings li[data-finding]")).to_have_count(2)
    fire(pendamping, "publish_findings", "consultation")

    # Residents answer the advisory poll; one of them comments.
    poll = {"warga1": "yes", "warga2": "yes", "warga3": "yes", "warga4": "no",
            "warga5": "abstain"}
    for username, choice in poll.items():
        page = advisory_vote(village, username, program_id, choice)
    expect(tally_count(page, "yes")).to_have_text("3")
    expect(tally_count(page, "no")).to_have_text("1")
    expect(tally_count(page, "abstain")).to_have_text("1")
    comment(village.person("warga2"), POLL_COMMENT)

    open_program(pendamping, program_id)
    expect(tally_count(pendamping, "yes")).to_have_text("3")
    expect(pendamping.locator("main")).to_contain_text(POLL_COMMENT)
    step_form(pendamping, "recommend").locator("textarea[name=reason]").fill(RECOMMENDATION)
    fire(pendamping, "recommend", "agreed")

    # The village head reads the recommendation beside the poll's result...
    kades = village.person("kades")
    open_program(kades, program_id)
    expect_state(kades, "agreed")
    expect(kades.locator("[data-recommendation]")).to_have_text(RECOMMENDATION)
    outcome = kades.locator("#outcome")
    expect(outcome).to_contain_text(re.compile(r"\b3\b\D+\b1\b\D+\b1\b"))
    # ...and sends it back for more facts, with a reason.
    step_form(kades, "return").locator("textarea[name=reason]").fill(RETURN_REASON)
    fire(kades, "return", "assessment")
    expect(kades.locator("#history")).to_contain_text(RETURN_REASON)

    open_program(pendamping, program_id)
    expect(pendamping.locator("#history")).to_contain_text(RETURN_REASON)
    fire(pendamping, "publish_findings", "consultation")
    step_form(pendamping, "recommend").locator("textarea[name=reason]").fill(
        SECOND_RECOMMENDATION)
    fire(pendamping, "recommend", "agreed")
    expect(pendamping.locator("[data-recommendation]")).to_have_text(SECOND_RECOMMENDATION)

    open_program(kades, program_id)
    expect(kades.locator("[data-recommendation]")).to_have_text(SECOND_RECOMMENDATION)
    fire(kades, "approve", "approved")

    # A fresh look: the state, the whole history in order, and the same in the API.
    open_program(kades, program_id)
    expect_state(kades, "approved")
    expect(kades.locator("#history li[data-event]")).to_have_count(len(PLANNING_FLOW))
    assert events_of(kades) == PLANNING_FLOW
    data = api_events(kades, program_id)
    assert data["state"] == "approved" and data["template"] == "planning"
    assert [e["transition"] for e in data["events"]] == PLANNING_FLOW

    problems = soft + real_problems(village) + real_problems(village_without_js)
    assert not problems, "\n".join(problems)


# --- C. social action -------------------------------------------------------------------

def join(page, expected_count: int, soft: SoftFailures, javascript: bool = True) -> None:
    doing(page, "joining as a supporter")
    button = page.locator('[data-action="support"]')
    expect(button).to_have_count(1)
    if javascript:
        mark_page(page)
    response = submit(page, button, javascript, "joining as a supporter", soft)
    expect_redirected(response, "joining as a supporter")
    expect(page.locator('[data-action="unsupport"]')).to_have_count(1)
    expect(page.locator('[data-action="support"]')).to_have_count(0)
    expect(page.locator("[data-supporters]")).to_have_text(str(expected_count))
    if javascript:
        assert_not_reloaded(page, "joining as a supporter")


def leave(page, expected_count: int) -> None:
    doing(page, "leaving the supporters")
    mark_page(page)
    page.locator('[data-action="unsupport"]').click()
    expect(page.locator('[data-action="support"]')).to_have_count(1)
    expect(page.locator("[data-supporters]")).to_have_text(str(expected_count))
    assert_not_reloaded(page, "leaving the supporters")


def test_action_program_from_proposal_to_escalation(village, village_without_js):
    """Model C: organise supporters, vote the demands, deliver them, record a refusal."""
    soft = SoftFailures("action")
    warga1 = village.person("warga1")
    program_id = propose(
        warga1, "action", ACTION_ROUND, "Tuntut perbaikan jalan kabupaten Sukamaju-Cibodas",
        "Jalan kabupaten berlubang sejak tiga tahun; dua pengendara motor jatuh bulan ini.",
        "Kabupaten memperbaiki jalan sebelum musim hujan.")
    fire(warga1, "submit", "proposed")

    pendamping = village.person("pendamping")
    open_program(pendamping, program_id)
    fire(pendamping, "start_organizing", "organizing")

    # Not enough supporters: the vote cannot open, and the page says how many are missing.
    doing(pendamping, "trying to open the vote without supporters")
    expect(pendamping.locator("[data-supporters]")).to_have_text("0")
    expect_disabled_with_reason(pendamping, "open_voting",
                                re.compile(rf"\b{SUPPORTER_THRESHOLD}\b"))
    status, body = post_refused(pendamping, program_id, "open_voting")
    assert status == 409, f"opening the vote without supporters answered HTTP {status}"
    assert re.search(rf"\b{SUPPORTER_THRESHOLD}\b", body), "the refusal does not say how many"

    # Five residents join with htmx; one leaves and joins again.
    for count, username in enumerate(("warga1", "warga2", "warga3", "warga4", "warga5"),
                                     start=1):
        page = village.person(username)
        open_program(page, program_id)
        expect_state(page, "organizing")
        join(page, count, soft)
        if username == "warga3":
            leave(page, count - 1)
            join(page, count, soft)

    open_program(pendamping, program_id)
    expect(pendamping.locator("[data-supporters]")).to_have_text("5")
    expect_disabled_with_reason(pendamping, "open_voting", re.compile(r"\b1\b"))

    # The sixth joins with JavaScript off: the supporter button is a plain form.
    plain = village_without_js.person("warga6")
    assert plain.evaluate("() => typeof window.htmx") == "undefined", "scripts ran"
    open_program(plain, program_id)
    join(plain, SUPPORTER_THRESHOLD, soft, javascript=False)

    open_program(pendamping, program_id)
    expect(pendamping.locator("[data-supporters]")).to_have_text(str(SUPPORTER_THRESHOLD))
    expect(pendamping.locator("#why-open_voting")).to_have_count(0)
    fire(pendamping, "open_voting", "voting")

    # Eight of twelve residents (exactly the 2/3 quorum) vote yes; one of them without JS.
    voters = [f"warga{i}" for i in range(1, QUORUM + 1)]
    for username in voters:
        if username == "warga6":
            vote_as(village_without_js, username, program_id, "yes")
        else:
            vote_as(village, username, program_id, "yes")
    open_program(pendamping, program_id)
    expect(tally_count(pendamping, "yes")).to_have_text(str(QUORUM))
    expect(tally_count(pendamping, "no")).to_have_text("0")
    fire(pendamping, "close_voting", "agreed")

    # deliver: the browser itself holds back an empty target...
    doing(pendamping, "delivering without a target")
    deliver = step_form(pendamping, "deliver")
    today = date.today().isoformat()
    deliver.locator("[name=channel]").select_option("audiensi")
    deliver.locator("[name=delivered_on]").fill(today)
    deliver.locator('[data-transition="deliver"]').click()
    assert deliver.locator("[name=target]").evaluate("el => el.validity.valueMissing")
    expect_state(pendamping, "agreed")
    # ...and the server refuses a blank one (spaces only) with the message at the field.
    deliver.locator("[name=target]").fill("   ")
    mark_page(pendamping)
    deliver.locator('[data-transition="deliver"]').click()
    error = pendamping.locator("#deliver-target-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(pendamping.locator("#deliver-target-error + #deliver-target")).to_have_count(1)
    expect_state(pendamping, "agreed")
    assert_not_reloaded(pendamping, "the refused delivery")
    # What was chosen is kept; nothing was recorded.
    deliver = step_form(pendamping, "deliver")
    expect(deliver.locator("[name=channel]")).to_have_value("audiensi")
    expect(deliver.locator("[name=delivered_on]")).to_have_value(today)
    expect(pendamping.locator("[data-demand-target]")).to_have_count(0)
    expect(pendamping.locator("#history li[data-event]")).to_have_count(4)

    deliver.locator("[name=target]").fill(TARGET)
    fire(pendamping, "deliver", "action")
    expect(pendamping.locator("[data-demand-target]")).to_have_text(TARGET)
    # Shown in the reader's words, with the ISO date kept in the <time> element.
    expect(pendamping.locator(f'#outcome time[datetime="{today}"]')).to_have_count(1)

    # The target refuses: the residents organise again (escalate).
    respond = step_form(pendamping, "record_response")
    respond.locator('input[name=outcome][value="refused"]').check()
    respond.locator("[name=note]").fill(RESPONSE_NOTE)
    fire(pendamping, "record_response", "organizing")
    expect(pendamping.locator('[data-response="refused"]')).to_contain_text(RESPONSE_NOTE)

    open_program(warga1, program_id)
    expect_state(warga1, "organizing")
    expect(warga1.locator('[data-response="refused"]')).to_be_visible()
    expect(warga1.locator("#history li[data-event]")).to_have_count(len(ACTION_FLOW))
    assert events_of(warga1) == ACTION_FLOW
    data = api_events(warga1, program_id)
    assert data["state"] == "organizing" and data["template"] == "action"
    assert [e["transition"] for e in data["events"]] == ACTION_FLOW

    problems = soft + real_problems(village) + real_problems(village_without_js)
    assert not problems, "\n".join(problems)
