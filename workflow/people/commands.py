"""Use cases about people: the first administrator, logging in and out, passwords, being
forgotten."""
from datetime import datetime

from sqlmodel import Session, select

from workflow.core import audit, personal
from workflow.core.command import command
from workflow.engine.processes import ADMIN
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.people import activation
from workflow.people import logins as sessions
from workflow.people.models import Membership, User
from workflow.people.passwords import authenticate, create_user, hash_password, verify_password

# As long as the column that keeps it (user.display_name).
NAME_LENGTH = 120
SWITCHED_OFF = Reason(N_("This account is switched off. Ask the village administrator if "
                         "that is a mistake."))


@command
def log_in(session: Session, username: str, password: str, address: str,
           now: datetime) -> tuple[User, str]:
    """Check the name and password (unless too many tries failed); start a session."""
    name = clean(username).lower()[:64]
    blocked = sessions.login_blocked(session, name, address, now)
    if blocked:
        raise Refusal("too_many", blocked)
    user = authenticate(session, name, password or "")
    off = user is not None and sessions.switched_off(session, user)
    sessions.record_attempt(session, name, address, now, succeeded=user is not None and not off)
    if user is None or user.anonymised_at is not None:
        # The failed try must be kept even though the login is refused.
        session.commit()
        raise Refusal("unauthorised", Reason(
            N_("The name or the password is not right. Please try again.")))
    if off:
        session.commit()
        raise Refusal("forbidden", SWITCHED_OFF)
    return user, sessions.start_session(session, user, now)


@command
def log_out(session: Session, token: str | None, now: datetime) -> None:
    sessions.end_session(session, token, now)


@command
def change_password(session: Session, actor: User, current: str, new: str, repeat: str,
                    now: datetime) -> None:
    """The person sets a new password, proving they know the current one."""
    user = session.get(User, actor.id)
    errors = {}
    if not verify_password(user, current or ""):
        errors["current"] = Reason(N_("The current password is not right."))
    problem = sessions.password_problem(new or "", user.username)
    if problem:
        errors["new"] = problem
    elif user.must_change_password and new == current and "current" not in errors:
        # The administrator knows the temporary password: keeping it keeps their key.
        errors["new"] = Reason(N_("Choose a password different from the temporary one the "
                                  "administrator gave you."))
    elif new != repeat:
        errors["repeat"] = Reason(N_("The two new passwords are not the same."))
    if errors:
        raise Refusal("invalid", Reason(N_("Please correct the marked fields.")), errors)
    user.password_hash, user.must_change_password = hash_password(new), False
    session.add(user)


def _admin_of(session: Session, actor: User, user_id: int) -> User:
    """The member ``user_id`` of a community the actor administers, or Refusal."""
    administered = select(Membership.community_id).where(
        Membership.user_id == actor.id, Membership.role == ADMIN, Membership.active.is_(True))
    # A forgotten (anonymised) person has no account left to manage.
    member = session.exec(select(User).join(Membership, Membership.user_id == User.id).where(
        User.id == user_id, Membership.community_id.in_(administered),
        User.anonymised_at.is_(None))).first()
    if member is None:
        if not session.exec(administered).first():
            raise Refusal("forbidden", Reason(N_("Only an administrator can do this.")))
        raise Refusal("not_found", Reason(N_("That person is not in your community.")))
    return member


@command
def reset_password(session: Session, actor: User, user_id: int, temporary: str,
                   now: datetime) -> User:
    """An administrator gives a member a temporary password to change at next login."""
    member = _admin_of(session, actor, user_id)
    problem = sessions.password_problem(temporary or "", member.username)
    if problem:
        raise Refusal("invalid", problem, {"password": problem})
    member.password_hash, member.must_change_password = hash_password(temporary), True
    session.add(member)
    sessions.end_all_sessions(session, member.id, now)
    # The reset answers "ask the administrator to reset your password": it lifts the
    # account's lock. The lock on an address is left alone: it stops one device guessing
    # across many accounts, and one account's reset says nothing about that device.
    sessions.reopen_account(session, member.username, now)
    return member


@command
def anonymise(session: Session, actor: User, password: str, now: datetime) -> None:
    """Forget the person: name, login and words go; counts and the audit chain stay.

    Votes keep their rows (a tally must not change after the fact), comments
    keep their place with the text removed, events keep the actor id, so the
    hash chain still verifies.
    """
    user = session.get(User, actor.id)
    if not verify_password(user, password or ""):
        error = Reason(N_("The password is not right."))
        raise Refusal("invalid", error, {"password": error})
    # What names the person goes first, while their rows still match their username.
    personal.forget(session, user)
    user.username = f"deleted-{user.id}"
    user.display_name = ""  # pages name a person who left in their own language
    user.password_hash = "!"  # matches no password
    user.anonymised_at = now
    session.add(user)
    sessions.end_all_sessions(session, user.id, now)


@command
def create_site_admin(session: Session, username: str, name: str, password: str,
                      now: datetime) -> User:
    """A site administrator, who creates communities and their administrators (the first
    account of a new install; ``flask --app app create-admin``)."""
    username, name = clean(username).lower(), " ".join(clean(name).split())
    errors = {}
    problem = sessions.username_problem(username)
    if problem is None and session.exec(select(User.id).where(User.username == username)).first():
        problem = Reason(N_("That login name is taken. Choose another one."))
    if problem:
        errors["username"] = problem
    if not name or len(name) > NAME_LENGTH:
        errors["name"] = Reason(N_("Write the person's full name (at most %(n)s letters)."),
                                {"n": NAME_LENGTH})
    problem = sessions.password_problem(password or "", username)
    if problem:
        errors["password"] = problem
    if errors:
        raise Refusal("invalid", Reason(N_("Please correct the marked fields.")), errors)
    user = create_user(session, username, name, password, now)
    user.site_admin = True
    session.add(user)
    session.flush()
    audit.record_setup(session, actor_id=user.id, at=now, action="create_site_admin",
                       payload={"user": user.id, "username": username})
    return user


@command
def activate(session: Session, username: str, code: str, password: str, confirm: str,
             address: str, now: datetime) -> tuple[User, str]:
    """A person sets their password with the code on their slip, and is logged in.

    Throttled like the login (the same count of wrong tries per name and per device): a
    code of eight letters is guessable only by many tries.
    """
    name = clean(username).lower()[:64]
    blocked = sessions.login_blocked(session, name, address, now)
    if blocked:
        raise Refusal("too_many", blocked)
    user = session.exec(select(User).where(User.username == name,
                                           User.anonymised_at.is_(None))).first()
    row, problem = activation.check(session, user, code, now)
    if problem:
        sessions.record_attempt(session, name, address, now, succeeded=False)
        session.commit()  # the wrong try is kept though the activation is refused
        raise Refusal("invalid", problem, {"code": problem})
    if sessions.switched_off(session, user):
        raise Refusal("forbidden", SWITCHED_OFF)
    problem = sessions.password_problem(password or "", user.username)
    errors = {"password": problem} if problem else {}
    if not problem and password != confirm:
        errors["password_confirm"] = Reason(N_("The two passwords are not the same."))
    if errors:
        raise Refusal("invalid", Reason(N_("Please correct the marked fields.")), errors)
    user.password_hash, user.must_change_password = hash_password(password), False
    row.used_at = now
    session.add_all([user, row])
    sessions.end_all_sessions(session, user.id, now)
    sessions.record_attempt(session, name, address, now, succeeded=True)
    audit.record_setup(session, actor_id=user.id, at=now, action="activate",
                       payload={"user": user.id})
    return user, sessions.start_session(session, user, now)
