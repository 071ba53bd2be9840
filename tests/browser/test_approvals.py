"""The official's desk in Chromium: the village official finds what awaits on the start
page and approves it from /approvals, with htmx (the row swaps in place) and as plain forms."""
import pytest
from playwright.sync_api import expect

from tests.arrange import arrange
from tests.browser.support import assert_not_reloaded, doing, mark_page
from tests.helpers import PROGRAM, state_of

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def test_the_official_approves_a_program_from_the_desk(village_either_way, db, people):
    arrange(db, people, "agreed")
    db.commit()
    village = village_either_way
    official = village.person("kades")
    doing(official, "opening the desk from the start page")
    official.goto("/")
    link = official.locator('[data-action="approvals"]')
    expect(link).to_have_attribute("data-awaiting", "1")
    link.click()
    row = official.locator(f'[data-program="{PROGRAM}"]')
    expect(row).to_contain_text("Perbaikan saluran air Dusun Krajan")
    expect(row.locator('[data-count="agree"]')).to_contain_text("10")
    if village.javascript:
        mark_page(official)
    doing(official, "approving")
    row.locator('[data-transition="approve"]').click()
    confirm = official.locator('form:has(input[name="confirm"]) [data-transition="approve"]')
    expect(confirm).to_have_count(1)
    assert state_of(db, PROGRAM) == "agreed"          # asked first: nothing happened yet
    confirm.click()
    if village.javascript:
        expect(row).to_have_attribute("data-done", "true")
        expect(row).to_contain_text("Usulan disetujui.")
        assert_not_reloaded(official, "approving from the desk")
    else:
        expect(official.locator(".flash.success")).to_have_text("Usulan disetujui.")
        expect(official).to_have_url(f"{village.base_url}/approvals")
        expect(row).to_have_count(0)
    assert state_of(db, PROGRAM) == "approved"
    assert not village.problems, "\n".join(village.problems)
