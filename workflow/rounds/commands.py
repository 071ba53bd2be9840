"""Use cases of a community's planning rounds: its facilitators and administrators (and a
site administrator) create a round and change its settings. Every change is audited."""
from datetime import datetime

from sqlmodel import Session

from workflow.communities.models import Community
from workflow.core import audit
from workflow.core.command import command
from workflow.core.fields import Fields
from workflow.engine.processes import ADMIN, FACILITATOR, TEMPLATES
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.people.passwords import role_in
from workflow.rounds.models import OPEN, TITLE, Round
from workflow.rounds.queries import STATUSES, has_programs, vote_open

SETTERS = {FACILITATOR, ADMIN}
# What a running vote is counted by: none of it may change under it.
VOTE_RULES = ("template", "quorum", "consent_threshold", "min_voting_hours")
# (field, lowest, highest, the message for anything else)
NUMBERS = (
    ("min_discussion_days", 0, 365,
     N_("Write a number of days from 0 to 365 (0: no shortest time).")),
    ("min_voting_hours", 0, 720,
     N_("Write a number of hours from 0 to 720 (0: no shortest time).")),
    ("supporter_threshold", 1, 10000, N_("Write a number of supporters from 1 to 10000.")),
)
YEAR = (2000, 2100, N_("Write the year as four digits, from 2000 to 2100, or leave it empty."))


def may_set_up(session: Session, actor, community_id: int) -> Community:
    """The community, if the actor may set up its rounds (an active facilitator or
    administrator of it, or a site administrator); else Refusal."""
    community = session.get(Community, community_id)
    role = role_in(session, actor.id, community_id) if community else None
    if community is None or (role is None and not actor.site_admin):
        raise Refusal("not_found", Reason(N_("That community does not exist.")))
    if role not in SETTERS and not actor.site_admin:
        raise Refusal("forbidden", Reason(N_(
            "Only the community's facilitators and administrators set up its rounds.")))
    return community


def may_change(session: Session, actor, round_id: int) -> Round:
    """The round, if the actor may set up its community's rounds; else Refusal."""
    rnd = session.get(Round, round_id)
    if rnd is None:
        raise Refusal("not_found", Reason(N_("That planning round does not exist.")))
    may_set_up(session, actor, rnd.community_id)
    return rnd


def _whole(fields: Fields, name: str, lowest: int, highest: int, message: str,
           required: bool = True) -> None:
    """A whole number from ``lowest`` to ``highest``; anything else gets ``message``."""
    number = fields.whole_number(name, highest)
    if name in fields.errors or (number is None and required) or (
            number is not None and number < lowest):
        fields.errors.pop(name, None)
        fields.problem(name, message)


def clean_round(form, with_status: bool = False) -> dict:
    """The checked settings of a round, or Refusal('invalid') naming each bad field."""
    fields = Fields(form)
    fields.text("title", TITLE, required=N_("Write the round's name, for example Musyawarah "
                                            "Dusun 2027."), one_line=True)
    process = N_("Choose one of the three processes in the list.")
    fields.choice("template", TEMPLATES, required=process, message=process)
    _whole(fields, "year", *YEAR, required=False)
    fields.fraction("quorum")
    fields.fraction("consent_threshold")
    for name, lowest, highest, message in NUMBERS:
        _whole(fields, name, lowest, highest, message)
    if with_status:
        fields.choice("status", STATUSES, required=N_("Choose one of the options in the list."))
    return fields.checked()


@command
def create_round(session: Session, actor, community_id: int, form, now: datetime) -> Round:
    """A facilitator or administrator opens a new planning round in the community."""
    community = may_set_up(session, actor, community_id)
    values = clean_round(form)
    rnd = Round(community_id=community.id, status=OPEN, created_at=now, **values)
    session.add(rnd)
    session.flush()
    audit.record_setup(session, actor_id=actor.id, at=now, action="create_round",
                       payload={"community": community.id, "round": rnd.id, **values})
    return rnd


def _check_what_may_change(session: Session, rnd: Round, changed: dict) -> None:
    """Refuse a change a running vote or the round's programs depend on."""
    if set(changed) & set(VOTE_RULES) and vote_open(session, rnd.id):
        raise Refusal("conflict", Reason(N_(
            "A vote is open in this round: its process, quorum, agreement needed and "
            "shortest voting time cannot change until the vote is closed.")))
    if "template" in changed and has_programs(session, rnd.id):
        raise Refusal("conflict", Reason(N_(
            "This round already has programs, and they follow its process: the process "
            "cannot change now. Open a new round for another process.")))


@command
def update_round(session: Session, actor, round_id: int, form, now: datetime) -> Round:
    """A facilitator or administrator changes a round's settings or its status."""
    rnd = may_change(session, actor, round_id)
    values = clean_round(form, with_status=True)
    changed = {name: value for name, value in values.items() if getattr(rnd, name) != value}
    _check_what_may_change(session, rnd, changed)
    for name, value in changed.items():
        setattr(rnd, name, value)
    session.add(rnd)
    if changed:
        audit.record_setup(session, actor_id=actor.id, at=now, action="update_round",
                           payload={"community": rnd.community_id, "round": rnd.id, **changed})
    return rnd

