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
    # The facilitator who entered the support for a resident without a phone.
    recorded_by: int | None = Field(default=None, foreign_key="user.id")


register(PersonalData(
    "supported_programs", (Supporter.user_id,),
    kept="a person who left no longer counts as a supporter; the row keeps the history true"),
    PersonalData("supports_recorded_for_others", (Supporter.recorded_by,), exclude=("user_id",),
                 kept="the support is the resident's: the facilitator who entered it sees "
                      "only when and on which program"))
