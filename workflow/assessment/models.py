"""The social-planning table: the facts gathered in a community diagnosis."""
from datetime import date, datetime

from sqlmodel import Field, SQLModel

from workflow.core.personal import PersonalData, register


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


register(PersonalData(
    "findings_recorded", (Finding.recorded_by,),
    kept="facts about the village, not the person; the page names a former resident"))
