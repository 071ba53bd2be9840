"""Rounds set up from the pages: a facilitator or administrator opens one with its process and
voting rules, and changes them; bad input, a running vote and a round's programs each
refuse what they must, and a refusal changes nothing; every change is audited."""
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tests.arrange import arrange, draft_by
from tests.helpers import (
    ACTION_ROUND,
    LOCALITY_ROUND,
    PLANNING_ROUND,
    VALID_PROGRAM,
    db_state,
    field_error,
    login_as,
    refusal_text,
    send,
)
from workflow.core import audit
from workflow.engine.ballots import fraction_problem, read_fraction
from workflow.engine.reasons import Refusal
from workflow.models import Event, Round
from workflow.people import commands as people_commands
from workflow.programs import commands as program_commands
from workflow.rounds import commands

NOW = datetime(2027, 1, 11, 3, 0, tzinfo=UTC)
GOOD = {"title": "Musrenbangdes 2028", "template": "planning", "year": "2028",
        "quorum": "1/2", "consent_threshold": "3/4", "min_discussion_days": "7",
        "min_voting_hours": "48", "supporter_threshold": "10"}
# The demo's locality round as it is: its edit form sent back unchanged but for the name.
LOCALITY = {"title": "Musyawarah Dusun 2027", "template": "locality", "year": "2027",
            "quorum": "2/3", "consent_threshold": "2/3", "min_discussion_days": "0",
            "min_voting_hours": "0", "supporter_threshold": "6", "status": "open"}
ID = {"title": "round-title", "template": "round-template", "year": "round-year",
      "quorum": "round-quorum", "consent_threshold": "round-consent",
      "min_discussion_days": "round-days", "min_voting_hours": "round-hours",
      "supporter_threshold": "round-supporters", "status": "round-status"}


def round_of(db, round_id) -> Round:
    rnd = db.get(Round, round_id)
    db.refresh(rnd)
    db.commit()
    return rnd


def setup_events(db) -> list:
    events = db.exec(select(Event).where(Event.program_id.is_(None)).order_by(Event.id)).all()
    db.commit()
    return events


# --- the fractions, in the engine ---------------------------------------------------------

@pytest.mark.parametrize(("typed", "stored"), [
    ("2/3", "2/3"), ("1/2", "1/2"), ("1/1", "1/1"), ("4/6", "2/3"), (" 3 / 4 ", "3/4"),
    ("100/100", "1/1")])
def test_a_share_is_read_in_lowest_terms(typed, stored):
    assert read_fraction(typed) == (stored, None)


@pytest.mark.parametrize(("typed", "says"), [
    ("5/3", "more than 0 and at most 1"), ("0/3", "more than 0"), ("1/0", "more than 0"),
    ("0", "as a fraction"), ("abc", "as a fraction"), ("", "as a fraction"),
    ("0.67", "as a fraction"), ("67%", "as a fraction"), ("-1/2", "as a fraction"),
    ("²/³", "as a fraction"), ("1/2/3", "as a fraction"), (None, "as a fraction")])
def test_anything_else_is_refused_with_why(typed, says):
    assert read_fraction(typed)[0] is None
    assert says in fraction_problem(typed).msgid


# --- creating -----------------------------------------------------------------------------

def test_the_community_page_lists_the_rounds_and_offers_the_form(client, people):
    login_as(client, people["admin"])
    page = client.get("/communities/1").get_data(as_text=True)
    assert page.count("data-round=") == 3 and 'data-action="new-round"' in page
    assert 'action="/communities/1/rounds"' in page and 'href="/rounds/1/edit"' in page
    for name in GOOD:
        assert f'name="{name}"' in page
    assert 'name="status"' not in page  # a new round is open


def test_an_administrator_opens_a_round_with_its_rules(client, db, people):
    token = login_as(client, people["admin"])
    response = send(client, "/communities/1/rounds", token, GOOD)
    assert response.status_code == 302
    rnd = db.exec(select(Round).where(Round.title == GOOD["title"])).one()
    db.commit()
    assert response.headers["Location"] == f"/rounds/{rnd.id}"
    assert (rnd.community_id, rnd.template, rnd.year, rnd.quorum, rnd.consent_threshold,
            rnd.min_discussion_days, rnd.min_voting_hours, rnd.supporter_threshold,
            rnd.status) == (1, "planning", 2028, "1/2", "3/4", 7, 48, 10, "open")
    event = setup_events(db)[-1]
    assert (event.transition, event.actor_id) == ("create_round", people["admin"].id)
    assert '"quorum": "1/2"' in event.payload and f'"round": {rnd.id}' in event.payload
    assert audit.verify(db).ok
    board = client.get(f"/rounds/{rnd.id}").get_data(as_text=True)
    assert "Musrenbangdes 2028 is open" in board and "Planning from the facts" in board
    assert GOOD["title"] in client.get("/").get_data(as_text=True)


def test_the_facilitator_reaches_the_form_from_home_and_opens_a_round(client, db, people):
    token = login_as(client, people["pendamping"])
    assert 'href="/communities/1/rounds/new"' in client.get("/").get_data(as_text=True)
    page = client.get("/communities/1/rounds/new").get_data(as_text=True)
    assert 'data-action="new-round"' in page
    for label in ("Village deliberation (musyawarah)", "Planning from the facts",
                  "Joint action for a demand"):
        assert label in page
    assert send(client, "/communities/1/rounds", token,
                {**GOOD, "year": ""}).status_code == 302
    rnd = db.exec(select(Round).where(Round.title == GOOD["title"])).one()
    db.commit()
    assert rnd.year is None
    board = client.get(f"/rounds/{rnd.id}").get_data(as_text=True)
    assert 'data-template="planning"' in board and 'data-action="edit-round"' in board
    assert setup_events(db)[-1].actor_id == people["pendamping"].id


def test_a_site_administrator_who_is_no_member_may_open_a_round(db, people):
    admin = people_commands.create_site_admin(db, "sekdes", "Pak Sekdes",
                                              "rapat di balai desa", NOW)
    rnd = commands.create_round(db, admin, 1, GOOD, NOW)
    assert (rnd.community_id, rnd.status, rnd.created_at) == (1, "open", NOW)


@pytest.mark.parametrize(("field", "value", "says"), [
    ("title", "", "Write the round's name"),
    ("title", "x" * 201, "Too long: at most 200 letters."),
    ("template", "", "Choose one of the three processes"),
    ("template", "referendum", "Choose one of the three processes"),
    ("year", "1999", "from 2000 to 2100"),
    ("year", "2101", "from 2000 to 2100"),
    ("year", "duaribu", "from 2000 to 2100"),
    ("quorum", "5/3", "more than 0 and at most 1"),
    ("quorum", "0", "as a fraction"),
    ("quorum", "0/3", "more than 0 and at most 1"),
    ("quorum", "abc", "as a fraction"),
    ("quorum", "1/0", "more than 0 and at most 1"),
    ("consent_threshold", "5/3", "more than 0 and at most 1"),
    ("consent_threshold", "", "as a fraction"),
    ("min_discussion_days", "366", "from 0 to 365"),
    ("min_discussion_days", "-1", "from 0 to 365"),
    ("min_discussion_days", "", "from 0 to 365"),
    ("min_voting_hours", "721", "from 0 to 720"),
    ("min_voting_hours", "1,5", "from 0 to 720"),
    ("supporter_threshold", "0", "from 1 to 10000"),
    ("supporter_threshold", "10001", "from 1 to 10000"),
])
def test_a_bad_round_is_refused_at_its_field_and_changes_nothing(client, db, people, field,
                                                                 value, says):
    token = login_as(client, people["admin"])
    before = db_state(db)
    response = send(client, "/communities/1/rounds", token, {**GOOD, field: value})
    assert response.status_code == 422
    assert says in field_error(response, ID[field])
    assert f'aria-describedby="{ID[field]}-error"' in response.get_data(as_text=True)
    assert db_state(db) == before


@pytest.mark.parametrize(("field", "value", "says"), [
    ("quorum", "7/5", "more than 0 and at most 1"),
    ("status", "deleted", "Choose one of the options"),
    ("status", "", "Choose one of the options"),
    ("title", " ", "Write the round's name"),
])
def test_a_bad_change_is_refused_at_its_field_and_changes_nothing(client, db, people, field,
                                                                  value, says):
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    response = send(client, f"/rounds/{PLANNING_ROUND}/edit", token,
                    {**LOCALITY, "template": "planning", "title": "Perencanaan Air Bersih",
                     field: value})
    assert response.status_code == 422
    assert says in field_error(response, ID[field])
    assert db_state(db) == before


# --- changing -----------------------------------------------------------------------------

def test_the_facilitator_changes_a_round_and_the_change_is_audited(client, db, people):
    token = login_as(client, people["pendamping"])
    board = client.get(f"/rounds/{LOCALITY_ROUND}").get_data(as_text=True)
    assert f'href="/rounds/{LOCALITY_ROUND}/edit"' in board
    page = client.get(f"/rounds/{LOCALITY_ROUND}/edit").get_data(as_text=True)
    assert 'value="Musyawarah Dusun 2027"' in page and 'data-action="edit-round"' in page
    response = send(client, f"/rounds/{LOCALITY_ROUND}/edit", token, {
        **LOCALITY, "title": "Musyawarah Dusun Krajan 2027", "year": "2027",
        "quorum": "3/4", "min_discussion_days": "3"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/rounds/{LOCALITY_ROUND}"
    rnd = round_of(db, LOCALITY_ROUND)
    assert (rnd.title, rnd.year, rnd.quorum, rnd.min_discussion_days) == (
        "Musyawarah Dusun Krajan 2027", 2027, "3/4", 3)
    event = setup_events(db)[-1]
    assert (event.transition, event.actor_id) == ("update_round", people["pendamping"].id)
    assert '"min_discussion_days": 3' in event.payload and "consent_threshold" not in event.payload
    assert audit.verify(db).ok


def test_saving_the_same_settings_writes_nothing(client, db, people):
    token = login_as(client, people["admin"])
    before = db_state(db)
    assert send(client, f"/rounds/{LOCALITY_ROUND}/edit", token, LOCALITY).status_code == 302
    assert db_state(db) == before


def test_the_process_may_change_while_the_round_has_no_program(db, people):
    rnd = commands.update_round(db, people["admin"], ACTION_ROUND, {
        **LOCALITY, "title": "Aksi Perbaikan Jalan Kabupaten", "template": "planning"}, NOW)
    assert rnd.template == "planning"


def test_the_process_cannot_change_once_the_round_has_programs(client, db, people):
    token = login_as(client, people["pendamping"])
    page = client.get(f"/rounds/{LOCALITY_ROUND}/edit").get_data(as_text=True)
    assert 'type="hidden" name="template" value="locality"' in page
    assert 'id="round-template"' not in page
    before = db_state(db)
    response = send(client, f"/rounds/{LOCALITY_ROUND}/edit", token,
                    {**LOCALITY, "template": "action"})
    assert response.status_code == 409
    assert "This round already has programs" in refusal_text(response)
    assert db_state(db) == before


@pytest.mark.parametrize(("field", "value"), [
    ("quorum", "1/2"), ("consent_threshold", "3/4"), ("min_voting_hours", "24"),
    ("template", "action")])
def test_the_voting_rules_cannot_change_while_a_vote_is_open(client, db, people, field, value):
    arrange(db, people, "voting")
    token = login_as(client, people["pendamping"])
    page = client.get(f"/rounds/{LOCALITY_ROUND}/edit").get_data(as_text=True)
    assert 'id="round-vote-open"' in page
    assert 'name="quorum" required maxlength="16" value="2/3" readonly' in page
    before = db_state(db)
    response = send(client, f"/rounds/{LOCALITY_ROUND}/edit", token, {**LOCALITY, field: value})
    assert response.status_code == 409
    assert refusal_text(response).startswith("Not possible: A vote is open in this round:")
    assert db_state(db) == before


def test_the_name_year_and_status_may_change_while_a_vote_is_open(client, db, people):
    arrange(db, people, "voting")
    token = login_as(client, people["admin"])
    response = send(client, f"/rounds/{LOCALITY_ROUND}/edit", token, {
        **LOCALITY, "title": "Musyawarah Dusun 2027 (ulang)", "year": "2027",
        "status": "closed"})
    assert response.status_code == 302
    rnd = round_of(db, LOCALITY_ROUND)
    assert (rnd.title, rnd.year, rnd.status) == ("Musyawarah Dusun 2027 (ulang)", 2027, "closed")


# --- a round's status ---------------------------------------------------------------------

def close(db, people, round_id, status="closed"):
    title = round_of(db, round_id).title
    template = round_of(db, round_id).template
    commands.update_round(db, people["admin"], round_id,
                          {**LOCALITY, "title": title, "template": template, "status": status},
                          NOW)


def test_a_closed_round_takes_no_new_program(client, db, people):
    close(db, people, LOCALITY_ROUND)
    token = login_as(client, people["warga1"])
    before = db_state(db)
    with pytest.raises(Refusal) as refused:
        draft_by(db, people, "warga1")
    assert refused.value.kind == "conflict"
    assert db_state(db) == before
    board = client.get(f"/rounds/{LOCALITY_ROUND}").get_data(as_text=True)
    assert 'data-round-status="closed"' in board and 'data-action="new-program"' not in board
    assert client.get(f"/rounds/{LOCALITY_ROUND}/programs/new").status_code == 409
    response = send(client, f"/rounds/{LOCALITY_ROUND}/programs/new", token,
                    {**VALID_PROGRAM, "submission_key": "k-closed"})
    assert response.status_code == 409 and "is closed" in refusal_text(response)
    assert db_state(db) == before
    home = client.get("/").get_data(as_text=True)
    assert "Musyawarah Dusun 2027" in home and 'data-round-status="closed"' in home
    assert home.count('data-action="new-program"') == 2


def test_reopened_it_takes_programs_again(db, people):
    close(db, people, LOCALITY_ROUND)
    close(db, people, LOCALITY_ROUND, "open")
    assert program_commands.create_program(db, people["warga1"], LOCALITY_ROUND,
                                           VALID_PROGRAM, "", NOW).round_id == LOCALITY_ROUND


def test_an_archived_round_leaves_home_but_keeps_its_board(client, db, people):
    close(db, people, PLANNING_ROUND, "archived")
    login_as(client, people["warga1"])
    home = client.get("/").get_data(as_text=True)
    assert "Perencanaan Air Bersih" not in home and "Musyawarah Dusun 2027" in home
    board = client.get(f"/rounds/{PLANNING_ROUND}")
    assert board.status_code == 200
    assert 'data-round-status="archived"' in board.get_data(as_text=True)
    with pytest.raises(Refusal):
        program_commands.create_program(db, people["warga1"], PLANNING_ROUND, VALID_PROGRAM,
                                        "", NOW)


# --- who may ------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["warga1", "kades"])
def test_residents_and_officials_cannot_set_up_rounds(client, db, people, username):
    token = login_as(client, people[username])
    assert 'rounds/new' not in client.get("/").get_data(as_text=True)
    assert 'data-action="edit-round"' not in client.get(
        f"/rounds/{LOCALITY_ROUND}").get_data(as_text=True)
    before = db_state(db)
    assert client.get("/communities/1/rounds/new").status_code == 403
    assert client.get(f"/rounds/{LOCALITY_ROUND}/edit").status_code == 403
    assert send(client, "/communities/1/rounds", token, GOOD).status_code == 403
    assert send(client, f"/rounds/{LOCALITY_ROUND}/edit", token,
                {**LOCALITY, "title": "Diganti"}).status_code == 403
    assert db_state(db) == before


def test_another_community_learns_nothing(client, db, outsider, people):
    token = login_as(client, outsider.user)
    before = db_state(db)
    assert client.get("/communities/1/rounds/new").status_code == 404
    assert client.get(f"/rounds/{LOCALITY_ROUND}/edit").status_code == 404
    assert send(client, "/communities/1/rounds", token, GOOD).status_code == 404
    assert send(client, f"/rounds/{LOCALITY_ROUND}/edit", token, LOCALITY).status_code == 404
    assert send(client, "/communities/987654/rounds", token, GOOD).status_code == 404
    assert send(client, "/rounds/987654/edit", token, LOCALITY).status_code == 404
    assert db_state(db) == before
    # Pendamping of Desa Sukamaju is an outsider to Desa Seberang's round.
    with pytest.raises(Refusal) as refused:
        commands.update_round(db, people["pendamping"], outsider.round.id, LOCALITY, NOW)
    assert refused.value.kind == "not_found"


def test_a_deactivated_facilitator_may_not(db, people):
    from workflow.models import Membership
    membership = db.exec(select(Membership).where(
        Membership.user_id == people["pendamping"].id)).one()
    membership.active = False
    db.add(membership)
    db.commit()
    with pytest.raises(Refusal) as refused:
        commands.create_round(db, people["pendamping"], 1, GOOD, NOW)
    assert refused.value.kind == "not_found"
