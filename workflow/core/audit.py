"""The hash-chained event log.

One chain for the whole database: each event stores the hash of the event
before it (by id) and its own hash over its fields and that link. Editing,
deleting or inserting a row out of band breaks the chain at that row or the
next one, and :func:`verify` names the first event that no longer fits.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, Session, SQLModel, select

from workflow.core.db import lock_event_chain
from workflow.core.personal import PersonalData, register

GENESIS = "0" * 64


class Event(SQLModel, table=True):
    """An append-only record of one fired transition, or of one set-up action (no program:
    the payload names what it is about), chained by hash."""
    id: int | None = Field(default=None, primary_key=True)
    program_id: int | None = Field(default=None, foreign_key="program.id", index=True)
    actor_id: int = Field(foreign_key="user.id")
    at: datetime
    transition: str = Field(max_length=32)
    from_state: str = Field(max_length=32)
    to_state: str = Field(max_length=32)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


register(PersonalData(
    # The step, not its payload: that is the program's record (it may hold other people's
    # words, such as the objections of a ballot), shown in the program's history.
    "actions", (Event.actor_id,), exclude=("prev_hash", "hash", "payload"),
    kept="the chain must still verify: an event keeps its actor's id, and the account "
         "row no longer says who that was"))


def digest(prev_hash: str, program_id: int, actor_id: int, at: datetime, transition: str,
           from_state: str, to_state: str, payload: str) -> str:
    body = json.dumps([prev_hash, program_id, actor_id, at.astimezone(UTC).isoformat(timespec="microseconds"),
                       transition, from_state, to_state, payload],
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def record_setup(session: Session, *, actor_id: int, at: datetime, action: str,
                 payload: dict) -> Event:
    """Add a set-up action (no program) to the chain: ``payload`` names what it is about."""
    return append_event(session, program_id=None, actor_id=actor_id, at=at, transition=action,
                        from_state="", to_state="", payload=payload)


def append_event(session: Session, *, program_id: int | None, actor_id: int, at: datetime,
                 transition: str, from_state: str, to_state: str, payload: dict) -> Event:
    """Add the next event to the chain inside the caller's transaction."""
    lock_event_chain(session)
    prev = session.exec(select(Event.hash).order_by(Event.id.desc()).limit(1)).first()
    prev_hash = prev or GENESIS
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    event = Event(program_id=program_id, actor_id=actor_id, at=at, transition=transition,
                  from_state=from_state, to_state=to_state, payload=text, prev_hash=prev_hash,
                  hash=digest(prev_hash, program_id, actor_id, at, transition, from_state,
                              to_state, text))
    session.add(event)
    return event


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    broken_id: int | None = None
    problem: str = ""


def verify(session: Session) -> Verdict:
    """Walk the chain in id order; report the first event that does not fit."""
    prev_hash, checked = GENESIS, 0
    for event in session.exec(select(Event).order_by(Event.id).execution_options(yield_per=500)):
        if event.prev_hash != prev_hash:
            return Verdict(False, checked, event.id, "does not link to the event before it")
        expected = digest(event.prev_hash, event.program_id, event.actor_id, event.at,
                          event.transition, event.from_state, event.to_state, event.payload)
        if event.hash != expected:
            return Verdict(False, checked, event.id, "its contents do not match its hash")
        prev_hash, checked = event.hash, checked + 1
    return Verdict(True, checked)
