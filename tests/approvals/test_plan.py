"""The year's agreed plan of a community: the printable table, its CSV file (safe to open
in a spreadsheet program), and who may read it."""
import csv
import io

import pytest

from tests.arrange import arrange, draft_by
from tests.helpers import db_state, login_as, utcnow
from workflow.approvals.plan import neutralised, rupiah
from workflow.programs import commands

PLAN = "/approvals/plan?community=1&year=2027"
CSV = "/approvals/plan.csv?community=1&year=2027"
FORMULA = '=HYPERLINK("http://contoh.invalid","klik")'


def approved(db, people, **fields) -> int:
    program_id = draft_by(db, people, "warga4", **fields)
    commands.fire_transition(db, people["warga4"], program_id, "submit", utcnow())
    arrange(db, people, "approved", program_id)
    db.commit()
    return program_id


@pytest.mark.parametrize(("amount", "written"), [
    (25_000_000, "25.000.000"), (2_500_000, "2.500.000"), (999, "999"), (1000, "1.000"),
    (0, "0"), (1_234_567_890, "1.234.567.890"), (None, "")])
def test_rupiah_is_written_with_dots(amount, written):
    assert rupiah(amount) == written


@pytest.mark.parametrize(("cell", "kept"), [
    ("=1+1", "'=1+1"), ("+62 812", "'+62 812"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("Bank sampah", "Bank sampah"), ("15.000.000", "15.000.000"), ("", "")])
def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(cell, kept):
    assert neutralised(cell) == kept


def test_the_plan_lists_the_years_approved_programs(client, db, people):
    arrange(db, people, "approved")
    draft_by(db, people, "warga4", title="Masih draf")       # not approved: not in the plan
    db.commit()
    login_as(client, people["kades"])
    response = client.get(PLAN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("data-plan-row=") == 1
    row = page[page.index('data-plan-row="1"'):]
    row = row[:row.index("</tr>")]
    for cell in ("Roads, water and buildings", "Perbaikan saluran air Dusun Krajan",
                 "Dusun Krajan, RT 02/RW 01", "Warga RT 02 dan RT 03 (120 people)",
                 ">15.000.000<", "Village Fund (Dana Desa)"):
        assert cell in row
    assert "Masih draf" not in page
    assert 'href="/approvals/plan.csv?community=1&amp;year=2027"' in page


def test_another_year_has_none_of_them(client, db, people):
    arrange(db, people, "approved")
    db.commit()
    login_as(client, people["pendamping"])
    page = client.get("/approvals/plan?community=1&year=2026").get_data(as_text=True)
    assert "data-plan-row=" not in page


def test_the_csv_is_utf8_with_a_bom_an_attachment_and_formulas_kept_as_text(client, db, people):
    arrange(db, people, "approved")
    approved(db, people, title=FORMULA, beneficiaries="-1 dusun", estimated_cost="25000000")
    login_as(client, people["kades"])
    response = client.get(CSV)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="rencana-desa-sukamaju-2027.csv"'
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "No." and len(rows) == 3
    assert rows[1][:3] == ["1", "Roads, water and buildings", "Perbaikan saluran air Dusun Krajan"]
    assert rows[1][5] == "15.000.000"
    assert rows[2][2] == "'" + FORMULA
    assert rows[2][4].startswith("'-1 dusun")
    assert rows[2][5] == "25.000.000"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("username", ["kades", "pendamping"])
def test_the_official_and_the_facilitator_read_the_plan(client, people, username):
    login_as(client, people[username])
    assert client.get(PLAN).status_code == 200
    assert client.get(CSV).status_code == 200


@pytest.mark.parametrize("username", ["warga1", "admin"])
def test_other_members_are_refused_the_plan(client, db, people, username):
    login_as(client, people[username])
    before = db_state(db)
    for url in (PLAN, CSV):
        response = client.get(url)
        assert response.status_code == 403
        assert "for the village official and the facilitator" in response.get_data(as_text=True)
    assert db_state(db) == before


def test_to_an_outsider_the_plan_does_not_exist(client, outsider):
    login_as(client, outsider.user)
    assert client.get(PLAN).status_code == 404
    assert client.get(CSV).status_code == 404


@pytest.mark.parametrize("query", ["", "?community=1", "?year=2027", "?community=x&year=2027",
                                   "?community=1&year=abc", "?community=1&year=99999",
                                   "?community=999999&year=2027"])
def test_a_plan_asked_without_a_community_and_year_is_not_found(client, people, query):
    login_as(client, people["kades"])
    assert client.get("/approvals/plan" + query).status_code == 404
    assert client.get("/approvals/plan.csv" + query).status_code == 404


def test_the_plan_is_anonymous_peoples_login(client):
    response = client.get(PLAN)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
