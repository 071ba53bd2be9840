"""The discussion tables: the comments (with their replies) and the pinned summary.

Each change of the facilitator's summary is kept as its own row.
"""
from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from workflow.core.personal import PersonalData, register


class Comment(SQLModel, table=True):
    """A comment, or (with ``parent_id``) a reply to one: replies go one level deep."""
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    # support, concern or question; a reply has none ("").
    stance: str = Field(max_length=16)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    parent_id: int | None = Field(default=None, foreign_key="comment.id", index=True)
    # The objection of a failed consent round (its vote) that this comment answers.
    objection_id: int | None = Field(default=None, foreign_key="vote.id")
    # The facilitator who entered it for a resident without a phone (assisted entry).
    recorded_by: int | None = Field(default=None, foreign_key="user.id")
    edited_at: datetime | None = None
    hidden_at: datetime | None = None
    hidden_reason: str = Field(default="", max_length=500)
    # Counts edits and hides: the polled discussion's version changes with it.
    revision: int = 0


class DiscussionSummary(SQLModel, table=True):
    """One version of the facilitator's pinned summary (ringkasan musyawarah); the newest
    is shown, the older ones stay, and each change is in the program's history."""
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime


register(
    PersonalData("comments", (Comment.user_id,), forget={"body": ""}),
    PersonalData("comments_recorded_for_others", (Comment.recorded_by,),
                 exclude=("user_id", "body", "stance", "hidden_reason"),
                 kept="the comment is the resident's: the facilitator who entered it sees "
                      "only when and on which program"),
    PersonalData("discussion_summaries", (DiscussionSummary.author_id,),
                 kept="the summary is the meeting's record, written in the facilitator's "
                      "role; the account row no longer says who that was"),
)
