"""notify(): one INSERT ... SELECT per cause; the actor and members who turned the kind off
are skipped."""
from sqlmodel import select

from tests.helpers import utcnow
from workflow.notifications.models import REPLY, VOTE_OPENED, Notification, NotificationMute
from workflow.notifications.send import notify
from workflow.people.models import Membership, User


def _told(db, kind):
    return sorted(n.user_id for n in db.exec(select(Notification).where(Notification.kind == kind)))


def test_notify_a_list_skips_the_actor_and_duplicates(db, people):
    """A list of ids: each told once, never the person who acted."""
    a, b = people["warga1"].id, people["warga2"].id
    notify(db, [a, b, b], REPLY, link="/programs/1#comment-1", now=utcnow(), program_id=1,
           actor_id=a)
    db.commit()
    assert _told(db, REPLY) == [b]
    news = db.exec(select(Notification)).one()
    assert (news.link, news.program_id, news.actor_id, news.read_at) == (
        "/programs/1#comment-1", 1, a, None)


def test_notify_a_select_skips_who_turned_the_kind_off(db, people):
    """A SELECT of members: everyone but the actor and whoever muted this kind."""
    community = db.exec(select(Membership.community_id).where(
        Membership.user_id == people["warga1"].id)).first()
    db.add(NotificationMute(user_id=people["warga2"].id, kind=VOTE_OPENED))
    db.commit()
    members = select(Membership.user_id).where(Membership.community_id == community)
    notify(db, members, VOTE_OPENED, link="/programs/1", now=utcnow(), program_id=1,
           actor_id=people["pendamping"].id)
    db.commit()
    expected = sorted(set(db.exec(members).all()) - {people["warga2"].id, people["pendamping"].id})
    assert _told(db, VOTE_OPENED) == expected
    assert people["warga3"].id in expected


def test_notify_nobody_writes_nothing(db, people):
    notify(db, [], REPLY, link="/programs/1", now=utcnow())
    db.commit()
    assert db.exec(select(Notification)).all() == []
    assert db.get(User, people["warga1"].id) is not None


def test_notify_without_an_actor_or_a_program(db, people):
    """NULLs typed as their columns: PostgreSQL refuses an untyped one for an integer."""
    notify(db, [people["warga1"].id], REPLY, link="/notifications", now=utcnow())
    db.commit()
    news = db.exec(select(Notification)).one()
    assert (news.user_id, news.actor_id, news.program_id) == (people["warga1"].id, None, None)
