"""A round's board."""
import re

import pytest

from tests.helpers import (
    ACTION_ROUND,
    LOCALITY_ROUND,
    PLANNING_ROUND,
    login_as,
)

# --- the process diagram --------------------------------------------------------------------------

@pytest.mark.parametrize(("round_id", "template"), [(LOCALITY_ROUND, "locality"),
                                                    (PLANNING_ROUND, "planning"),
                                                    (ACTION_ROUND, "action")])
def test_round_page_draws_the_process_without_a_current_state(client, people, round_id,
                                                              template):
    login_as(client, people["warga1"])
    response = client.get(f"/rounds/{round_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    svg = re.search(r'<svg [^>]*data-diagram="(\w+)"', page)
    assert svg and svg.group(1) == template
    assert 'data-current="true"' not in page
    assert "data-diagram-state=" in page
