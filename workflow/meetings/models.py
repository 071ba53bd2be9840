"""The meeting tables: a musyawarah in the hall, its agenda, its roll, its guests."""
from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.core.personal import PersonalData, register

# A meeting's states (DESIGN.md, "Meetings"): scheduled -> open -> closed -> locked, and
# postponed (with a reason and a new time) -> open again.
SCHEDULED, OPEN, POSTPONED, CLOSED, LOCKED = "scheduled", "open", "postponed", "closed", "locked"
MEETING_STATES = (SCHEDULED, OPEN, POSTPONED, CLOSED, LOCKED)
GUEST_KINDS = ("observer", "guest")  # peninjau / wartawan, tamu: never counted, never vote


class Meeting(SQLModel, table=True):
    """A musyawarah of a round, held in the hall at a time in the community's zone."""
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    title: str = Field(max_length=200)
    place: str = Field(max_length=200)
    starts_at: datetime                      # UTC; shown in the community's time zone
    state: str = Field(default=SCHEDULED, max_length=16)
    # Set when the meeting was postponed for want of quorum: at the rescheduled meeting the
    # chair may proceed with those present, and the berita acara says so.
    reconvened: bool = False
    postpone_reason: str = Field(default="", max_length=500)
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    # What the roll said when the meeting closed: the berita acara reports it as it was.
    quorum_met: bool | None = None
    chair: str = Field(default="", max_length=120)      # pimpinan musyawarah
    secretary: str = Field(default="", max_length=120)  # notulis
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime
    version: int = 1
    # The signed berita acara: a random file name outside static/, its checked type.
    scan_name: str = Field(default="", max_length=64)
    scan_type: str = Field(default="", max_length=32)
    scan_uploaded_at: datetime | None = None
    scan_uploaded_by: int | None = Field(default=None, foreign_key="user.id")


class AgendaItem(SQLModel, table=True):
    """A program on a meeting's agenda, with the minutes noted for it."""
    __table_args__ = (UniqueConstraint("meeting_id", "program_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    position: int = 0
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class Invitee(SQLModel, table=True):
    """A member invited to the meeting; ``present_at`` once marked on the roll."""
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    present_at: datetime | None = None
    marked_by: int | None = Field(default=None, foreign_key="user.id")


class Guest(SQLModel, table=True):
    """Someone in the hall who is not an invitee: registered by name, never counted."""
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=16)
    added_at: datetime


class Addendum(SQLModel, table=True):
    """A correction to a locked meeting's record: its own text, its own event."""
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    body: str = Field(sa_column=Column(Text, nullable=False))
    written_by: int = Field(foreign_key="user.id")
    written_at: datetime


class RoomCount(SQLModel, table=True):
    """How many in the hall chose ``choice`` on a secret ballot, as the facilitator counted
    them (a show of papers, not names): one row per choice, replaced when corrected."""
    __table_args__ = (UniqueConstraint("ballot_id", "meeting_id", "choice"),)
    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="ballot.id", index=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    choice: str = Field(max_length=16)
    count: int
    # On the block row: the objections' reasons as the room gave them, without names, so
    # that the next round of discussion can answer them as it answers a phone's objection.
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    recorded_by: int = Field(foreign_key="user.id")
    recorded_at: datetime


register(
    PersonalData("meetings_scheduled", (Meeting.created_by, Meeting.scan_uploaded_by),
                 kept="the meeting is the village's record; it names who scheduled it"),
    PersonalData("meeting_attendance", (Invitee.user_id, Invitee.marked_by),
                 kept="the attendance list (daftar hadir) is part of the official record"),
    PersonalData("meeting_addenda", (Addendum.written_by,),
                 kept="a correction to the official record stays with it"),
    PersonalData("room_counts_recorded", (RoomCount.recorded_by,),
                 kept="counts of a secret ballot in the hall: they hold no one's choice, "
                      "and the decision rests on them"),
)
