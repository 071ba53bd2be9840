"""Confirmation and refusals in Chromium: the confirmation page with JavaScript off, and a
refused htmx request that keeps what the page showed."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import open_program
from tests.helpers import PROGRAM, utcnow
from workflow.comments import commands as comment_commands
from workflow.programs import commands

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
REFUSED_FETCH = re.compile(r"Failed to load resource: the server responded with a status "
                           r"of 409\b")


def test_withdraw_asks_first_with_javascript_off(chromium_village):
    """With JavaScript off the author withdraws through the confirmation page."""
    village = chromium_village(False)
    author = village.person("warga2")
    open_program(author, PROGRAM)
    author.locator('[data-transition="withdraw"]').click()
    confirm = author.locator('form:has(input[name="confirm"]) [data-transition="withdraw"]')
    expect(confirm).to_have_count(1)
    expect(author.locator("[data-state]")).to_have_count(0)   # nothing happened yet
    confirm.click()
    expect(author.locator("[data-state]")).to_have_attribute("data-state", "withdrawn")
    expect(author.locator(".flash.success")).to_have_text("Usulan sudah ditarik kembali.")
    assert not village.problems, "\n".join(village.problems)


def test_a_refused_comment_keeps_the_discussion_on_the_page(chromium_village, db, people):
    """With htmx: the program is withdrawn while a resident writes; sending the comment is
    refused, the message shows in the message region and the comments stay."""
    village = chromium_village(True)
    comment_commands.add_comment(db, people["warga3"], PROGRAM, "support", "Saluran itu penting.",
                         utcnow())
    resident = village.person("warga1")
    open_program(resident, PROGRAM)
    comments = resident.locator("#comments li.comment")
    expect(comments).to_have_count(1)
    commands.fire_transition(db, people["warga2"], PROGRAM, "withdraw", utcnow())
    resident.locator('#comments input[name=stance][value=question]').check()
    resident.locator("#comment-body").fill("Kapan mulai dikerjakan?")
    resident.locator("#comment-form [type=submit]").click()
    expect(resident.locator("#messages #refused")).to_contain_text(
        "Program ini sudah ditutup untuk komentar.")
    expect(comments).to_have_count(1)
    expect(resident.locator("#comments")).to_contain_text("Saluran itu penting.")
    problems = [p for p in village.problems if not REFUSED_FETCH.search(p)]
    assert not problems, "\n".join(problems)
