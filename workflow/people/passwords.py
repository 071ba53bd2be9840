"""People and their roles: password hashing and membership look-ups."""
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlmodel import Session, select

from workflow.engine.text import clean
from workflow.people.models import Membership, User

_hasher = PasswordHasher()
# Verifying against this keeps a wrong username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user whose name and password match, or None."""
    user = session.exec(select(User).where(User.username == clean(username).lower())).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    return user


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def create_user(session: Session, username: str, display_name: str, password: str,
                now: datetime) -> User:
    user = User(username=username.lower(), display_name=display_name,
                password_hash=hash_password(password), created_at=now)
    session.add(user)
    session.flush()
    return user


def role_in(session: Session, user_id: int | None, community_id: int) -> str | None:
    """The person's role in one community, or None when not a member (or deactivated:
    a deactivated member keeps their records and has no say)."""
    if user_id is None:
        return None
    return session.exec(select(Membership.role).where(
        Membership.user_id == user_id, Membership.community_id == community_id,
        Membership.active.is_(True))).first()
