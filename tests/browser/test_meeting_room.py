"""In Chromium, with JavaScript and without: the facilitator records the votes of residents
present in the hall (one of them voted online before and is counted once), and the projector
page shows the count, updating by itself when JavaScript runs."""
import pytest
from playwright.sync_api import expect

from tests.helpers import PROGRAM, utcnow, votes_of
from tests.meetings.hall import hall
from workflow.voting import commands as voting_commands

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def test_the_facilitator_records_the_hall_and_the_screen_follows(village_either_way, db, people):
    village = village_either_way
    present = tuple(f"warga{i}" for i in range(1, 10))
    meeting_id, _item = hall(db, people, present=present)
    voting_commands.cast_vote(db, people["warga2"], PROGRAM, "disagree", "", utcnow())

    screen = village.person("warga5")
    screen.goto(f"/meetings/{meeting_id}/screen")
    quorum = screen.locator("[data-quorum]")
    expect(quorum).to_have_attribute("data-present", "9")
    expect(quorum).to_have_attribute("data-met", "true")
    expect(screen.locator('[data-tally] [data-count="disagree"] strong')).to_have_text("1")

    facilitator = village.person("pendamping")
    facilitator.goto(f"/meetings/{meeting_id}")
    rows = facilitator.locator("[data-voter]")
    expect(rows).to_have_count(9)
    expect(facilitator.locator('[data-voter="warga2"] [data-online]')).to_have_count(1)
    for name, choice in (("warga1", "agree"), ("warga2", "agree"), ("warga3", "abstain")):
        facilitator.locator(f'[data-voter="{name}"] [data-choice="{choice}"]').click()
        expect(facilitator.locator(f'[data-voter="{name}"] [data-choice="{choice}"]')
               ).to_have_attribute("aria-pressed", "true")
    expect(facilitator.locator('[data-voter="warga2"] [data-recorded-by]')).to_have_count(1)

    if not village.javascript:
        screen.reload()
    # With htmx the live part is fetched again every 5 s: no reload.
    expect(screen.locator('[data-tally] [data-count="agree"] strong')).to_have_text(
        "2", timeout=15_000)
    expect(screen.locator('[data-tally] [data-count="disagree"] strong')).to_have_text("0")
    expect(screen.locator("[data-tally]")).not_to_contain_text(people["warga1"].display_name)
    assert sorted(votes_of(db)) == [("warga1", "agree", "", True), ("warga2", "agree", "", True),
                                    ("warga3", "abstain", "", True)]
    assert not village.problems, "\n".join(village.problems)
