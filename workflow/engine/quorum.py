"""A meeting's quorum and its representation: who of the invitees is in the hall.

Pure: no Flask, no database, no clock. A musyawarah desa is valid when the round's share
(2/3 by default) of its *invitees* signed the attendance list (DESIGN.md, "Village
practice"); guests and observers never count.
"""
from dataclasses import dataclass

from workflow.engine.ballots import quorum_needed
from workflow.engine.people import TAGS

WOMEN = "women"


def needed(invited: int, fraction) -> int:
    """How many invitees must be present for the meeting to decide."""
    return quorum_needed(invited, fraction)


def quorum_met(present: int, invited: int, fraction) -> bool:
    """Whether ``present`` of ``invited`` reach the round's share; nobody invited: no."""
    return invited > 0 and present >= needed(invited, fraction)


@dataclass(frozen=True)
class Group:
    """One group the musyawarah must hear: how many of it were invited, how many came."""
    tag: str
    invited: int
    present: int

    @property
    def missing(self) -> bool:
        # Missing when nobody of the group is in the hall: whether its members stayed away
        # or none of them was invited, the group is not heard before the decision.
        return self.present == 0


def in_group(tag: str, gender: str, tags: set) -> bool:
    """Whether a member speaks for ``tag``: a woman counts with the women's group even
    when her membership does not carry the tag."""
    return tag in tags or (tag == WOMEN and gender == "f")


def representation(members) -> list:
    """[Group] in TAGS order, from ``members``: (gender, ";"-joined tags, present)."""
    rows = [(gender, set(filter(None, (tags or "").split(";"))), present)
            for gender, tags, present in members]
    groups = []
    for tag in TAGS:
        of_group = [present for gender, tags, present in rows if in_group(tag, gender, tags)]
        groups.append(Group(tag, len(of_group), sum(1 for present in of_group if present)))
    return groups
