"""Login throttling, password rules and resets, personal data and being forgotten."""
import json

import pytest
from sqlmodel import func, select

from tests.helpers import login_as, send, utcnow
from workflow.comments import commands as comment_commands
from workflow.core import audit
from workflow.models import Comment, LoginSession, User, Vote
from workflow.people import commands as people
from workflow.programs import commands
from workflow.voting import commands as voting_commands


def test_login_is_throttled_per_account(client, auth, db):
    """After five wrong passwords the account answers 429, even to the right password."""
    for _ in range(5):
        assert auth.login("warga1", "salah-sandi").status_code == 401
    response = auth.login("warga1")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    assert "15" in response.get_data(as_text=True)
    assert db.exec(select(func.count()).select_from(LoginSession)).one() == 0
    # Another account from the same address is not locked by it.
    assert auth.login("warga2").status_code == 302


def test_login_is_throttled_per_address(client, auth):
    """Twenty wrong tries from one address, spread over accounts, lock that address."""
    for i in range(20):
        auth.login(f"orang{i}", "salah-sandi")
    assert auth.login("warga3").status_code == 429


@pytest.mark.parametrize(("password", "field"), [
    ("pendek", "new"), ("12345678", "new"), ("warga1", "new"),
    ("x" * 201, "new"), ("sandi yang panjang", "repeat"),
])
def test_password_rules(client, people_, password, field):
    token = login_as(client, people_["warga1"])
    repeat = password if field != "repeat" else "sandi yang lain"
    response = send(client, "/account/password", token,
                    {"current": "musyawarah", "new": password, "repeat": repeat})
    assert response.status_code == 422
    assert f'id="pw-{field}-error"' in response.get_data(as_text=True)


@pytest.fixture
def people_(users, db):
    db.commit()
    return users


def test_change_password_needs_the_current_one(client, people_, db):
    token = login_as(client, people_["warga1"])
    response = send(client, "/account/password", token,
                    {"current": "bukan", "new": "sawah hijau sekali", "repeat": "sawah hijau sekali"})
    assert response.status_code == 422
    assert 'id="pw-current-error"' in response.get_data(as_text=True)
    response = send(client, "/account/password", token, {
        "current": "musyawarah", "new": "sawah hijau sekali", "repeat": "sawah hijau sekali"})
    assert response.status_code == 302
    db.expire_all()
    assert people.authenticate(db, "warga1", "sawah hijau sekali") is not None


def test_admin_reset_forces_a_new_password(client, auth, people_, db):
    """The admin resets; the member's sessions end; at next login only the change page opens."""
    member = people_["warga4"]
    member_client = client.application.test_client()
    login_as(member_client, member)
    assert member_client.get("/").status_code == 200
    token = login_as(client, people_["admin"])
    assert client.get("/admin").status_code == 200
    response = send(client, f"/admin/users/{member.id}/password", token,
                    {"password": "sementara123"})
    assert response.status_code == 302
    assert member_client.get("/").status_code == 302  # the old session is over
    auth.logout()
    response = auth.login("warga4", "sementara123")
    assert response.headers["Location"].endswith("/account/password")
    assert client.get("/").headers["Location"].endswith("/account/password")
    response = send(client, "/account/password", auth.token(), {
        "current": "sementara123", "new": "padi menguning", "repeat": "padi menguning"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("username", ["warga1", "pendamping", "kades"])
def test_only_admins_reset_passwords(client, people_, username):
    token = login_as(client, people_[username])
    assert client.get("/admin").status_code == 403
    response = send(client, f"/admin/users/{people_['warga5'].id}/password", token,
                    {"password": "sementara123"})
    assert response.status_code == 403


def test_admin_reset_refuses_a_weak_password(client, people_, db):
    token = login_as(client, people_["admin"])
    before = people_["warga5"].password_hash
    send(client, f"/admin/users/{people_['warga5'].id}/password", token, {"password": "123"})
    db.expire_all()
    assert db.get(User, people_["warga5"].id).password_hash == before


def test_personal_data_download(client, people_, db):
    comment_commands.add_comment(db, people_["warga1"], 1, "support", "Saya setuju", utcnow())
    login_as(client, people_["warga1"])
    response = client.get("/account/data")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["username"] == "warga1"
    assert "password_hash" not in data["account"]
    assert [c["body"] for c in data["comments"]] == ["Saya setuju"]
    assert data["memberships"] == [{"community": "Desa Sukamaju", "role": "resident",
                                    "dusun": "Dusun Krajan", "gender": "f",
                                    "tags": ["poor", "women"]}]


def test_anonymise_keeps_tallies_and_the_audit_chain(client, people_, db):
    now = utcnow()
    pendamping, warga = people_["pendamping"], people_["warga1"]
    commands.fire_transition(db, pendamping, 1, "open_discussion", now)
    comment_commands.add_comment(db, warga, 1, "concern", "Biayanya mahal", now)
    commands.fire_transition(db, pendamping, 1, "open_voting", now)
    voting_commands.cast_vote(db, warga, 1, "block", "Nama saya di sini", now)
    token = login_as(client, warga)
    assert send(client, "/account/delete", token, {"password": "salah"}).status_code == 422
    response = send(client, "/account/delete", token, {"password": "musyawarah"})
    assert response.status_code == 302
    db.expire_all()
    user = db.get(User, warga.id)
    assert user.username == f"deleted-{warga.id}" and user.anonymised_at is not None
    assert db.exec(select(Comment.body).where(Comment.user_id == warga.id)).all() == [""]
    assert db.exec(select(Vote.choice, Vote.reason).where(Vote.user_id == warga.id)).all() == [
        ("block", "")]
    assert audit.verify(db).ok
    assert client.get("/").status_code == 302  # logged out
    page = login_as(client, people_["warga2"]) and client.get("/programs/1").get_data(as_text=True)
    assert "Siti Aminah" not in page and "Nama saya di sini" not in page
