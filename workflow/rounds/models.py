"""The community tables: a community, its dusun, and its planning rounds."""
from datetime import datetime

from sqlmodel import Field, SQLModel


class Community(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    slug: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=32, default="desa")
    # An IANA zone: "today" and every date shown are the community's own (WIB, WITA or WIT).
    timezone: str = Field(max_length=64, default="Asia/Jakarta")


class Dusun(SQLModel, table=True):
    """A hamlet of a community: where a program takes place."""
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name: str = Field(max_length=120)


class Round(SQLModel, table=True):
    """A planning round of a community, following one process template."""
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    title: str = Field(max_length=200)
    template: str = Field(max_length=16)
    quorum: str = Field(max_length=16, default="2/3")
    consent_threshold: str = Field(max_length=16, default="2/3")
    min_discussion_days: int = 0
    # A vote stays open at least this long before it may be closed (0: no minimum).
    min_voting_hours: int = 0
    supporter_threshold: int = 6
    created_at: datetime
