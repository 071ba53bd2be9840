"""Drafts: a proposal its authors may still change, or throw away, before they submit it.

Who may see a program is decided here, once, for every page and the API
(``readable_program``), by the rule the commands apply too (``access.may_read``): a
draft is seen by its authors and the community's facilitator only; to anyone else it
does not exist, exactly as a program of another village does not.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from workflow.core.audit import Event
from workflow.core.command import command
from workflow.engine.processes import AUTHOR
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean, is_number
from workflow.programs.access import DRAFT, Readable, load_program, member_roles, readable_program
from workflow.programs.form import clean_program
from workflow.programs.models import Program

# What a proposal says: the form's fields, in the order the form asks them. The revision
# history (a later step) keeps these per version and compares two with ``differences``.
PROPOSAL_FIELDS = ("title", "problem", "goal", "beneficiaries", "beneficiaries_count",
                   "dusun_id", "rt", "rw", "sector", "estimated_cost", "funding_source")


def check_changeable(program: Program, roles: frozenset) -> None:
    """Refuse unless the actor is an author and the program is still a draft."""
    if AUTHOR not in roles:
        raise Refusal("forbidden", Reason(N_("Only an author of this draft can change or "
                                             "delete it.")))
    if program.state != DRAFT:
        raise Refusal("conflict", Reason(N_("Only a draft can be changed or deleted: this "
                                            "program is now %(state)s."),
                                         {"state": program.state}))


def draft_to_change(session: Session, user, program_id: int) -> Readable:
    """The draft for its edit and delete pages, if ``user`` may change it; else Refusal."""
    found = readable_program(session, user, program_id)
    if found is None:
        raise Refusal("not_found", Reason(N_("That program does not exist.")))
    check_changeable(found.program, found.roles)
    return found


def proposal_of(program: Program) -> dict:
    return {field: getattr(program, field) for field in PROPOSAL_FIELDS}


def form_values(values: dict) -> dict:
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
class Change:
    field: str
    before: str
    after: str


def differences(before: dict, after: dict) -> list:
    """[Change] for each field where two versions of a proposal (as form text) differ."""
    return [Change(field, before.get(field, ""), after.get(field, ""))
            for field in PROPOSAL_FIELDS if before.get(field, "") != after.get(field, "")]


class StaleDraft(Refusal):
    """Someone saved the draft after this person opened the form: nothing was saved.

    ``changes`` compares what is saved now (before) with what the person sent (after);
    ``version`` is the saved one, for the form sent again to overwrite it knowingly.
    """

    def __init__(self, version: int, changes: list):
        super().__init__("conflict", Reason(N_(
            "Someone else saved this draft after you opened it, so your changes were not "
            "saved. Compare below, then save again to keep your words.")))
        self.version = version
        self.changes = changes


@command
def edit_program(session: Session, actor, program_id: int, form: dict, version: str,
                 now: datetime) -> Program:
    """An author saves changes to a draft opened at ``version`` (the form's hidden field).

    The words are checked first; then a draft saved by someone else since it was opened
    is not overwritten: StaleDraft compares the two.

    ``now`` is when the change was made: the revision history will keep it.
    """
    program, rnd = load_program(session, program_id, lock=True)
    check_changeable(program, member_roles(session, actor, program, rnd))
    values = clean_program(session, rnd.community_id, form)
    if values == proposal_of(program):
        return program  # the draft already says exactly this: nothing to save, no conflict
    version = clean(version)
    if not (is_number(version, 9) and int(version) == program.version):
        raise StaleDraft(program.version, differences(form_values(proposal_of(program)),
                                                      form_values(values)))
    # The version check refuses a write based on a draft someone has since changed.
    moved = session.exec(update(Program).where(
        Program.id == program.id, Program.version == program.version).values(
        **values, version=program.version + 1))
    if moved.rowcount != 1:
        raise Refusal("conflict", Reason(N_("Someone else changed this program at the same "
                                            "moment. Please look again.")))
    session.refresh(program)
    return program


def _remove(session: Session, table, keys) -> None:
    """Delete the rows of ``table`` whose key is in ``keys``, and first every row that
    points at them (a table added later that refers to a program is covered too)."""
    for child in SQLModel.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table and child is not table:
                child_key = list(child.primary_key.columns)[0]
                _remove(session, child, sa_select(child_key).where(fk.parent.in_(keys)))
    key = list(table.primary_key.columns)[0]
    session.exec(delete(table).where(key.in_(keys)))


@command
def delete_draft(session: Session, actor, program_id: int, now: datetime) -> int:
    """An author throws a draft away, with everything attached to it; returns its round."""
    program, rnd = load_program(session, program_id, lock=True)
    check_changeable(program, member_roles(session, actor, program, rnd))
    history = session.exec(select(Event.id).where(Event.program_id == program.id)).first()
    if history is not None:
        # The audit chain is append-only: a program with a history is never removed.
        raise Refusal("conflict", Reason(N_("This program has a recorded history and cannot "
                                            "be deleted.")))
    _remove(session, Program.__table__, [program.id])
    return rnd.id
