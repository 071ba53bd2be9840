"""Writing a program together in Chromium, with and without JavaScript: warga1 invites
warga2, both change the words, the revisions page shows both changes, and a save over
the other's newer words is refused with their change shown, the own words kept."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import open_program, propose

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
REFUSED_FETCH = re.compile(r"Failed to load resource: the server responded with a status "
                           r"of 409\b")


def edit_goal(page, program_id: int, goal: str):
    """Open the edit form and write ``goal`` (not saved yet)."""
    page.goto(f"/programs/{program_id}")
    page.locator('[data-action="edit-program"]').click()
    page.locator("#goal").fill(goal)


def test_two_authors_write_and_compare(village_either_way):
    village = village_either_way
    first, second = village.person("warga1"), village.person("warga2")
    program_id = propose(first, "Jalan setapak ke sawah Sukamulya")
    first.locator("#coauthor-username").fill("warga2")
    first.locator('[data-action="invite-coauthor"]').click()
    expect(first.locator('[data-invitation="warga2"]')).to_have_count(1)

    open_program(second, program_id)  # a draft, readable by the one invited
    second.locator('[data-action="accept-coauthor"]').click()
    expect(second.locator('[data-author="warga2"]')).to_have_count(1)

    # Both open the form; warga2 saves first, so warga1's save is refused and shown why.
    mine = "Petani dan anak sekolah bisa lewat dengan aman sepanjang tahun."
    edit_goal(first, program_id, mine)
    edit_goal(second, program_id, "Semua petani dan anak sekolah bisa lewat dengan aman.")
    second.locator("#program-form [type=submit]").click()
    second.wait_for_url(re.compile(rf"/programs/{program_id}$"))
    first.locator("#program-form [type=submit]").click()
    changes = first.locator("[data-changes] [data-field=goal]")
    expect(changes.locator("ins")).to_have_text("Semua petani ")
    expect(first.locator("#goal")).to_have_value(mine)
    # Merged by hand, saved again knowingly.
    first.locator("#goal").fill("Semua " + mine[0].lower() + mine[1:])
    first.locator("#program-form [type=submit]").click()
    first.wait_for_url(re.compile(rf"/programs/{program_id}$"))

    first.locator('[data-action="revisions"]').click()
    expect(first.locator("[data-revision]")).to_have_count(3)
    first.goto(f"/programs/{program_id}/revisions?a=1&b=3")
    goal = first.locator("[data-compared] [data-field=goal]")
    expect(goal.locator("ins")).to_have_count(2)
    expect(goal.locator("ins").first).to_have_text("Semua petani ")   # warga2's
    expect(goal.locator("ins").last).to_have_text(" sepanjang tahun")  # warga1's
    problems = [p for p in village.problems if not REFUSED_FETCH.search(p)]
    assert not problems, "\n".join(problems)
