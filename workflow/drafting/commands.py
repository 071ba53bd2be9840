"""Changing a program's words, and throwing a draft away.

Its authors change the proposal while its process still discusses it (``TEXT_OPEN_IN``);
once a vote opens the words are frozen. Every save that changes something is the next
revision; a save based on words someone has since changed is refused (``StaleDraft``)
with their change shown, so nobody's words are overwritten unseen.
"""
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from workflow.core.audit import Event
from workflow.core.command import command
from workflow.drafting import revisions
from workflow.drafting.revisions import PROPOSAL_FIELDS, as_text, compare, proposal_of
from workflow.engine import diff
from workflow.engine.processes import AUTHOR
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean, is_number
from workflow.programs.access import DRAFT, Readable, load_program, member_roles, readable_program
from workflow.programs.form import clean_program
from workflow.programs.models import Program
from workflow.voting.queries import open_ballot

__all__ = ["PROPOSAL_FIELDS", "StaleDraft", "as_text", "delete_draft", "edit_program",
           "program_to_edit", "draft_to_delete", "proposal_of"]


def check_editable(session: Session, program: Program, template: str, roles: frozenset):
    """Refuse unless the actor is an author and the program's words may still change."""
    if AUTHOR not in roles:
        raise Refusal("forbidden", Reason(N_("Only an author of this program can change "
                                             "its text.")))
    frozen = revisions.frozen_reason(template, program.state,
                                     open_ballot(session, program.id) is not None)
    if frozen is not None:
        raise Refusal("conflict", frozen)


def check_deletable(program: Program, roles: frozenset) -> None:
    """Refuse unless the actor is an author and the program is still a draft."""
    if AUTHOR not in roles:
        raise Refusal("forbidden", Reason(N_("Only an author of this draft can change or "
                                             "delete it.")))
    if program.state != DRAFT:
        raise Refusal("conflict", Reason(N_("Only a draft can be deleted: this program is "
                                            "now %(state)s."), {"state": program.state}))


def _readable(session: Session, user, program_id: int) -> Readable:
    found = readable_program(session, user, program_id)
    if found is None:
        raise Refusal("not_found", Reason(N_("That program does not exist.")))
    return found


def program_to_edit(session: Session, user, program_id: int) -> Readable:
    """The program for its edit page, if ``user`` may change its words; else Refusal."""
    found = _readable(session, user, program_id)
    check_editable(session, found.program, found.rnd.template, found.roles)
    return found


def draft_to_delete(session: Session, user, program_id: int) -> Readable:
    """The draft for its delete page, if ``user`` may delete it; else Refusal."""
    found = _readable(session, user, program_id)
    check_deletable(found.program, found.roles)
    return found


class StaleDraft(Refusal):
    """Someone saved the program after this person opened the form: nothing was saved.

    ``theirs`` is the other person's change (the words the form was opened at against
    the words saved now), or, when the form's version is unknown, what saving would
    change (``opened`` is False); ``version`` is the saved one, for the form sent again
    to overwrite it knowingly.
    """

    def __init__(self, version: int, theirs: list, opened: bool):
        super().__init__("conflict", Reason(N_(
            "Someone else saved this program after you opened it, so your changes were "
            "not saved. Their change is shown below; your words are still in the form. "
            "Merge them, then save again.")))
        self.version, self.theirs, self.opened = version, theirs, opened


def _check_not_stale(session: Session, program: Program, version: str, values: dict):
    """Refuse a save whose form was opened before the newest revision."""
    newest = revisions.latest(session, program.id)
    version = clean(version)
    number = int(version) if is_number(version, 9) else 0
    if 1 <= number <= program.version:
        if newest is None or newest.version <= number:
            return  # nothing saved since: only steps of the process moved the version
        base = revisions.opened_at(session, program.id, number)
        if base is not None:
            raise StaleDraft(program.version, compare(revisions.values_of(base),
                                                      proposal_of(program)), True)
    raise StaleDraft(program.version, compare(proposal_of(program), values), False)


@command
def edit_program(session: Session, actor, program_id: int, form: dict, version: str,
                 now: datetime) -> Program:
    """An author saves changes to the program, opened at ``version`` (the form's hidden
    field): the words are checked, then a save over someone's newer words is refused
    (StaleDraft); a save that changes something is the next revision."""
    program, rnd = load_program(session, program_id, lock=True)
    check_editable(session, program, rnd.template, member_roles(session, actor, program, rnd))
    values = clean_program(session, rnd.community_id, form)
    before = proposal_of(program)
    if values == before:
        return program  # the program already says exactly this: nothing to save, no conflict
    _check_not_stale(session, program, version, values)
    # The version check refuses a write based on a program someone has since changed.
    moved = session.exec(update(Program).where(
        Program.id == program.id, Program.version == program.version).values(
        **values, version=program.version + 1))
    if moved.rowcount != 1:
        raise Refusal("conflict", Reason(N_("Someone else changed this program at the same "
                                            "moment. Please look again.")))
    session.refresh(program)
    revisions.record_revision(
        session, program, actor.id, now,
        number=(revisions.latest_number(session, program.id) or 0) + 1,
        changed=diff.changed_fields(before, values, PROPOSAL_FIELDS))
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
    check_deletable(program, member_roles(session, actor, program, rnd))
    history = session.exec(select(Event.id).where(Event.program_id == program.id)).first()
    if history is not None:
        # The audit chain is append-only: a program with a history is never removed.
        raise Refusal("conflict", Reason(N_("This program has a recorded history and cannot "
                                            "be deleted.")))
    _remove(session, Program.__table__, [program.id])
    return rnd.id
