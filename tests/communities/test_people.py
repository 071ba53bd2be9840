"""Adding a person to a community: the administrator's form, with a role, a dusun, a gender
and the groups they speak for; bad input changes nothing; every addition is audited."""
import pytest
from sqlmodel import select

from tests.helpers import db_state, login_as, send
from workflow.core import audit
from workflow.engine.people import joined_tags, username_from
from workflow.models import Dusun, Event, Membership, User

GOOD = {"name": "Ibu Sri Wahyuni", "username": "sri.wahyuni", "role": "resident",
        "gender": "f"}


def add(client, token, **changes):
    return send(client, "/communities/1/people", token, {**GOOD, **changes})


def test_the_people_page_lists_every_member(client, people):
    login_as(client, people["admin"])
    page = client.get("/communities/1/people").get_data(as_text=True)
    assert page.count("data-member=") == 15
    assert 'data-member="warga1"' in page and 'data-action="add-person"' in page


def test_an_administrator_adds_a_person_with_their_groups(client, db, people):
    token = login_as(client, people["admin"])
    dusun = db.exec(select(Dusun.name).where(Dusun.community_id == 1)).first()
    response = send(client, "/communities/1/people", token, {
        **GOOD, "dusun": dusun, "tags": ["women", "poor", "women"]})
    assert response.status_code == 302
    db.commit()
    user = db.exec(select(User).where(User.username == "sri.wahyuni")).one()
    membership = db.exec(select(Membership).where(Membership.user_id == user.id)).one()
    assert (user.display_name, membership.role, membership.gender, membership.tags) == (
        "Ibu Sri Wahyuni", "resident", "f", "poor;women")
    assert db.get(Dusun, membership.dusun_id).name == dusun
    assert user.password_hash == "!"  # no password yet: nobody can log in as them
    event = db.exec(select(Event).order_by(Event.id.desc())).first()
    assert (event.transition, event.actor_id, event.program_id) == (
        "add_person", people["admin"].id, None)
    assert audit.verify(db).ok
    page = client.get("/communities/1/people").get_data(as_text=True)
    assert 'data-member="sri.wahyuni"' in page


def test_a_login_name_is_made_from_the_name_when_left_empty(client, db, people):
    token = login_as(client, people["admin"])
    for _ in range(2):
        assert add(client, token, username="").status_code == 302
    db.commit()
    names = sorted(db.exec(select(User.username).where(User.display_name == GOOD["name"])))
    assert names == ["ibu.sri.wahyuni", "ibu.sri.wahyuni2"]


@pytest.mark.parametrize(("name", "taken", "made"), [
    ("Siti Aminah", set(), "siti.aminah"),
    ("Siti Aminah", {"siti.aminah"}, "siti.aminah2"),
    ("Pak Ëndang  Sutisna", set(), "pak.endang.sutisna"),
    ("Yo", set(), "warga.yo"),
    ("إ", set(), "warga"),
])
def test_username_from_a_name(name, taken, made):
    assert username_from(name, taken) == made


def test_tags_are_kept_known_once_and_sorted():
    assert joined_tags(["youth", "women", "youth", "nonsense"]) == "women;youth"


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"username": "warga1"}, "username"),
    ({"username": "WARGA 1"}, "username"),
    ({"username": "=HYPERLINK(x)"}, "username"),
    ({"role": "kepala"}, "role"),
    ({"role": ""}, "role"),
    ({"gender": "x"}, "gender"),
    ({"dusun": "Dusun Tidak Ada"}, "dusun"),
    ({"tags": ["women", "aliens"]}, "tags"),
])
def test_bad_input_is_told_at_its_field_and_changes_nothing(client, db, people, changes, field):
    token = login_as(client, people["admin"])
    before = db_state(db)
    response = add(client, token, **changes)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db_state(db) == before


@pytest.mark.parametrize("username", ["warga1", "pendamping", "kades"])
def test_only_an_administrator_adds_people(client, db, people, username):
    token = login_as(client, people[username])
    before = db_state(db)
    assert client.get("/communities/1/people").status_code == 403
    assert add(client, token).status_code == 403
    assert db_state(db) == before
