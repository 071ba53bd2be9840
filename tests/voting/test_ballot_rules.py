"""What the pages say about a ballot's result, and the ballot rules over HTTP (issue #9).

- An advisory poll binds nobody: its result is its counts and its turnout ("7 of 12
  residents took part, 58%"), never "passed" or "not accepted", even after approval and
  even for an event stored before the rule (with passed=false).
- A consent vote closed without quorum decided nothing: the program goes back to
  discussion, the page says the consent vote must be held again, and the majority
  fallback stays locked (its refusal says why, in English and in Bahasa Indonesia).
- A round's minimum voting time keeps a vote open: close_voting is refused, naming the
  hours, and nothing changes.
"""
import json
import re
from datetime import timedelta

import pytest
from alembic import command
from sqlmodel import select, update

from tests.arrange import arrange, fire, planning, vote_all
from tests.helpers import (
    HX,
    PROGRAM,
    ballots_of,
    db_state,
    freeze_web_clock,
    login_as,
    refusal_text,
    residents,
    send,
    state_of,
    utcnow,
)
from workflow.core import migrate
from workflow.engine.reasons import Refusal
from workflow.models import Ballot, Event, Program, Round
from workflow.programs import commands
from workflow.voting import queries as voting_queries

PLANNING_ROUND, ACTION_ROUND = 2, 3
PROGRAM_FORM = {"title": "Sumur bor Dusun Cibodas", "problem": "Air bersih jauh.",
                "goal": "Dua sumur bor."}
NOT_ACCEPTED = ("did not pass", "not pass", "not accepted", "tidak diterima", "ditolak",
                "Quorum", "quorum", "kuorum")
NO_QUORUM_EN = ("The vote was closed without quorum: the consent vote (mufakat) must be "
                "held again.")
NO_QUORUM_ID = ("Pemungutan suara ditutup tanpa kuorum: pemungutan suara untuk mufakat "
                "harus diadakan lagi.")


def page(client, program_id) -> str:
    response = client.get(f"/programs/{program_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html: str, element_id: str) -> str:
    """The element with ``id`` up to the end of its section (the ballot, the history)."""
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</section>", start)]


def closing_tally(db, program_id) -> dict:
    payloads = db.exec(select(Event.payload).where(Event.program_id == program_id)
                       .order_by(Event.id)).all()
    db.commit()
    return [json.loads(p)["tally"] for p in payloads if "tally" in json.loads(p)][-1]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- 3. the advisory poll reports counts and turnout, never a verdict ---------------------------

@pytest.mark.parametrize(("lang", "turnout"), (
    ("en", "7 of 12 residents took part, 58%."),
    ("id", "7 dari 12 warga ikut memberi suara, 58%."),
))
def test_open_advisory_poll_shows_turnout_not_quorum(client, db, people, lang, turnout):
    """While the poll is open its count is its counts and turnout: no quorum, no verdict."""
    program_id = planning(db, people, "consultation")
    vote_all(db, people, program_id, ["yes"] * 5 + ["no", "abstain"])
    login_as(client, people["warga9"], lang=lang)
    fragment = client.get(f"/programs/{program_id}/tally", headers=HX).get_data(as_text=True)
    assert turnout in text_of(fragment)
    assert 'data-turnout="58"' in fragment
    for word in NOT_ACCEPTED + ("would pass", "akan diterima", "needed"):
        assert word not in fragment, word
    assert turnout in text_of(section(page(client, program_id), "ballot"))


@pytest.mark.parametrize("choices", (["no"] * 9 + ["yes"], ["yes", "no", "no"], []),
                         ids=("most-say-no", "below-a-quorum", "nobody"))
@pytest.mark.parametrize("lang", ("en", "id"))
def test_approved_program_never_reads_not_accepted(client, db, people, choices, lang):
    """Recommended and approved, the program's page and history show the poll's counts and
    turnout, whatever the poll said; nothing anywhere reads "not accepted"."""
    program_id = planning(db, people, "consultation")
    vote_all(db, people, program_id, choices)
    fire(db, people, program_id, "recommend", reason="Bangun dua sumur bor.")
    fire(db, people, program_id, "approve", "kades")
    assert ballots_of(db, program_id) == [("advisory", False, None)]
    stored = closing_tally(db, program_id)
    assert "passed" not in stored and "quorum_met" not in stored
    cast = len(choices)
    assert stored["cast"] == cast and stored["eligible"] == 12
    percent = (200 * cast + 12) // 24
    assert stored["turnout_percent"] == percent
    login_as(client, people["warga5"], lang=lang)
    html = page(client, program_id)
    shown = text_of(html)
    took_part = (f"{cast} of 12 residents took part, {percent}%." if lang == "en" else
                 f"{cast} dari 12 warga ikut memberi suara, {percent}%.")
    assert took_part in text_of(section(html, "outcome"))          # beside the recommendation
    assert took_part in text_of(section(html, "ballot"))           # the last poll's result
    assert took_part in text_of(section(html, "history"))
    assert 'data-result="advisory"' in section(html, "ballot")
    for word in ("did not pass", "tidak diterima", "The vote passed", "usulan diterima",
                 "without quorum", "tanpa kuorum"):
        assert word not in shown, word
    full = text_of(client.get(f"/programs/{program_id}/history").get_data(as_text=True))
    assert took_part in full
    assert "did not pass" not in full and "tidak diterima" not in full


def test_an_advisory_event_stored_before_the_rule_reads_as_a_poll(client, db, people):
    """An event stored by the old code (passed=false, quorum_met=false) still reads as a poll:
    the page decides by the ballot's kind, not by the stored flag."""
    program_id = planning(db, people, "consultation")
    vote_all(db, people, program_id, ["no", "no", "yes"])
    fire(db, people, program_id, "recommend", reason="Bangun dua sumur bor.")
    fire(db, people, program_id, "approve", "kades")
    event = db.exec(select(Event).where(Event.program_id == program_id,
                                        Event.transition == "recommend")).one()
    payload = json.loads(event.payload)
    payload["tally"] = {"kind": "advisory", "counts": {"yes": 1, "no": 2, "abstain": 0},
                        "cast": 3, "eligible": 12, "needed": 8, "quorum_met": False,
                        "passed": False}
    db.exec(update(Event).where(Event.id == event.id).values(payload=json.dumps(payload)))
    db.exec(update(Ballot).where(Ballot.program_id == program_id).values(passed=False))
    db.commit()
    for lang, took_part in (("en", "3 of 12 residents took part, 25%."),
                            ("id", "3 dari 12 warga ikut memberi suara, 25%.")):
        login_as(client, people["warga5"], lang=lang)
        html = page(client, program_id)
        for part in ("outcome", "ballot", "history"):
            assert took_part in text_of(section(html, part)), (lang, part)
        for word in ("did not pass", "tidak diterima", "without quorum", "tanpa kuorum"):
            assert word not in html, (lang, word)
        full = client.get(f"/programs/{program_id}/history").get_data(as_text=True)
        assert took_part in text_of(full) and "tidak diterima" not in full


# --- 4. a consent vote closed without quorum decided nothing ------------------------------------

@pytest.mark.parametrize("votes", ([], ["agree"] * 7, ["agree"] * 2 + ["block"]),
                         ids=("nobody", "one-short", "a-block-without-quorum"))
def test_consent_closed_without_quorum_is_held_again(client, db, people, votes):
    """Closed without quorum, the program is back in discussion, the page says the consent vote
    must be held again, and the majority fallback stays locked."""
    arrange(db, people, "voting")
    vote_all(db, people, PROGRAM, votes)
    token = login_as(client, people["pendamping"])
    response = send(client, f"/programs/{PROGRAM}/transitions/close_voting", token,
                    {"expected_state": "voting"})
    assert response.status_code == 302
    assert state_of(db) == "discussion"
    assert ballots_of(db, PROGRAM) == [("consent", False, None)]
    assert closing_tally(db, PROGRAM)["quorum_met"] is False
    html = page(client, PROGRAM)
    ballot = section(html, "ballot")
    assert 'data-result="no-quorum"' in ballot
    assert NO_QUORUM_EN in text_of(ballot)
    assert "The vote did not pass." not in html
    assert "closed without quorum: to be held again" in text_of(section(html, "history"))
    # The consent vote may open again; the fallback is disabled and says why.
    assert re.search(r'data-transition="open_voting"(?![^>]*disabled)[^>]*>', html)
    assert re.search(r'data-transition="open_majority_vote"[^>]*\s+disabled', html)
    assert "that reached quorum has failed" in text_of(html)
    login_as(client, people["kades"], lang="id")
    assert NO_QUORUM_ID in text_of(page(client, PROGRAM))


@pytest.mark.parametrize(("lang", "phrase"), (
    ("en", "a majority vote is only allowed after a consent round (mufakat) that reached "
           "quorum has failed"),
    ("id", "suara terbanyak hanya boleh dipakai setelah pemungutan suara untuk mufakat yang "
           "mencapai kuorum gagal"),
))
@pytest.mark.parametrize("htmx", (False, True), ids=("form", "htmx"))
def test_majority_fallback_refused_after_a_round_without_quorum(client, db, people, lang,
                                                                 phrase, htmx):
    """Open the vote, close it at once with no votes: the fallback is refused, and nothing
    changes anywhere."""
    arrange(db, people, "voting")
    fire(db, people, PROGRAM, "close_voting")
    token = login_as(client, people["pendamping"], lang=lang)
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/transitions/open_majority_vote", token,
                    {"expected_state": "discussion"}, htmx=htmx)
    assert response.status_code == 409
    assert phrase in refusal_text(response)
    assert db_state(db) == before


def test_a_consent_round_that_reached_quorum_and_failed_unlocks_the_fallback(client, db, people):
    """Quorum reached and one objection: a failed consensus, the majority vote may open."""
    arrange(db, people, "voting")
    vote_all(db, people, PROGRAM, ["agree"] * 9 + ["block"])
    fire(db, people, PROGRAM, "close_voting")
    assert ballots_of(db, PROGRAM) == [("consent", False, False)]
    token = login_as(client, people["pendamping"])
    assert 'data-result="failed"' in section(page(client, PROGRAM), "ballot")
    response = send(client, f"/programs/{PROGRAM}/transitions/open_majority_vote", token,
                    {"expected_state": "discussion"})
    assert response.status_code == 302
    assert ballots_of(db, PROGRAM)[-1] == ("majority", True, None)


def test_a_round_without_quorum_after_a_failed_one_keeps_the_fallback(db, people):
    """The fallback, once unlocked by a failed consensus, stays open after a later round
    without quorum (a round without quorum takes nothing back either)."""
    arrange(db, people, "voting")
    vote_all(db, people, PROGRAM, ["agree"] * 9 + ["block"])
    fire(db, people, PROGRAM, "close_voting")
    fire(db, people, PROGRAM, "open_voting")
    fire(db, people, PROGRAM, "close_voting")
    assert ballots_of(db, PROGRAM) == [("consent", False, False), ("consent", False, None)]
    fire(db, people, PROGRAM, "open_majority_vote")
    assert state_of(db) == "voting"


def test_a_majority_vote_without_quorum_decided_nothing(client, db, people):
    """The fallback closed without quorum stores no verdict, and says it must be held again."""
    arrange(db, people, "voting")
    vote_all(db, people, PROGRAM, ["agree"] * 9 + ["block"])
    fire(db, people, PROGRAM, "close_voting")
    fire(db, people, PROGRAM, "open_majority_vote")
    vote_all(db, people, PROGRAM, ["yes"] * 3)
    fire(db, people, PROGRAM, "close_voting")
    assert ballots_of(db, PROGRAM)[-1] == ("majority", False, None)
    login_as(client, people["warga5"])
    ballot = text_of(section(page(client, PROGRAM), "ballot"))
    assert "The vote was closed without quorum: the vote must be held again." in ballot
    fire(db, people, PROGRAM, "open_majority_vote")     # the fallback may be held again


def test_an_old_consent_ballot_without_quorum_is_set_right_by_the_migration(app, db, people,
                                                                           database_url):
    """A database whose consent ballot without quorum was stored as failed (passed=false, as
    before migration 0006) no longer unlocks the fallback once migrated; a real failure with
    quorum, a passed vote and an advisory poll are read right too."""
    arrange(db, people, "voting")
    fire(db, people, PROGRAM, "close_voting")                            # no quorum
    failed = commands.create_program(db, people["warga3"], 1, PROGRAM_FORM, "", utcnow()).id
    for step, who in (("submit", "warga3"), ("open_discussion", "pendamping"),
                      ("open_voting", "pendamping")):
        fire(db, people, failed, step, who)
    vote_all(db, people, failed, ["agree"] * 9 + ["block"])
    fire(db, people, failed, "close_voting")                             # failed with quorum
    poll = planning(db, people, "consultation")
    vote_all(db, people, poll, ["yes"] * 9)
    fire(db, people, poll, "recommend", reason="Bangun dua sumur bor.")
    config = migrate.alembic_config(database_url)
    command.downgrade(config, "0005")
    # What the old code stored: every closed ballot passed or not.
    db.exec(update(Ballot).where(Ballot.program_id == poll).values(passed=True))
    db.commit()
    old = {pid: ballots_of(db, pid) for pid in (PROGRAM, failed, poll)}
    assert old == {PROGRAM: [("consent", False, False)], failed: [("consent", False, False)],
                   poll: [("advisory", False, True)]}
    assert voting_queries.ballots_summary(db, PROGRAM) == (1, True)             # the old defect
    db.commit()
    command.upgrade(config, "head")
    assert ballots_of(db, PROGRAM) == [("consent", False, None)]
    assert ballots_of(db, failed) == [("consent", False, False)]
    assert ballots_of(db, poll) == [("advisory", False, None)]
    assert voting_queries.ballots_summary(db, PROGRAM) == (1, False)
    assert voting_queries.ballots_summary(db, failed) == (1, True)
    db.commit()
    with pytest.raises(Refusal) as refused:
        fire(db, people, PROGRAM, "open_majority_vote")
    assert "that reached quorum" in str(refused.value)
    fire(db, people, failed, "open_majority_vote")
    assert state_of(db, failed) == "voting"


# --- the round's minimum voting time ------------------------------------------------------------

def stop_clock(monkeypatch, moment):
    """The program pages' and steps' clock (the web layer's now) stopped at ``moment``."""
    freeze_web_clock(monkeypatch, moment)


def keep_votes_open(db, round_id, hours):
    db.exec(update(Round).where(Round.id == round_id).values(min_voting_hours=hours))
    db.commit()


def opened_at(db, program_id):
    moment = db.exec(select(Ballot.opened_at).where(Ballot.program_id == program_id,
                                                    Ballot.closed_at.is_(None))).one()
    db.commit()
    return moment


@pytest.mark.parametrize(("lang", "phrase"), (
    ("en", "voting cannot close yet: the vote has been open 1 of the required 24 hours"),
    ("id", "pemungutan suara belum bisa ditutup: baru dibuka 1 dari 24 jam yang diperlukan"),
))
@pytest.mark.parametrize("htmx", (False, True), ids=("form", "htmx"))
def test_a_vote_stays_open_the_minimum_time(client, db, people, monkeypatch, lang, phrase,
                                            htmx):
    """An hour after opening, in a round that keeps votes open 24 hours, the close is refused
    (whatever the count says), nothing changes, and the page shows why."""
    keep_votes_open(db, 1, 24)
    arrange(db, people, "voting")
    vote_all(db, people, PROGRAM, ["agree"] * 10)
    stop_clock(monkeypatch, opened_at(db, PROGRAM) + timedelta(hours=1, minutes=30))
    token = login_as(client, people["pendamping"], lang=lang)
    assert phrase in text_of(page(client, PROGRAM))
    assert re.search(r'data-transition="close_voting"[^>]*\s+disabled', page(client, PROGRAM))
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/transitions/close_voting", token,
                    {"expected_state": "voting"}, htmx=htmx)
    assert response.status_code == 409
    assert phrase in refusal_text(response)
    assert db_state(db) == before


def test_the_vote_closes_once_the_minimum_time_has_passed(client, db, people, monkeypatch):
    keep_votes_open(db, 1, 24)
    arrange(db, people, "voting")
    vote_all(db, people, PROGRAM, ["agree"] * 10)
    stop_clock(monkeypatch, opened_at(db, PROGRAM) + timedelta(hours=24))
    token = login_as(client, people["pendamping"])
    response = send(client, f"/programs/{PROGRAM}/transitions/close_voting", token,
                    {"expected_state": "voting"})
    assert response.status_code == 302
    assert state_of(db) == "agreed"


def test_the_minimum_time_holds_a_social_action_vote_too(db, people):
    """Every close_voting waits, the social action's as well (through the command)."""
    keep_votes_open(db, ACTION_ROUND, 2)
    program_id = commands.create_program(db, people["warga1"], ACTION_ROUND, PROGRAM_FORM,
                                         "", utcnow()).id
    fire(db, people, program_id, "submit", "warga1")
    fire(db, people, program_id, "start_organizing")
    from workflow.organizing import commands as organizing
    for voter in residents(people, 6):
        organizing.join_supporters(db, voter, program_id, utcnow())
    fire(db, people, program_id, "open_voting")
    vote_all(db, people, program_id, ["yes"] * 9)
    start = opened_at(db, program_id)
    before = db_state(db)
    with pytest.raises(Refusal) as refused:
        fire(db, people, program_id, "close_voting", now=start + timedelta(minutes=119))
    assert refused.value.reason.params == {"hours": 1, "required": 2}
    assert db_state(db) == before
    fire(db, people, program_id, "close_voting", now=start + timedelta(hours=2))
    assert db.get(Program, program_id).state == "agreed"
