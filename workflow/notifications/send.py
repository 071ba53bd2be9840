"""Telling members: one INSERT ... SELECT per cause, inside the cause's own transaction,
so the news and what it reports are written together or not at all.

Commands call :func:`notify` with whom to tell: a list of user ids or a SELECT of them
(the program's followers, a community's members). The actor is never told of their own
act, and a member who turned the kind off is skipped, in the same statement.
"""
from datetime import datetime

from sqlalchemy import Select, and_, exists, insert, literal, select

from workflow.notifications.models import KINDS, Notification, NotificationMute
from workflow.people.models import User


def notify(session, recipients, kind: str, *, link: str, now: datetime,
           program_id: int | None = None, actor_id: int | None = None,
           detail: str = "") -> None:
    """Write ``kind`` news for each of ``recipients`` (ids, or a SELECT of user ids)."""
    assert kind in KINDS, kind
    if not isinstance(recipients, Select):
        ids = sorted({int(i) for i in recipients})
        if not ids:
            return
        recipients = select(User.id).where(User.id.in_(ids))
    who = recipients.subquery()
    person = list(who.columns)[0]
    muted = exists().where(and_(NotificationMute.user_id == person,
                                NotificationMute.kind == kind))
    # Each value typed as its column: an untyped NULL (no actor) is text to PostgreSQL.
    columns = Notification.__table__.c
    values = [literal(value, columns[name].type) for name, value in (
        ("kind", kind), ("program_id", program_id), ("actor_id", actor_id), ("detail", detail),
        ("link", link), ("created_at", now))]
    rows = select(person, *values).distinct().where(~muted)
    if actor_id is not None:
        rows = rows.where(person != actor_id)
    session.exec(insert(Notification).from_select(
        ["user_id", "kind", "program_id", "actor_id", "detail", "link", "created_at"], rows))
