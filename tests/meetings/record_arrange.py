"""A meeting of the demo village held to its end, for the record's tests: nine of the twelve
residents present, a guest, the demo program discussed, voted on (one objection) and agreed.

The meeting's rows are written directly (the record does not depend on how the meeting
page's commands made them); the program's steps and votes go through the real commands,
so their events and ballot are what a real meeting leaves."""

from tests.arrange import fire
from tests.helpers import LOCALITY_ROUND, PROGRAM, residents, utcnow
from workflow.meetings.models import CLOSED, AgendaItem, Guest, Invitee, Meeting
from workflow.voting import commands as voting_commands

NOTES = "Warga sepakat saluran diperbaiki sebelum musim hujan."
OBJECTION = "Biaya belum dirinci per RT."


def held_meeting(db, people, state=CLOSED, present=9, decide=True) -> int:
    """A meeting of the locality round on the demo program, closed (or as ``state``)."""
    start = utcnow()  # after the demo was seeded: its submit step is no decision of this meeting
    meeting = Meeting(round_id=LOCALITY_ROUND, title="Musyawarah Dusun Krajan", place="Balai Desa Sukamaju",
                      starts_at=start, state="open", opened_at=start, created_by=people["pendamping"].id,
                      created_at=start, chair="Pak Lurah", secretary="Bu Sekdes")
    db.add(meeting)
    db.flush()
    db.add(AgendaItem(meeting_id=meeting.id, program_id=PROGRAM, position=1, notes=NOTES))
    for n, voter in enumerate(residents(people)):
        db.add(Invitee(meeting_id=meeting.id, user_id=voter.id,
                       present_at=start if n < present else None,
                       marked_by=people["pendamping"].id if n < present else None))
    db.add(Guest(meeting_id=meeting.id, name="Wartawan Harian", kind="observer", added_at=start))
    db.commit()
    meeting_id = meeting.id
    if decide:
        fire(db, people, PROGRAM, "open_discussion")
        fire(db, people, PROGRAM, "open_voting")
        for n, voter in enumerate(residents(people, present)):
            choice = "block" if n == 0 else "agree"
            voting_commands.cast_vote(db, voter, PROGRAM, choice, OBJECTION if n == 0 else "", utcnow())
        fire(db, people, PROGRAM, "close_voting")
    meeting = db.get(Meeting, meeting_id)
    meeting.state = state
    if state in (CLOSED, "locked"):
        meeting.closed_at, meeting.quorum_met = utcnow(), present * 3 >= 2 * 12
    db.add(meeting)
    db.commit()
    return meeting_id
