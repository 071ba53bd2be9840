"""The personal-data registry is complete: every table that names a person is in the
person's download and in being forgotten, and both do what the registry says."""
import io
import tempfile
from datetime import timedelta

from sqlalchemy import select as sa_select
from sqlmodel import SQLModel

from tests.arrange import arrange
from tests.core.test_uploads import PDF as SIGNED_PDF
from tests.helpers import LOCALITY_ROUND, PROGRAM, utcnow
from tests.meetings.record_arrange import held_meeting
from workflow.assessment import commands as assessment
from workflow.comments import commands as comment_commands
from workflow.comments import facilitation
from workflow.core import audit, personal
from workflow.drafting import coauthors
from workflow.meetings import commands as meeting_commands
from workflow.meetings import counts as room_counts
from workflow.meetings import roll as meeting_roll
from workflow.meetings import signed
from workflow.notifications import commands as notification_settings
from workflow.notifications.models import KINDS, REPLY, VOTE_OPENED
from workflow.notifications.send import notify
from workflow.organizing import commands as organizing
from workflow.people import activation, logins
from workflow.people import commands as people_commands
from workflow.people import queries as people_queries
from workflow.people.models import LoginAttempt, User
from workflow.programs import commands
from workflow.voting import commands as voting_commands
from workflow.voting.queries import open_ballot

ACTION_ROUND, PLANNING_ROUND = 3, 2


def naming_columns():
    """(table, column) of every column that names a person: a user id or a username."""
    found = set()
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            user_id = any(key.column.table.name == "user" for key in column.foreign_keys)
            if user_id or (column.name == "username" and table.name != "user"):
                found.add((table.name, column.name))
    return found


def registered_columns():
    return {(column.class_.__tablename__, column.key)
            for entry in personal.REGISTRY for column in entry.columns}


def test_every_column_naming_a_person_is_registered():
    assert naming_columns() - registered_columns() == set()
    assert ("user", "id") in registered_columns()


def test_the_walk_sees_the_columns():
    """Load-bearing: the walk finds columns we know name a person."""
    assert {("comment", "user_id"), ("vote", "recorded_by"), ("event", "actor_id"),
            ("loginattempt", "username")} <= naming_columns()


def test_every_part_forgets_something_or_says_why_it_stays():
    assert [entry.key for entry in personal.REGISTRY if not entry.forget and not entry.kept] == []
    assert len({entry.key for entry in personal.REGISTRY}) == len(personal.REGISTRY)


def leave_a_trace_everywhere(db, users, app):
    """warga1 and the facilitator each leave rows in every table that can name them."""
    now = utcnow()
    warga, pendamping = users["warga1"], users["pendamping"]
    comment_commands.add_comment(db, warga, PROGRAM, "concern", "Biayanya mahal", now)
    arrange(db, users, "voting")
    voting_commands.cast_vote(db, warga, PROGRAM, "block", "Nama saya di sini", now)
    voting_commands.record_room_vote(db, pendamping, PROGRAM, users["warga3"].id, "agree", "",
                                     now)
    action = commands.create_program(db, warga, ACTION_ROUND, {
        "title": "Jalan desa", "problem": "Rusak.", "goal": "Diperbaiki."}, "", now)
    commands.fire_transition(db, warga, action.id, "submit", now)
    coauthors.invite_coauthor(db, warga, action.id, "pendamping", now)  # its revision 1 is warga's
    commands.fire_transition(db, pendamping, action.id, "start_organizing", now)
    organizing.join_supporters(db, warga, action.id, now)
    organizing.join_supporters(db, pendamping, action.id, now, on_behalf_of="warga2")
    comment_commands.add_comment(db, pendamping, PROGRAM, "question", "Untuk warga4", now,
                                 on_behalf_of="warga4")
    facilitation.pin_summary(db, pendamping, PROGRAM, "Sepakat: saluran.", now)
    planning = commands.create_program(db, warga, PLANNING_ROUND, {
        "title": "Posyandu", "problem": "Jauh.", "goal": "Dekat."}, "", now)
    commands.fire_transition(db, warga, planning.id, "submit", now)
    commands.fire_transition(db, pendamping, planning.id, "start_assessment", now)
    assessment.record_finding(db, pendamping, planning.id, {
        "indicator": "Balita", "value": "40", "unit": "anak", "source": "Posyandu"}, now)
    with app.app_context():  # the code is made with the app's secret key
        activation.issue(db, warga, now)
    notify(db, [warga.id], REPLY, link=f"/programs/{PROGRAM}", now=now, program_id=PROGRAM,
           actor_id=pendamping.id)
    notification_settings.choose_kinds(db, warga, [k for k in KINDS if k != VOTE_OPENED], now)
    # The meeting's signed sheet (who attached it) and a correction to its record.
    meeting_id = held_meeting(db, users, decide=False)
    signed.upload_scan(db, pendamping, meeting_id, io.BytesIO(SIGNED_PDF), tempfile.mkdtemp(), now)
    signed.add_addendum(db, pendamping, meeting_id, "Ralat: dimulai pukul 09.30.", now)
    # A meeting the facilitator scheduled, with warga1 on its roll (marked by the facilitator).
    meeting = meeting_commands.schedule_meeting(db, pendamping, LOCALITY_ROUND, {
        "title": "Musyawarah", "starts_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Balai Desa", "programs": [str(PROGRAM)]}, now)
    meeting_commands.open_meeting(db, pendamping, meeting.id, meeting.starts_at)
    meeting_roll.toggle_present(db, pendamping, meeting.id, warga.username, meeting.starts_at)
    # The program's ballot made secret: the facilitator enters the counts of the room
    # (warga2, present, has not voted on a phone).
    ballot = open_ballot(db, PROGRAM)
    ballot.secret = True
    db.add(ballot)
    db.commit()
    meeting_roll.toggle_present(db, pendamping, meeting.id, "warga2", meeting.starts_at)
    room_counts.record_room_counts(db, pendamping, meeting.id, PROGRAM, {"agree": "1"}, "",
                                   meeting.starts_at)
    for person in (warga, pendamping):
        logins.record_attempt(db, person.username, "127.0.0.1", now, succeeded=True)
        logins.start_session(db, person, now)
    db.commit()


def test_the_download_has_every_part_and_no_secret(app, db, users):
    leave_a_trace_everywhere(db, users, app)
    parts = {}
    for username in ("warga1", "pendamping"):
        data = people_queries.personal_data(db, db.get(User, users[username].id))
        assert set(data) == {entry.key for entry in personal.REGISTRY}
        parts.update({key: value for key, value in data.items() if value})
    assert set(parts) == {entry.key for entry in personal.REGISTRY}
    for entry in personal.REGISTRY:
        for row in parts[entry.key] if isinstance(parts[entry.key], list) else [parts[entry.key]]:
            assert not set(entry.exclude) & set(row), entry.key
    assert "password_hash" not in parts["account"]
    recorded = parts["votes_recorded_for_others"]
    assert recorded and all("choice" not in row for row in recorded)


def test_being_forgotten_blanks_every_registered_column(app, db, users):
    leave_a_trace_everywhere(db, users, app)
    warga = db.get(User, users["warga1"].id)
    old_username = warga.username
    people_commands.anonymise(db, warga, "musyawarah", utcnow() + timedelta(minutes=1))
    db.expire_all()
    forgotten = db.get(User, users["warga1"].id)
    for entry in personal.REGISTRY:
        for column, value in entry.forget.items():
            table = entry.model.__table__
            rows = db.exec(sa_select(table.c[column]).where(entry.naming(forgotten))).all()
            assert all(row[0] == value for row in rows), (entry.key, column)
    # Nothing still carries the old login name, and the chain still verifies.
    assert db.exec(sa_select(LoginAttempt.username).where(
        LoginAttempt.username == old_username)).all() == []
    assert forgotten.display_name == "" and forgotten.username == f"deleted-{forgotten.id}"
    assert audit.verify(db).ok
    db.commit()
