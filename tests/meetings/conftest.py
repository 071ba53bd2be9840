"""A meeting of the demo village's locality round, scheduled through the command."""
from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import MultiDict

from tests.helpers import LOCALITY_ROUND
from workflow.meetings import commands

# The meeting's day: 2027-03-10 19:30 WIB (12:30 UTC); "now" is that morning in the village.
MORNING = datetime(2027, 3, 10, 1, 0, tzinfo=UTC)
DAY_BEFORE = datetime(2027, 3, 9, 1, 0, tzinfo=UTC)
STARTS = "2027-03-10T19:30"
FORM = {"title": "Musyawarah Dusun Krajan", "starts_at": STARTS, "place": "Balai Desa",
        "programs": "1"}


@pytest.fixture
def meeting(db, users):
    """A scheduled meeting (made the day before), program 1 on its agenda, 12 invited."""
    return commands.schedule_meeting(db, users["pendamping"], LOCALITY_ROUND,
                                     MultiDict(FORM), DAY_BEFORE).id


@pytest.fixture
def opened(db, users, meeting):
    commands.open_meeting(db, users["pendamping"], meeting, MORNING)
    return meeting
