"""A vote storm: fifty residents vote on one ballot at the same moment and each changes the
vote five times, on a SQLite file and on PostgreSQL. Through the commands (a Session per
thread on the app's engine) and through HTTP (a test client per thread). Afterwards there is
exactly one row per voter, holding that voter's last accepted choice (and its reason, which
names the attempt, so a stale write cannot hide behind an equal choice), the tally counts
exactly those rows, and the audit chain verifies."""
import random
import re
import threading
import time
import traceback
from collections import Counter

import pytest
from sqlmodel import Session, select

from tests.arrange import arrange
from tests.helpers import (
    CHEAP_HASHER,
    LOCALITY_ROUND,
    PROGRAM,
    login_as,
    residents,
    send,
    utcnow,
)
from workflow import demo
from workflow.core import audit
from workflow.core.db import ENGINE_KEY
from workflow.engine.ballots import CHOICES, CONSENT
from workflow.engine.reasons import Reason, Refusal
from workflow.models import Ballot, Membership, Round, Vote
from workflow.people import passwords as accounts
from workflow.people.passwords import create_user
from workflow.voting import commands as voting_commands
from workflow.voting import queries as voting_queries

VOTERS = 50
CHANGES = 5          # a first vote, then five changes: six writes per voter
TIMEOUT = 120
PRESSED_RE = re.compile(r'data-choice="(\w+)"\s+class="[^"]*"\s+aria-pressed="true"')


@pytest.fixture
def fifty(db, people, monkeypatch):
    """The twelve demo residents and 38 more: fifty eligible voters on program 1's open
    consent ballot. The new accounts share one precomputed argon2 hash (of the demo
    password), so making them costs one hash, not 38."""
    community_id = db.get(Round, LOCALITY_ROUND).community_id
    shared_hash = CHEAP_HASHER.hash(demo.PASSWORD)
    monkeypatch.setattr(accounts, "hash_password", lambda _password: shared_hash)
    extra = [create_user(db, f"badai{i:02d}", f"Warga Badai {i:02d}", demo.PASSWORD, utcnow())
             for i in range(1, VOTERS - 12 + 1)]
    db.add_all(Membership(user_id=user.id, community_id=community_id, role="resident")
               for user in extra)
    db.commit()
    arrange(db, people, "voting")
    assert voting_queries.eligible_voters(db, community_id) == VOTERS
    db.commit()
    return residents(people, 12) + extra


def plan(i: int) -> list:
    """The voter's six choices, each one different from the one before, with the reason
    naming the attempt (a block needs a reason; the others may carry one too)."""
    rng = random.Random(i)
    choices, sequence = CHOICES[CONSENT], []
    for k in range(CHANGES + 1):
        choice = rng.choice([c for c in choices if not sequence or c != sequence[-1][0]])
        sequence.append((choice, f"badai pemilih {i} percobaan {k}"))
    return sequence


def storm(voters, vote) -> tuple[dict, list, list, float]:
    """Run ``vote(i, k, voter, choice, reason)`` for step k of voter i's plan, one thread per
    voter, all released together by a barrier. ``vote`` returns True when the vote was
    accepted and raises Refusal when it was refused.

    Returns (last accepted (choice, reason) per user id, refusals, other errors, seconds, the
    most votes that were in flight at one moment).
    """
    barrier = threading.Barrier(len(voters))
    last, refusals, errors = {}, [], []
    lock = threading.Lock()
    flight = {"now": 0, "most": 0}

    def run(i, voter):
        try:
            barrier.wait(timeout=TIMEOUT)
            for k, (choice, reason) in enumerate(plan(i)):
                with lock:
                    flight["now"] += 1
                    flight["most"] = max(flight["most"], flight["now"])
                try:
                    accepted = vote(i, k, voter, choice, reason)
                except Refusal as refusal:
                    with lock:
                        refusals.append((voter.username, k, choice, refusal.kind, str(refusal)))
                    continue
                finally:
                    with lock:
                        flight["now"] -= 1
                if accepted:
                    last[voter.id] = (choice, reason)
        except BaseException:  # anything but a Refusal escaping is a failure
            with lock:
                errors.append((voter.username, traceback.format_exc()))

    threads = [threading.Thread(target=run, args=(i, voter), name=f"voter-{voter.username}")
               for i, voter in enumerate(voters)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    elapsed = time.perf_counter() - started
    assert not any(thread.is_alive() for thread in threads), "a voter never finished"
    return last, refusals, errors, elapsed, flight["most"]


def check_outcome(db, voters, outcome, label) -> None:
    last, refusals, errors, elapsed, most = outcome
    kind = db.get_bind().dialect.name
    print(f"\n[{kind}] {label}: {VOTERS} voters x {CHANGES + 1} votes in {elapsed:.2f} s, "
          f"at most {most} in flight at once, {len(refusals)} refused, {len(errors)} errors")
    assert errors == [], "exceptions other than Refusal escaped:\n" + "\n".join(
        f"--- {name}\n{trace}" for name, trace in errors[:5])
    # The ballot never closes during the storm and every choice is valid: nothing may be
    # turned away, so each voter's last planned vote is the last accepted one.
    assert refusals == [], f"valid votes were refused on an open ballot: {refusals[:10]}"
    assert set(last) == {voter.id for voter in voters}
    assert most >= VOTERS // 2, f"the storm did not overlap: at most {most} votes at once"

    ballot = db.exec(select(Ballot).where(Ballot.program_id == PROGRAM)).one()
    rows = db.exec(select(Vote.user_id, Vote.choice, Vote.reason, Vote.in_room)
                   .where(Vote.ballot_id == ballot.id)).all()
    all_votes = db.exec(select(Vote.id)).all()
    db.commit()
    assert len(rows) == VOTERS and len(all_votes) == VOTERS, (
        f"{len(rows)} vote rows on the ballot, {len(all_votes)} in all, for {VOTERS} voters")
    per_voter = Counter(user_id for user_id, *_ in rows)
    assert [u for u, n in per_voter.items() if n != 1] == [], "a voter has more than one row"
    stored = {user_id: (choice, reason) for user_id, choice, reason, _ in rows}
    lost = {v.username: (stored.get(v.id), last[v.id]) for v in voters
            if stored.get(v.id) != last[v.id]}
    assert lost == {}, f"stored (choice, reason) differs from the last accepted vote: {lost}"
    assert not any(in_room for *_, in_room in rows)

    rnd = db.get(Round, LOCALITY_ROUND)
    tally = voting_queries.ballot_tally(db, ballot, rnd)
    db.commit()
    by_choice = Counter(choice for _, choice, _, _ in rows)
    assert tally.counts == {choice: by_choice[choice] for choice in CHOICES[CONSENT]}
    assert tally.cast == VOTERS and tally.eligible == VOTERS
    verdict = audit.verify(db)
    db.commit()
    assert verdict.ok, verdict


def test_vote_storm_through_the_commands(app, db, fifty):
    """Fifty threads, each with its own Session on the app's engine, call cast_vote six
    times at once."""
    engine = app.extensions[ENGINE_KEY]
    sessions = {voter.id: Session(engine, expire_on_commit=False) for voter in fifty}

    def vote(i, k, voter, choice, reason):
        voting_commands.cast_vote(sessions[voter.id], voter, PROGRAM, choice, reason, utcnow())
        return True

    try:
        outcome = storm(fifty, vote)
    finally:
        for session in sessions.values():
            session.close()
    check_outcome(db, fifty, outcome, "commands")


def test_vote_storm_over_http(app, db, fifty):
    """Fifty browsers (a test client each, logged in) post six votes at once, alternating a
    plain form post and an htmx post. An htmx answer shows the voter's own, just-cast
    choice as the pressed button."""
    clients = {voter.id: app.test_client() for voter in fifty}
    tokens = {voter.id: login_as(clients[voter.id], voter) for voter in fifty}

    def vote(i, k, voter, choice, reason):
        htmx = (i + k) % 2 == 0
        response = send(clients[voter.id], "/programs/1/votes", tokens[voter.id],
                        {"choice": choice, "reason": reason}, htmx=htmx)
        if response.status_code in (403, 404, 409, 422):
            raise Refusal("http", Reason(f"{response.status_code}: "
                                         f"{response.get_data(as_text=True)[:300]}"))
        assert response.status_code == (200 if htmx else 302), (
            response.status_code, response.get_data(as_text=True)[:500])
        if htmx:
            body = response.get_data(as_text=True)
            assert PRESSED_RE.findall(body) == [choice], (
                f"{voter.username} cast {choice!r}; the answer shows "
                f"{PRESSED_RE.findall(body)!r} pressed")
        else:
            assert response.headers["Location"] == "/programs/1#ballot"
        return True

    check_outcome(db, fifty, storm(fifty, vote), "http")
