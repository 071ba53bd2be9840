"""The meeting's quorum over its invitees, and which groups are in the hall."""
import pytest

from workflow.engine.people import TAGS
from workflow.engine.quorum import needed, quorum_met, representation


@pytest.mark.parametrize(("present", "invited", "fraction", "met"), [
    (7, 12, "2/3", False), (8, 12, "2/3", True), (9, 12, "2/3", True),
    (0, 0, "2/3", False), (1, 1, "1/1", True), (5, 10, "1/2", True), (4, 10, "1/2", False),
])
def test_quorum_met(present, invited, fraction, met):
    """The share is of the invitees, rounded up; a meeting with nobody invited decides nothing."""
    assert quorum_met(present, invited, fraction) is met


def test_needed_rounds_up():
    assert needed(12, "2/3") == 8
    assert needed(10, "2/3") == 7


def test_representation_counts_present_and_missing():
    """A woman counts with the women's group by gender; a group nobody came from is missing."""
    groups = {g.tag: g for g in representation([
        ("f", "", True), ("m", "farmer;poor", True), ("m", "farmer", False),
        ("f", "disability", False),
    ])}
    assert list(groups) == list(TAGS)
    assert (groups["women"].invited, groups["women"].present, groups["women"].missing) == (2, 1, False)
    assert (groups["farmer"].invited, groups["farmer"].present) == (2, 1)
    assert groups["poor"].missing is False
    assert (groups["disability"].invited, groups["disability"].missing) == (1, True)
    assert (groups["fisher"].invited, groups["fisher"].missing) == (0, True)
