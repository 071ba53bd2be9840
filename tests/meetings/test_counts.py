"""The counts of a secret ballot entered in the hall: by whoever runs the open meeting, never
more than the present residents who have not voted on their phones, added to the phones'
votes in the tally, the quorum, the closing decision, the API and the berita acara."""
import json

import pytest
from sqlmodel import select

from tests.arrange import fire
from tests.helpers import PROGRAM, db_state, login_as, send, utcnow
from tests.meetings.hall import hall
from workflow.core.audit import Event
from workflow.engine.reasons import Refusal
from workflow.meetings import counts, queries, record
from workflow.meetings.models import CLOSED, RoomCount
from workflow.rounds.models import Round
from workflow.voting import commands as voting_commands
from workflow.voting.models import Ballot
from workflow.voting.queries import ballot_tally, objections, open_ballot

SIX = tuple(f"warga{i}" for i in range(1, 7))


def secret_hall(db, people, present=SIX, online=("warga7", "warga8", "warga9"), **kw):
    """A meeting with the demo program's open ballot made secret, ``present`` in the hall
    and ``online`` having voted agree on their phones."""
    meeting_id, _item = hall(db, people, present=present, **kw)
    ballot = open_ballot(db, PROGRAM)
    if ballot is not None:
        ballot.secret = True
        db.add(ballot)
        db.commit()
    for name in online:
        voting_commands.cast_vote(db, people[name], PROGRAM, "agree", "", utcnow())
    return meeting_id


def enter(db, people, meeting_id, actor="pendamping", program=PROGRAM, reason="", **numbers):
    return counts.record_room_counts(db, people[actor], meeting_id, program,
                                     {k: str(v) for k, v in numbers.items()}, reason, utcnow())


def test_room_counts_add_to_the_phones_votes_and_close_the_ballot(db, people):
    meeting_id = secret_hall(db, people)
    rnd = db.get(Round, 1)
    before = ballot_tally(db, open_ballot(db, PROGRAM), rnd)
    assert before.cast == 3 and before.quorum_met is False      # 3 of 12, 8 needed
    enter(db, people, meeting_id, agree=5, disagree=1)
    ballot = open_ballot(db, PROGRAM)
    live = ballot_tally(db, ballot, rnd)
    # The quorum is met thanks to the room: 3 phones and 6 counted in the hall.
    assert (live.cast, live.counts["agree"], live.counts["disagree"]) == (9, 8, 1)
    assert live.quorum_met is True and live.passed is True
    fire(db, people, PROGRAM, "close_voting")
    closed = db.get(Ballot, ballot.id)
    assert closed.passed is True
    event = db.exec(select(Event).where(Event.program_id == PROGRAM,
                                        Event.transition == "close_voting")).one()
    tally = json.loads(event.payload)["tally"]
    assert tally["counts"] == {"agree": 8, "abstain": 0, "disagree": 1, "block": 0}
    assert tally["cast"] == 9 and tally["quorum_met"] is True
    # The berita acara prints the counts the closing step stored: the room's among them.
    found = queries.find(db, meeting_id, people["pendamping"])
    decision = [d for d in record.meeting_record(db, found, utcnow()).decisions if d.tally]
    assert [d.tally["counts"]["agree"] for d in decision] == [8]


def test_saving_again_replaces_the_counts_and_is_audited_without_names(db, people):
    meeting_id = secret_hall(db, people)
    enter(db, people, meeting_id, agree=5, disagree=1)
    enter(db, people, meeting_id, agree=4, disagree=1, block=1, reason="Biayanya belum jelas.")
    rows = {r.choice: (r.count, r.reason) for r in db.exec(select(RoomCount))}
    assert rows == {"agree": (4, ""), "abstain": (0, ""), "disagree": (1, ""),
                    "block": (1, "Biayanya belum jelas.")}
    ballot = open_ballot(db, PROGRAM)
    tally = ballot_tally(db, ballot, db.get(Round, 1))
    assert (tally.cast, tally.counts["block"], tally.passed) == (9, 1, False)
    assert objections(db, ballot) == ["Biayanya belum jelas."]
    events = db.exec(select(Event).where(Event.transition == "room_counts")
                     .order_by(Event.id)).all()
    assert len(events) == 2 and events[-1].actor_id == people["pendamping"].id
    payload = json.loads(events[-1].payload)
    assert payload == {"meeting": meeting_id, "program": PROGRAM,
                       "counts": {"agree": 4, "abstain": 0, "disagree": 1, "block": 1}}


def test_a_present_resident_who_voted_on_a_phone_is_not_counted_again(db, people):
    meeting_id = secret_hall(db, people, present=SIX + ("warga7",))   # warga7 voted online
    before = db_state(db)
    with pytest.raises(Refusal) as refused:
        enter(db, people, meeting_id, agree=7)
    assert refused.value.kind == "invalid" and "counts" in refused.value.errors
    assert "only 6 residents present can still be counted" in str(refused.value.reason)
    assert db_state(db) == before
    enter(db, people, meeting_id, agree=6)
    assert ballot_tally(db, open_ballot(db, PROGRAM), db.get(Round, 1)).cast == 9


def test_once_the_room_is_counted_its_present_residents_do_not_vote_on_a_phone_too(db, people):
    meeting_id = secret_hall(db, people)
    enter(db, people, meeting_id, agree=5, disagree=1)
    before = db_state(db)
    with pytest.raises(Refusal) as refused:
        voting_commands.cast_vote(db, people["warga1"], PROGRAM, "block", "Mahal.", utcnow())
    assert refused.value.kind == "conflict" and "counted there" in str(refused.value.reason)
    assert db_state(db) == before
    # One who voted on a phone before may still change that vote; the absent vote as before.
    voting_commands.cast_vote(db, people["warga7"], PROGRAM, "disagree", "", utcnow())
    voting_commands.cast_vote(db, people["warga10"], PROGRAM, "agree", "", utcnow())
    tally = ballot_tally(db, open_ballot(db, PROGRAM), db.get(Round, 1))
    assert (tally.cast, tally.counts["agree"], tally.counts["disagree"]) == (10, 8, 2)


@pytest.mark.parametrize("case", ["over", "negative", "not_whole", "block_without_reason",
                                  "resident_actor", "official_actor", "not_secret", "closed",
                                  "no_ballot", "not_on_agenda"])
def test_bad_counts_are_refused_and_change_nothing(db, people, case):
    state = {"no_ballot": "discussion"}.get(case, "voting")
    meeting_id = secret_hall(db, people, state=CLOSED if case == "closed" else "open",
                             program_state=state, online=())
    if case == "not_secret":
        ballot = open_ballot(db, PROGRAM)
        ballot.secret = False
        db.add(ballot)
        db.commit()
    args = {"agree": 2}
    args.update({"over": {"agree": 5, "disagree": 2}, "negative": {"agree": -1},
                 "not_whole": {"agree": "2,5"}, "block_without_reason": {"block": 1},
                 "resident_actor": {"actor": "warga2"}, "official_actor": {"actor": "kades"},
                 "not_on_agenda": {"program": 999}}.get(case, {}))
    before = db_state(db)
    with pytest.raises(Refusal) as refused:
        enter(db, people, meeting_id, **args)
    kinds = {"resident_actor": "forbidden", "official_actor": "forbidden", "closed": "conflict",
             "no_ballot": "conflict", "not_secret": "conflict"}
    assert refused.value.kind == kinds.get(case, "invalid")
    if case == "not_secret":
        assert "by name" in str(refused.value.reason)
    assert db_state(db) == before


def test_outsider_learns_nothing(db, people, outsider):
    meeting_id = secret_hall(db, people)
    with pytest.raises(Refusal) as refused:
        counts.record_room_counts(db, outsider.user, meeting_id, PROGRAM, {"agree": "1"}, "",
                                  utcnow())
    assert refused.value.kind == "not_found"


def test_web_form_shows_the_room_and_posts_with_and_without_htmx(client, db, people):
    meeting_id = secret_hall(db, people, present=SIX + ("warga7",))
    token = login_as(client, people["pendamping"])
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert f'data-room-counts="{PROGRAM}"' in page and "data-voter=" not in page
    assert 'data-present="7" data-voted-online="1"' in page
    assert 'name="block" inputmode="numeric"' in page and 'data-action="room-counts"' in page
    response = send(client, f"/meetings/{meeting_id}/counts", token,
                    {"program": PROGRAM, "agree": "5", "disagree": "1"})
    assert response.status_code == 302
    assert response.location.endswith(f"/meetings/{meeting_id}#items")
    response = send(client, f"/meetings/{meeting_id}/counts", token,
                    {"program": PROGRAM, "agree": "6"}, htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="items"' in page
    assert 'data-count="agree"><span>' in page
    assert page.split('data-count="agree"')[1].split("</strong>")[0].endswith("<strong>9")
    screen = client.get(f"/meetings/{meeting_id}/screen").get_data(as_text=True)
    assert "data-room-counts" not in screen and 'name="agree"' not in screen


def test_web_refusals_in_both_languages_change_nothing(client, db, people):
    meeting_id = secret_hall(db, people)
    for lang, said in (("en", "only 6 residents present can still be counted"),
                       ("id", "hanya 6 warga hadir yang masih bisa dihitung")):
        token = login_as(client, people["pendamping"], lang=lang)
        before = db_state(db)
        response = send(client, f"/meetings/{meeting_id}/counts", token,
                        {"program": PROGRAM, "agree": "7"}, htmx=True)
        assert response.status_code == 422 and said in response.get_data(as_text=True)
        assert db_state(db) == before
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, f"/meetings/{meeting_id}/counts", token,
                    {"program": PROGRAM, "agree": "1"})
    assert response.status_code == 403 and db_state(db) == before


def test_the_api_tally_includes_the_room(client, db, people):
    meeting_id = secret_hall(db, people)
    enter(db, people, meeting_id, agree=5, disagree=1)
    login_as(client, people["warga1"])
    response = client.get(f"/api/v1/programs/{PROGRAM}")
    assert response.status_code == 200
    tally = response.get_json()["tally"]
    assert tally["counts"]["agree"] == 8 and tally["cast"] == 9
