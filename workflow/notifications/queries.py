"""The read side of notifications: the bell's unread count (one COUNT on the index
ix_notification_unread), a page of a member's news with what each line names (the program's
title, who acted, whether the reader may still open it) in one query, and the kinds a member
turned off.
"""
from typing import NamedTuple

from sqlalchemy import and_, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from workflow.engine.processes import FACILITATOR
from workflow.notifications.models import KINDS, Notification, NotificationMute
from workflow.people.models import Membership, User
from workflow.programs.access import DRAFT
from workflow.programs.models import Program, ProgramAuthor
from workflow.rounds.models import Round

# A page of news: enough for a month of a busy round, small enough for a phone on 2G.
PAGE_SIZE = 30


def unread_count(session: Session, user_id: int) -> int:
    """How many of the member's news are unread: the bell's number, one COUNT query."""
    return session.exec(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))).one()


class News(NamedTuple):
    """One line of news as the page shows it."""
    notification: Notification
    title: str            # the program's title ("" when it is gone)
    actor: str | None     # who acted: their name, "" for a person who left, None for nobody
    readable: bool        # whether the reader may still open the program: only then a link


def _news_query(user_id: int):
    """The member's news with the program, the actor and the reader's standing in the
    program's community: outer joins, one row per notification (a member has one
    membership per community, a program one author row per person)."""
    actor = aliased(User)
    mine = aliased(Membership)
    authored = aliased(ProgramAuthor)
    return (select(Notification, Program.title, Program.state, actor.id, actor.display_name,
                   mine.role, authored.id)
            .outerjoin(Program, Program.id == Notification.program_id)
            .outerjoin(Round, Round.id == Program.round_id)
            .outerjoin(actor, actor.id == Notification.actor_id)
            .outerjoin(mine, and_(mine.user_id == user_id, mine.community_id == Round.community_id,
                                  mine.active.is_(True)))
            .outerjoin(authored, and_(authored.program_id == Program.id,
                                      authored.user_id == user_id))
            .where(Notification.user_id == user_id))


def _as_news(row) -> News:
    notification, title, state, actor_id, actor_name, role, author_row = row
    # programs.access.may_read, over the joined row: a member; a draft only for its
    # authors and the facilitator.
    readable = role is not None and (state != DRAFT or author_row is not None
                                     or role == FACILITATOR)
    # The link is written by commands; a page of this site only, whatever it says.
    readable = readable and notification.link.startswith("/") and not notification.link.startswith("//")
    return News(notification, title or "", None if actor_id is None else (actor_name or ""),
                readable)


def news_page(session: Session, user_id: int, before: int | None = None,
              size: int = PAGE_SIZE) -> tuple[list[News], int | None]:
    """A page of the member's news, newest first, older than the id ``before`` when given;
    and the id to ask for the next older page with (None when there is none)."""
    query = _news_query(user_id)
    if before is not None:
        query = query.where(Notification.id < before)
    rows = session.exec(query.order_by(Notification.id.desc()).limit(size + 1)).all()
    news = [_as_news(row) for row in rows[:size]]
    return news, news[-1].notification.id if len(rows) > size else None


def one_news(session: Session, user_id: int, notification_id: int) -> News | None:
    """One of the member's news (for the line swapped in after it is marked read)."""
    row = session.exec(_news_query(user_id).where(Notification.id == notification_id)).first()
    return None if row is None else _as_news(row)


def kinds_on(session: Session, user_id: int) -> list[str]:
    """The kinds of news the member still receives, in the settings page's order."""
    muted = set(session.exec(select(NotificationMute.kind).where(
        NotificationMute.user_id == user_id)).all())
    return [kind for kind in KINDS if kind not in muted]
