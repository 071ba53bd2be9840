"""In Chromium, with JavaScript and without: the facilitator opens the vote; warga3's bell
counts it, the news page says it and links to the ballot, and marking it read empties the
bell."""
import pytest
from playwright.sync_api import expect

from tests.arrange import arrange
from tests.browser.support import fire, open_program
from tests.helpers import PROGRAM

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def test_warga3_hears_that_the_vote_opened(village_either_way, db, people):
    village = village_either_way
    javascript = village.javascript
    arrange(db, people, "discussion")
    facilitator = village.person("pendamping")
    open_program(facilitator, PROGRAM)
    fire(facilitator, "open_voting", "voting", javascript)

    resident = village.person("warga3")
    resident.goto("/")
    bell = resident.locator("[data-notifications]")
    expect(bell).to_have_attribute("data-unread", "1")
    expect(bell).to_have_attribute("aria-label", "Kabar: 1 belum dibaca")
    bell.click()
    resident.wait_for_url("**/notifications")
    item = resident.locator("[data-notification]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Pemungutan suara dibuka untuk")
    expect(item).to_have_attribute("data-read", "false")
    item.locator('[data-action="mark-read"]').click()
    expect(item).to_have_attribute("data-read", "true")
    expect(bell).to_have_attribute("data-unread", "0")   # out of band, or the page again
    expect(item.locator('[data-action="mark-read"]')).to_have_count(0)
    item.locator("a").first.click()
    resident.wait_for_url(f"**/programs/{PROGRAM}#ballot")
    expect(resident.locator("[data-state]")).to_have_attribute("data-state", "voting")
    assert not village.problems, "\n".join(village.problems)
