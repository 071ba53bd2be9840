"""Use cases of setting up a community: a site administrator creates it; its administrators
(and the site administrator) change its details, add its dusun and its people. Every one
is audited."""
from datetime import datetime

from sqlmodel import Session, select

from workflow.communities import enrol
from workflow.communities.models import Community, Dusun
from workflow.core import audit
from workflow.core.command import command
from workflow.core.fields import CORRECT_THE_FIELDS, TOO_LONG, Fields
from workflow.engine.dates import ZONES
from workflow.engine.people import username_from
from workflow.engine.processes import ADMIN
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import ascii_words, clean
from workflow.people.models import User
from workflow.people.passwords import role_in

KINDS = {"desa": N_("Village (desa)"), "kelurahan": N_("Urban village (kelurahan)"),
         "group": N_("Community group")}
NAME, PLACE, ADDRESS = 120, 120, 300
ROLES = enrol.ROLES


def clean_community(form) -> dict:
    """The checked details of a community, or Refusal('invalid') naming each bad field."""
    fields = Fields(form)
    fields.text("name", NAME, required=N_("Write the community's name, for example Desa "
                                          "Mekarsari."), one_line=True)
    chosen = N_("Choose one of the options in the list.")
    fields.choice("kind", KINDS, required=chosen)
    fields.text("kecamatan", PLACE, one_line=True)
    fields.text("kabupaten", PLACE, one_line=True)
    fields.choice("timezone", ZONES, required=chosen)
    fields.text("complaint_address", ADDRESS)
    return fields.checked()


def _slug(session: Session, name: str) -> str:
    """A unique, typeable short name made from the community's name ("desa-mekarsari")."""
    base = "-".join(ascii_words(name))[:56].strip("-") or "community"
    taken = set(session.exec(select(Community.slug).where(Community.slug.startswith(base))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def may_manage(session: Session, actor, community_id: int) -> Community:
    """The community, if the actor administers it (or the whole site); else Refusal."""
    community = session.get(Community, community_id)
    role = role_in(session, actor.id, community_id) if community else None
    if community is None or (role is None and not actor.site_admin):
        raise Refusal("not_found", Reason(N_("That community does not exist.")))
    if role != ADMIN and not actor.site_admin:
        raise Refusal("forbidden", Reason(N_("Only the community's administrators can do this.")))
    return community


@command
def create_community(session: Session, actor, form, now: datetime) -> Community:
    """A site administrator creates a community."""
    if not actor.site_admin:
        raise Refusal("forbidden", Reason(N_("Only a site administrator creates communities.")))
    values = clean_community(form)
    community = Community(slug=_slug(session, values["name"]), **values)
    session.add(community)
    session.flush()
    audit.record_setup(session, actor_id=actor.id, at=now, action="create_community",
                       payload={"community": community.id, **values})
    return community


@command
def update_community(session: Session, actor, community_id: int, form, now: datetime) -> Community:
    """An administrator changes the community's details."""
    community = may_manage(session, actor, community_id)
    values = clean_community(form)
    changed = {name: value for name, value in values.items() if getattr(community, name) != value}
    for name, value in changed.items():
        setattr(community, name, value)
    session.add(community)
    if changed:
        audit.record_setup(session, actor_id=actor.id, at=now, action="update_community",
                           payload={"community": community.id, **changed})
    return community


@command
def add_dusun(session: Session, actor, community_id: int, form, now: datetime) -> Dusun:
    """An administrator adds a dusun (hamlet) to the community."""
    community = may_manage(session, actor, community_id)
    fields = Fields(form)
    name = fields.text("name", NAME, required=N_("Write the dusun's name."), one_line=True)
    if name and session.exec(select(Dusun.id).where(
            Dusun.community_id == community.id, Dusun.name == name)).first():
        fields.problem("name", N_("This community already has a dusun of that name."))
    numbers = N_("Write the numbers only, separated by commas, for example 01, 02, 03.")
    rw_list, rt_list = fields.numbers("rw", numbers), fields.numbers("rt", numbers)
    for list_name in ("rw", "rt"):
        if len(fields.values[list_name]) > 300:
            fields.problem(list_name, TOO_LONG, n=300)
    fields.checked()
    dusun = Dusun(community_id=community.id, name=name, rw_list=rw_list, rt_list=rt_list)
    session.add(dusun)
    session.flush()
    audit.record_setup(session, actor_id=actor.id, at=now, action="add_dusun",
                       payload={"community": community.id, "dusun": dusun.id, "name": name,
                                **({"rw": rw_list} if rw_list else {}),
                                **({"rt": rt_list} if rt_list else {})})
    return dusun


@command
def add_person(session: Session, actor, community_id: int, form, now: datetime) -> User:
    """An administrator adds a person to the community with a role (a login name is made
    from the name when none is given). They get an activation code for their slip, and
    choose their password with it at /activate."""
    community = may_manage(session, actor, community_id)
    row = {name: form.get(name) for name in ("name", "username", "role", "dusun", "gender")}
    row["tags"] = form.getlist("tags") if hasattr(form, "getlist") else form.get("tags", [])
    typed = clean(row["username"]).lower()
    base = username_from(clean(row["name"]), ()) if not typed else ""
    taken = enrol.taken_usernames(session, [typed], [base])
    values, errors = enrol.check_person(row, enrol.dusun_ids(session, community.id), taken)
    if errors:
        raise Refusal("invalid", Reason(CORRECT_THE_FIELDS), errors)
    user = enrol.enrol(session, community, values, now)
    audit.record_setup(session, actor_id=actor.id, at=now, action="add_person",
                       payload={"community": community.id, "user": user.id,
                                "username": user.username, "role": values["role"]})
    return user
