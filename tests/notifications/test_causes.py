"""The news a step writes (fire_transition): to whom, which kind, in the step's own
transaction; nothing when the step is refused or fails; nothing for a muted kind."""
import pytest
from sqlmodel import select

from tests.arrange import DEMAND, action, arrange, fire, vote_all
from tests.helpers import PROGRAM, db_state, utcnow
from workflow.comments import commands as comment_commands
from workflow.communities import members as community_members
from workflow.engine.reasons import Refusal
from workflow.models import Membership
from workflow.notifications import causes
from workflow.notifications import commands as settings
from workflow.notifications.models import (
    KINDS,
    PROGRAM_CHANGED,
    VOTE_CLOSED,
    VOTE_OPENED,
    Notification,
)
from workflow.programs import commands


def news(db, kind=None) -> list:
    query = select(Notification).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    rows = db.exec(query).all()
    db.commit()
    return rows


def told(db, kind) -> set:
    return {n.user_id for n in news(db, kind)}


def community_ids(db, active_only=True) -> set:
    query = select(Membership.user_id).where(Membership.community_id == 1)
    if active_only:
        query = query.where(Membership.active.is_(True))
    ids = set(db.exec(query).all())
    db.commit()
    return ids


def test_a_step_tells_the_followers_not_the_actor(db, people):
    """open_discussion: the author and whoever commented hear it, with the new state."""
    comment_commands.add_comment(db, people["warga7"], PROGRAM, "question", "Kapan?", utcnow())
    fire(db, people, PROGRAM, "open_discussion")
    assert told(db, PROGRAM_CHANGED) == {people["warga2"].id, people["warga7"].id}
    line = news(db, PROGRAM_CHANGED)[0]
    assert (line.detail, line.link, line.program_id, line.actor_id, line.read_at) == (
        "discussion", f"/programs/{PROGRAM}", PROGRAM, people["pendamping"].id, None)
    assert {n.kind for n in news(db)} == {PROGRAM_CHANGED}


def test_supporters_follow_a_social_action_program(db, people):
    program_id = action(db, people, "agreed")    # warga1 to 6 joined as supporters
    before = {n.id for n in news(db)}
    fire(db, people, program_id, "deliver", form=DEMAND)
    changed = [n for n in news(db, PROGRAM_CHANGED) if n.id not in before]
    assert {n.user_id for n in changed} == {people[f"warga{i}"].id for i in range(1, 7)}
    assert {n.detail for n in changed} == {"action"}


def test_opening_a_vote_tells_every_active_member_once(db, people):
    """The vote news goes to the whole community (the author among them), not also the
    change of state; a deactivated member and the facilitator who opened it are left out."""
    community_members.deactivate(db, people["admin"], 1, people["warga12"].id, utcnow())
    arrange(db, people, "discussion")
    before = {n.id for n in news(db)}
    fire(db, people, PROGRAM, "open_voting")
    new = [n for n in news(db) if n.id not in before]
    assert {n.kind for n in new} == {VOTE_OPENED}
    expected = community_ids(db) - {people["pendamping"].id}
    assert sorted(n.user_id for n in new) == sorted(expected)
    assert people["warga12"].id not in expected and people["warga3"].id in expected
    assert {(n.detail, n.link) for n in new} == {("consent", f"/programs/{PROGRAM}#ballot")}


@pytest.mark.parametrize("choice, outcome", [("agree", causes.ACCEPTED),
                                             ("block", causes.NOT_ACCEPTED)])
def test_closing_a_vote_tells_its_outcome(db, people, choice, outcome):
    arrange(db, people, "voting")
    vote_all(db, people, PROGRAM, [choice] * 10)
    fire(db, people, PROGRAM, "close_voting")
    closed = news(db, VOTE_CLOSED)
    assert {n.user_id for n in closed} == community_ids(db) - {people["pendamping"].id}
    assert {n.detail for n in closed} == {outcome}


def test_a_vote_without_quorum_decided_nothing(db, people):
    arrange(db, people, "voting")
    vote_all(db, people, PROGRAM, ["agree"] * 2)
    fire(db, people, PROGRAM, "close_voting")
    assert {n.detail for n in news(db, VOTE_CLOSED)} == {causes.NO_QUORUM}


def test_a_muted_kind_is_not_written(db, people):
    arrange(db, people, "discussion")
    settings.choose_kinds(db, people["warga3"], [k for k in KINDS if k != VOTE_OPENED], utcnow())
    fire(db, people, PROGRAM, "open_voting")
    opened = told(db, VOTE_OPENED)
    assert people["warga3"].id not in opened and people["warga4"].id in opened


def test_a_draft_tells_nobody_and_a_lone_author_hears_nothing_of_their_own_submit(db, people):
    program = commands.create_program(db, people["warga5"], 1, {
        "title": "Lampu jalan", "problem": "Gelap.", "goal": "Terang."}, "", utcnow())
    fire(db, people, program.id, "submit", "warga5")
    assert news(db) == []


@pytest.mark.parametrize("stage, step, kind", [
    ("proposed", "open_discussion", PROGRAM_CHANGED),
    ("discussion", "open_voting", VOTE_OPENED),
    ("voting", "close_voting", VOTE_CLOSED)])
def test_the_news_is_kept_or_lost_with_its_step(db, people, monkeypatch, stage, step, kind):
    """Written in the step's transaction: a failure after the news rolls back the step's
    event, state and news together."""
    arrange(db, people, stage)
    if stage == "voting":
        vote_all(db, people, PROGRAM, ["agree"] * 10)
    before = db_state(db)
    written = []

    def notify_then_fail(session, recipients, kind_, **kwargs):
        causes_notify(session, recipients, kind_, **kwargs)
        session.flush()
        written.append(session.exec(select(Notification).where(Notification.kind == kind_)).all())
        raise RuntimeError("the disk is full")

    causes_notify = causes.notify
    monkeypatch.setattr(causes, "notify", notify_then_fail)
    with pytest.raises(RuntimeError):
        fire(db, people, PROGRAM, step)
    assert written and written[0], "the news was written inside the step"
    assert db_state(db) == before


@pytest.mark.parametrize("username, step", [("warga1", "open_discussion"),   # not their role
                                            ("pendamping", "approve"),       # not now
                                            ("pendamping", "open_voting")])  # not from proposed
def test_a_refused_step_writes_no_news(db, people, username, step):
    before = db_state(db)
    with pytest.raises(Refusal):
        fire(db, people, PROGRAM, step, username)
    assert db_state(db) == before


def test_another_community_hears_nothing(db, people, outsider):
    arrange(db, people, "voting")
    assert outsider.user.id not in {n.user_id for n in news(db)}
