"""The read side of social action: supporters, and the demand's rounds with their answers.
"""
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from workflow.engine import dates
from workflow.organizing import demand
from workflow.organizing.models import Supporter
from workflow.people.models import User


def supporters_count(session: Session, program_id: int) -> int:
    """Supporters still with us: a person who left supports nothing any more."""
    return session.exec(select(func.count()).select_from(Supporter).join(
        User, User.id == Supporter.user_id).where(
        Supporter.program_id == program_id, User.anonymised_at.is_(None))).one()


def my_support(session: Session, program_id: int, user_id: int) -> Supporter | None:
    """The person's support of the program, if any: ``recorded_by`` says whether the
    facilitator entered it for them (assisted entry)."""
    return session.exec(select(Supporter).where(
        Supporter.program_id == program_id, Supporter.user_id == user_id)).first()


@dataclass(frozen=True)
class Demand:
    """One delivered demand and the answer its target gave to it (None while awaited)."""
    target: str
    channel: str
    delivered_on: date | None
    response: dict | None = None  # the record_response payload: outcome, note


def demand_rounds(history_rows: list) -> list:
    """Each ``deliver`` paired with the ``record_response`` after it, oldest first.

    A refused demand sends the residents back to organise; the next delivery is a new round
    with its own target, and only an answer given before it belongs to the earlier one.
    Pure: works on already loaded history rows.
    """
    rounds = []
    for event, _name in history_rows:
        payload = json.loads(event.payload or "{}")
        if event.transition == "deliver":
            rounds.append(Demand(payload.get("target", ""), payload.get("channel", ""),
                                 dates.stored_date(payload.get("delivered_on"))))
        elif event.transition == "record_response" and rounds and rounds[-1].response is None:
            last = rounds[-1]
            rounds[-1] = Demand(last.target, last.channel, last.delivered_on, payload)
    return rounds


def page_part(facts) -> dict:
    """Social action: the supporters against the threshold, and the demand with its answer
    (the current one; refused ones before it as earlier rounds)."""
    rounds = demand_rounds(facts.history)
    current = rounds[-1] if rounds else None
    support = (my_support(facts.session, facts.program.id, facts.user.id)
               if facts.rnd.template == "action" else None)
    return {
        "supporters": facts.ctx.supporters, "supporter_threshold": facts.rnd.supporter_threshold,
        "is_supporter": support is not None,
        "support_recorded": support is not None and support.recorded_by is not None,
        "demand": current, "response": current.response if current else None,
        "earlier_demands": rounds[:-1], "channels": demand.CHANNELS, "outcomes": demand.OUTCOMES,
    }
