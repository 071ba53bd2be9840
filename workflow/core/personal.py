"""The personal-data registry (UU 27/2022 on personal data protection).

Every feature that keeps something about a person says so here, next to its tables: which
columns name the person, what goes when the person asks to be forgotten, and why the rest
may stay. ``people.queries.personal_data()`` (the person's download) and
``people.commands.anonymise()`` (being forgotten) read only this table, so a new feature's
table is in both once it is registered, and a test fails for a table that names a person
and is not.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import or_, update
from sqlmodel import select


@dataclass(frozen=True)
class PersonalData:
    """What one table (or one reading of it) holds about a person."""
    key: str                      # the name of this part in the person's download
    columns: tuple                # the columns naming the person: Comment.user_id, LoginAttempt.username
    forget: dict = field(default_factory=dict)  # column -> its value once the person is forgotten
    kept: str = ""                # when nothing is forgotten: why the rows may stay as they are
    exclude: tuple = ()           # columns never given out (hashes, tokens, other people's choices)
    read: Callable | None = None  # a reading of its own: (session, user) -> the download's part

    @property
    def model(self):
        return self.columns[0].class_

    def naming(self, user):
        """The condition on this table's rows that name ``user``."""
        return or_(*(column == (user.username if column.key == "username" else user.id)
                     for column in self.columns if column.class_ is self.model))

    def rows(self, session, user):
        if self.read is not None:
            return self.read(session, user)
        return [row.model_dump(mode="json", exclude=set(self.exclude))
                for row in session.exec(select(self.model).where(self.naming(user)))]

    def forget_rows(self, session, user) -> None:
        if self.forget:
            session.exec(update(self.model).where(self.naming(user)).values(**self.forget))


REGISTRY: list[PersonalData] = []


def register(*entries: PersonalData) -> None:
    REGISTRY.extend(entries)


def download(session, user) -> dict:
    """Everything the service holds about ``user``, part by part."""
    return {entry.key: entry.rows(session, user) for entry in REGISTRY}


def forget(session, user) -> None:
    """Blank, in every registered table, what names ``user`` or is their own words."""
    for entry in REGISTRY:
        entry.forget_rows(session, user)
