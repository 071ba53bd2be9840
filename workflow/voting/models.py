"""The voting tables: a ballot of a program, and its votes."""
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.core.personal import PersonalData, register


class Ballot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    kind: str = Field(max_length=16)
    secret: bool = False
    opened_at: datetime
    closed_at: datetime | None = None
    passed: bool | None = None
    # The revision of the program's words the ballot opened on (drafting's Revision.number):
    # what people voted on, which the minutes can cite.
    revision: int | None = None


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


register(
    # Own votes only; secret or not, a person may see their own choices.
    PersonalData("votes", (Vote.user_id,), forget={"reason": ""}),
    PersonalData("votes_recorded_for_others", (Vote.recorded_by,),
                 exclude=("user_id", "choice", "reason"),
                 kept="the vote is the resident's: the facilitator who recorded it sees "
                      "only when and on which ballot"),
)
