"""The people tables: accounts, their login sessions and attempts, and their roles in communities."""
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel, select

from workflow.core.personal import PersonalData, register


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    created_at: datetime
    # Set when an administrator resets the password: the person picks a new one.
    must_change_password: bool = False
    # Set when the person asked to be forgotten: the row stays (votes, history) but says nothing.
    anonymised_at: datetime | None = None
    # A site administrator (made by `flask create-admin`) creates communities and their admins.
    site_admin: bool = False


class LoginSession(SQLModel, table=True):
    """A logged-in browser. The cookie holds a random token; the row holds its hash,
    so logging out (or a password reset) ends the session on the server too."""
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime
    revoked_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """A try to log in, kept for a while to slow down guessing."""
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(index=True)
    succeeded: bool = False


class Membership(SQLModel, table=True):
    """One role per person per community."""
    __table_args__ = (UniqueConstraint("user_id", "community_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    role: str = Field(max_length=16)
    dusun_id: int | None = Field(default=None, foreign_key="dusun.id")
    gender: str = Field(default="", max_length=1)  # "f", "m", or "" (not said)
    # Representation groups (engine.people.TAGS), sorted and joined with ";".
    tags: str = Field(default="", max_length=300)
    # A deactivated member keeps their past records but has no role here any more: no
    # login (when no active membership is left), no vote, not in the quorum base.
    active: bool = True


class ActivationCode(SQLModel, table=True):
    """A one-time code on a printed slip, for a person without e-mail to set a password.

    The code is made from ``nonce`` with the server's secret key (so the slips page can
    print it again, and the table alone does not give it away); ``code_hash`` is what the
    code is checked against. Used once, for 30 days.
    """
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    nonce: str = Field(max_length=64)
    code_hash: str = Field(max_length=64)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    # A newer code for the same person replaces this one.
    revoked_at: datetime | None = None


def _account(session, user) -> dict:
    return user.model_dump(mode="json", exclude={"password_hash"})


def _memberships(session, user) -> list:
    from workflow.communities.models import (
        Community,  # the community's name, for the reader
        Dusun,
    )

    rows = session.exec(select(Membership, Community.name, Dusun.name).join(
        Community, Community.id == Membership.community_id).outerjoin(
        Dusun, Dusun.id == Membership.dusun_id).where(Membership.user_id == user.id))
    return [{"community": name, "role": m.role, **({"dusun": dusun} if dusun else {}),
             **({"gender": m.gender} if m.gender else {}),
             **({"tags": m.tags.split(";")} if m.tags else {})} for m, name, dusun in rows]


register(
    PersonalData("account", (User.id,), read=_account,
                 kept="the row stays so votes and history keep their place; anonymise() "
                      "replaces the name, the login and the password itself"),
    # Gender, groups (disability, poverty...) and dusun go; the role stays, saying nothing
    # once the account is anonymised (a person who left is outside every quorum base).
    PersonalData("memberships", (Membership.user_id,), read=_memberships,
                 forget={"gender": "", "tags": "", "dusun_id": None}),
    PersonalData("login_sessions", (LoginSession.user_id,), exclude=("token_hash",),
                 kept="anonymise() ends every session; the rows keep only times"),
    PersonalData("login_attempts", (LoginAttempt.username,), forget={"username": ""}),
    PersonalData("activation_codes", (ActivationCode.user_id,),
                 exclude=("nonce", "code_hash"),
                 kept="the rows keep only times; anonymise() leaves no code that works"),
)
