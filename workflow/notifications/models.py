"""The notifications table, and the kinds a member may turn off."""
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.core.personal import PersonalData, register

# The kinds of news, in the order the settings page lists them.
INVITED = "invited"            # asked to co-author a program
PROGRAM_CHANGED = "changed"    # a program one authors, supports or commented on moved on
VOTE_OPENED = "vote_opened"    # a vote opened in one's community
VOTE_CLOSED = "vote_closed"    # a vote closed in one's community
REPLY = "reply"                # someone answered one's comment
KINDS = (INVITED, PROGRAM_CHANGED, VOTE_OPENED, VOTE_CLOSED, REPLY)


class Notification(SQLModel, table=True):
    """One piece of news for one member, linking to its place."""
    # The bell counts a member's unread news on every page: one index answers it.
    __table_args__ = (Index("ix_notification_unread", "user_id", "read_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=16)
    program_id: int | None = Field(default=None, foreign_key="program.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    # The state the program moved to, or the ballot's outcome: what the line says.
    detail: str = Field(default="", max_length=40)
    # Where the news links to, a local path: "/programs/3#comment-12".
    link: str = Field(max_length=200)
    created_at: datetime
    read_at: datetime | None = None


class NotificationMute(SQLModel, table=True):
    """A kind of news a member has turned off."""
    __table_args__ = (UniqueConstraint("user_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=16)


register(
    PersonalData("notifications", (Notification.user_id, Notification.actor_id),
                 kept="news about programs, with no words of the person's own; it goes "
                      "with the programs' history"),
    PersonalData("notification_settings", (NotificationMute.user_id,),
                 kept="only which kinds of news the person turned off"))
