"""Adding many people at once from a CSV file: the preview tells each row's problems and
writes nothing; the import enrols every new row or none, once (the same file twice adds
nobody); a bad file, a bad row or the wrong person changes nothing."""
import csv
import html
import io
import json
import re
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlmodel import select

from tests.helpers import create_user_cheaply, db_state, login_as, send
from workflow.communities import imports
from workflow.core import audit
from workflow.core.db import ENGINE_KEY
from workflow.engine.reasons import Refusal
from workflow.models import Community, Dusun, Event, Membership, User
from workflow.people.models import ActivationCode

HEADER = "name,username,role,dusun,gender,tags"
PLACES = ("Dusun Krajan", "Dusun Sukamulya", "Dusun Cibodas")
TEN = [f"Warga Baru {i},baru{i},resident,{PLACES[i % 3]},{'fm'[i % 2]},"
       f"{'women;poor' if i % 2 == 0 else 'farmer;youth'}" for i in range(1, 11)]
GOOD = "\r\n".join([HEADER, *TEN]).encode() + b"\r\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


def csv_of(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode()


def preview(client, token, data, filename="people.csv", community=1):
    return send(client, f"/communities/{community}/people/import", token,
                {"file": (io.BytesIO(data), filename)})


def confirm(client, token, data, community=1):
    return send(client, f"/communities/{community}/people/import/confirm", token,
                {"content": imports.pack(data)})


def row_of(response, number: int) -> str:
    """The text of row ``number`` of the preview table."""
    page = response.get_data(as_text=True)
    match = re.search(rf'<tr id="row-{number}" .*?</tr>', page, re.S)
    assert match, f"no row {number} in the preview"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(0)))


def login_in_row(response, number: int) -> str:
    """The login name the preview shows in row ``number``."""
    page = response.get_data(as_text=True)
    row = re.search(rf'<tr id="row-{number}" .*?</tr>', page, re.S).group(0)
    return re.search(r'<td data-label="Login name">([^<]*)</td>', row).group(1)


def semicolons(data: bytes) -> bytes:
    """The file as a spreadsheet set to Indonesian saves it: ";" between the cells."""
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(csv.reader(io.StringIO(data.decode())))
    return out.getvalue().encode()


def statuses(response) -> dict:
    return {int(n): s for n, s in re.findall(r'data-row="(\d+)" data-status="(\w+)"',
                                             response.get_data(as_text=True))}


def import_events(db) -> list:
    rows = db.exec(select(Event).where(Event.transition == "import_people")).all()
    db.commit()
    return rows


# --- reading the file: pure functions --------------------------------------------------------

def test_a_utf8_file_with_its_bom_and_spaces_in_the_header_is_read():
    lines = imports.read_lines(b"\xef\xbb\xbf Name , USERNAME,role,dusun,gender,Tags\r\n"
                               b"Siti Aminah,siti,Resident,Dusun Krajan,F,Women; poor\r\n")
    assert [(line.number, line.cells, line.problems) for line in lines] == [
        (2, {"name": "Siti Aminah", "username": "siti", "role": "resident",
             "dusun": "Dusun Krajan", "gender": "f", "tags": ["women", "poor"]}, {})]


def test_a_semicolon_file_from_an_indonesian_spreadsheet_is_read():
    data = "name;username;role;dusun;gender;tags\nSiti;;resident;;f;\"women;poor\"\n"
    [line] = imports.read_lines(data.encode())
    assert line.cells["name"] == "Siti" and line.cells["tags"] == ["women", "poor"]
    assert imports.delimiter(data) == ";"


def test_an_old_spreadsheet_export_in_the_windows_code_page_is_read():
    [line] = imports.read_lines(csv_of("José Ñoño,,resident,,m,").decode().encode("cp1252"))
    assert line.cells["name"] == "José Ñoño"


@pytest.mark.parametrize(("cell", "tags"), [
    ("women;poor", ["women", "poor"]), ('"women|poor"', ["women", "poor"]),
    ('"women, poor"', ["women", "poor"]), ("", [])])
def test_tags_are_split_on_semicolons_and_in_a_quoted_cell_on_bars_and_commas(cell, tags):
    [line] = imports.read_lines(csv_of(f"Siti,,resident,,f,{cell}"))
    assert line.cells["tags"] == tags


def test_blank_rows_are_skipped_and_rows_keep_the_spreadsheets_numbers():
    lines = imports.read_lines(csv_of("", "Siti,,resident,,,", ",,,,,", "Budi,,resident"))
    assert [(line.number, line.cells["name"], line.cells["gender"]) for line in lines] == [
        (3, "Siti", ""), (5, "Budi", "")]


@pytest.mark.parametrize("cell", ['"=HYPERLINK(""http://x"",""y"")"', "+62812", "-1",
                                  "@SUM(A1)", '"\tx"', '"\rx"', " =1+1"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_refused_not_changed(cell):
    [line] = imports.read_lines(csv_of(f"{cell},,resident,,,"))
    assert list(line.problems) == ["name"]
    assert "spreadsheets run it as a formula" in line.problems["name"].msgid
    assert line.cells["name"] == next(csv.reader([cell]))[0].strip()


@pytest.mark.parametrize(("data", "says"), [
    (None, "Choose the CSV file"),
    (b"", "The file is empty"),
    (b"\xef\xbb\xbf\r\n \n", "The file is empty"),
    (HEADER.encode() + b"\n\n", "no people under it"),
    (PNG, "This file is not text"),
    (b"name,username\x00,role", "This file is not text"),
    (b"\x81\x8d\x8f\x90\x9d" * 3, "This file is not text"),
    (b"nama,login,peran,dusun,jenis kelamin,kelompok\nSiti,,warga,,,", "must be the header"),
    (b"name,username,role,dusun,gender\nSiti,,resident,,", "must be the header"),
    (b"x" * (imports.MAX_BYTES + 1), "too large"),
    (csv_of(*[f"Warga {i},,resident,,," for i in range(imports.MAX_ROWS + 1)]), "At most"),
    (csv_of('Siti,,resident,,,"' + "x" * 200_000), "Row 2 cannot be read"),
])
def test_a_file_that_cannot_be_read_is_refused_saying_why(data, says):
    with pytest.raises(Refusal) as refused:
        imports.read_lines(data)
    assert refused.value.kind == "invalid" and "file" in refused.value.errors
    assert says in str(refused.value.reason)


def test_the_wrong_header_is_told_with_the_expected_one():
    with pytest.raises(Refusal) as refused:
        imports.read_lines(b"Nama,Login\nSiti,siti")
    assert refused.value.reason.params == {"header": HEADER, "found": "nama,login"}


def test_exactly_the_limit_of_rows_is_read():
    assert len(imports.read_lines(csv_of(*[f"W {i},,resident,,,"
                                           for i in range(imports.MAX_ROWS)]))) == 2000


def test_more_cells_than_the_header_is_a_problem_of_the_row():
    [line] = imports.read_lines(csv_of("Siti,,resident,,f,women,extra"))
    assert list(line.problems) == [""]


def test_the_file_goes_to_the_confirm_form_and_back_whole():
    assert imports.unpack(imports.pack(PNG + GOOD)) == PNG + GOOD
    for garbage in ("", None, "not base64!", "\x00", "é", "A" * (imports.MAX_BYTES + 1)):
        assert imports.unpack(garbage) is None


def test_the_template_reads_back_as_two_people():
    lines = imports.read_lines(("\ufeff" + imports.template_csv(["Krajan", "Cibodas"])).encode())
    assert [(line.cells["name"], line.cells["dusun"]) for line in lines] == [
        ("Wati Suryani", "Krajan"), ("Bambang Hartono", "Cibodas")]


# --- the preview and the import ------------------------------------------------------------

def test_the_people_page_has_the_import_form(client, people):
    login_as(client, people["admin"])
    page = client.get("/communities/1/people").get_data(as_text=True)
    form = re.search(r'<form id="import-people"[^>]*>', page).group(0)
    assert 'enctype="multipart/form-data"' in form and 'method="post"' in form
    assert 'data-action="import-people"' in page and 'name="file"' in page
    assert 'href="/communities/1/people/template.csv"' in page


def test_an_official_imports_ten_residents(client, db, people):
    token = login_as(client, people["admin"])
    before = db_state(db)
    response = preview(client, token, GOOD)
    assert response.status_code == 200
    assert db_state(db) == before  # the preview writes nothing
    assert statuses(response) == dict.fromkeys(range(2, 12), "new")
    page = response.get_data(as_text=True)
    assert 'data-action="confirm-import"' in page
    content = re.search(r'name="content" value="([^"]+)"', page).group(1)
    assert imports.unpack(content) == GOOD

    response = send(client, "/communities/1/people/import/confirm", token, {"content": content})
    assert response.status_code == 302
    assert response.headers["Location"] == "/communities/1/people"
    assert "People added: 10" in client.get("/communities/1/people").get_data(as_text=True)
    rows = db.exec(select(User, Membership).join(Membership, Membership.user_id == User.id)
                   .where(User.username.startswith("baru")).order_by(User.id)).all()
    db.commit()
    assert len(rows) == 10
    dusun = {d.id: d.name for d in db.exec(select(Dusun))}
    for i, (user, membership) in enumerate(rows, start=1):
        assert (user.username, user.display_name, user.password_hash) == (
            f"baru{i}", f"Warga Baru {i}", "!")
        assert (membership.community_id, membership.role, dusun[membership.dusun_id],
                membership.gender) == (1, "resident", PLACES[i % 3], "fm"[i % 2])
        assert membership.tags == ("poor;women" if i % 2 == 0 else "farmer;youth")
    codes = db.exec(select(ActivationCode.user_id).where(
        ActivationCode.user_id.in_([user.id for user, _ in rows]))).all()
    assert sorted(codes) == sorted(user.id for user, _ in rows)
    [event_row] = import_events(db)
    assert (event_row.actor_id, event_row.program_id) == (people["admin"].id, None)
    assert json.loads(event_row.payload) == {
        "community": 1, "users": [user.id for user, _ in rows], "count": 10}
    assert audit.verify(db).ok
    db.commit()


def test_importing_the_same_file_again_changes_nothing(client, db, people):
    token = login_as(client, people["admin"])
    assert confirm(client, token, GOOD).status_code == 302
    before = db_state(db)
    response = preview(client, token, GOOD)
    assert statuses(response) == dict.fromkeys(range(2, 12), "already")
    assert 'data-action="confirm-import"' not in response.get_data(as_text=True)
    assert confirm(client, token, GOOD).status_code == 302
    assert db_state(db) == before
    assert len(import_events(db)) == 1
    assert "Nobody was added" in client.get("/communities/1/people").get_data(as_text=True)


def test_members_already_there_are_skipped_and_the_rest_imported(client, db, people):
    """A member by login name, or (without one) by name, is left as they are."""
    token = login_as(client, people["admin"])
    warga1 = people["warga1"]
    data = csv_of(f"Someone Else,{warga1.username},official,,,",
                  f" {warga1.display_name.upper()} ,,resident,,,", "Ibu Baru,,resident,,,")
    response = preview(client, token, data)
    assert statuses(response) == {2: "already", 3: "already", 4: "new"}
    assert login_in_row(response, 3) == warga1.username
    assert login_in_row(response, 4) == "ibu.baru"
    assert confirm(client, token, data).status_code == 302
    db.commit()
    assert db.exec(select(Membership.role).where(Membership.user_id == warga1.id)).one() == \
        "resident"
    assert json.loads(import_events(db)[0].payload)["count"] == 1


def test_people_of_the_same_name_get_login_names_of_their_own(client, db, people):
    token = login_as(client, people["admin"])
    data = csv_of("Ani Rahayu,,resident,,,", "Ani Rahayu,,resident,,,",
                  "Ani Rahayu,ani.rahayu3,resident,,,")
    response = preview(client, token, data)
    assert [login_in_row(response, n) for n in (2, 3, 4)] == [
        "ani.rahayu", "ani.rahayu2", "ani.rahayu3"]
    assert confirm(client, token, data).status_code == 302
    db.commit()
    assert sorted(db.exec(select(User.username).where(User.display_name == "Ani Rahayu"))) == [
        "ani.rahayu", "ani.rahayu2", "ani.rahayu3"]


def test_the_preview_and_the_import_take_a_fixed_number_of_queries(app, client, people):
    token = login_as(client, people["admin"])
    counts = []
    preview(client, token, GOOD)  # the session's first request writes when it was seen
    for n in (2, 60):
        data = csv_of(*[f"Orang {i},{'' if i % 2 else f'orang{i}'},resident,{PLACES[i % 3]},,"
                        for i in range(n)])
        with counted(app) as statements:
            assert preview(client, token, data).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


@contextmanager
def counted(app):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)
    engine = app.extensions[ENGINE_KEY]
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# --- bad rows and bad files change nothing ----------------------------------------------------

BAD_ROWS = [
    pytest.param(csv_of(TEN[0], "Pak Kepala,kepala,kepala_desa,,m,"), 3, "role",
                 "Choose one of the options in the list.", id="unknown role"),
    pytest.param(csv_of(TEN[0], TEN[1], "Orang Lain,BARU1,resident,,,"), 4, "username",
                 "This login name is already on row 2.", id="username twice in the file"),
    pytest.param(csv_of(TEN[0], ",tanpanama,resident,,f,"), 3, "name",
                 "Write the person's full name.", id="missing name"),
    pytest.param(csv_of("Ibu Desa,,resident,Dusun Entah,f,", TEN[0]), 2, "dusun",
                 "Choose one of the community's dusun.", id="unknown dusun"),
    pytest.param(csv_of(TEN[0], "Ibu Desa,,resident,,x,"), 3, "gender",
                 "Choose one of the options in the list.", id="bad gender"),
    pytest.param(csv_of(TEN[0], "Ibu Desa,,resident,,f,women;aliens"), 3, "tags",
                 "Choose one of the options in the list.", id="bad tag"),
    pytest.param(csv_of(TEN[0], "Ibu Desa,Ibu Desa,resident,,f,"), 3, "username",
                 "Use 3 to 64 small letters", id="bad username"),
    pytest.param(csv_of(TEN[0], "Orang Luar,orangluar,resident,,,"), 3, "username",
                 "That login name is taken.", id="username of someone elsewhere"),
    pytest.param(csv_of(TEN[0], '"=HYPERLINK(""http://x"",""y"")",,resident,,,'), 3, "name",
                 "a cell may not start with =, +, -, @, a tab or a line break: spreadsheets "
                 "run it as a formula", id="formula"),
]


@pytest.mark.parametrize(("data", "number", "column", "says"), BAD_ROWS)
def test_a_bad_row_is_told_on_its_row_and_nothing_is_imported(client, db, people, outsider,
                                                              data, number, column, says):
    token = login_as(client, people["admin"])
    before = db_state(db)
    response = preview(client, token, data)
    assert response.status_code == 200
    assert statuses(response)[number] == "problem"
    assert says.lower() in row_of(response, number).lower()
    page = response.get_data(as_text=True)
    assert f'data-problem="{column}"' in page and 'data-action="confirm-import"' not in page
    response = confirm(client, token, data)  # a confirm form made by hand
    assert response.status_code == 422
    assert "Nothing was imported." in response.get_data(as_text=True)
    assert says.lower() in row_of(response, number).lower()
    assert db_state(db) == before


@pytest.mark.parametrize(("data", "says"), [
    pytest.param(b"nama,login\nSiti,siti", "The first row must be the header "
                 "name,username,role,dusun,gender,tags", id="wrong header"),
    pytest.param(GOOD + b"x" * (5 * 1024 * 1024), "The file is too large: at most 1 MB.",
                 id="5 MB"),
    pytest.param(GOOD + b"x" * imports.MAX_BYTES, "The file is too large: at most 1 MB.",
                 id="just over 1 MB"),
    pytest.param(PNG, "This file is not text", id="a picture"),
    pytest.param(b"", "The file is empty.", id="empty"),
])
def test_a_bad_file_is_refused_saying_why_and_changes_nothing(client, db, people, data, says):
    token = login_as(client, people["admin"])
    before = db_state(db)
    # A confirm form carrying 5 MB is over the limit of a form: answered 413 before any check.
    sent = [preview(client, token, data)] + (
        [confirm(client, token, data)] if 0 < len(data) < 1.4 * imports.MAX_BYTES else [])
    for response in sent:
        assert response.status_code == 422
        body = html.unescape(response.get_data(as_text=True))
        assert says in body and 'id="import-file-error"' in body
        assert 'data-action="confirm-import"' not in body
    assert db_state(db) == before


def test_no_file_at_all_is_told(client, db, people):
    token = login_as(client, people["admin"])
    before = db_state(db)
    for response in (send(client, "/communities/1/people/import", token, {}),
                     preview(client, token, b"", filename=""),
                     send(client, "/communities/1/people/import/confirm", token,
                          {"content": "not the file"})):
        assert response.status_code == 422
        assert "Choose the CSV file to import." in response.get_data(as_text=True)
    assert db_state(db) == before


@pytest.mark.parametrize("data", [
    pytest.param(semicolons(GOOD), id="semicolons"),
    pytest.param(b"\xef\xbb\xbf" + GOOD, id="BOM"),
    pytest.param(GOOD.decode().replace("Warga Baru 1,", "Wargá Barú 1,").encode("cp1252"),
                 id="cp1252"),
])
def test_spreadsheet_exports_of_other_kinds_are_imported(client, db, people, data):
    token = login_as(client, people["admin"])
    assert statuses(preview(client, token, data)) == dict.fromkeys(range(2, 12), "new")
    assert confirm(client, token, data).status_code == 302
    db.commit()
    assert len(db.exec(select(User.id).where(User.username.startswith("baru"))).all()) == 10


def test_a_body_over_the_request_limit_is_refused_in_the_readers_language(app, client, db,
                                                                           people):
    token = login_as(client, people["admin"])
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    before = db_state(db)
    response = preview(client, token, GOOD * 100)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert db_state(db) == before


# --- who may ---------------------------------------------------------------------------------

def test_the_template_downloads_as_csv(client, people):
    login_as(client, people["admin"])
    response = client.get("/communities/1/people/template.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="desa-sukamaju-people.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff" + HEADER + "\r\n") and "Dusun Cibodas" in text
    assert len(imports.read_lines(response.get_data())) == 2


@pytest.mark.parametrize("username", ["warga1", "pendamping", "kades"])
def test_only_the_communitys_administrators_import(client, db, people, username):
    token = login_as(client, people[username])
    before = db_state(db)
    assert preview(client, token, GOOD).status_code == 403
    assert confirm(client, token, GOOD).status_code == 403
    assert send(client, "/communities/1/people/import", token, {}).status_code == 403
    assert client.get("/communities/1/people/template.csv").status_code == 403
    assert db_state(db) == before


def test_to_another_communitys_administrator_the_community_does_not_exist(client, db, people):
    now = datetime.now(UTC)
    other = Community(name="Desa Lain", slug="lain", kind="desa")
    db.add(other)
    db.flush()
    admin = create_user_cheaply(db, "adminlain", "Admin Lain", "musyawarah", now)
    db.add(Membership(user_id=admin.id, community_id=other.id, role="admin"))
    db.commit()
    token = login_as(client, admin)
    before = db_state(db)
    assert preview(client, token, GOOD).status_code == 404
    assert confirm(client, token, GOOD).status_code == 404
    assert client.get("/communities/1/people/template.csv").status_code == 404
    assert db_state(db) == before
    # Their own community takes the file (its dusun are not Sukamaju's: those rows say so).
    response = preview(client, token, GOOD, community=other.id)
    assert response.status_code == 200 and set(statuses(response).values()) == {"problem"}
