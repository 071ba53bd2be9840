"""The read side of communities: the ones a person may set up, and one with its dusun."""
from sqlmodel import Session, select

from workflow.communities.models import Community, Dusun
from workflow.engine.processes import ADMIN
from workflow.people import activation
from workflow.people.models import Membership, User


def managed(session: Session, user) -> list:
    """The communities ``user`` may set up: all for a site administrator, else the ones
    they administer; by name."""
    query = select(Community).order_by(Community.name)
    if not user.site_admin:
        query = query.join(Membership, Membership.community_id == Community.id).where(
            Membership.user_id == user.id, Membership.role == ADMIN,
            Membership.active.is_(True))
    return list(session.exec(query))


def community(session: Session, community_id: int) -> Community:
    """The community, read with a query of its own (``session.get`` may or may not ask the
    database, as the session still holds it or not: a page's queries would vary)."""
    return session.exec(select(Community).where(Community.id == community_id)).one()


def dusun_of(session: Session, community_id: int) -> list:
    return list(session.exec(select(Dusun).where(Dusun.community_id == community_id)
                             .order_by(Dusun.name)))


def members(session: Session, community_id: int) -> list:
    """(user, membership, dusun name or None) of every member, by name; people who left
    (anonymised) are not listed."""
    return session.exec(
        select(User, Membership, Dusun.name)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(Dusun, Dusun.id == Membership.dusun_id)
        .where(Membership.community_id == community_id, User.anonymised_at.is_(None))
        .order_by(User.display_name, User.username)).all()


def slips(session: Session, community_id: int, now, user_id: int | None = None) -> list:
    """(user, code) of each active member with a live activation code, by name (two
    queries); only ``user_id``'s when given."""
    query = (select(User).join(Membership, Membership.user_id == User.id)
             .where(Membership.community_id == community_id, Membership.active.is_(True),
                    User.anonymised_at.is_(None)).order_by(User.display_name, User.username))
    if user_id is not None:
        query = query.where(User.id == user_id)
    people = session.exec(query).all()
    codes = activation.live_codes(session, [user.id for user in people], now)
    return [(user, activation.code_of(codes[user.id])) for user in people if user.id in codes]
