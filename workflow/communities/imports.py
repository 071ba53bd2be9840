"""Many people at once, from a CSV file a spreadsheet saved: reading it, a preview of each
row (new, already there, or its problems) and the import, which enrols every new row or none.

Each row goes through the same check as a person added by hand (``enrol.check_person``);
the file adds its own rules: its header, its size, a login name given twice, and no cell
a spreadsheet would run as a formula. Row numbers are the spreadsheet's: the header is row 1.
"""
import base64
import binascii
import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from workflow.communities import enrol
from workflow.communities.commands import may_manage
from workflow.communities.models import Community
from workflow.core import audit
from workflow.core.command import command
from workflow.engine.people import username_from
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean
from workflow.people.models import Membership, User

MAX_BYTES = 1024 * 1024  # 1 MB: some 10,000 people, far more than a village
MAX_ROWS = 2000
COLUMNS = ("name", "username", "role", "dusun", "gender", "tags")
HEADER = ",".join(COLUMNS)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEW, THERE, PROBLEM = "new", "already", "problem"
NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FIRST_LINE = re.compile(r"[^\r\n]*\S[^\r\n]*")
EXAMPLES = (("Wati Suryani", "wati.suryani", "resident", 0, "f", "women;farmer"),
            ("Bambang Hartono", "", "resident", 1, "m", "youth"))


def _refused(message: str, **params) -> Refusal:
    reason = Reason(message, params)
    return Refusal("invalid", reason, {"file": reason})


# --- reading ------------------------------------------------------------------------------

def decode(data: bytes | None) -> str:
    """The file's text: UTF-8 (with or without the BOM a spreadsheet writes), else the
    Windows code page of older spreadsheets; refused when none was sent, or when it is too
    large, empty or not text."""
    if data is None:
        raise _refused(N_("Choose the CSV file to import."))
    if len(data) > MAX_BYTES:
        raise _refused(N_("The file is too large: at most 1 MB. Split it into smaller files."))
    if not data.strip():
        raise _refused(N_("The file is empty. Fill in the template and save it as CSV."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.removeprefix(b"\xef\xbb\xbf").decode("cp1252")
        except UnicodeDecodeError:
            text = "\x00"
    if NOT_TEXT.search(text):
        raise _refused(N_("This file is not text (a picture or a spreadsheet's own format?). "
                          "Save the spreadsheet as CSV and choose that file."))
    return text


def _header(cells) -> tuple:
    cells = [" ".join(cell.split()).lower() for cell in cells]
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


def delimiter(text: str) -> str:
    """"," or ";" (spreadsheets set to Indonesian write ";"), read from the header line."""
    found = FIRST_LINE.search(text)
    first = found.group(0) if found else ""
    for mark in (",", ";"):
        if _header(first.split(mark)) == COLUMNS:
            return mark
    try:
        return csv.Sniffer().sniff(first, delimiters=",;").delimiter
    except csv.Error:
        return ","


def split_tags(cell: str) -> list:
    """The groups in a tags cell: separated by ";" (or "|" or "," in a quoted cell)."""
    for mark in "|,":
        cell = cell.replace(mark, ";")
    return [tag.strip().lower() for tag in cell.split(";") if tag.strip()]


@dataclass(frozen=True)
class Line:
    """One row of the file as read: its number in the spreadsheet, its cells by column,
    and what reading found wrong with it ({column: Reason})."""
    number: int
    cells: dict
    problems: dict


def _line(number: int, cells: list) -> Line:
    problems = {}
    while cells and not cells[-1].strip():
        cells.pop()
    if len(cells) > len(COLUMNS):
        problems[""] = Reason(N_("This row has more cells than the header (%(n)s)."),
                              {"n": len(COLUMNS)})
    cells = cells[:len(COLUMNS)] + [""] * (len(COLUMNS) - len(cells))
    for column, cell in zip(COLUMNS, cells):
        if cell.lstrip(" ").startswith(FORMULA_STARTS):
            problems[column] = Reason(N_(
                "A cell may not start with =, +, -, @, a tab or a line break: spreadsheets "
                "run it as a formula."))
    values = {column: cell.strip() for column, cell in zip(COLUMNS, cells)}
    for column in ("role", "gender"):
        values[column] = values[column].lower()
    values["tags"] = split_tags(values["tags"])
    return Line(number, values, problems)


def read_lines(data: bytes | None) -> list:
    """The rows of a CSV file under the header ``name,username,role,dusun,gender,tags``
    (blank rows skipped); Refusal('invalid') for a file that cannot be one."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    lines, header, number = [], None, 0
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells)
                if header != COLUMNS:
                    raise _refused(N_("The first row must be the header %(header)s (this "
                                      "file's is %(found)s). Start from the template."),
                                   header=HEADER, found=",".join(header)[:200])
                continue
            if len(lines) == MAX_ROWS:
                raise _refused(N_("At most %(n)s people at a time: split the file into "
                                  "smaller ones."), n=MAX_ROWS)
            lines.append(_line(number, cells))
    except csv.Error:
        raise _refused(N_("Row %(row)s cannot be read: a cell is too long or its quotes do "
                          "not close. Save the spreadsheet as CSV again."),
                       row=number + 1) from None
    if header is None:
        raise _refused(N_("The file is empty. Fill in the template and save it as CSV."))
    if not lines:
        raise _refused(N_("The file has the header but no people under it."))
    return lines


def pack(data: bytes) -> str:
    """The file as the preview's confirm form carries it back (nothing is kept on the server)."""
    return base64.b64encode(data).decode("ascii")


def unpack(text) -> bytes | None:
    """The file a confirm form carried back (its size is checked as the upload's is), or
    None when it did not come back whole."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def template_csv(dusun_names) -> str:
    """A file to start from: the header and two example rows (with the community's dusun)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    names = list(dusun_names) or [""]
    for name, username, role, place, gender, tags in EXAMPLES:
        writer.writerow((name, username, role, names[place % len(names)], gender, tags))
    return out.getvalue()


# --- checking -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One row of the preview: ``shown`` the details as they will be saved (the login name
    made when none was given), ``values`` what enrolment takes (new rows only)."""
    number: int
    status: str
    shown: dict
    problems: dict
    values: dict | None = None


@dataclass(frozen=True)
class Preview:
    rows: tuple

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


def _same_name(name) -> str:
    return " ".join(clean(name).split()).casefold()


def _members(session: Session, community_id: int) -> tuple:
    """(login names, {name: login name}) of the community's members (one query)."""
    rows = session.exec(select(User.username, User.display_name)
                        .join(Membership, Membership.user_id == User.id)
                        .where(Membership.community_id == community_id,
                               User.anonymised_at.is_(None))
                        .order_by(User.id)).all()
    by_name = {}
    for username, name in rows:
        by_name.setdefault(_same_name(name), username)
    return {username for username, _ in rows}, by_name


def check_file(session: Session, community: Community, data: bytes) -> Preview:
    """Every row of the file checked against the community, in four queries."""
    lines = read_lines(data)
    typed = [clean(line.cells["username"]).lower() for line in lines]
    bases = [username_from(clean(line.cells["name"]), ()) for line, name in zip(lines, typed)
             if not name]
    taken = enrol.taken_usernames(session, typed, bases)
    places = enrol.dusun_ids(session, community.id)
    spelled = {name.casefold(): name for name in places}
    member_names, member_people = _members(session, community.id)
    reserved, first_row, rows = taken | set(typed), {}, []
    for line, username in zip(lines, typed):
        cells = {**line.cells, "username": username}
        cells["dusun"] = spelled.get(" ".join(cells["dusun"].split()).casefold(), cells["dusun"])
        problems = dict(line.problems)
        if username and username in first_row:
            problems.setdefault("username", Reason(
                N_("This login name is already on row %(row)s."), {"row": first_row[username]}))
        first_row.setdefault(username, line.number)
        shown = {**cells, "tags": ";".join(cells["tags"])}
        name = _same_name(cells["name"])
        if username in member_names if username else (name and name in member_people):
            # Already a member: left as they are (a cell to refuse is still told).
            shown["username"] = username or member_people[name]
            rows.append(Row(line.number, PROBLEM if problems else THERE, shown, problems))
            continue
        values, errors = enrol.check_person(cells, places, taken if username else reserved)
        reserved.add(values["username"])
        problems = {**errors, **problems}
        shown = {**shown, "username": values["username"]}
        rows.append(Row(line.number, PROBLEM if problems else NEW, shown, problems,
                        None if problems else values))
    return Preview(tuple(rows))


def preview_import(session: Session, actor, community_id: int, data: bytes | None) -> Preview:
    """What importing the file would do, row by row; nothing is written."""
    community = may_manage(session, actor, community_id)
    return check_file(session, community, data)


@command
def import_people(session: Session, actor, community_id: int, data: bytes | None,
                  now: datetime) -> list:
    """An administrator imports the people of a CSV file: every new row is enrolled (an
    account, a membership, an activation code), or none when any row has a problem. People
    already in the community are left as they are, so the same file twice adds nobody."""
    community = may_manage(session, actor, community_id)
    # One import at a time per community: the second sees what the first added.
    session.exec(select(Community.id).where(Community.id == community.id).with_for_update())
    preview = check_file(session, community, data)
    wrong = preview.count(PROBLEM)
    if wrong:
        raise Refusal("invalid", Reason(N_("Nothing was imported. Correct the rows with a "
                                           "problem (%(n)s) in the file and send it again."),
                                        {"n": wrong}))
    users = [enrol.enrol(session, community, row.values, now)
             for row in preview.rows if row.status == NEW]
    if users:
        audit.record_setup(session, actor_id=actor.id, at=now, action="import_people",
                           payload={"community": community.id,
                                    "users": [user.id for user in users], "count": len(users)})
    return users
