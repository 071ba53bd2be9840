"""The drafting tables: the invitations to co-author a program, and its revisions.

An author is a ``ProgramAuthor`` row (programs/models.py), whatever way they came to be
one; an invitation is only the question asked and its answer. A revision keeps the words
of one saved version of the proposal, so that any two can be compared later.
"""
from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.core.personal import PersonalData, register

ACCEPTED, DECLINED = "accepted", "declined"


class CoauthorInvitation(SQLModel, table=True):
    """An author asked a member to write the program with them; pending until answered."""
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)   # who is invited
    invited_by: int = Field(foreign_key="user.id")
    invited_at: datetime
    answered_at: datetime | None = None
    answer: str = Field(default="", max_length=16)            # "", accepted, declined


class Revision(SQLModel, table=True):
    """One saved version of a proposal's words: number 1 is the program as created."""
    __table_args__ = (UniqueConstraint("program_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    number: int
    user_id: int = Field(foreign_key="user.id")               # who saved it
    created_at: datetime
    # The program's version once this revision was saved: a form opened at version v
    # shows the newest revision whose version is at most v.
    version: int
    proposal: str = Field(sa_column=Column(Text, nullable=False))   # JSON: field -> value
    changed: str = Field(sa_column=Column(Text, nullable=False))    # JSON: the fields changed


register(
    PersonalData("coauthor_invitations", (CoauthorInvitation.user_id,
                                          CoauthorInvitation.invited_by),
                 kept="who was asked to write a program, by whom, and the answer: part of "
                      "how the proposal came to be, shown only to its readers"),
    PersonalData("revisions_saved", (Revision.user_id,),
                 kept="the proposal's words are the community's once submitted; which "
                      "author saved which words is the program's record"),
)
