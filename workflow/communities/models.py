"""The community tables: a community (a desa, a kelurahan or a group) and its dusun."""
from sqlmodel import Field, SQLModel


class Community(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    slug: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=32, default="desa")
    # An IANA zone: "today" and every date shown are the community's own (WIB, WITA or WIT).
    timezone: str = Field(max_length=64, default="Asia/Jakarta")
    # For the official documents (berita acara, the public report): where the village is.
    kecamatan: str = Field(default="", max_length=120)
    kabupaten: str = Field(default="", max_length=120)
    # Where residents may complain about the process (the public report says it).
    complaint_address: str = Field(default="", max_length=300)


class Dusun(SQLModel, table=True):
    """A hamlet of a community: where a program takes place."""
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name: str = Field(max_length=120)
    # The RW and RT numbers in the dusun, if the village wants them listed ("01, 02").
    rw_list: str = Field(default="", max_length=300)
    rt_list: str = Field(default="", max_length=300)
