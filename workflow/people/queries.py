"""The read side of people: a person's communities, the members an administrator manages,
and everything the service holds about a person."""
from sqlmodel import Session, select

from workflow.communities.models import Community
from workflow.core import personal
from workflow.engine.processes import ADMIN
from workflow.people.models import Membership, User


def memberships(session: Session, user_id: int) -> list:
    """(membership, community name) of each community the person belongs to."""
    return session.exec(select(Membership, Community.name).join(
        Community, Community.id == Membership.community_id).where(
        Membership.user_id == user_id)).all()


def administered_members(session: Session, admin) -> list | None:
    """(user, role, community name) of the members of every community ``admin``
    administers (a site administrator: every community), by community and name; None
    when they administer none and are no site administrator."""
    administered = select(Membership.community_id).where(
        Membership.user_id == admin.id, Membership.role == ADMIN, Membership.active.is_(True))
    if admin.site_admin:
        administered = select(Community.id)
    elif not session.exec(administered).first():
        return None
    return session.exec(
        select(User, Membership.role, Community.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Community, Community.id == Membership.community_id)
        .where(Membership.community_id.in_(administered), User.anonymised_at.is_(None))
        .order_by(Community.name, User.display_name)).all()


def personal_data(session: Session, user: User) -> dict:
    """Everything the service holds about one person (UU 27/2022 right of access): every
    part the features registered in ``core.personal``."""
    return personal.download(session, user)
