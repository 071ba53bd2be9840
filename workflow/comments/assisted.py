"""Assisted entry: the facilitator records something for a resident without a phone.

A comment, a support or a vote from the room (``on_behalf_of``, their user name): one
rule for all three.

The row is the resident's (their ``user_id``, so they see it on their next login and in
their own data) and says who entered it (``recorded_by``).
"""
from sqlmodel import Session, select

from workflow.engine.processes import FACILITATOR, RESIDENT
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.people.models import User
from workflow.people.passwords import role_in

FIELD = "on_behalf_of"


def resident_for(session: Session, roles, community_id: int, username: str | None):
    """The resident named by ``on_behalf_of``, or None when it is blank; refused when the
    actor is not the facilitator, or the name is not a resident of the community."""
    name = clean(username or "").lower()
    if not name:
        return None
    if FACILITATOR not in roles:
        raise Refusal("forbidden", Reason(N_("Only the facilitator records something on "
                                             "behalf of a resident.")))
    person = session.exec(select(User).where(User.username == name)).first()
    if (person is None or person.anonymised_at is not None
            or role_in(session, person.id, community_id) != RESIDENT):
        wrong = Reason(N_("Choose a resident of this community (their user name)."))
        raise Refusal("invalid", wrong, {FIELD: wrong})
    return person
