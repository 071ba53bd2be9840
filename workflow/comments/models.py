"""The discussion table: the comments on a program."""
from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from workflow.core.personal import PersonalData, register


class Comment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    stance: str = Field(max_length=16)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime


register(PersonalData("comments", (Comment.user_id,), forget={"body": ""}))
