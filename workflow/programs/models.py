"""The program tables: the proposal every feature hangs off, and its authors."""
from datetime import datetime

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint, or_
from sqlmodel import Field, SQLModel, select

from workflow.core.personal import PersonalData, register


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


def _authored(session, user) -> list:
    authored = select(ProgramAuthor.program_id).where(ProgramAuthor.user_id == user.id)
    return [row.model_dump(mode="json") for row in session.exec(
        select(Program).where(or_(Program.id.in_(authored), Program.created_by == user.id)))]


register(PersonalData(
    "programs_authored", (ProgramAuthor.user_id, Program.created_by), read=_authored,
    kept="a proposal is the community's once submitted; the page names a former resident"))
