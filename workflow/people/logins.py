"""Logging in safely: server-side sessions, slowing down guessing, password rules."""
import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from workflow.engine.reasons import N_, Reason
from workflow.people.models import LoginAttempt, LoginSession, Membership, User

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD, MAX_PASSWORD = 8, 200
# Length matters more than odd symbols; these few are simply too easy to guess.
TOO_COMMON = {"12345678", "123456789", "1234567890", "password", "password1", "qwertyui",
              "11111111", "00000000", "87654321", "indonesia", "bismillah", "sukamaju"}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, now: datetime) -> str:
    """A new server-side session for ``user``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(token_hash=_digest(token), user_id=user.id, created_at=now))
    return token


def user_for_token(session: Session, token: str | None) -> User | None:
    """The user of a live session token, or None (unknown, ended, or anonymised)."""
    if not token:
        return None
    return session.exec(select(User).join(LoginSession, LoginSession.user_id == User.id).where(
        LoginSession.token_hash == _digest(token), LoginSession.revoked_at.is_(None),
        User.anonymised_at.is_(None))).first()


def switched_off(session: Session, user: User) -> bool:
    """True when every membership of the person is deactivated: they may not log in. (A
    site administrator, or a person not yet in any community, is not switched off.)"""
    if user.site_admin:
        return False
    states = set(session.exec(select(Membership.active).where(Membership.user_id == user.id)))
    return bool(states) and True not in states


def end_session(session: Session, token: str | None, now: datetime) -> None:
    if token:
        session.exec(update(LoginSession).where(LoginSession.token_hash == _digest(token))
                     .values(revoked_at=now))


def end_all_sessions(session: Session, user_id: int, now: datetime) -> None:
    session.exec(update(LoginSession).where(LoginSession.user_id == user_id,
                                            LoginSession.revoked_at.is_(None))
                 .values(revoked_at=now))


def login_blocked(session: Session, username: str, address: str,
                  now: datetime) -> Reason | None:
    """Why no more tries are allowed right now, or None."""
    since = now - WINDOW
    failures = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)
    # The account's count starts again once the account was opened: by its owner logging in,
    # or by an administrator's reset (see reopen_account). Without that, the person told
    # "ask the administrator to reset your password" would still be refused after the reset.
    opened = select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)).scalar_subquery()
    if session.exec(failures.where(LoginAttempt.username == username,
                                   or_(opened.is_(None), LoginAttempt.at > opened))).one() \
            >= MAX_FAILURES_PER_ACCOUNT:
        return Reason(N_("Too many wrong tries for this name. Please wait %(minutes)s minutes, "
                         "or ask the village administrator to reset your password."), {"minutes": 15})
    if session.exec(failures.where(LoginAttempt.address == address)).one() \
            >= MAX_FAILURES_PER_ADDRESS:
        return Reason(N_("Too many wrong tries from this device. Please wait %(minutes)s "
                         "minutes."), {"minutes": 15})
    return None


def record_attempt(session: Session, username: str, address: str, now: datetime,
                   succeeded: bool) -> None:
    session.add(LoginAttempt(username=username[:64], address=address[:64], at=now,
                             succeeded=succeeded))


def reopen_account(session: Session, username: str, now: datetime) -> None:
    """An administrator has reset the password: the account's wrong tries stop counting.

    Recorded as an opening of the account (a succeeded row without an address), so the
    per-address count, which only counts failures, is left as it was.
    """
    session.add(LoginAttempt(username=username[:64], address="", at=now, succeeded=True))


def password_problem(password: str, username: str) -> Reason | None:
    """Why a new password is not good enough, or None."""
    if len(password) < MIN_PASSWORD:
        return Reason(N_("Use at least %(n)s letters or numbers. A short sentence is easy to "
                         "remember and hard to guess."), {"n": MIN_PASSWORD})
    if len(password) > MAX_PASSWORD:
        return Reason(N_("Too long: at most %(n)s letters."), {"n": MAX_PASSWORD})
    if password.lower() in TOO_COMMON or password.lower() == username.lower():
        return Reason(N_("That password is too easy to guess. Choose another one."))
    return None


USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")


def username_problem(username: str) -> Reason | None:
    """Why a new login name cannot be used, or None: 3 to 64 small letters, digits and
    ". _ -", starting with a letter or digit (easy to type on any phone, one way to spell)."""
    if not USERNAME.fullmatch(username):
        return Reason(N_("Use 3 to 64 small letters, digits, dots, dashes or underscores for "
                         "the login name, for example siti.aminah."))
    if username.startswith("deleted-"):
        return Reason(N_("That login name is taken. Choose another one."))
    return None
