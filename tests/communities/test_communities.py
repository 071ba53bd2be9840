"""Setting up a community: a site administrator creates it; its administrators change its
details and add its dusun; nobody else can, and bad input changes nothing."""
import re

import pytest
from sqlmodel import select

from workflow.core import audit
from workflow.models import Community, Dusun, Event
from workflow.people import commands as people_commands

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
GOOD = {"name": "Desa Mekarsari", "kind": "desa", "kecamatan": "Cibeber",
        "kabupaten": "Cianjur", "timezone": "Asia/Jakarta",
        "complaint_address": "Balai Desa Mekarsari, Jl. Raya 1"}


@pytest.fixture
def site_admin(db):
    from datetime import UTC, datetime
    return people_commands.create_site_admin(db, "sekdes", "Pak Sekdes", "rapat di balai desa",
                                             datetime(2026, 12, 2, tzinfo=UTC))


def log_in(client, username, password="musyawarah"):
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return CSRF.search(client.get("/account").get_data(as_text=True)).group(1)


def state(db):
    db.commit()
    rows = ([tuple(c.model_dump().values()) for c in db.exec(select(Community))],
            [tuple(d.model_dump().values()) for d in db.exec(select(Dusun))],
            db.exec(select(Event.id)).all())
    db.commit()
    return rows


def test_a_site_administrator_creates_a_community_and_adds_its_dusun(client, db, site_admin):
    token = log_in(client, "sekdes", "rapat di balai desa")
    page = client.get("/admin").get_data(as_text=True)
    assert 'data-action="new-community"' in page
    response = client.post("/communities", data={**GOOD, "csrf_token": token})
    assert response.status_code == 302
    community = db.exec(select(Community).where(Community.name == "Desa Mekarsari")).one()
    assert response.headers["Location"] == f"/communities/{community.id}"
    assert (community.slug, community.kecamatan, community.kabupaten) == (
        "desa-mekarsari", "Cibeber", "Cianjur")
    for name in ("Krajan", "Cibodas"):
        assert client.post(f"/communities/{community.id}/dusun",
                           data={"name": name, "csrf_token": token}).status_code == 302
    page = client.get(f"/communities/{community.id}").get_data(as_text=True)
    assert "Krajan" in page and "Cibodas" in page and 'data-action="add-dusun"' in page
    db.commit()
    events = db.exec(select(Event).where(Event.actor_id == site_admin.id).order_by(Event.id)).all()
    assert [e.transition for e in events] == [
        "create_site_admin", "create_community", "add_dusun", "add_dusun"]
    assert {e.actor_id for e in events} == {site_admin.id}
    assert audit.verify(db).ok


def test_the_same_name_twice_gets_its_own_short_name(client, db, site_admin):
    token = log_in(client, "sekdes", "rapat di balai desa")
    for _ in range(2):
        assert client.post("/communities", data={**GOOD, "csrf_token": token}).status_code == 302
    db.commit()
    assert sorted(db.exec(select(Community.slug).where(Community.name == GOOD["name"]))) == [
        "desa-mekarsari", "desa-mekarsari-2"]


@pytest.mark.parametrize(("field", "value", "says"), [
    ("name", "", "Tulis nama komunitas"),
    ("name", "x" * 121, "Terlalu panjang"),
    ("kind", "kota", "Pilih salah satu"),
    ("kind", "", "Pilih salah satu"),
    ("timezone", "Europe/Paris", "Pilih salah satu"),
    ("kecamatan", "x" * 121, "Terlalu panjang"),
    ("complaint_address", "x" * 301, "Terlalu panjang"),
])
def test_a_bad_community_is_refused_at_its_field_and_changes_nothing(client, db, site_admin,
                                                                     field, value, says):
    token = log_in(client, "sekdes", "rapat di balai desa")
    before = state(db)
    response = client.post("/communities", data={**GOOD, field: value, "csrf_token": token})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and says in page
    assert state(db) == before


def test_the_community_admin_edits_the_details_and_every_change_is_audited(client, db, users):
    token = log_in(client, "admin")
    response = client.post("/communities/1", data={
        **GOOD, "name": "Desa Sukamaju", "timezone": "Asia/Makassar", "csrf_token": token})
    assert response.status_code == 302
    db.commit()
    community = db.get(Community, 1)
    db.refresh(community)
    assert (community.timezone, community.kecamatan) == ("Asia/Makassar", "Cibeber")
    event = db.exec(select(Event).order_by(Event.id.desc())).first()
    assert event.transition == "update_community" and event.actor_id == users["admin"].id
    assert '"timezone": "Asia/Makassar"' in event.payload


def test_a_dusun_of_the_same_name_is_refused(client, db, users):
    token = log_in(client, "admin")
    existing = db.exec(select(Dusun.name).where(Dusun.community_id == 1)).first()
    before = state(db)
    response = client.post("/communities/1/dusun", data={"name": existing, "csrf_token": token})
    assert response.status_code == 422 and 'id="dusun-name-error"' in response.get_data(as_text=True)
    assert state(db) == before


def test_a_dusun_may_list_its_rw_and_rt(client, db, users):
    token = log_in(client, "admin")
    response = client.post("/communities/1/dusun", data={
        "name": "Dusun Sukasari", "rw": " 03,04  04", "rt": "01;02/ 3", "csrf_token": token})
    assert response.status_code == 302
    db.commit()  # a new transaction: it sees what the request wrote
    dusun = db.exec(select(Dusun).where(Dusun.name == "Dusun Sukasari")).one()
    assert (dusun.rw_list, dusun.rt_list) == ("03, 04", "01, 02, 3")
    page = client.get("/communities/1").get_data(as_text=True)
    assert "RW 03, 04" in page and "RT 01, 02, 3" in page


@pytest.mark.parametrize(("field", "value"), [("rw", "01, dua"), ("rt", "1234"),
                                               ("rt", ", ".join(map(str, range(100))))])
def test_a_bad_rw_or_rt_list_changes_nothing(client, db, users, field, value):
    token = log_in(client, "admin")
    before = state(db)
    response = client.post("/communities/1/dusun", data={
        "name": "Dusun Sukasari", field: value, "csrf_token": token})
    assert response.status_code == 422
    assert f'id="dusun-{field}-error"' in response.get_data(as_text=True)
    assert state(db) == before


@pytest.mark.parametrize("username", ["warga1", "pendamping", "kades"])
def test_members_who_do_not_administer_cannot_set_up(client, db, username):
    token = log_in(client, username)
    before = state(db)
    assert client.get("/communities/1").status_code == 403
    assert client.post("/communities/1", data={**GOOD, "csrf_token": token}).status_code == 403
    assert client.post("/communities/1/dusun", data={"name": "Baru",
                                                     "csrf_token": token}).status_code == 403
    assert client.post("/communities", data={**GOOD, "csrf_token": token}).status_code == 403
    assert client.get("/communities/new").status_code == 403
    assert state(db) == before


def test_a_community_admin_cannot_touch_another_community(client, db, site_admin):
    token = log_in(client, "sekdes", "rapat di balai desa")
    client.post("/communities", data={**GOOD, "csrf_token": token})
    other = db.exec(select(Community.id).where(Community.name == GOOD["name"])).one()
    client.post("/logout", data={"csrf_token": token})
    token = log_in(client, "admin")
    before = state(db)
    assert client.get(f"/communities/{other}").status_code == 404
    assert client.post(f"/communities/{other}/dusun",
                       data={"name": "Baru", "csrf_token": token}).status_code == 404
    assert client.post(f"/communities/{other}", data={**GOOD, "csrf_token": token}).status_code == 404
    assert state(db) == before
