"""One-time activation codes for people without e-mail: printed on a slip, typed once at
/activate to choose a password.

A code is made from a stored random nonce with the server's secret key: the slips page
can print it again, and a copy of the database alone does not give it away. What the
typed code is checked against is its SHA-256 (``code_hash``). A code works once, for
30 days; a new one replaces the old.
"""
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlmodel import Session, select

from workflow.engine.reasons import N_, Reason
from workflow.people.models import ActivationCode, User

LIFETIME = timedelta(days=30)
# No 0/O, 1/I/L: a code is read off paper and typed on a phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8


def _key() -> bytes:
    return current_app.config["SECRET_KEY"].encode()


def code_of(row: ActivationCode) -> str:
    """The code a slip shows for ``row``, as "ABCD-EFGH"."""
    mac = hmac.new(_key(), row.nonce.encode(), hashlib.sha256).digest()
    letters = "".join(ALPHABET[byte % len(ALPHABET)] for byte in mac[:LENGTH])
    return f"{letters[:4]}-{letters[4:]}"


def _normalised(typed: str) -> str:
    """What a person typed, the way codes are compared: capitals, without the spaces and
    dashes people add or leave out."""
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())[:32]


def _hash(code: str) -> str:
    return hashlib.sha256(_normalised(code).encode()).hexdigest()


def issue(session: Session, user: User, now: datetime) -> ActivationCode:
    """A new code for ``user``; any earlier unused code stops working."""
    session.exec(update(ActivationCode).where(
        ActivationCode.user_id == user.id, ActivationCode.used_at.is_(None),
        ActivationCode.revoked_at.is_(None)).values(revoked_at=now))
    row = ActivationCode(user_id=user.id, nonce=secrets.token_urlsafe(24), code_hash="",
                         created_at=now, expires_at=now + LIFETIME)
    row.code_hash = _hash(code_of(row))
    session.add(row)
    return row


def live_codes(session: Session, user_ids, now: datetime) -> dict:
    """{user id: code} for each of ``user_ids`` holding an unused, unexpired code (one
    query: the slips page)."""
    rows = session.exec(select(ActivationCode).where(
        ActivationCode.user_id.in_(list(user_ids)), ActivationCode.used_at.is_(None),
        ActivationCode.revoked_at.is_(None), ActivationCode.expires_at > now)).all()
    return {row.user_id: row for row in rows}


def check(session: Session, user: User | None, typed: str,
          now: datetime) -> tuple[ActivationCode | None, Reason | None]:
    """(the live code ``typed`` is, None) or (None, why it does not work)."""
    wrong = Reason(N_("The login name or the code is not right. Type them as the slip "
                      "shows them."))
    if user is None or not typed:
        return None, wrong
    row = session.exec(select(ActivationCode).where(
        ActivationCode.user_id == user.id,
        ActivationCode.code_hash == _hash(typed))).first()
    if row is None:
        return None, wrong
    if row.used_at is not None:
        return None, Reason(N_("This code was already used. Log in with your password, or "
                               "ask the administrator for a new slip."))
    if row.revoked_at is not None:
        return None, Reason(N_("This slip was replaced by a newer one. Use the code on the "
                               "newest slip."))
    if row.expires_at <= now:
        return None, Reason(N_("This code has expired. Ask the administrator for a new "
                               "slip."))
    return row, None
