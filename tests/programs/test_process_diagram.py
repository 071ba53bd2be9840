"""The process diagram on a program's page, at the state the program is in now."""
import re

import pytest

from tests.arrange import (
    GOOD_FINDING,
    action,
    planning,
    withdrawable,
)
from tests.helpers import (
    login_as,
    page_of,
    post_step,
    send,
    state_of,
)

# --- the process diagram --------------------------------------------------------------------------

def current_nodes(page) -> list:
    return re.findall(r'<g class="diagram-node" data-diagram-state="(\w+)" data-current="true"',
                      page)


DIAGRAM_CASES = [("locality", "proposed"), ("locality", "discussion"),
                 ("planning", "assessment"), ("planning", "consultation"),
                 ("planning", "agreed"), ("action", "organizing"), ("action", "voting"),
                 ("action", "action")]


@pytest.mark.parametrize(("template", "state"), DIAGRAM_CASES,
                         ids=[f"{t}-{s}" for t, s in DIAGRAM_CASES])
def test_program_page_draws_its_process_with_the_state_now(client, db, people, template,
                                                           state):
    program_id = withdrawable(db, people, template, state) if template == "locality" else (
        planning(db, people, state) if template == "planning" else action(db, people, state))
    login_as(client, people["warga5"])
    page = page_of(client, program_id)
    assert "<svg" in page
    svg = re.search(r'<svg [^>]*data-diagram="(\w+)"', page)
    assert svg and svg.group(1) == template
    assert current_nodes(page) == [state_of(db, program_id)]
    api = client.get(f"/api/v1/programs/{program_id}").get_json()
    assert current_nodes(page) == [api["state"]]


def test_diagram_follows_a_step_in_the_htmx_fragment(client, db, people):
    """The fragment swapped in after a step redraws the diagram at the new state."""
    program_id = planning(db, people, "assessment")
    token = login_as(client, people["pendamping"])
    assert send(client, f"/programs/{program_id}/findings", token, GOOD_FINDING,
                htmx=True).status_code == 200
    response = post_step(client, people, program_id, "publish_findings", htmx=True,
                         expected_state="assessment")
    page = response.get_data(as_text=True)
    assert 'data-diagram="planning"' in page
    assert current_nodes(page) == ["consultation"]
