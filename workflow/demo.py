"""The demo village, Desa Sukamaju: three dusun, three rounds, fifteen accounts and a site
administrator, set up through the same commands a village secretary uses.

Run inside the app's context (``flask seed-demo``, or a test's app): the activation codes
are made with its secret key.
"""
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import Session, select

from workflow.communities import commands as communities
from workflow.people import commands as people
from workflow.people.models import ActivationCode, User
from workflow.people.passwords import hash_password
from workflow.programs import commands
from workflow.rounds import commands as rounds_commands

from .models import Community, Dusun

PASSWORD = "musyawarah"
SLUG = "desa-sukamaju"
DUSUN = ("Dusun Krajan", "Dusun Sukamulya", "Dusun Cibodas")
RESIDENT_NAMES = ("Siti Aminah", "Budi Santoso", "Dewi Lestari", "Agus Setiawan",
                  "Sri Wahyuni", "Joko Susilo", "Rina Marlina", "Ahmad Fauzi",
                  "Nur Hidayah", "Eko Prasetyo", "Yuni Kartika", "Slamet Riyadi")
# Who speaks for whom in the meetings: a few groups, so the counts per group say something.
RESIDENT_TAGS = {1: ("women", "poor"), 3: ("women", "youth"), 4: ("farmer",),
                 5: ("women", "elder"), 6: ("fisher",), 7: ("women", "disability"),
                 8: ("tokoh_agama",), 10: ("youth",), 12: ("farmer", "tokoh_masyarakat")}
STAFF = (("admin", "Admin Desa", "admin"),
         ("pendamping", "Ibu Ratna (Pendamping)", "facilitator"),
         ("kades", "Bapak Hasan (Kepala Desa)", "official"))
SITE_ADMIN = ("situs", "Admin Situs")
ROUNDS = (("Musyawarah Dusun 2027", "locality"),
          ("Perencanaan Air Bersih", "planning"),
          ("Aksi Perbaikan Jalan Kabupaten", "action"))


def utcnow() -> datetime:
    return datetime.now(UTC)


def _people() -> list:
    """(username, name, role, dusun, gender, tags) of every member."""
    staff = [(username, name, role, "", "", ()) for username, name, role in STAFF]
    residents = [(f"warga{i}", name, "resident", DUSUN[(i - 1) % 3],
                  "f" if name.split()[0] in ("Siti", "Dewi", "Sri", "Rina", "Nur", "Yuni")
                  else "m", RESIDENT_TAGS.get(i, ()))
                 for i, name in enumerate(RESIDENT_NAMES, start=1)]
    return staff + residents


def load(session: Session, now: datetime | None = None) -> bool:
    """Load the village once; return False when it is already there."""
    if session.exec(select(Community).where(Community.slug == SLUG)).first():
        return False
    now = now or utcnow()
    situs = people.create_site_admin(session, *SITE_ADMIN, PASSWORD, now)
    village = communities.create_community(session, situs, {
        "name": "Desa Sukamaju", "kind": "desa", "kecamatan": "Cibeber",
        "kabupaten": "Cianjur", "timezone": "Asia/Jakarta",
        "complaint_address": "Balai Desa Sukamaju, Jl. Raya Sukamaju No. 1"}, now)
    for name in DUSUN:
        communities.add_dusun(session, situs, village.id, {"name": name}, now)
    for username, name, role, dusun, gender, tags in _people():
        communities.add_person(session, situs, village.id, {
            "name": name, "username": username, "role": role, "dusun": dusun,
            "gender": gender, "tags": list(tags)}, now)
    # Every demo account shares the known password, as if each had used their slip.
    session.exec(update(User).where(User.username != SITE_ADMIN[0])
                 .values(password_hash=hash_password(PASSWORD)))
    session.exec(update(ActivationCode).values(used_at=now))
    session.commit()
    users = {user.username: user for user in session.exec(select(User))}
    dusun = list(session.exec(select(Dusun).where(Dusun.community_id == village.id)
                              .order_by(Dusun.id)))
    rounds = [rounds_commands.create_round(session, users["pendamping"], village.id, {
        "title": title, "template": template, "year": "2027", "quorum": "2/3",
        "consent_threshold": "2/3", "min_discussion_days": "0", "min_voting_hours": "0",
        "supporter_threshold": "6"}, now) for title, template in ROUNDS]
    # One proposal already on the table, made through the same commands people use.
    program = commands.create_program(session, users["warga2"], rounds[0].id, {
        "title": "Perbaikan saluran air Dusun Krajan",
        "problem": "Saluran air tersumbat dan meluap setiap musim hujan.",
        "goal": "Air hujan mengalir lancar dan jalan tidak tergenang.",
        "beneficiaries": "Warga RT 02 dan RT 03", "beneficiaries_count": "120",
        "dusun_id": str(dusun[0].id), "rt": "02", "rw": "01", "sector": "infrastructure",
        "estimated_cost": "15000000", "funding_source": "dana_desa"}, "", now)
    commands.fire_transition(session, users["warga2"], program.id, "submit", now)
    return True
