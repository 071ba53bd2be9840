"""Every page of the service, for each person who opens it: the list the reach checks walk.

``arrange_village`` brings the demo village to a state where each kind of page has
something on it (a draft, an open ballot with votes and comments, an approved plan,
findings, supporters, a delivered demand), through the same commands people use.
``PAGES`` names each page once with the roles that open it; ``pages_for`` turns the
names into paths. The accessibility, small-screen, page-weight and HTML checks all read
from here, so a page added to the service is added once, here, and every check sees it.
"""
from dataclasses import dataclass
from datetime import timedelta

from tests.arrange import action, add_finding, arrange, draft_by, join, planning
from tests.helpers import VALID_PROGRAM, utcnow
from tests.meetings.hall import meeting_of
from tests.meetings.record_arrange import held_meeting
from workflow.comments import commands as comment_commands
from workflow.comments import facilitation
from workflow.drafting import coauthors
from workflow.drafting import commands as drafting
from workflow.meetings import commands as meeting_commands
from workflow.meetings import roll as meeting_roll
from workflow.meetings.models import Meeting
from workflow.programs import commands
from workflow.voting import commands as voting_commands

# The person playing each role in the demo village.
PEOPLE = {"anonymous": None, "resident": "warga5", "author": "warga1",
          "facilitator": "pendamping", "official": "kades", "admin": "admin"}
MEMBERS = ("resident", "author", "facilitator", "official", "admin")
EVERYONE = ("anonymous",) + MEMBERS
COMMENTS = [("support", "Saya setuju, saluran ini sudah lama rusak."),
            ("concern", "Siapa yang akan merawat saluran setelah selesai dibangun?"),
            ("question", "Biaya terlalu mahal untuk satu dusun; mohon dibagi dua tahap.")]


@dataclass(frozen=True)
class Page:
    name: str      # used in messages and file names
    path: str      # may hold {program names} filled in by ``pages_for``
    roles: tuple   # who opens it


PAGES = [
    Page("login", "/login", ("anonymous",)),
    Page("home", "/", MEMBERS),
    Page("round-locality", "/rounds/1", MEMBERS),
    Page("round-planning", "/rounds/2", ("resident", "facilitator")),
    Page("round-action", "/rounds/3", ("resident", "facilitator")),
    Page("new-program", "/rounds/1/programs/new", ("resident", "author", "facilitator")),
    Page("program-draft", "/programs/{draft}", ("author",)),
    Page("edit-draft", "/programs/{draft}/edit", ("author",)),
    Page("delete-draft", "/programs/{draft}/delete", ("author",)),
    Page("revisions", "/programs/{draft}/revisions", ("author", "facilitator")),
    Page("program-proposed", "/programs/{proposed}", ("resident", "facilitator", "official")),
    Page("program-voting", "/programs/{voting}", MEMBERS),
    Page("program-discussion", "/programs/{discussion}", ("resident", "facilitator")),
    Page("program-approved", "/programs/{approved}", ("resident", "facilitator", "official")),
    Page("program-implementation", "/programs/{implementation}", ("resident", "facilitator")),
    Page("history", "/programs/{voting}/history", ("resident", "facilitator")),
    Page("program-assessment", "/programs/{assessment}", ("resident", "facilitator")),
    Page("program-consultation", "/programs/{consultation}",
         ("resident", "facilitator", "official")),
    Page("program-recommended", "/programs/{recommended}", ("resident", "official")),
    Page("program-organizing", "/programs/{organizing}", ("resident", "author", "facilitator")),
    Page("program-action", "/programs/{action}", ("resident", "facilitator")),
    Page("account", "/account", MEMBERS),
    Page("password", "/account/password", ("resident",)),
    Page("admin", "/admin", ("admin",)),
    Page("community", "/communities/1", ("admin",)),
    Page("community-people", "/communities/1/people", ("admin",)),
    Page("community-slips", "/communities/1/people/slips", ("admin",)),
    Page("activate", "/activate", ("anonymous",)),
    Page("new-round", "/communities/1/rounds/new", ("facilitator", "admin")),
    Page("edit-round", "/rounds/1/edit", ("facilitator", "admin")),
    Page("forbidden", "/admin", ("resident",)),
    Page("not-found", "/programs/2147483000", ("resident",)),
    Page("glossary", "/glossary", ("anonymous", "resident")),
    Page("notifications", "/notifications", MEMBERS),
    Page("notification-settings", "/notifications/settings", ("resident",)),
    Page("approvals", "/approvals", ("official",)),
    Page("agreed-plan", "/approvals/plan?community=1&year=2027", ("official", "facilitator")),
    Page("berita-acara", "/meetings/{meeting}/berita-acara", ("resident", "facilitator")),
    Page("daftar-hadir", "/meetings/{meeting}/daftar-hadir", ("resident",)),
    Page("new-meeting", "/rounds/1/meetings/new", ("facilitator",)),
    Page("meeting-scheduled", "/meetings/{meeting_scheduled}", ("resident", "facilitator")),
    Page("meeting-open", "/meetings/{meeting_open}", ("resident", "facilitator")),
    Page("meeting-screen", "/meetings/{meeting}/screen", ("resident", "facilitator")),
]


def arrange_village(db, users) -> dict:
    """Bring the demo village to a state with every kind of page filled; return the ids."""
    ids = {"draft": draft_by(db, users, "warga1", title="Posyandu keliling di Dusun Cibodas"),
           "proposed": draft_by(db, users, "warga3", title="Lampu jalan di RT 05")}
    # A second revision of the draft (so its revisions page shows a difference), and a
    # co-author invited to it.
    drafting.edit_program(db, users["warga1"], ids["draft"], {
        **VALID_PROGRAM, "title": "Posyandu keliling di Dusun Cibodas",
        "goal": "Setiap balita ditimbang dua kali sebulan."}, "1", utcnow())
    coauthors.invite_coauthor(db, users["warga1"], ids["draft"], "warga2", utcnow())
    commands.fire_transition(db, users["warga3"], ids["proposed"], "submit", utcnow())
    ids["voting"] = arrange(db, users, "voting")  # the demo's own program, warga2's
    said = [comment_commands.add_comment(db, users[f"warga{i}"], ids["voting"], stance, body,
                                         utcnow()).id
            for i, (stance, body) in enumerate(COMMENTS, start=4)]
    # The deliberation's parts: a reply, a hidden comment, one entered for a resident
    # without a phone, and the facilitator's pinned summary.
    comment_commands.add_reply(db, users["warga1"], ids["voting"], said[1],
                               "Kelompok pemakai air di tiap RT.", utcnow())
    comment_commands.hide_comment(db, users["pendamping"], ids["voting"], said[2],
                                  "Menyebut nama orang", utcnow())
    comment_commands.add_comment(db, users["pendamping"], ids["voting"], "support",
                                 "Saya setuju, asal dikerjakan saat kemarau.", utcnow(),
                                 on_behalf_of="warga11")
    facilitation.pin_summary(db, users["pendamping"], ids["voting"],
                             "Disepakati: saluran diperbaiki.\nMasih terbuka: siapa merawat.",
                             utcnow())
    for i, choice in ((1, "agree"), (2, "agree"), (3, "block")):
        reason = COMMENTS[2][1] if choice == "block" else ""
        voting_commands.cast_vote(db, users[f"warga{i}"], ids["voting"], choice, reason, utcnow())
    for state, title in (("discussion", "Taman bacaan anak di balai RW"),
                         ("approved", "Bank sampah RW 01"),
                         ("implementation", "Sumur resapan di RT 02")):
        program_id = draft_by(db, users, "warga4", title=title)
        commands.fire_transition(db, users["warga4"], program_id, "submit", utcnow())
        ids[state] = arrange(db, users, "approved" if state == "implementation" else state,
                             program_id)
    commands.fire_transition(db, users["pendamping"], ids["implementation"],
                             "start_implementation", utcnow())
    ids["assessment"] = planning(db, users, "assessment")
    add_finding(db, users, ids["assessment"])
    ids["consultation"] = planning(db, users, "consultation")
    ids["recommended"] = planning(db, users, "agreed")  # the recommendation, for approval
    ids["organizing"] = action(db, users, "organizing")
    join(db, users, ids["organizing"], 3)
    ids["action"] = action(db, users, "action")
    # A closed meeting with its roll and a guest, for the berita acara and the daftar hadir.
    ids["meeting"] = held_meeting(db, users, decide=False)
    ids.update(meetings(db, users, ids["voting"]))
    # An open meeting deciding the voting program, eight residents present: the projector.
    ids["meeting"], _item = meeting_of(db, users, ids["voting"],
                                       present=tuple(f"warga{i}" for i in range(1, 9)))
    db.commit()
    return ids


def meetings(db, users, program_id: int) -> dict:
    """A scheduled meeting with a program on its agenda, and one open with its roll taken
    in part, a guest and an observer."""
    starts = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    made = {}
    for key in ("meeting_scheduled", "meeting_open"):
        made[key] = meeting_commands.schedule_meeting(db, users["pendamping"], 1, {
            "title": "Musyawarah Dusun Krajan", "starts_at": starts, "place": "Balai Desa",
            "programs": str(program_id)}, utcnow()).id
    opened = db.get(Meeting, made["meeting_open"])
    meeting_commands.open_meeting(db, users["pendamping"], opened.id, opened.starts_at)
    for i in range(1, 8):
        meeting_roll.toggle_present(db, users["pendamping"], opened.id, f"warga{i}", opened.starts_at)
    for name, kind in (("Pak Wartawan", "observer"), ("Bu Camat", "guest")):
        meeting_roll.add_guest(db, users["pendamping"], opened.id, {"name": name, "kind": kind},
                               opened.starts_at)
    return made


def pages_for(ids: dict) -> list:
    """[(role, page name, path)] for every page and every role that opens it."""
    return [(role, page.name, page.path.format(**ids)) for page in PAGES for role in page.roles]
