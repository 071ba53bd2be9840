"""Use cases of a member's own news: mark one or all read, and choose which kinds to hear.

Only the member's own rows are ever touched: someone else's notification does not exist
for them (not found, nothing changed).
"""
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, select

from workflow.core.command import command
from workflow.core.db import lock_key
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.notifications.models import KINDS, Notification, NotificationMute


@command
def mark_read(session: Session, actor, notification_id: int, now: datetime) -> Notification:
    """Mark one of the actor's news read (again is harmless: the first time stays)."""
    news = session.exec(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == actor.id)
        .with_for_update()).first()
    if news is None:
        raise Refusal("not_found", Reason(N_("That notification does not exist.")))
    if news.read_at is None:
        news.read_at = now
        session.add(news)
    return news


@command
def mark_all_read(session: Session, actor, now: datetime) -> int:
    """Mark every unread news of the actor read; how many there were."""
    result = session.exec(update(Notification).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None)).values(read_at=now))
    return result.rowcount


@command
def choose_kinds(session: Session, actor, kinds: list[str], now: datetime) -> list[str]:
    """Receive exactly the kinds of news in ``kinds`` (the ticked boxes); the others are
    turned off (a NotificationMute row each). Returns the kinds turned off."""
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        problem = Reason(N_("Choose only from the kinds of news listed."))
        raise Refusal("invalid", problem, {"kinds": problem})
    off = [kind for kind in KINDS if kind not in kinds]
    # Two saves at once (two tabs) would both insert the same mute: one after the other.
    lock_key(session, f"notification-settings:{actor.id}")
    session.exec(delete(NotificationMute).where(NotificationMute.user_id == actor.id,
                                                NotificationMute.kind.not_in(off)))
    already = set(session.exec(select(NotificationMute.kind).where(
        NotificationMute.user_id == actor.id)).all())
    session.add_all(NotificationMute(user_id=actor.id, kind=kind)
                    for kind in off if kind not in already)
    return off
