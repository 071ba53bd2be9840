"""Withdrawal in each template: the author may withdraw until a vote has been opened, and
nobody else may."""
import re

import pytest

from tests.arrange import (
    AUTHOR,
    action,
    fire,
    planning,
    vote_all,
    withdrawable,
)
from tests.helpers import (
    db_state,
    events_of,
    login_as,
    page_of,
    post_step,
    refusal_text,
    state_of,
    step,
    steps_on,
)

# --- withdrawal ---------------------------------------------------------------------------------

WITHDRAWABLE = [("locality", "draft"), ("locality", "proposed"), ("locality", "discussion"),
                ("planning", "draft"), ("planning", "proposed"), ("planning", "assessment"),
                ("action", "draft"), ("action", "proposed"), ("action", "organizing")]


@pytest.mark.parametrize(("template", "state"), WITHDRAWABLE,
                         ids=[f"{t}-{s}" for t, s in WITHDRAWABLE])
def test_author_withdraws_before_any_vote(client, db, people, template, state):
    """The author may withdraw until a vote is opened; nobody else may."""
    program_id = withdrawable(db, people, template, state)
    login_as(client, people[AUTHOR])
    assert "withdraw" in steps_on(page_of(client, program_id))
    for username in ("warga5", "pendamping", "kades"):
        token = login_as(client, people[username])
        before = db_state(db)
        response = step(client, token, program_id, "withdraw", expected_state=state)
        # Someone else's draft does not exist for a member who is not its facilitator.
        hidden = state == "draft" and username != "pendamping"
        assert response.status_code == (404 if hidden else 403)
        assert db_state(db) == before
    response = post_step(client, people, program_id, "withdraw", AUTHOR, expected_state=state,
                         confirm="yes")
    assert response.status_code == 302
    assert state_of(db, program_id) == "withdrawn"
    assert events_of(db, program_id)[-1] == ("withdraw", state, "withdrawn", AUTHOR)


def _after_a_vote(db, people, template) -> tuple[int, str]:
    """A program back in a withdrawable state after a ballot was opened on it."""
    if template == "locality":
        program_id = withdrawable(db, people, "locality", "discussion")
        fire(db, people, program_id, "open_voting")
        fire(db, people, program_id, "close_voting")       # no quorum: back to discussion
        return program_id, "discussion"
    if template == "planning":
        program_id = planning(db, people, "agreed")         # the advisory poll was opened
        fire(db, people, program_id, "return", "kades", reason="Data kurang.")
        return program_id, "assessment"
    program_id = action(db, people, "voting")
    vote_all(db, people, program_id, ["no"] * 8)
    fire(db, people, program_id, "close_voting")           # demands not adopted
    return program_id, "organizing"


@pytest.mark.parametrize("template", ["locality", "planning", "action"])
def test_withdraw_refused_after_a_ballot_was_opened(client, db, people, template):
    program_id, state = _after_a_vote(db, people, template)
    assert state_of(db, program_id) == state
    login_as(client, people[AUTHOR])
    page = page_of(client, program_id)
    assert re.search(r'data-transition="withdraw"[^>]*\s+disabled', page)
    token = login_as(client, people[AUTHOR])
    before = db_state(db)
    response = step(client, token, program_id, "withdraw", expected_state=state)
    assert response.status_code == 409
    assert "a vote has already been opened" in refusal_text(response)
    assert db_state(db) == before


def test_withdraw_refused_after_the_target_refused(client, db, people):
    """Back in organising after a refused demand, the program has been voted on: no withdraw."""
    program_id = action(db, people, "action")
    fire(db, people, program_id, "record_response", form={"outcome": "refused"})
    token = login_as(client, people[AUTHOR])
    before = db_state(db)
    response = step(client, token, program_id, "withdraw", expected_state="organizing")
    assert response.status_code == 409
    assert db_state(db) == before


@pytest.mark.parametrize(("template", "state"), [("planning", "consultation"),
                                                 ("action", "voting"), ("action", "agreed")])
def test_withdraw_refused_while_voting_or_after(client, db, people, template, state):
    program_id = withdrawable(db, people, template, state)
    token = login_as(client, people[AUTHOR])
    before = db_state(db)
    response = step(client, token, program_id, "withdraw", expected_state=state)
    assert response.status_code == 409
    assert db_state(db) == before
