"""Issue 13's "Done when" in Chromium, with JavaScript and without: the facilitator runs a
meeting of the demo village from the first tap of the roll to the official's approval.

One story: a resident proposes a locality program and submits it; the facilitator opens
its discussion, puts it on the agenda of a meeting due later today and opens the consent
vote from the program's page, where one resident votes online. In the hall, 7 of the 12
invited show no quorum, so the meeting is postponed and reopened; 9 present reach it and a
guest does not count; the facilitator records the votes of the nine (the one who voted
online is counted once) while the projector page follows by itself; the vote is closed,
the meeting too; the berita acara shows the counts and its PDF downloads; the signed scan
locks the meeting; the village head approves the program from /approvals.

The meeting is due today on the village's clocks (Asia/Jakarta): it is scheduled a few
minutes from now. Close to midnight there is no "later today" left for the story (the form
refuses a past time, and a meeting opens only on its day), so there the web's clock is
moved forward to a few minutes past midnight, the earliest moment at which the whole story
fits in one day; it keeps ticking from there.
"""
import io
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.support import (
    assert_not_reloaded,
    doing,
    fire,
    mark_page,
    mark_present,
    open_program,
    propose,
    tally_count,
    vote_as,
)
from tests.helpers import LOCALITY_ROUND, shift_web_clock

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

VILLAGE_ZONE = ZoneInfo("Asia/Jakarta")
TITLE = "Jalan setapak Sukamulya"
# What the story needs between scheduling and the last new time it writes (a few minutes).
ROOM_BEFORE_MIDNIGHT = timedelta(minutes=20)
PRESENT_FIRST = [f"warga{i}" for i in range(1, 8)]
# In the hall: every present resident's choice; warga2 voted "disagree" online before.
HALL_VOTES = {"warga1": "agree", "warga2": "agree", "warga3": "abstain", "warga4": "agree",
              "warga5": "agree", "warga6": "agree", "warga7": "agree", "warga8": "agree",
              "warga9": "agree"}


def village_clock(monkeypatch):
    """A function giving the time on the village's clocks as the web sees it: the real time,
    or, with too little of today left for the story, the real time moved on to five minutes
    past the coming midnight."""
    real = datetime.now(VILLAGE_ZONE)
    if (real + ROOM_BEFORE_MIDNIGHT).date() == real.date():
        return lambda: datetime.now(VILLAGE_ZONE)
    midnight = datetime.combine(real.date() + timedelta(days=1), time(), VILLAGE_ZONE)
    shift = midnight + timedelta(minutes=5) - real
    shift_web_clock(monkeypatch, shift)
    return lambda: datetime.now(VILLAGE_ZONE) + shift


def minutes_from_now(clock, minutes: int) -> str:
    """A time later today on the village's clocks, as the datetime-local field takes it."""
    now = clock()
    moment = now.replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    assert moment.date() == now.date(), "the story needs the meeting due today"
    return moment.strftime("%Y-%m-%dT%H:%M")


def png_scan() -> bytes:
    """A small real PNG, as a phone's photo of the signed sheet would be (but tiny)."""
    picture = Image.new("RGB", (60, 80), "white")
    picture.paste((20, 20, 20), (10, 60, 50, 62))  # a signature's line
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def meeting_state(page, state: str) -> None:
    expect(page.locator("[data-meeting-state]")).to_have_attribute("data-meeting-state", state)


def quorum_shows(page, present: int, met: bool) -> None:
    quorum = page.locator("#attendance [data-quorum]")
    expect(quorum).to_have_attribute("data-present", str(present))
    expect(quorum).to_have_attribute("data-invited", "12")
    expect(quorum).to_have_attribute("data-met", "true" if met else "false")


def record_hall_vote(page, username: str, choice: str) -> None:
    doing(page, f"recording {username}'s {choice} in the hall")
    page.locator(f'[data-voter="{username}"] [data-choice="{choice}"]').click()
    expect(page.locator(f'[data-voter="{username}"] [data-choice="{choice}"]')
           ).to_have_attribute("aria-pressed", "true")


def test_a_meeting_day_from_the_roll_to_the_approval(village_either_way, app, tmp_path,
                                                       monkeypatch):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    clock = village_clock(monkeypatch)
    village = village_either_way
    js = village.javascript

    # Before the day: the program is proposed, its discussion opened, the meeting scheduled.
    warga1 = village.person("warga1")
    program_id = propose(warga1, TITLE)
    fire(warga1, "submit", "proposed", js)
    warga1.goto("about:blank")
    pendamping = village.person("pendamping")
    open_program(pendamping, program_id)
    fire(pendamping, "open_discussion", "discussion", js)

    doing(pendamping, "scheduling the meeting for later today")
    pendamping.goto(f"/rounds/{LOCALITY_ROUND}")
    pendamping.click('a[data-action="new-meeting"]')
    form = pendamping.locator("#meeting-form")
    form.locator("[name=title]").fill("Musyawarah Dusun Sukamulya")
    form.locator("[name=starts_at]").fill(minutes_from_now(clock, 5))
    form.locator("[name=place]").fill("Balai Desa Sukamaju")
    form.locator(f'[name=programs][value="{program_id}"]').check()
    form.locator('[data-action="new-meeting"]').click()
    pendamping.wait_for_url(re.compile(r"/meetings/\d+$"))
    meeting_url = pendamping.url
    meeting_id = int(meeting_url.rsplit("/", 1)[1])
    meeting_state(pendamping, "scheduled")
    expect(pendamping.locator(f'#items [data-program="{program_id}"]')).to_have_count(1)
    expect(pendamping.locator("[data-member]")).to_have_count(12)

    # The consent vote is opened from the program's page; warga2 votes online.
    pendamping.locator(f'#items [data-program="{program_id}"] h3 a').click()
    expect(pendamping.locator("[data-state]")).to_have_attribute("data-state", "discussion")
    fire(pendamping, "open_voting", "voting", js)
    vote_as(village, "warga2", program_id, "disagree")

    # The projector: its own page, kept open all along.
    # The laptop at the front of the hall runs on the account of a resident not in the room.
    screen = village.person("warga12")
    doing(screen, "opening the projector's screen")
    screen.goto(f"/meetings/{meeting_id}/screen")
    expect(screen.locator("[data-current-item]")).to_have_text(TITLE)
    expect(tally_count(screen, "disagree")).to_have_text("1")
    if js:
        mark_page(screen)

    # The day: the roll, no quorum, postponed, reopened, the quorum reached.
    doing(pendamping, "opening the meeting")
    pendamping.goto(meeting_url)
    pendamping.click('[data-action="open-meeting"]')
    meeting_state(pendamping, "open")
    for username in PRESENT_FIRST:
        mark_present(pendamping, username)
    quorum_shows(pendamping, 7, met=False)

    doing(pendamping, "postponing for want of quorum")
    postpone = pendamping.locator("form:has([data-action=postpone-meeting])")
    postpone.locator("[name=reason]").fill("Yang hadir belum dua pertiga undangan.")
    postpone.locator("[name=starts_at]").fill(minutes_from_now(clock, 10))
    postpone.locator('[data-action="postpone-meeting"]').click()
    meeting_state(pendamping, "postponed")
    expect(pendamping.locator("[data-postponed]")).to_contain_text("dua pertiga")

    doing(pendamping, "reopening the meeting")
    pendamping.click('[data-action="open-meeting"]')
    meeting_state(pendamping, "open")
    expect(pendamping.locator("[data-reconvened]")).to_be_visible()
    quorum_shows(pendamping, 7, met=False)      # the roll is kept
    for username in ("warga8", "warga9"):
        mark_present(pendamping, username)
    quorum_shows(pendamping, 9, met=True)

    doing(pendamping, "registering a guest")
    guest = pendamping.locator("form:has([data-action=add-guest])")
    guest.locator("[name=name]").fill("Pak Camat")
    guest.locator("[name=kind][value=guest]").check()
    guest.locator('[data-action="add-guest"]').click()
    expect(pendamping.locator("[data-guest]")).to_contain_text("Pak Camat")
    quorum_shows(pendamping, 9, met=True)       # a guest does not count

    # The votes of the present residents, recorded in the hall.
    rows = pendamping.locator("[data-voter]")
    expect(rows).to_have_count(9)
    expect(pendamping.locator('[data-voter="warga2"] [data-online]')).to_have_count(1)
    village.audit("pendamping")
    for username, choice in HALL_VOTES.items():
        record_hall_vote(pendamping, username, choice)
    expect(pendamping.locator('[data-voter="warga2"] [data-recorded-by]')).to_have_count(1)
    hall_tally = pendamping.locator(f'#items [data-program="{program_id}"] [data-tally]')
    expect(hall_tally.locator('[data-count="agree"] strong')).to_have_text("8")
    expect(hall_tally.locator('[data-count="disagree"] strong')).to_have_text("0")

    # The projector followed by itself (with htmx: every 5 s; without, the person reloads).
    doing(screen, "watching the projector")
    if not js:
        screen.reload()
    expect(tally_count(screen, "agree")).to_have_text("8", timeout=15_000)
    expect(tally_count(screen, "disagree")).to_have_text("0")
    expect(tally_count(screen, "abstain")).to_have_text("1")
    expect(screen.locator("[data-quorum]")).to_have_attribute("data-present", "9")
    if js:
        assert_not_reloaded(screen, "the projector's refresh")
    screen.goto("about:blank")

    # The vote is closed from the program's page, then the meeting.
    pendamping.locator(f'#items [data-program="{program_id}"] h3 a').click()
    fire(pendamping, "close_voting", "agreed", js)
    doing(pendamping, "closing the meeting")
    pendamping.goto(meeting_url)
    pendamping.click('[data-action="close-meeting"]')
    meeting_state(pendamping, "closed")

    # The berita acara: the counts, then its PDF.
    doing(pendamping, "reading the berita acara")
    pendamping.click('[data-action="berita-acara"]')
    expect(pendamping.locator("[data-attendance]")).to_have_attribute("data-present", "9")
    expect(pendamping.locator("[data-attendance]")).to_have_attribute("data-invited", "12")
    expect(pendamping.locator("[data-reconvened]")).to_have_count(1)
    decision = pendamping.locator(f'[data-decision="{program_id}"][data-transition="close_voting"]')
    expect(decision).to_have_count(1)
    for choice, count in (("agree", "8"), ("abstain", "1"), ("disagree", "0"), ("block", "0")):
        expect(decision.locator(f'[data-count="{choice}"]')).to_have_text(count)
    village.audit("pendamping")

    doing(pendamping, "downloading the berita acara's PDF")
    pendamping.goto(meeting_url)
    with pendamping.expect_download() as downloading:
        pendamping.click('[data-action="berita-acara-pdf"]')
    download = downloading.value
    assert download.suggested_filename == f"berita-acara-{meeting_id}.pdf"
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
                    .split())
    assert TITLE in text

    # The signed scan locks the meeting.
    doing(pendamping, "attaching the signed scan")
    upload = pendamping.locator("form:has([data-action=upload-scan])")
    upload.locator("[name=scan]").set_input_files(
        {"name": "berita-acara-ditandatangani.png", "mimeType": "image/png",
         "buffer": png_scan()})
    upload.locator('[data-action="upload-scan"]').click()
    meeting_state(pendamping, "locked")
    expect(pendamping.locator('[data-action="signed-scan"]')).to_have_count(1)
    expect(pendamping.locator('[data-action="mark-present"]')).to_have_count(0)

    # The village head approves it from the desk.
    kades = village.person("kades")
    doing(kades, "approving from the desk")
    kades.goto("/approvals")
    row = kades.locator(f'[data-program="{program_id}"]')
    expect(row.locator('[data-decision-counts] [data-count="agree"]')).to_contain_text("8")
    expect(row.locator('[data-action="berita-acara"]')).to_have_attribute(
        "href", f"/meetings/{meeting_id}/berita-acara")
    if js:
        mark_page(kades)
    row.locator('[data-transition="approve"]').click()
    confirm = kades.locator('form:has(input[name="confirm"]) [data-transition="approve"]')
    expect(confirm).to_have_count(1)
    confirm.click()
    if js:
        expect(row).to_have_attribute("data-done", "true")
        assert_not_reloaded(kades, "approving from the desk")
    else:
        expect(kades).to_have_url(f"{village.base_url}/approvals")
        expect(row).to_have_count(0)
    open_program(kades, program_id)
    expect(kades.locator("[data-state]")).to_have_attribute("data-state", "approved")
    assert not village.problems, "\n".join(village.problems)
