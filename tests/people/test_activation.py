"""Accounts for people without e-mail: a one-time code on a printed slip, typed at /activate
to choose a password. Codes are stored hashed, work once, for 30 days, and wrong tries are
throttled like logins."""
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.helpers import db_state, login_as, send, utcnow
from workflow.core import audit
from workflow.engine.reasons import Refusal
from workflow.models import ActivationCode, Event, LoginSession, User
from workflow.people import activation
from workflow.people import commands as people_commands

NEW_PASSWORD = "padi menguning di sawah"
SLIP = re.compile(r'data-slip="([^"]+)" data-code="([A-Z0-9-]+)"')


def add_person(client, token, username="sri.wahyuni"):
    response = send(client, "/communities/1/people", token, {
        "name": "Ibu Sri Wahyuni", "username": username, "role": "resident", "gender": "f"})
    assert response.status_code == 302


def slips(client, query=""):
    page = client.get(f"/communities/1/people/slips{query}").get_data(as_text=True)
    return dict(SLIP.findall(page)), page


def activate(client, code, username="sri.wahyuni", password=NEW_PASSWORD, confirm=None):
    token = login_as(client, None)
    return send(client, "/activate", token, {"username": username, "code": code,
                                             "password": password,
                                             "password_confirm": confirm or password})


def test_a_new_person_activates_with_the_code_on_their_slip(client, db, people):
    add_person(client, login_as(client, people["admin"]))
    codes, page = slips(client)
    code = codes["sri.wahyuni"]
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert 'src="data:image/svg+xml' in page and "/activate" in page
    # Stored hashed: the code itself is nowhere in the database.
    assert code not in repr(db_state(db)) and code.replace("-", "") not in repr(db_state(db))
    response = activate(client, code.lower().replace("-", " "))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Welcome, Ibu Sri Wahyuni" in client.get("/").get_data(as_text=True)
    db.commit()
    user = db.exec(select(User).where(User.username == "sri.wahyuni")).one()
    assert user.password_hash.startswith("$argon2")
    assert db.exec(select(LoginSession).where(LoginSession.user_id == user.id)).first()
    event = db.exec(select(Event).order_by(Event.id.desc())).first()
    assert (event.transition, event.actor_id) == ("activate", user.id) and audit.verify(db).ok
    db.commit()
    # Once: the same code again is refused, and the slip is gone from the page.
    assert "already used" in activate(client, code).get_data(as_text=True)
    login_as(client, people["admin"])
    assert "sri.wahyuni" not in slips(client)[0]
    # And the new password works at the login.
    user, _ = people_login(db, "sri.wahyuni", NEW_PASSWORD)
    assert user.display_name == "Ibu Sri Wahyuni"


def people_login(db, username, password):
    return people_commands.log_in(db, username, password, "10.1.1.1", utcnow())


@pytest.mark.parametrize(("code", "password", "confirm", "field", "words"), [
    ("WRONG-CODE", NEW_PASSWORD, NEW_PASSWORD, "code", "not right"),
    ("", NEW_PASSWORD, NEW_PASSWORD, "code", "not right"),
    (None, "pendek", "pendek", "password", "at least 8"),
    (None, NEW_PASSWORD, "lain sekali kata sandinya", "password_confirm", "not the same"),
    (None, "12345678", "12345678", "password", "too easy"),
])
def test_bad_activations_change_nothing(client, db, people, code, password, confirm, field,
                                        words):
    add_person(client, login_as(client, people["admin"]))
    real = slips(client)[0]["sri.wahyuni"]
    before = {name: rows for name, rows in db_state(db).items() if name != "loginattempt"}
    response = activate(client, real if code is None else code, password=password,
                        confirm=confirm)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert words in body and 'aria-describedby="activate-' in body
    assert {name: rows for name, rows in db_state(db).items() if name != "loginattempt"} == before


def test_an_expired_code_is_refused(app, db, people):
    with app.app_context():
        user = db.get(User, people["warga4"].id)
        row = activation.issue(db, user, utcnow() - timedelta(days=31))
        code = activation.code_of(row)
        db.commit()
        with pytest.raises(Refusal) as refused:
            people_commands.activate(db, user.username, code, NEW_PASSWORD, NEW_PASSWORD, "10.0.0.1",
                            utcnow())
    assert "expired" in refused.value.reason.msgid
    # Still valid on its 29th day.
    with app.app_context():
        row = activation.issue(db, user, utcnow() - timedelta(days=29))
        code = activation.code_of(row)
        db.commit()
        people_commands.activate(db, user.username, code, NEW_PASSWORD, NEW_PASSWORD, "10.0.0.1",
                        utcnow())


def test_wrong_codes_are_throttled_after_five_tries(client, db, people):
    add_person(client, login_as(client, people["admin"]))
    real = slips(client)[0]["sri.wahyuni"]
    for n in range(5):
        assert activate(client, f"AAAA-AAA{n + 2}").status_code == 422
    response = activate(client, real)
    assert response.status_code == 429 and response.headers["Retry-After"] == "900"
    db.commit()
    user = db.exec(select(User).where(User.username == "sri.wahyuni")).one()
    assert user.password_hash == "!"
    assert db.exec(select(ActivationCode.used_at).where(
        ActivationCode.user_id == user.id)).all() == [None]


def test_a_deactivated_person_cannot_activate(client, db, people):
    token = login_as(client, people["admin"])
    add_person(client, token)
    real = slips(client)[0]["sri.wahyuni"]
    db.commit()
    user_id = db.exec(select(User.id).where(User.username == "sri.wahyuni")).one()
    send(client, f"/communities/1/people/{user_id}/deactivate", token)
    assert slips(client)[0] == {}
    response = activate(client, real)
    assert response.status_code == 403 and "switched off" in response.get_data(as_text=True)


def test_the_slips_page_is_for_administrators(client, people):
    add_person(client, login_as(client, people["admin"]))
    login_as(client, people["pendamping"])
    assert client.get("/communities/1/people/slips").status_code == 403


def test_the_activation_page_opens_without_login_and_fills_the_name(client):
    page = client.get("/activate?username=sri.wahyuni").get_data(as_text=True)
    assert 'name="username" value="sri.wahyuni"' in page and 'name="code"' in page
    assert 'href="/activate"' in client.get("/login").get_data(as_text=True)
