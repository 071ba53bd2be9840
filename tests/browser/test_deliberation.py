"""The deliberation's "Done when" in Chromium, with htmx and with JavaScript off: a
discussion with the three stances, a reply, a pinned summary and a hidden comment reads
correctly to another resident, and the facilitator enters a comment for warga11.

Only the contract's hooks are relied on (``data-comment``, ``data-stance``,
``data-action``, ``[data-summary]``, ``[data-hidden-note]``, ``[data-recorded-by]``,
``data-count``, field names).
"""
import pytest
from playwright.sync_api import expect

from tests.browser.support import doing, fire, open_program, propose

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

SAID = {"support": "Saya setuju, saluran ini sudah lama rusak.",
        "concern": "Siapa yang akan merawat saluran nanti?",
        "question": "Berapa meter panjang salurannya?"}
REPLY = "Kelompok pemakai air di tiap RT yang merawat."
SUMMARY = "Disepakati: saluran diperbaiki.\nMasih terbuka: siapa merawat."
RUDE = "Kata-kata kasar yang tidak pantas."


def send_comment(page, stance: str, body: str, for_whom: str = "") -> None:
    doing(page, f"commenting ({stance})")
    form = page.locator("#comment-form")
    if for_whom:
        form.locator("select[name=on_behalf_of]").select_option(for_whom)
    form.locator(f"input[name=stance][value={stance}]").check()
    form.locator("[name=body]").fill(body)
    form.locator("[type=submit]").click()
    expect(page.locator(f'[data-comment]:has-text("{body}")')).to_be_visible()


def comment_of(page, body: str):
    return page.locator(f'li[data-comment]:has(> p.body:text-is("{body}"))')


def test_a_discussion_reads_correctly_to_another_resident(village_either_way):
    village = village_either_way
    js = village.javascript
    warga1 = village.person("warga1")
    program_id = propose(warga1, "Perbaikan saluran air RT 03")
    fire(warga1, "submit", "proposed", js)
    pendamping = village.person("pendamping")
    open_program(pendamping, program_id)
    fire(pendamping, "open_discussion", "discussion", js)

    # Three residents, three stances (none is chosen for them).
    for who, (stance, body) in zip(("warga2", "warga3", "warga4"), SAID.items()):
        page = village.person(who)
        open_program(page, program_id)
        send_comment(page, stance, body)
    # warga1 answers the concern, one level deep.
    open_program(warga1, program_id)
    concern = comment_of(warga1, SAID["concern"])
    concern.locator('details:has(form[data-action="reply"]) > summary').click()
    reply_form = concern.locator('form[data-action="reply"]')
    reply_form.locator("[name=body]").fill(REPLY)
    reply_form.locator("[type=submit]").click()
    expect(comment_of(warga1, SAID["concern"]).locator("ol.replies")).to_contain_text(REPLY)

    # The facilitator: a rude comment hidden with a reason, a comment for warga11, the summary.
    warga5 = village.person("warga5")
    open_program(warga5, program_id)
    send_comment(warga5, "concern", RUDE)
    open_program(pendamping, program_id)
    rude = comment_of(pendamping, RUDE)
    rude.locator('details:has(form[data-action="hide-comment"]) > summary').click()
    rude.locator('form[data-action="hide-comment"] [name=reason]').fill("Tidak sopan")
    rude.locator('form[data-action="hide-comment"] [type=submit]').click()
    expect(pendamping.locator("li[data-hidden] [data-hidden-note]")).to_contain_text("Tidak sopan")
    send_comment(pendamping, "support", "Setuju, asal dikerjakan saat kemarau.", "warga11")
    pendamping.locator('details:has(form[data-action="pin-summary"]) > summary').click()
    summary_form = pendamping.locator('form[data-action="pin-summary"]')
    summary_form.locator("[name=body]").fill(SUMMARY)
    summary_form.locator("[type=submit]").click()
    expect(pendamping.locator("[data-summary]")).to_contain_text("Masih terbuka")
    village.audit("pendamping")

    # Another resident reads it all.
    warga6 = village.person("warga6")
    open_program(warga6, program_id)
    doing(warga6, "reading the discussion")
    summary = warga6.locator("[data-summary] .summary-body")
    assert summary.inner_text() == SUMMARY  # the line break kept
    counts = warga6.locator("[data-stance-counts]")
    for stance, n in (("support", 2), ("concern", 1), ("question", 1)):
        expect(counts.locator(f'[data-count="{stance}"] strong')).to_have_text(str(n))
    expect(comment_of(warga6, SAID["concern"]).locator("ol.replies")).to_contain_text(REPLY)
    hidden = warga6.locator("li[data-comment][data-hidden]")
    expect(hidden.locator("[data-hidden-note]")).to_contain_text("(Tidak sopan)")
    expect(hidden).not_to_contain_text(RUDE)
    expect(warga6.locator("[data-recorded-by]")).to_contain_text(
        "dicatat oleh pendamping atas nama")
    village.audit("warga6")

    # warga11 finds the comment on their next login, as theirs.
    warga11 = village.person("warga11")
    open_program(warga11, program_id)
    expect(warga11.locator("li[data-comment]:has([data-recorded-by])")).to_contain_text(
        "Setuju, asal dikerjakan saat kemarau.")
