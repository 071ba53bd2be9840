"""Requests that arrive at the same moment: two officials deciding one program, a whole village
voting at once, a resident's double tap on "support". Each thread has its own Flask test
client (its own session cookie) and the app its own database connection per request, on
SQLite (one writer at a time, BEGIN IMMEDIATE) and on PostgreSQL (row locks)."""
import json
import re
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.arrange import action, arrange
from tests.helpers import (
    PROGRAM,
    create_user_cheaply,
    events_of,
    login_as,
    send,
    snapshot,
    state_of,
    utcnow,
    votes_of,
)
from workflow.assessment import commands as assessment
from workflow.core import audit
from workflow.engine.processes import STATE_LABELS
from workflow.models import Ballot, Event, Finding, Membership, Round, Supporter, Vote
from workflow.organizing import commands as organizing
from workflow.programs import commands
from workflow.voting import commands as voting_commands

TIMEOUT = 120


def refusal_text(response) -> str:
    match = re.search(r'<div class="refused card" role="alert" id="refused">\s*<p>(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    assert match, "no refusal message on the page"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def together(app, users, request):
    """Run ``request(client, token, i)`` for each user in its own thread, all released at once
    by a barrier; return the responses in order (an exception in place of a response)."""
    clients = [app.test_client() for _ in users]
    tokens = [login_as(client, user) for client, user in zip(clients, users)]
    barrier = threading.Barrier(len(users))
    results = [None] * len(users)

    def run(i):
        try:
            barrier.wait(timeout=TIMEOUT)
            results[i] = request(clients[i], tokens[i], i)
        except Exception as error:  # a server error propagates in testing: keep it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results


def statuses(results) -> list:
    return [getattr(r, "status_code", repr(r)) for r in results]


@pytest.fixture
def second_official(db, people):
    """Another official of Desa Sukamaju: the village secretary (sekretaris desa)."""
    community_id = db.get(Round, 1).community_id
    user = create_user_cheaply(db, "sekdes", "Ibu Wulan (Sekretaris Desa)", "musyawarah", utcnow())
    db.add(Membership(user_id=user.id, community_id=community_id, role="official"))
    db.commit()
    return user


@pytest.fixture
def slow_decisions(monkeypatch):
    """Hold every step a moment after its facts are read, so two requests overlap for sure."""
    read_facts = commands.context_for

    def slowly(*args, **kwargs):
        time.sleep(0.3)
        return read_facts(*args, **kwargs)

    monkeypatch.setattr(commands, "context_for", slowly)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_two_officials_approve_at_once(app, db, people, second_official, slow_decisions,
                                       htmx):
    """Both press approve on the same agreed program: one approves, the other is told that
    the program has already moved on; one approve event; the chain verifies."""
    arrange(db, people, "agreed")
    officials = [people["kades"], second_official]
    viewer = app.test_client()
    login_as(viewer, second_official)  # the new official is a member and may approve
    assert "approve" in re.findall(r'data-transition="(\w+)"',
                                   viewer.get("/programs/1").get_data(as_text=True))
    before_events = len(events_of(db))

    results = together(app, officials, lambda client, token, i: send(
        client, "/programs/1/transitions/approve", token,
        {"expected_state": "agreed", "confirm": "yes"}, htmx=htmx))

    codes = statuses(results)
    success = 200 if htmx else 302
    assert sorted(codes, key=str) == sorted([success, 409], key=str), codes
    winner = codes.index(success)
    loser = results[1 - winner]
    text = refusal_text(loser)
    assert "already moved this program on" in text
    assert STATE_LABELS["approved"] in text
    if not htmx:
        assert results[winner].headers["Location"] == "/programs/1"
    events = events_of(db)
    assert len(events) == before_events + 1
    assert [e for e in events if e[0] == "approve"] == [
        ("approve", "agreed", "approved", officials[winner].username)]
    assert state_of(db) == "approved"
    verdict = audit.verify(db)
    db.commit()
    assert verdict.ok, verdict


def test_approve_and_return_at_once(app, db, people, second_official, slow_decisions):
    """One official approves while the other sends it back: exactly one decision stands."""
    arrange(db, people, "agreed")
    steps = [("approve", {"confirm": "yes"}), ("return", {"reason": "Biaya perlu dihitung ulang."})]
    results = together(app, [people["kades"], second_official], lambda client, token, i: send(
        client, f"/programs/1/transitions/{steps[i][0]}", token,
        {"expected_state": "agreed", **steps[i][1]}))
    codes = statuses(results)
    assert sorted(codes, key=str) == [302, 409], codes
    winner = steps[codes.index(302)][0]
    assert state_of(db) == {"approve": "approved", "return": "discussion"}[winner]
    decisions = [e[0] for e in events_of(db) if e[0] in ("approve", "return")]
    assert decisions == [winner]
    assert "already moved this program on" in refusal_text(results[codes.index(409)])
    verdict = audit.verify(db)
    db.commit()
    assert verdict.ok, verdict


SECOND_CHOICE = ("agree", "disagree", "abstain", "block")


def test_many_residents_vote_at_once(app, db, people):
    """Twelve residents vote at the same moment, then all change their vote at once:
    one row per voter, holding the latest choice, and the tally counts exactly the rows."""
    arrange(db, people, "voting")
    voters = [people[f"warga{i}"] for i in range(1, 13)]
    final = {}

    def vote_then_change(client, token, i):
        first = send(client, "/programs/1/votes", token, {"choice": "agree"})
        assert first.status_code == 302, first.get_data(as_text=True)[:500]
        choice = SECOND_CHOICE[i % 4]
        final[voters[i].username] = choice
        return send(client, "/programs/1/votes", token,
                    {"choice": choice, "reason": "Lokasi belum disepakati." if
                     choice == "block" else ""}, htmx=i % 2 == 0)

    results = together(app, voters, vote_then_change)
    assert statuses(results) == [200 if i % 2 == 0 else 302 for i in range(12)]

    rows = votes_of(db)
    assert sorted(row[0] for row in rows) == sorted(v.username for v in voters)
    assert {row[0]: row[1] for row in rows} == final
    per_voter = db.exec(select(Vote.user_id, func.count()).group_by(Vote.user_id)).all()
    db.commit()
    assert len(per_voter) == 12 and {n for _, n in per_voter} == {1}

    client = app.test_client()
    login_as(client, people["warga1"])
    tally = client.get("/api/v1/programs/1").get_json()["tally"]
    assert tally["open"] is True
    assert tally["cast"] == len(rows) == 12
    assert tally["counts"] == {choice: Counter(row[1] for row in rows)[choice]
                               for choice in SECOND_CHOICE}
    fragment = client.get("/programs/1/tally", headers={"HX-Request": "true"}).get_data(
        as_text=True)
    for choice in SECOND_CHOICE:
        assert re.search(rf'data-count="{choice}">.*?<strong>{tally["counts"][choice]}'
                         rf'</strong>', fragment, re.S)


def test_one_voter_from_two_phones_at_once(app, db, people):
    """The same resident votes from two devices at the same moment: one row, no error."""
    arrange(db, people, "voting")
    voter = people["warga4"]
    choices = ("agree", "disagree")
    results = together(app, [voter, voter], lambda client, token, i: send(
        client, "/programs/1/votes", token, {"choice": choices[i]}))
    assert statuses(results) == [302, 302]
    rows = votes_of(db)
    assert len(rows) == 1 and rows[0][0] == "warga4" and rows[0][1] in choices


def supporter_rows(db, program_id) -> list:
    rows = db.exec(select(Supporter.user_id).where(Supporter.program_id == program_id)).all()
    db.commit()
    return list(rows)


def test_double_tap_on_support_at_once(app, db, people):
    """A resident's two taps on "support" arriving together make one supporter row."""
    program_id = action(db, people, "organizing")
    voter = people["warga7"]
    results = together(app, [voter, voter], lambda client, token, i: send(
        client, f"/programs/{program_id}/supporters", token, htmx=True))
    assert statuses(results) == [200, 200]
    assert supporter_rows(db, program_id) == [voter.id]


def test_many_supporters_join_at_once(app, db, people):
    """Twelve residents join at once: twelve rows, and the page counts twelve."""
    program_id = action(db, people, "organizing")
    voters = [people[f"warga{i}"] for i in range(1, 13)]
    results = together(app, voters, lambda client, token, i: send(
        client, f"/programs/{program_id}/supporters", token, htmx=True))
    assert statuses(results) == [200] * 12
    assert sorted(supporter_rows(db, program_id)) == sorted(v.id for v in voters)
    client = app.test_client()
    login_as(client, people["pendamping"])
    page = client.get(f"/programs/{program_id}").get_data(as_text=True)
    assert "<span data-supporters>12</span>" in page


def test_last_supporter_leaves_while_the_vote_opens(app, db, people, slow_decisions):
    """A supporter leaving as the facilitator opens the vote: whichever comes first, the vote
    never opens with fewer supporters than the round requires."""
    program_id = action(db, people, "organizing")
    for i in range(1, 7):
        organizing.join_supporters(db, people[f"warga{i}"], program_id, utcnow())
    before = snapshot(db)
    actors = [people["pendamping"], people["warga6"]]
    urls = [f"/programs/{program_id}/transitions/open_voting",
            f"/programs/{program_id}/supporters/leave"]
    results = together(app, actors, lambda client, token, i: send(
        client, urls[i], token, {"expected_state": "organizing"}, htmx=True))
    codes = statuses(results)
    state = state_of(db, program_id)
    supporters = len(supporter_rows(db, program_id))
    if state == "voting":       # the vote opened first, then leaving was too late (409)
        assert codes == [200, 409] and supporters == 6
    else:                       # the supporter left first, then the vote could not open
        assert codes == [409, 200] and supporters == 5 and state == "organizing"
        assert snapshot(db)[1] == before[1]


def test_vote_arriving_while_the_vote_closes(app, db, people, monkeypatch):
    """A resident votes just as the facilitator closes the vote. Either the vote is counted
    in the closing tally, or it is refused because the vote has closed; in both cases the
    program's new state, the closed ballot's result and the recorded tally agree, and the
    recorded tally counts exactly the votes stored on the ballot."""
    arrange(db, people, "voting")
    for i in range(1, 8):   # seven agree: one short of the quorum (8 of 12)
        voting_commands.cast_vote(db, people[f"warga{i}"], PROGRAM, "agree", "", utcnow())
    facts_read = threading.Event()
    read_facts = commands.context_for

    def read_then_pause(*args, **kwargs):
        facts = read_facts(*args, **kwargs)
        facts_read.set()
        time.sleep(0.5)     # the facilitator's step has decided on what it read
        return facts

    monkeypatch.setattr(commands, "context_for", read_then_pause)
    closer, voter = app.test_client(), app.test_client()
    closer_token = login_as(closer, people["pendamping"])
    voter_token = login_as(voter, people["warga8"])
    results = [None, None]

    def close():
        try:
            results[0] = send(closer, "/programs/1/transitions/close_voting", closer_token,
                              {"expected_state": "voting"})
        except Exception as error:
            results[0] = error

    def vote():
        try:
            assert facts_read.wait(timeout=TIMEOUT)
            results[1] = send(voter, "/programs/1/votes", voter_token, {"choice": "agree"})
        except Exception as error:
            results[1] = error

    threads = [threading.Thread(target=close), threading.Thread(target=vote)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    codes = statuses(results)
    assert codes[0] == 302 and codes[1] in (302, 409), codes

    ballot = db.exec(select(Ballot).where(Ballot.program_id == PROGRAM)).one()
    stored = db.exec(select(func.count()).select_from(Vote)
                     .where(Vote.ballot_id == ballot.id)).one()
    db.commit()
    close_event = [p for p in payload_of(db) if "tally" in p][-1]
    state = state_of(db)
    assert ballot.closed_at is not None
    assert stored == (8 if codes[1] == 302 else 7)
    assert close_event["tally"]["cast"] == stored
    # The stored verdict: carried, fell short with quorum, or (no quorum) decided nothing.
    verdict = close_event["tally"]["passed"] if close_event["tally"]["quorum_met"] else None
    assert verdict is ballot.passed
    assert (state == "agreed") is (ballot.passed is True), (
        f"program moved to {state!r} but its closed ballot says passed={ballot.passed} "
        f"(tally {close_event['tally']['counts']}, vote response {codes[1]})")


def payload_of(db, program_id=PROGRAM) -> list:
    rows = db.exec(select(Event.payload).where(Event.program_id == program_id)
                   .order_by(Event.id)).all()
    db.commit()
    return [json.loads(row) for row in rows]


def test_last_sourced_finding_removed_while_publishing(app, db, people, slow_decisions):
    """One facilitator removes the only finding as another publishes: never published
    without a sourced finding."""
    pendamping2 = create_user_cheaply(db, "pendamping2", "Pak Rudi (Pendamping)", "musyawarah",
                              utcnow())
    db.add(Membership(user_id=pendamping2.id, community_id=db.get(Round, 2).community_id,
                      role="facilitator"))
    db.commit()
    program = commands.create_program(db, people["warga1"], 2, {
        "title": "Air bersih Cibodas", "problem": "Sumur kering.", "goal": "Air mengalir."},
        "", utcnow())
    commands.fire_transition(db, people["warga1"], program.id, "submit", utcnow())
    commands.fire_transition(db, people["pendamping"], program.id, "start_assessment",
                             utcnow())
    finding = assessment.record_finding(db, people["pendamping"], program.id, {
        "indicator": "Sumur kering", "value": "12", "source": "Survei"}, utcnow())
    urls = [f"/programs/{program.id}/transitions/publish_findings",
            f"/programs/{program.id}/findings/{finding.id}/delete"]
    results = together(app, [people["pendamping"], pendamping2], lambda client, token, i: send(
        client, urls[i], token, {"expected_state": "assessment"}, htmx=True))
    codes = statuses(results)
    state = state_of(db, program.id)
    left = db.exec(select(func.count()).select_from(Finding)
                   .where(Finding.program_id == program.id)).one()
    db.commit()
    if state == "consultation":     # published first; the removal came too late
        assert codes == [200, 409] and left == 1
    else:                           # removed first; nothing left to publish
        assert codes == [409, 200] and left == 0 and state == "assessment"
