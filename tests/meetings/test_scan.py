"""The signed sheet: attaching it locks the meeting; every bad upload changes nothing and
leaves nothing behind; the addendum that corrects a locked record."""
import io
import json
import os

import pytest
from PIL import Image
from sqlmodel import select

from tests.core.test_uploads import GPS_IFD, PDF, photo
from tests.helpers import db_state, login_as, refusal_text
from tests.meetings.record_arrange import held_meeting
from workflow.core.audit import Event
from workflow.meetings import signed
from workflow.meetings.models import LOCKED, OPEN, Addendum, Meeting


@pytest.fixture
def folder(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def stored(folder) -> list:
    return os.listdir(folder) if folder.exists() else []


def upload(client, token, meeting_id, content, name="berita-acara.jpg"):
    return client.post(f"/meetings/{meeting_id}/scan", content_type="multipart/form-data",
                       data={"csrf_token": token, "scan": (io.BytesIO(content), name)})


def test_the_signed_photo_locks_the_meeting_without_its_exif(client, db, people, folder):
    meeting_id = held_meeting(db, people)
    token = login_as(client, people["pendamping"])
    response = upload(client, token, meeting_id, photo())
    assert response.status_code == 302
    meeting = db.get(Meeting, meeting_id)
    db.refresh(meeting)
    assert meeting.state == LOCKED and meeting.scan_type == "image/jpeg"
    assert meeting.scan_uploaded_by == people["pendamping"].id
    assert stored(folder) == [meeting.scan_name] and len(meeting.scan_name) == 36
    kept = Image.open(folder / meeting.scan_name)
    assert not kept.getexif().get_ifd(GPS_IFD)
    event = db.exec(select(Event).order_by(Event.id.desc())).first()
    assert event.transition == "lock_meeting" and json.loads(event.payload)["meeting"] == meeting_id
    db.commit()


def test_members_get_the_scan_and_others_do_not(client, db, people, folder, outsider):
    meeting_id = held_meeting(db, people)
    upload(client, login_as(client, people["pendamping"]), meeting_id, PDF, "scan.pdf")
    login_as(client, people["warga7"])
    response = client.get(f"/meetings/{meeting_id}/scan")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert f"berita-acara-{meeting_id}-ditandatangani.pdf" in response.headers["Content-Disposition"]
    page = client.get(f"/meetings/{meeting_id}/berita-acara").get_data(as_text=True)
    assert 'data-action="signed-scan"' in page and 'data-action="upload-scan"' not in page
    login_as(client, outsider.user)
    assert client.get(f"/meetings/{meeting_id}/scan").status_code == 404


BAD = {
    "too large": (b"%PDF-" + b"0" * (10 * 1024 * 1024 + 10) + b"\n%%EOF", "scan.pdf", 422, "too large"),
    "text named x.png": (b"just some words", "x.png", 422, "not a photo"),
    "a path for a name": (None, "../../x.png", 422, "plain name"),
    "a damaged photo": (b"\x89PNG\r\n\x1a\nbroken", "x.png", 422, "cannot be read"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_upload_changes_nothing_and_stores_nothing(client, db, people, folder, case):
    content, name, status, words = BAD[case]
    meeting_id = held_meeting(db, people)
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    response = upload(client, token, meeting_id, content if content is not None else photo("PNG"), name)
    assert response.status_code == status
    assert words in refusal_text(response)
    assert db_state(db) == before and stored(folder) == []


@pytest.mark.parametrize(("who", "state", "status"), [
    ("warga1", "closed", 403), ("kades", "closed", 403), ("pendamping", OPEN, 409)])
def test_only_the_facilitator_uploads_and_only_once_the_meeting_closed(client, db, people, folder, who,
                                                                      state, status):
    meeting_id = held_meeting(db, people, state=state, decide=False)
    token = login_as(client, people[who])
    before = db_state(db)
    assert upload(client, token, meeting_id, photo()).status_code == status
    assert db_state(db) == before and stored(folder) == []


def test_a_second_upload_and_any_edit_after_the_lock_are_refused(client, db, people, folder):
    meeting_id = held_meeting(db, people)
    token = login_as(client, people["pendamping"])
    upload(client, token, meeting_id, photo())
    first = stored(folder)
    before = db_state(db)
    response = upload(client, token, meeting_id, photo("PNG"), "lagi.png")
    assert response.status_code == 409 and "already attached" in refusal_text(response)
    response = client.post(f"/meetings/{meeting_id}/officers",
                           data={"csrf_token": token, "chair": "Orang Lain", "secretary": ""})
    assert response.status_code == 409 and "locked" in refusal_text(response)
    assert db_state(db) == before and stored(folder) == first


def test_the_file_is_removed_when_the_row_cannot_be_written(db, people, folder, monkeypatch):
    meeting_id = held_meeting(db, people)
    before = db_state(db)

    def broken_commit():
        raise RuntimeError("the database went away")
    monkeypatch.setattr(db, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        signed.upload_scan(db, people["pendamping"], meeting_id, io.BytesIO(photo()), str(folder),
                           db.get(Meeting, meeting_id).created_at)
    monkeypatch.undo()
    assert stored(folder) == [] and db_state(db) == before


def test_an_addendum_corrects_the_locked_record_with_its_own_event(client, db, people, folder):
    meeting_id = held_meeting(db, people)
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    early = client.post(f"/meetings/{meeting_id}/addenda", data={"csrf_token": token, "body": "Ralat."})
    assert early.status_code == 409 and db_state(db) == before
    upload(client, token, meeting_id, photo())
    body = "Ralat: jumlah peserta perempuan <b>lima</b>, bukan empat."
    response = client.post(f"/meetings/{meeting_id}/addenda", data={"csrf_token": token, "body": body})
    assert response.status_code == 302
    addendum = db.exec(select(Addendum).where(Addendum.meeting_id == meeting_id)).one()
    assert addendum.body == body and addendum.written_by == people["pendamping"].id
    event = db.exec(select(Event).order_by(Event.id.desc())).first()
    assert event.transition == "add_addendum"
    db.commit()
    page = client.get(f"/meetings/{meeting_id}/berita-acara").get_data(as_text=True)
    assert "&lt;b&gt;lima&lt;/b&gt;" in page and page.index("data-addenda") > page.index('data-signature="participant"')
    login_as(client, people["warga1"])
    before = db_state(db)
    assert client.post(f"/meetings/{meeting_id}/addenda",
                       data={"csrf_token": token, "body": "x"}).status_code in (400, 403)
    assert db_state(db) == before


def test_the_facilitator_names_the_officers_until_the_lock(client, db, people, folder):
    meeting_id = held_meeting(db, people)
    token = login_as(client, people["pendamping"])
    response = client.post(f"/meetings/{meeting_id}/officers",
                           data={"csrf_token": token, "chair": "Bapak Ketua BPD", "secretary": "Ibu Nur"})
    assert response.status_code == 302
    page = client.get(f"/meetings/{meeting_id}/berita-acara").get_data(as_text=True)
    assert "Bapak Ketua BPD" in page and "Ibu Nur" in page and 'data-action="set-officers"' in page
    before = db_state(db)
    too_long = client.post(f"/meetings/{meeting_id}/officers",
                           data={"csrf_token": token, "chair": "x" * 121, "secretary": ""})
    assert too_long.status_code == 422 and db_state(db) == before
    token = login_as(client, people["warga2"])
    before = db_state(db)
    assert client.post(f"/meetings/{meeting_id}/officers",
                       data={"csrf_token": token, "chair": "Saya", "secretary": ""}).status_code == 403
    assert db_state(db) == before
