"""A program's revisions, and when its text may change at all.

Writing the next revision, finding the one a form was opened at, comparing two.

Every save that changes the proposal is the next revision (number 1 is the program as
created), so two of them can always be compared word by word (engine/diff.py).
"""
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from workflow.drafting.models import Revision
from workflow.engine import diff
from workflow.engine.reasons import N_, Reason
from workflow.programs.models import Program

# What a proposal says: the form's fields, in the order the form asks them.
PROPOSAL_FIELDS = ("title", "problem", "goal", "beneficiaries", "beneficiaries_count",
                   "dusun_id", "rt", "rw", "sector", "estimated_cost", "funding_source")
# Compared word by word; the others (a number, a choice) are one value each.
TEXT_FIELDS = frozenset({"title", "problem", "goal", "beneficiaries"})
FIELD_LABELS = {
    "title": N_("Name of the program"), "problem": N_("What is the problem?"),
    "goal": N_("What should change? (the goal)"), "beneficiaries": N_("Who benefits?"),
    "beneficiaries_count": N_("How many people benefit?"), "dusun_id": N_("Dusun"),
    "rt": N_("RT"), "rw": N_("RW"), "sector": N_("Field (bidang)"),
    "estimated_cost": N_("Estimated cost (Rupiah)"),
    "funding_source": N_("Where does the money come from?"),
}
# The states in which the authors may still change the words, per process: until a
# vote (or, in social planning, the published findings) fixes what people decide on.
TEXT_OPEN_IN = {
    "locality": frozenset({"draft", "proposed", "discussion"}),
    "planning": frozenset({"draft", "proposed", "assessment"}),
    "action": frozenset({"draft", "proposed", "organizing"}),
}


def frozen_reason(template: str, state: str, vote_open: bool) -> Reason | None:
    """Why the program's text can no longer change, in plain words; None while it can."""
    if vote_open:
        return Reason(N_("A vote is open on this program, so its text cannot change: "
                         "everyone votes on the same words."))
    if state not in TEXT_OPEN_IN[template]:
        return Reason(N_("The text of this program can no longer change: it is now "
                         "%(state)s, and what was voted on or decided stays as it was."),
                      {"state": state})
    return None


def proposal_of(program: Program) -> dict:
    return {field: getattr(program, field) for field in PROPOSAL_FIELDS}


def record_revision(session: Session, program: Program, user_id: int, now: datetime,
                    number: int = 1, changed=PROPOSAL_FIELDS) -> Revision:
    """Keep the program's words as they are now (at its current version) as revision
    ``number``; the creation is number 1, with every field."""
    revision = Revision(program_id=program.id, number=number, user_id=user_id,
                        created_at=now, version=program.version,
                        proposal=json.dumps(proposal_of(program), sort_keys=True),
                        changed=json.dumps(list(changed)))
    session.add(revision)
    return revision


def latest(session: Session, program_id: int) -> Revision | None:
    return session.exec(select(Revision).where(Revision.program_id == program_id)
                        .order_by(Revision.number.desc()).limit(1)).first()


def latest_number(session: Session, program_id: int) -> int | None:
    return session.exec(select(func.max(Revision.number)).where(
        Revision.program_id == program_id)).one()


def opened_at(session: Session, program_id: int, version: int) -> Revision | None:
    """The revision a form opened at program version ``version`` showed."""
    return session.exec(select(Revision).where(
        Revision.program_id == program_id, Revision.version <= version)
        .order_by(Revision.number.desc()).limit(1)).first()


def values_of(revision: Revision) -> dict:
    return json.loads(revision.proposal)


def as_text(values: dict) -> dict:
    """A proposal's values as the form's fields hold them: text, '' for nothing."""
    shown = {}
    for field in PROPOSAL_FIELDS:
        value = values.get(field)
        if value is None:
            shown[field] = ""
        elif field == "estimated_cost":
            shown[field] = f"{value:,}".replace(",", ".")  # 2.500.000, as people write it
        else:
            shown[field] = str(value)
    return shown


@dataclass(frozen=True)
class FieldDiff:
    """One field that differs: its ``parts`` as engine.diff.words gives them; a ``whole``
    value (a number, a choice) is one deleted and one inserted part."""
    field: str
    parts: list
    whole: bool


def compare(before: dict, after: dict) -> list:
    """[FieldDiff] for each field that differs between two proposals' values."""
    a, b = as_text(before), as_text(after)
    found = []
    for field in diff.changed_fields(a, b, PROPOSAL_FIELDS):
        if field in TEXT_FIELDS:
            found.append(FieldDiff(field, diff.words(a[field], b[field]), False))
        else:
            parts = [(op, text) for op, text in ((diff.DELETE, a[field]),
                                                 (diff.INSERT, b[field])) if text]
            found.append(FieldDiff(field, parts, True))
    return found
