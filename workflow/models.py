"""SQLModel tables. Alembic (migrations/) owns the schema; tests build it the same way."""
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    created_at: datetime
    # Set when an administrator resets the password: the person picks a new one.
    must_change_password: bool = False
    # Set when the person asked to be forgotten: the row stays (votes, history) but says nothing.
    anonymised_at: datetime | None = None


class LoginSession(SQLModel, table=True):
    """A logged-in browser. The cookie holds a random token; the row holds its hash,
    so logging out (or a password reset) ends the session on the server too."""
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime
    revoked_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """A try to log in, kept for a while to slow down guessing."""
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(index=True)
    succeeded: bool = False


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


class Membership(SQLModel, table=True):
    """One role per person per community."""
    __table_args__ = (UniqueConstraint("user_id", "community_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    role: str = Field(max_length=16)


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


class Program(SQLModel, table=True):
    """A proposed community program, as a musrenbang proposal records it."""
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    title: str = Field(max_length=200)
    problem: str = Field(sa_column=Column(Text, nullable=False))
    goal: str = Field(sa_column=Column(Text, nullable=False))
    beneficiaries: str = Field(default="", max_length=200)
    beneficiaries_count: int | None = None
    dusun_id: int | None = Field(default=None, foreign_key="dusun.id")
    rt: str = Field(default="", max_length=8)
    rw: str = Field(default="", max_length=8)
    sector: str = Field(default="", max_length=32)
    # Rupiah: a road can cost billions, past a 32-bit integer.
    estimated_cost: int | None = Field(default=None, sa_column=Column(BigInteger))
    funding_source: str = Field(default="", max_length=32)
    state: str = Field(max_length=32, index=True)
    state_since: datetime
    version: int = 1
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime
    # The hidden token of the form that created it: a double-clicked submit
    # finds the program already made instead of making a second one.
    submission_key: str | None = Field(default=None, max_length=64, unique=True)


class ProgramAuthor(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("program_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    user_id: int = Field(foreign_key="user.id")


class Ballot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    kind: str = Field(max_length=16)
    secret: bool = False
    opened_at: datetime
    closed_at: datetime | None = None
    passed: bool | None = None


class Vote(SQLModel, table=True):
    """One person, one vote per ballot: the unique key enforces it."""
    __table_args__ = (UniqueConstraint("ballot_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="ballot.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    choice: str = Field(max_length=16)
    reason: str = Field(default="", max_length=1000)
    in_room: bool = False
    recorded_by: int | None = Field(default=None, foreign_key="user.id")
    cast_at: datetime


class Supporter(SQLModel, table=True):
    """A resident who has joined a social-action program as a supporter."""
    __table_args__ = (UniqueConstraint("program_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    joined_at: datetime


class Finding(SQLModel, table=True):
    """A fact gathered in a social-planning assessment (community diagnosis)."""
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    indicator: str = Field(max_length=200)
    value: str = Field(max_length=64)
    unit: str = Field(default="", max_length=64)
    source: str = Field(default="", max_length=300)
    observed_on: date | None = None
    recorded_by: int = Field(foreign_key="user.id")
    created_at: datetime


class Comment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    stance: str = Field(max_length=16)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime


class Event(SQLModel, table=True):
    """An append-only record of one fired transition, chained by hash."""
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    actor_id: int = Field(foreign_key="user.id")
    at: datetime
    transition: str = Field(max_length=32)
    from_state: str = Field(max_length=32)
    to_state: str = Field(max_length=32)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
