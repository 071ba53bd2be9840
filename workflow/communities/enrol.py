"""One person's details, checked the same way whether an administrator adds them one by one
or imports a CSV file of many, and their enrolment: account, membership, activation code.
"""
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from workflow.communities.models import Community, Dusun
from workflow.core.fields import Fields
from workflow.engine.people import GENDERS, TAGS, joined_tags, username_from
from workflow.engine.processes import MEMBER_ROLES, ROLE_LABELS
from workflow.engine.reasons import N_, Reason
from workflow.engine.text import clean
from workflow.people import activation
from workflow.people.logins import username_problem
from workflow.people.models import Membership, User

NAME = 120
ROLES = {role: ROLE_LABELS[role] for role in MEMBER_ROLES}
TAKEN = N_("That login name is taken. Choose another one.")
DIGITS = "0123456789"


def dusun_ids(session: Session, community_id: int) -> dict:
    """{dusun name: id} of the community (one query)."""
    return dict(session.exec(select(Dusun.name, Dusun.id).where(
        Dusun.community_id == community_id)).all())


def taken_usernames(session: Session, names, bases=()) -> set:
    """The login names among ``names`` that are taken, and those that one of ``bases``
    could be made into (the base with digits after it, as ``username_from`` makes them):
    one query, however many names (a comparison per base would pass SQLite's limit on
    the depth of an expression for a file of a thousand people)."""
    names, bases = [n for n in names if n], [b for b in bases if b]
    if not names and not bases:
        return set()
    stems = {base.rstrip(DIGITS) for base in bases}
    return set(session.exec(select(User.username).where(or_(
        User.username.in_(names + bases), func.rtrim(User.username, DIGITS).in_(stems)))))


def check_person(row, dusun: dict, taken: set) -> tuple[dict, dict]:
    """(values, errors) of one person's details: ``row`` has name, username (made from the
    name when empty, avoiding ``taken``), role, dusun (a name in ``dusun``), gender and
    tags (a list). No query: the caller loads ``dusun`` and ``taken``."""
    fields = Fields(row)
    name = fields.text("name", NAME, required=N_("Write the person's full name."),
                       one_line=True)
    username = clean(row.get("username")).lower()
    if not username and name:
        username = username_from(name, taken)
    fields.values["username"] = username
    problem = username_problem(username) if username else None
    if problem is None and username in taken:
        problem = Reason(TAKEN)
    if problem:
        fields.errors["username"] = problem
    fields.choice("role", ROLES, required=N_("Choose the person's role."))
    fields.choice("gender", GENDERS)
    place = " ".join(clean(row.get("dusun")).split())
    fields.values["dusun_id"] = dusun.get(place)
    if place and place not in dusun:
        fields.problem("dusun", N_("Choose one of the community's dusun."))
    tags = [clean(tag) for tag in row.get("tags") or []]
    if any(tag not in TAGS for tag in tags if tag):
        fields.problem("tags", N_("Choose one of the options in the list."))
    fields.values["tags"] = joined_tags(tags)
    fields.values.pop("dusun", None)
    return fields.values, fields.errors


def enrol(session: Session, community: Community, values: dict, now: datetime) -> User:
    """The person's account (no password yet), their membership, and a first activation
    code for their slip."""
    user = User(username=values["username"], display_name=values["name"], password_hash="!",
                created_at=now)
    session.add(user)
    session.flush()
    session.add(Membership(user_id=user.id, community_id=community.id, role=values["role"],
                           dusun_id=values["dusun_id"], gender=values["gender"],
                           tags=values["tags"]))
    activation.issue(session, user, now)
    return user
