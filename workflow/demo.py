"""The demo village, Desa Sukamaju: three dusun, three rounds, fifteen accounts."""
from datetime import UTC, datetime

from sqlmodel import Session, select

from workflow.people.passwords import create_user
from workflow.programs import commands

from .models import Community, Dusun, Membership, Round

PASSWORD = "musyawarah"
DUSUN = ("Dusun Krajan", "Dusun Sukamulya", "Dusun Cibodas")
RESIDENT_NAMES = ("Siti Aminah", "Budi Santoso", "Dewi Lestari", "Agus Setiawan",
                  "Sri Wahyuni", "Joko Susilo", "Rina Marlina", "Ahmad Fauzi",
                  "Nur Hidayah", "Eko Prasetyo", "Yuni Kartika", "Slamet Riyadi")
STAFF = (("admin", "Admin Desa", "admin"),
         ("pendamping", "Ibu Ratna (Pendamping)", "facilitator"),
         ("kades", "Bapak Hasan (Kepala Desa)", "official"))
ROUNDS = (("Musyawarah Dusun 2027", "locality"),
          ("Perencanaan Air Bersih", "planning"),
          ("Aksi Perbaikan Jalan Kabupaten", "action"))


def utcnow() -> datetime:
    return datetime.now(UTC)


def load(session: Session, now: datetime | None = None) -> bool:
    """Load the village once; return False when it is already there."""
    if session.exec(select(Community).where(Community.slug == "sukamaju")).first():
        return False
    now = now or utcnow()
    village = Community(name="Desa Sukamaju", slug="sukamaju", kind="desa")
    session.add(village)
    session.flush()
    dusun = [Dusun(community_id=village.id, name=name) for name in DUSUN]
    session.add_all(dusun)
    people = list(STAFF) + [(f"warga{i}", name, "resident")
                            for i, name in enumerate(RESIDENT_NAMES, start=1)]
    users = {}
    for username, name, role in people:
        users[username] = create_user(session, username, name, PASSWORD, now)
        session.add(Membership(user_id=users[username].id, community_id=village.id, role=role))
    rounds = [Round(community_id=village.id, title=title, template=template, quorum="2/3",
                    consent_threshold="2/3", min_discussion_days=0, supporter_threshold=6,
                    created_at=now) for title, template in ROUNDS]
    session.add_all(rounds)
    session.commit()
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
