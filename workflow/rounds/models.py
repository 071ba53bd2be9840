"""The planning rounds of a community, each following one process template."""
from datetime import datetime

from sqlmodel import Field, SQLModel

OPEN, CLOSED, ARCHIVED = "open", "closed", "archived"
TITLE = 200  # letters in a round's name


class Round(SQLModel, table=True):
    """A planning round of a community, following one process template."""
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    title: str = Field(max_length=TITLE)
    template: str = Field(max_length=16)
    quorum: str = Field(max_length=16, default="2/3")
    consent_threshold: str = Field(max_length=16, default="2/3")
    min_discussion_days: int = 0
    # A vote stays open at least this long before it may be closed (0: no minimum).
    min_voting_hours: int = 0
    supporter_threshold: int = 6
    # The planning year (RKP Desa year) the round prepares; None for a round without one.
    year: int | None = None
    # open: programs are proposed and decided; closed: nothing new, the record stays;
    # archived: closed and out of the home page's way.
    status: str = Field(max_length=16, default=OPEN)
    created_at: datetime
