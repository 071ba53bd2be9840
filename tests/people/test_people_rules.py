"""Rules about people: a reset lifts the account's lock, a forced change wants a new password,
and a person who left (anonymised) counts for nothing and is named by the page."""
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from tests.helpers import (
    ACTION_ROUND,
    CSRF_RE,
    PROGRAM,
    VALID_PROGRAM,
    db_state,
    login_as,
    send,
    state_of,
)
from workflow import demo
from workflow.comments import commands as comment_commands
from workflow.engine.reasons import Refusal
from workflow.models import Event, LoginAttempt, User
from workflow.organizing import commands as organizing
from workflow.people import commands as people
from workflow.people import views as people_views
from workflow.programs import commands
from workflow.programs import queries as program_queries
from workflow.voting import commands as voting_commands

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TEMPORARY = "sementara123"


@pytest.fixture
def clock(monkeypatch):
    """The moment the login and account pages read as "now"; tests move it on."""
    moment = SimpleNamespace(now=NOW)
    monkeypatch.setattr(people_views, "now", lambda: moment.now)
    return moment


@pytest.fixture
def folk(users, db):
    db.commit()
    return users


def form_login(client, username, password, address="10.0.0.7", lang="en"):
    """Log in through the real form, from ``address``, reading ``lang``."""
    with client.session_transaction() as session:
        session["lang"] = lang
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def admin_resets(app, admin, member, at, clock):
    """The administrator, on their own phone, gives ``member`` the temporary password."""
    clock.now = at
    phone = app.test_client()
    token = login_as(phone, admin)
    response = send(phone, f"/admin/users/{member.id}/password", token,
                    {"password": TEMPORARY})
    assert response.status_code == 302
    return response


def test_the_admins_reset_lifts_the_accounts_lock(app, client, folk, clock):
    """Five wrong passwords lock the account; after the reset the temporary one opens it."""
    for _ in range(5):
        assert form_login(client, "warga4", "salah-sandi").status_code == 401
    clock.now = NOW + timedelta(minutes=1)
    locked = form_login(client, "warga4", demo.PASSWORD)
    assert locked.status_code == 429
    assert "ask the village administrator" in locked.get_data(as_text=True)

    admin_resets(app, folk["admin"], folk["warga4"], NOW + timedelta(minutes=2), clock)
    clock.now = NOW + timedelta(minutes=3)  # well inside the 15 minutes of the lock
    response = form_login(client, "warga4", TEMPORARY)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/password")


def test_the_reset_leaves_the_lock_on_a_guessing_address(app, client, folk, db, clock):
    """Twenty wrong tries from one device lock the device; one account's reset keeps it locked."""
    for _ in range(5):
        assert form_login(client, "warga4", "salah-sandi").status_code == 401
    # The other fifteen wrong tries of that device, on other names (arranged directly: each
    # try through the form costs a password hash).
    db.add_all([LoginAttempt(username=f"orang{i}", address="10.0.0.7", at=NOW, succeeded=False)
                for i in range(15)])
    db.commit()
    admin_resets(app, folk["admin"], folk["warga4"], NOW + timedelta(minutes=1), clock)
    clock.now = NOW + timedelta(minutes=2)
    blocked = form_login(client, "warga4", TEMPORARY)
    assert blocked.status_code == 429
    assert "from this device" in blocked.get_data(as_text=True)
    # The person's own phone, a different address, gets in.
    assert form_login(app.test_client(), "warga4", TEMPORARY, address="10.0.0.8"
                      ).status_code == 302


def test_a_login_starts_the_accounts_count_again(client, clock):
    """Four typos, a good login, then four typos more: not five in a row, so no lock."""
    for _ in range(4):
        assert form_login(client, "warga5", "salah-sandi").status_code == 401
    assert form_login(client, "warga5", demo.PASSWORD).status_code == 302
    clock.now = NOW + timedelta(minutes=1)
    for _ in range(4):
        assert form_login(client, "warga5", "salah-sandi").status_code == 401
    assert form_login(client, "warga5", demo.PASSWORD).status_code == 302


@pytest.mark.parametrize(("lang", "message"), [
    ("en", "Choose a password different from the temporary one the administrator gave you."),
    ("id", "Pilih kata sandi yang berbeda dari kata sandi sementara yang diberikan admin."),
])
def test_a_forced_change_refuses_the_temporary_password(app, client, folk, db, clock, lang,
                                                        message):
    admin_resets(app, folk["admin"], folk["warga4"], NOW, clock)
    response = form_login(client, "warga4", TEMPORARY, lang=lang)
    assert response.headers["Location"].endswith("/account/password")
    token = CSRF_RE.search(client.get("/account/password").get_data(as_text=True)).group(1)
    before = db_state(db)
    response = send(client, "/account/password", token,
                    {"current": TEMPORARY, "new": TEMPORARY, "repeat": TEMPORARY})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="pw-new-error">\s*' + re.escape(message), page)
    assert db_state(db) == before
    response = send(client, "/account/password", token,
                    {"current": TEMPORARY, "new": "padi menguning", "repeat": "padi menguning"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, folk["warga4"].id).must_change_password is False


# A person who left ------------------------------------------------------------------------

def leave(db, user):
    """The person deletes their own account (the "forget me" command)."""
    people.anonymise(db, user, demo.PASSWORD, NOW)


def eligible_on(page: str) -> int:
    return int(re.search(r"(\d+) of (\d+) residents have voted", page).group(2))


def test_a_person_who_left_is_not_in_the_quorum_base(client, folk, db):
    """Page, API and the closing event agree: 12 residents, one left without voting: 11."""
    commands.fire_transition(db, folk["pendamping"], PROGRAM, "open_discussion", NOW)
    commands.fire_transition(db, folk["pendamping"], PROGRAM, "open_voting", NOW)
    leave(db, folk["warga6"])
    login_as(client, folk["warga1"])
    assert eligible_on(client.get(f"/programs/{PROGRAM}").get_data(as_text=True)) == 11
    assert client.get(f"/api/v1/programs/{PROGRAM}").get_json()["tally"]["eligible"] == 11
    commands.fire_transition(db, folk["pendamping"], PROGRAM, "close_voting", NOW)
    payload = program_queries.event_payload(db.exec(select(Event).order_by(Event.id.desc())).first())
    db.commit()
    assert payload["tally"]["eligible"] == 11 and payload["tally"]["needed"] == 8


def test_a_vote_cast_before_leaving_keeps_its_place_in_the_base(client, folk, db):
    """The vote stands ("your votes still count"), so its voter stays in that ballot's base."""
    commands.fire_transition(db, folk["pendamping"], PROGRAM, "open_discussion", NOW)
    commands.fire_transition(db, folk["pendamping"], PROGRAM, "open_voting", NOW)
    voting_commands.cast_vote(db, folk["warga2"], PROGRAM, "agree", "", NOW)
    leave(db, folk["warga2"])
    leave(db, folk["warga6"])
    login_as(client, folk["warga1"])
    tally = client.get(f"/api/v1/programs/{PROGRAM}").get_json()["tally"]
    assert (tally["cast"], tally["eligible"]) == (1, 11)


def test_a_person_who_left_is_not_on_the_room_roll_and_cannot_be_recorded(client, folk, db):
    commands.fire_transition(db, folk["pendamping"], PROGRAM, "open_discussion", NOW)
    commands.fire_transition(db, folk["pendamping"], PROGRAM, "open_voting", NOW)
    gone = folk["warga6"]
    leave(db, gone)
    token = login_as(client, folk["pendamping"])
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    roll = re.findall(r'<option value="(\d+)"', page)
    assert len(roll) == 11 and str(gone.id) not in roll
    assert "deleted" not in page and "a former resident" not in page
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/room-votes", token,
                    {"voter": str(gone.id), "choice": "agree"})
    assert response.status_code == 422
    assert "This person has left and deleted their account" in response.get_data(as_text=True)
    assert db_state(db) == before


def test_a_supporter_who_left_no_longer_counts(client, folk, db):
    program = commands.create_program(db, folk["warga1"], ACTION_ROUND, VALID_PROGRAM, "", NOW)
    commands.fire_transition(db, folk["warga1"], program.id, "submit", NOW)
    commands.fire_transition(db, folk["pendamping"], program.id, "start_organizing", NOW)
    for i in range(1, 7):  # six supporters: the round's threshold
        organizing.join_supporters(db, folk[f"warga{i}"], program.id, NOW)
    leave(db, folk["warga3"])
    login_as(client, folk["warga1"])
    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "<span data-supporters>5</span>" in page
    with pytest.raises(Refusal):
        commands.fire_transition(db, folk["pendamping"], program.id, "open_voting", NOW)
    assert state_of(db, program.id) == "organizing"


@pytest.mark.parametrize(("lang", "phrase"), [("en", "a former resident"),
                                              ("id", "warga yang sudah keluar")])
def test_old_records_name_a_person_who_left_in_the_pages_language(client, folk, db, lang,
                                                                   phrase):
    """Author, history, comment and open ballot choice of the demo's proposer, who left."""
    author = folk["warga2"]
    commands.fire_transition(db, folk["pendamping"], PROGRAM, "open_discussion", NOW)
    comment_commands.add_comment(db, author, PROGRAM, "support", "Saluran itu penting.", NOW)
    commands.fire_transition(db, folk["pendamping"], PROGRAM, "open_voting", NOW)
    voting_commands.cast_vote(db, author, PROGRAM, "agree", "", NOW)
    leave(db, author)
    db.expire_all()
    assert db.get(User, author.id).display_name == ""  # the stored name says nothing
    db.commit()
    login_as(client, folk["warga1"], lang=lang)
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    assert "Budi Santoso" not in page and "deleted" not in page
    assert re.search(r'<li data-author="">' + phrase + "</li>", page)  # written by
    assert re.search(r'<li data-event="submit">.*?<strong>' + phrase + "</strong>", page, re.S)
    assert re.search(r'<p class="meta"><strong>' + phrase + "</strong>", page)
    assert re.search(r"<li>" + phrase + ": ", page)  # the open ballot's choices
    history = client.get(f"/programs/{PROGRAM}/history").get_data(as_text=True)
    assert re.search(r"<td[^>]*>" + phrase + "</td>", history) and "Budi Santoso" not in history


def test_an_admin_cannot_reset_the_password_of_a_person_who_left(client, folk, db):
    gone = folk["warga6"]
    leave(db, gone)
    token = login_as(client, folk["admin"])
    assert f'id="user-{gone.id}"' not in client.get("/admin").get_data(as_text=True)
    before = db_state(db)
    response = send(client, f"/admin/users/{gone.id}/password", token, {"password": TEMPORARY})
    assert response.status_code == 404
    assert db_state(db) == before
