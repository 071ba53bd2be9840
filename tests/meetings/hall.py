"""A meeting of the demo village's locality round, arranged as rows: the meeting's own
commands are another part's; these tests (and the system registries) need only a meeting in
a state, its agenda and its roll."""
from tests.arrange import arrange
from tests.helpers import LOCALITY_ROUND, PROGRAM, utcnow
from workflow.meetings.models import OPEN, AgendaItem, Invitee, Meeting


def meeting_of(db, people, program_id: int, present=("warga1", "warga2", "warga3"),
               state=OPEN, invited=12) -> tuple[int, int]:
    """(meeting id, item id): ``program_id`` on the agenda of a meeting of the locality round,
    warga1..warga<invited> invited and ``present`` of them marked present."""
    now = utcnow()
    meeting = Meeting(round_id=LOCALITY_ROUND, title="Musyawarah Dusun", place="Balai desa",
                      starts_at=now, state=state, created_by=people["pendamping"].id,
                      created_at=now, opened_at=now if state == OPEN else None)
    db.add(meeting)
    db.flush()
    item = AgendaItem(meeting_id=meeting.id, program_id=program_id, position=1)
    db.add(item)
    for i in range(1, invited + 1):
        name = f"warga{i}"
        db.add(Invitee(meeting_id=meeting.id, user_id=people[name].id,
                       present_at=now if name in present else None,
                       marked_by=people["pendamping"].id if name in present else None))
    db.commit()
    return meeting.id, item.id


def hall(db, people, present=("warga1", "warga2", "warga3"), state=OPEN, program_state="voting",
         invited=12) -> tuple[int, int]:
    """The demo program (1) brought to ``program_state`` (voting: an open ballot) on the agenda
    of a meeting in ``state``."""
    if program_state != "proposed":
        arrange(db, people, program_state)
    return meeting_of(db, people, PROGRAM, present, state, invited)
