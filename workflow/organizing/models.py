"""The social-action table: the residents who joined a program as supporters."""
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.core.personal import PersonalData, register


class Supporter(SQLModel, table=True):
    """A resident who has joined a social-action program as a supporter."""
    __table_args__ = (UniqueConstraint("program_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    joined_at: datetime


register(PersonalData(
    "supported_programs", (Supporter.user_id,),
    kept="a person who left no longer counts as a supporter; the row keeps the history true"))
