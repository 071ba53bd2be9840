"""The berita acara, its PDF and the daftar hadir: what they print and who may read them."""
import io
import os

import pytest
from pypdf import PdfReader

from tests import ROOT
from tests.helpers import PROGRAM, login_as
from tests.meetings.record_arrange import NOTES, OBJECTION, held_meeting
from tests.system.test_queries import counted
from workflow.meetings.models import OPEN, Meeting


def test_the_berita_acara_prints_the_decision_with_its_counts_in_formal_indonesian(client, db, people):
    meeting_id = held_meeting(db, people)
    login_as(client, people["warga5"], lang="en")  # the UI in English: the document stays Indonesian
    page = client.get(f"/meetings/{meeting_id}/berita-acara").get_data(as_text=True)
    assert "BERITA ACARA" in page.upper() and "Pada hari ini, " in page
    assert "Kecamatan Cibeber" in page or "Kecamatan" in page
    assert "Balai Desa Sukamaju" in page and "Pak Lurah" in page and "Bu Sekdes" in page
    assert f'data-decision="{PROGRAM}"' in page
    assert 'data-count="agree">8<' in page and 'data-count="block">1<' in page
    assert OBJECTION in page and NOTES in page
    assert "musyawarah mufakat" in page
    assert 'data-invited="12" data-present="9"' in page
    assert "Wartawan Harian" in page
    for role in ("chair", "secretary", "kepala_desa", "bpd", "participant"):
        assert f'data-signature="{role}"' in page
    assert "@page" not in page  # the A4 rules are in the print style sheet
    assert "print.css" in page


def test_the_print_style_sheet_sets_a4():
    with open(os.path.join(ROOT, "static", "print.css")) as sheet:
        assert "size:A4" in sheet.read().replace(" ", "")


def test_a_reconvened_meeting_says_the_chair_proceeded_with_those_present(client, db, people):
    meeting_id = held_meeting(db, people, present=7)
    meeting = db.get(Meeting, meeting_id)
    meeting.reconvened = True
    db.add(meeting)
    db.commit()
    login_as(client, people["warga5"])
    page = client.get(f"/meetings/{meeting_id}/berita-acara").get_data(as_text=True)
    assert "data-reconvened" in page and "ditunda" in page
    assert "melanjutkan musyawarah dengan peserta yang hadir" in page


def test_steps_before_the_meeting_opened_are_not_its_decisions(client, db, people):
    meeting_id = held_meeting(db, people, state=OPEN, decide=False)
    login_as(client, people["warga5"])
    page = client.get(f"/meetings/{meeting_id}/berita-acara").get_data(as_text=True)
    assert f'data-decision="{PROGRAM}"' not in page
    assert "Belum ada keputusan" in page


def test_the_pdf_is_a_real_pdf_holding_the_decision(client, db, people):
    meeting_id = held_meeting(db, people)
    login_as(client, people["warga5"])
    response = client.get(f"/meetings/{meeting_id}/berita-acara.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == f'attachment; filename="berita-acara-{meeting_id}.pdf"'
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "BERITA ACARA" in text.upper()
    assert "Perbaikan saluran air" in text
    assert OBJECTION in " ".join(text.split())


def test_the_pdf_fetches_nothing_but_the_apps_own_files(app):
    from workflow.meetings.record_views import StaticOnly
    fetcher = StaticOnly(app.static_folder)
    assert fetcher.fetch("http://localhost/static/print.css?v=1").url.endswith("print.css?v=1")
    for url in ("https://example.org/x.css", "http://localhost/static/../app.py", "file:///etc/passwd",
                "http://localhost/static/nothing.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_the_daftar_hadir_has_a_row_and_a_signature_box_per_invitee(client, db, people):
    meeting_id = held_meeting(db, people)
    login_as(client, people["warga5"])
    page = client.get(f"/meetings/{meeting_id}/daftar-hadir").get_data(as_text=True)
    assert page.count("data-invitee=") == 12
    assert page.count('data-present="true"') == 9
    assert page.count('data-signature="invitee"') == 12
    assert "Tanda tangan" in page


@pytest.mark.parametrize("path", ["berita-acara", "berita-acara.pdf", "daftar-hadir", "scan"])
def test_outsiders_and_strangers_learn_nothing(client, db, people, outsider, path):
    meeting_id = held_meeting(db, people, decide=False)
    login_as(client, outsider.user)
    assert client.get(f"/meetings/{meeting_id}/{path}").status_code == 404
    assert client.get(f"/meetings/{meeting_id + 100}/{path}").status_code in (302, 404)


def test_the_berita_acara_loads_in_a_fixed_number_of_queries(app, client, db, people):
    meeting_id = held_meeting(db, people)
    login_as(client, people["warga5"])
    client.get(f"/meetings/{meeting_id}/berita-acara")
    with counted(app) as statements:
        assert client.get(f"/meetings/{meeting_id}/berita-acara").status_code == 200
    assert len(statements) <= 12, statements


def test_the_meeting_page_offers_the_record_to_its_readers_and_the_forms_to_the_facilitator(client, db, people):
    meeting_id = held_meeting(db, people, decide=False)
    login_as(client, people["pendamping"])
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    for action in ("berita-acara", "berita-acara-pdf", "daftar-hadir", "set-officers", "upload-scan"):
        assert f'data-action="{action}"' in page
    assert 'enctype="multipart/form-data"' in page
    login_as(client, people["warga5"])
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert 'data-action="berita-acara"' in page and 'data-action="upload-scan"' not in page
