"""A meeting of the demo village's locality round, arranged as rows: the meeting's own
commands are another part's; these tests need only a meeting that is open, its agenda and
its roll."""
from tests.arrange import arrange
from tests.helpers import LOCALITY_ROUND, PROGRAM, utcnow
from workflow.meetings.models import OPEN, AgendaItem, Invitee, Meeting


def hall(db, people, present=("warga1", "warga2", "warga3"), state=OPEN, program_state="voting",
         invited=12):
    """(meeting id, item id): program 1 on the agenda (with an open ballot when it is voting),
    ``invited`` residents invited and ``present`` of them marked present."""
    if program_state != "proposed":
        arrange(db, people, program_state)
    now = utcnow()
    meeting = Meeting(round_id=LOCALITY_ROUND, title="Musyawarah Dusun", place="Balai desa",
                      starts_at=now, state=state, created_by=people["pendamping"].id,
                      created_at=now, opened_at=now if state == OPEN else None)
    db.add(meeting)
    db.flush()
    item = AgendaItem(meeting_id=meeting.id, program_id=PROGRAM, position=1)
    db.add(item)
    for i in range(1, invited + 1):
        name = f"warga{i}"
        db.add(Invitee(meeting_id=meeting.id, user_id=people[name].id,
                       present_at=now if name in present else None,
                       marked_by=people["pendamping"].id if name in present else None))
    db.commit()
    return meeting.id, item.id
