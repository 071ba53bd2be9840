"""The use cases called directly: who may do what, and all-or-nothing writes."""
import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tests.arrange import arrange, draft_by
from tests.helpers import (
    LOCALITY_ROUND,
    PROGRAM,
    VALID_PROGRAM,
    ballots_of,
    counts,
    db_state,
    events_of,
    state_of,
    utcnow,
    votes_of,
)
from workflow.comments import commands as comment_commands
from workflow.core import audit
from workflow.engine.reasons import Refusal
from workflow.models import Comment, Event, Program, Vote
from workflow.programs import commands, effects
from workflow.programs import queries as program_queries
from workflow.voting import commands as voting_commands


def refused(call) -> Refusal:
    """Run ``call`` and return the Refusal it raised."""
    with pytest.raises(Refusal) as caught:
        call()
    return caught.value


def version_of(db, program_id=PROGRAM) -> int:
    version = db.exec(select(Program.version).where(Program.id == program_id)).one()
    db.commit()
    return version


# --- fire_transition ------------------------------------------------------------------------

def test_fire_transition_writes_one_event(db, users):
    """A fired step moves the state, bumps the version and appends one chained event."""
    before = counts(db)
    program = commands.fire_transition(db, users["pendamping"], PROGRAM, "open_discussion",
                                       utcnow())
    assert program.state == "discussion"
    assert state_of(db) == "discussion"
    assert version_of(db) == 3  # created at 1, submitted, now opened
    assert counts(db)["Event"] == before["Event"] + 1
    assert events_of(db)[-1] == ("open_discussion", "proposed", "discussion", "pendamping")
    verdict = audit.verify(db)
    db.commit()
    assert verdict.ok and verdict.checked == before["Event"] + 1


REFUSALS = [
    # (step, state of program 1, who, kind of refusal)
    ("open_discussion", "proposed", "warga1", "forbidden"),
    ("open_discussion", "proposed", "warga2", "forbidden"),
    ("open_discussion", "proposed", "kades", "forbidden"),
    ("open_discussion", "proposed", "admin", "forbidden"),
    ("withdraw", "proposed", "warga1", "forbidden"),
    ("withdraw", "proposed", "pendamping", "forbidden"),
    ("submit", "proposed", "warga2", "conflict"),
    ("open_voting", "proposed", "pendamping", "conflict"),
    ("open_majority_vote", "discussion", "pendamping", "conflict"),
    ("close_voting", "discussion", "pendamping", "conflict"),
    ("reject", "discussion", "pendamping", "invalid"),
    ("reject", "discussion", "kades", "forbidden"),
    ("approve", "discussion", "kades", "conflict"),
    ("approve", "agreed", "pendamping", "forbidden"),
    ("approve", "agreed", "warga1", "forbidden"),
    ("approve", "agreed", "admin", "forbidden"),
    ("return", "agreed", "kades", "invalid"),
    ("withdraw", "voting", "warga2", "conflict"),
    ("start_implementation", "agreed", "pendamping", "conflict"),
    ("start_implementation", "approved", "warga1", "forbidden"),
    ("fly", "proposed", "pendamping", "not_found"),
    ("start_assessment", "proposed", "pendamping", "not_found"),
]


@pytest.mark.parametrize(("name", "state", "username", "kind"), REFUSALS,
                         ids=[f"{n}-{s}-{u}" for n, s, u, _ in REFUSALS])
def test_fire_transition_refused(db, users, name, state, username, kind):
    """A refused step raises Refusal of the right kind and leaves no row behind."""
    arrange(db, users, state)
    before = db_state(db)
    refusal = refused(lambda: commands.fire_transition(db, users[username], PROGRAM, name,
                                                       utcnow()))
    assert refusal.kind == kind
    assert str(refusal.reason)
    assert db_state(db) == before


def test_fire_transition_with_reason_keeps_it(db, users):
    """The reason of a step that needs one is stored, trimmed, in the event's payload."""
    arrange(db, users, "agreed")
    commands.fire_transition(db, users["kades"], PROGRAM, "return", utcnow(),
                             reason="  Hitung ulang biayanya.  ")
    event = db.exec(select(Event).order_by(Event.id.desc()).limit(1)).one()
    db.commit()
    assert program_queries.event_payload(event)["reason"] == "Hitung ulang biayanya."
    assert state_of(db) == "discussion"


@pytest.mark.parametrize("call", ["fire_transition", "cast_vote", "record_room_vote",
                                  "add_comment"])
def test_outsider_is_told_not_found(db, users, outsider, call):
    """To someone from another community the program does not exist, whatever they try."""
    arrange(db, users, "voting")
    before = db_state(db)
    actor, now = outsider.user, utcnow()
    attempts = {
        "fire_transition": lambda: commands.fire_transition(db, actor, PROGRAM, "close_voting",
                                                            now),
        "cast_vote": lambda: voting_commands.cast_vote(db, actor, PROGRAM, "agree", "", now),
        "record_room_vote": lambda: voting_commands.record_room_vote(
            db, actor, PROGRAM, users["warga3"].id, "agree", "", now),
        "add_comment": lambda: comment_commands.add_comment(db, actor, PROGRAM, "support", "Ya", now),
    }
    assert refused(attempts[call]).kind == "not_found"
    assert db_state(db) == before


def test_outsider_cannot_propose_in_another_round(db, outsider):
    """Another community's round does not exist for an outsider."""
    before = db_state(db)
    refusal = refused(lambda: commands.create_program(db, outsider.user, LOCALITY_ROUND,
                                                      VALID_PROGRAM, "", utcnow()))
    assert refusal.kind == "not_found"
    assert db_state(db) == before


@pytest.mark.parametrize("call", ["fire_transition", "cast_vote", "add_comment"])
def test_unknown_program_is_not_found(db, users, call):
    """Every command on a program that does not exist is not_found and writes nothing."""
    before = db_state(db)
    now = utcnow()
    attempts = {
        "fire_transition": lambda: commands.fire_transition(db, users["pendamping"], 999,
                                                            "open_discussion", now),
        "cast_vote": lambda: voting_commands.cast_vote(db, users["warga1"], 999, "agree", "", now),
        "add_comment": lambda: comment_commands.add_comment(db, users["warga1"], 999, "support", "Ya",
                                                    now),
    }
    assert refused(attempts[call]).kind == "not_found"
    assert db_state(db) == before


def test_double_click_returns_the_program_without_a_second_event(db, users):
    """The same person firing the same step on a stale state gets the program, no new event."""
    now = utcnow()
    commands.fire_transition(db, users["pendamping"], PROGRAM, "open_discussion", now,
                             expected_state="proposed")
    before = db_state(db)
    again = commands.fire_transition(db, users["pendamping"], PROGRAM, "open_discussion", now,
                                     expected_state="proposed")
    assert again.state == "discussion"
    assert db_state(db) == before


def test_stale_expected_state_of_another_step_is_a_conflict(db, users):
    """A different step fired on a stale page is refused, even by the same person."""
    commands.fire_transition(db, users["pendamping"], PROGRAM, "open_discussion", utcnow())
    before = db_state(db)
    refusal = refused(lambda: commands.fire_transition(
        db, users["pendamping"], PROGRAM, "reject", utcnow(), reason="x",
        expected_state="proposed"))
    assert refusal.kind == "conflict"
    assert db_state(db) == before


# --- atomicity: a failure half-way keeps nothing ------------------------------------------

def test_failure_after_effects_keeps_no_ballot(db, users, monkeypatch):
    """If the event cannot be written after the ballot opened, neither ballot nor state is kept."""
    arrange(db, users, "discussion")
    before = db_state(db)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(commands.audit, "append_event", broken)
    with pytest.raises(RuntimeError):
        commands.fire_transition(db, users["pendamping"], PROGRAM, "open_voting", utcnow())
    assert db_state(db) == before
    assert ballots_of(db) == []


def test_failure_while_closing_keeps_the_ballot_open(db, users, monkeypatch):
    """If closing the vote fails half-way, the ballot stays open and the state stays voting."""
    arrange(db, users, "voting")
    before = db_state(db)
    monkeypatch.setattr(commands.audit, "append_event",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash")))
    with pytest.raises(RuntimeError):
        commands.fire_transition(db, users["pendamping"], PROGRAM, "close_voting", utcnow())
    assert db_state(db) == before
    assert ballots_of(db) == [("consent", True, None)]


def test_concurrent_change_is_a_conflict_and_keeps_nothing(db, users, monkeypatch):
    """When the program's version moved under the command, it refuses and keeps nothing."""
    arrange(db, users, "discussion")
    before = db_state(db)
    original = effects.apply_effects

    def someone_else_writes(session, *args, **kwargs):
        payload = original(session, *args, **kwargs)
        # A plain table UPDATE, as another worker's would be: the loaded object keeps
        # the version it read.
        table = Program.__table__
        session.connection().execute(update(table).where(table.c.id == PROGRAM)
                                     .values(version=table.c.version + 1))
        return payload

    monkeypatch.setattr(effects, "apply_effects", someone_else_writes)
    refusal = refused(lambda: commands.fire_transition(db, users["pendamping"], PROGRAM,
                                                       "open_voting", utcnow()))
    assert refusal.kind == "conflict"
    assert db_state(db) == before
    assert ballots_of(db) == []


def test_failed_vote_keeps_nothing(db, users, monkeypatch):
    """A vote written to the session and then failing before the commit is not kept."""
    arrange(db, users, "voting")
    before = db_state(db)
    original = voting_commands._store_vote

    def broken(session, *args, **kwargs):
        original(session, *args, **kwargs)
        session.flush()
        raise RuntimeError("crash")

    monkeypatch.setattr(voting_commands, "_store_vote", broken)
    with pytest.raises(RuntimeError):
        voting_commands.cast_vote(db, users["warga1"], PROGRAM, "agree", "", utcnow())
    assert db_state(db) == before


# --- ballots --------------------------------------------------------------------------------

def test_open_and_close_voting(db, users):
    """open_voting opens a consent ballot; close_voting closes it with the result."""
    arrange(db, users, "voting")
    assert ballots_of(db) == [("consent", True, None)]
    for i in range(1, 10):
        voting_commands.cast_vote(db, users[f"warga{i}"], PROGRAM, "agree", "", utcnow())
    voting_commands.cast_vote(db, users["warga10"], PROGRAM, "block", "Tanah warga.", utcnow())
    commands.fire_transition(db, users["pendamping"], PROGRAM, "close_voting", utcnow())
    assert state_of(db) == "discussion"
    assert ballots_of(db) == [("consent", False, False)]
    event = db.exec(select(Event).order_by(Event.id.desc()).limit(1)).one()
    db.commit()
    tally = program_queries.event_payload(event)["tally"]
    assert tally["counts"]["block"] == 1 and tally["passed"] is False
    commands.fire_transition(db, users["pendamping"], PROGRAM, "open_majority_vote", utcnow())
    assert ballots_of(db)[-1] == ("majority", True, None)


@pytest.mark.parametrize("username", ["pendamping", "kades", "admin"])
def test_only_residents_vote(db, users, username):
    """Staff do not vote: forbidden, and no vote is stored."""
    arrange(db, users, "voting")
    before = db_state(db)
    refusal = refused(lambda: voting_commands.cast_vote(db, users[username], PROGRAM, "agree", "",
                                                 utcnow()))
    assert refusal.kind == "forbidden"
    assert db_state(db) == before


def test_no_vote_without_an_open_ballot(db, users):
    """Voting with no open ballot is a conflict."""
    before = db_state(db)
    assert refused(lambda: voting_commands.cast_vote(db, users["warga1"], PROGRAM, "agree", "",
                                              utcnow())).kind == "conflict"
    assert db_state(db) == before


@pytest.mark.parametrize(("choice", "reason"), [("", ""), ("yes", ""), ("block", ""),
                                                ("block", "  "), ("AGREE", "")])
def test_invalid_ballot_paper(db, users, choice, reason):
    """A choice not on the ballot, or a block without a reason, is invalid at 'choice'."""
    arrange(db, users, "voting")
    before = db_state(db)
    refusal = refused(lambda: voting_commands.cast_vote(db, users["warga1"], PROGRAM, choice, reason,
                                                 utcnow()))
    assert refusal.kind == "invalid"
    assert set(refusal.errors) == {"choice"}
    assert db_state(db) == before


def test_one_person_one_vote(db, users):
    """Voting again changes the one vote instead of adding another."""
    arrange(db, users, "voting")
    first = voting_commands.cast_vote(db, users["warga1"], PROGRAM, "agree", "", utcnow())
    second = voting_commands.cast_vote(db, users["warga1"], PROGRAM, "disagree", "", utcnow())
    assert first.id == second.id
    assert votes_of(db) == [("warga1", "disagree", "", False)]


def test_the_database_refuses_a_second_vote(db, users):
    """The unique key, not only the code, keeps one vote per person per ballot."""
    arrange(db, users, "voting")
    vote = voting_commands.cast_vote(db, users["warga1"], PROGRAM, "agree", "", utcnow())
    db.add(Vote(ballot_id=vote.ballot_id, user_id=vote.user_id, choice="disagree",
                cast_at=utcnow()))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    assert votes_of(db) == [("warga1", "agree", "", False)]


def test_room_vote_rules(db, users):
    """Room votes: by the facilitator, for residents only, never over an online vote."""
    arrange(db, users, "voting")
    now = utcnow()
    voting_commands.cast_vote(db, users["warga1"], PROGRAM, "agree", "", now)
    before = db_state(db)
    assert refused(lambda: voting_commands.record_room_vote(
        db, users["warga2"], PROGRAM, users["warga3"].id, "agree", "", now)).kind == "forbidden"
    assert refused(lambda: voting_commands.record_room_vote(
        db, users["pendamping"], PROGRAM, users["kades"].id, "agree", "", now)).kind == "invalid"
    assert refused(lambda: voting_commands.record_room_vote(
        db, users["pendamping"], PROGRAM, users["warga1"].id, "block", "x", now)
    ).kind == "conflict"
    assert db_state(db) == before
    vote = voting_commands.record_room_vote(db, users["pendamping"], PROGRAM, users["warga3"].id,
                                     "abstain", "", now)
    assert (vote.in_room, vote.recorded_by) == (True, users["pendamping"].id)


# --- proposals and comments ---------------------------------------------------------------

def test_create_program(db, users):
    """A proposal is a draft with its author; no event until it is submitted."""
    before = counts(db)
    program_id = draft_by(db, users, "warga1")
    after = counts(db)
    assert state_of(db, program_id) == "draft"
    assert (after["Program"], after["ProgramAuthor"], after["Event"]) == (
        before["Program"] + 1, before["ProgramAuthor"] + 1, before["Event"])


def test_create_program_same_key_is_one_program(db, users):
    """The same submission key returns the program already made."""
    first = commands.create_program(db, users["warga1"], LOCALITY_ROUND, VALID_PROGRAM, "k1",
                                    utcnow())
    before = counts(db)
    second = commands.create_program(db, users["warga1"], LOCALITY_ROUND, VALID_PROGRAM, "k1",
                                     utcnow())
    assert second.id == first.id
    assert counts(db) == before


def test_admin_cannot_propose(db, users):
    """The administrator manages and does not propose."""
    before = db_state(db)
    assert refused(lambda: commands.create_program(db, users["admin"], LOCALITY_ROUND,
                                                   VALID_PROGRAM, "", utcnow())
                   ).kind == "forbidden"
    assert db_state(db) == before


def test_invalid_proposal_names_each_field(db, users):
    """An invalid proposal is refused with an error for each bad field and saves nothing."""
    before = db_state(db)
    refusal = refused(lambda: commands.create_program(
        db, users["warga1"], LOCALITY_ROUND,
        {"title": "", "problem": "x", "goal": "", "rt": "abc", "estimated_cost": "banyak"},
        "", utcnow()))
    assert refusal.kind == "invalid"
    assert set(refusal.errors) == {"title", "goal", "rt", "estimated_cost"}
    assert db_state(db) == before


def test_unknown_round(db, users):
    """Proposing in a round that does not exist is not_found."""
    assert refused(lambda: commands.create_program(db, users["warga1"], 999, VALID_PROGRAM, "",
                                                   utcnow())).kind == "not_found"


@pytest.mark.parametrize("username", ["warga1", "pendamping", "kades", "admin"])
def test_every_member_comments(db, users, username):
    """Every member of the community may comment; the body is trimmed."""
    comment = comment_commands.add_comment(db, users[username], PROGRAM, "question", " Kapan? ",
                                   utcnow())
    assert comment.body == "Kapan?"
    assert counts(db)["Comment"] == 1


@pytest.mark.parametrize(("stance", "body", "field"), [
    ("support", "", "body"), ("support", "   ", "body"), ("support", "x" * 4001, "body"),
    ("", "Ya", "stance"), ("cheer", "Ya", "stance")])
def test_invalid_comment(db, users, stance, body, field):
    """An empty, too long or stance-less comment is invalid at its field and not stored."""
    before = db_state(db)
    refusal = refused(lambda: comment_commands.add_comment(db, users["warga1"], PROGRAM, stance, body,
                                                   utcnow()))
    assert refusal.kind == "invalid"
    assert field in refusal.errors
    assert db_state(db) == before


def test_no_comment_on_a_closed_program(db, users):
    """A withdrawn program takes no more comments."""
    arrange(db, users, "withdrawn")
    before = db_state(db)
    assert refused(lambda: comment_commands.add_comment(db, users["warga1"], PROGRAM, "support", "Ya",
                                                utcnow())).kind == "conflict"
    assert db_state(db) == before
    assert db.exec(select(Comment)).all() == []
