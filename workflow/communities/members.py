"""Use cases on one member of a community: change their role, deactivate and reactivate
them, give them a new activation code. Each asks ``may_manage`` first and is audited."""
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from workflow.communities.commands import ROLES, may_manage
from workflow.core import audit
from workflow.core.command import command
from workflow.engine.processes import ADMIN
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.people import activation
from workflow.people import logins as sessions
from workflow.people.models import Membership, User


def _member(session: Session, actor, community_id: int, user_id: int):
    """(community, membership, user) of a member the actor may manage, or Refusal."""
    community = may_manage(session, actor, community_id)
    found = session.exec(select(Membership, User).join(User, User.id == Membership.user_id)
                         .where(Membership.community_id == community.id,
                                Membership.user_id == user_id,
                                User.anonymised_at.is_(None))
                         .with_for_update(of=Membership)).first()
    if found is None:
        raise Refusal("not_found", Reason(N_("That person is not in this community.")))
    return (community, *found)


def _keeps_an_admin(session: Session, membership: Membership) -> None:
    """Refuse to leave the community without an active administrator."""
    if membership.role != ADMIN or not membership.active:
        return
    admins = session.exec(select(func.count()).select_from(Membership).where(
        Membership.community_id == membership.community_id, Membership.role == ADMIN,
        Membership.active.is_(True))).one()
    if admins <= 1:
        raise Refusal("conflict", Reason(N_("The community needs at least one administrator. "
                                            "Make another member administrator first.")))


def _record(session, actor, now, action, community, user, **payload) -> None:
    audit.record_setup(session, actor_id=actor.id, at=now, action=action,
                       payload={"community": community.id, "user": user.id, **payload})


@command
def change_role(session: Session, actor, community_id: int, user_id: int, role: str,
                now: datetime) -> User:
    """An administrator gives a member another role (it replaces the old one)."""
    community, membership, user = _member(session, actor, community_id, user_id)
    role = clean(role)
    if role not in ROLES:
        problem = Reason(N_("Choose one of the options in the list."))
        raise Refusal("invalid", problem, {"role": problem})
    if role != membership.role:
        _keeps_an_admin(session, membership)
        _record(session, actor, now, "change_role", community, user, role=role,
                was=membership.role)
        membership.role = role
        session.add(membership)
    return user


@command
def deactivate(session: Session, actor, community_id: int, user_id: int,
               now: datetime) -> User:
    """An administrator switches a member off: their records stay, their say goes (no
    vote, not in the quorum; no login once no active membership is left)."""
    community, membership, user = _member(session, actor, community_id, user_id)
    if not membership.active:
        raise Refusal("conflict", Reason(N_("This person is already deactivated.")))
    _keeps_an_admin(session, membership)
    membership.active = False
    session.add(membership)
    session.flush()
    if sessions.switched_off(session, user):
        sessions.end_all_sessions(session, user.id, now)
    _record(session, actor, now, "deactivate", community, user)
    return user


@command
def reactivate(session: Session, actor, community_id: int, user_id: int,
               now: datetime) -> User:
    """An administrator switches a deactivated member on again, with their old role."""
    community, membership, user = _member(session, actor, community_id, user_id)
    if membership.active:
        raise Refusal("conflict", Reason(N_("This person is already active.")))
    membership.active = True
    session.add(membership)
    _record(session, actor, now, "reactivate", community, user)
    return user


@command
def new_code(session: Session, actor, community_id: int, user_id: int,
             now: datetime) -> User:
    """An administrator gives a member a new activation code (a lost slip, a forgotten
    password); the old code stops working. The wrong tries on the account stop counting,
    as after a password reset."""
    community, membership, user = _member(session, actor, community_id, user_id)
    if not membership.active:
        raise Refusal("conflict", Reason(N_("Reactivate this person first.")))
    activation.issue(session, user, now)
    sessions.reopen_account(session, user.username, now)
    _record(session, actor, now, "new_code", community, user)
    return user
