"""The year's agreed plan as people write it: Rupiah with dots, and a CSV file that a
spreadsheet program opens safely."""
import csv
import io

from flask_babel import gettext

from workflow.programs.form import FUNDING_SOURCES, SECTORS

# A spreadsheet runs a cell that begins with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def rupiah(amount: int | None) -> str:
    """25000000 -> "25.000.000", the way an RKP Desa writes it; "" when not estimated."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,}".replace(",", ".")


def place(program, dusun: str | None) -> str:
    """Dusun, RT/RW, as far as the proposal said."""
    parts = [dusun or ""]
    if program.rt or program.rw:
        parts.append(f"RT {program.rt or '-'}/RW {program.rw or '-'}")
    return ", ".join(p for p in parts if p)


def beneficiaries(program) -> str:
    if program.beneficiaries_count is None:
        return program.beneficiaries
    count = gettext("%(n)s people", n=program.beneficiaries_count)
    return f"{program.beneficiaries} ({count})" if program.beneficiaries else count


def table(rows: list) -> list:
    """[[cell, ...]] in the plan's columns, one line per approved program."""
    return [[str(number), gettext(SECTORS[p.sector]) if p.sector in SECTORS else p.sector,
             p.title, place(p, dusun), beneficiaries(p), rupiah(p.estimated_cost),
             gettext(FUNDING_SOURCES[p.funding_source])
             if p.funding_source in FUNDING_SOURCES else p.funding_source]
            for number, (p, dusun) in enumerate(rows, start=1)]


def headings() -> list:
    return [gettext("No."), gettext("Sector (Bidang)"), gettext("Activity (Kegiatan)"),
            gettext("Location (Lokasi)"), gettext("Beneficiaries (Sasaran/Manfaat)"),
            gettext("Estimated cost (Rp)"), gettext("Source of funds (Sumber Dana)")]


def neutralised(cell: str) -> str:
    """A cell a spreadsheet would run as a formula is kept as text by a leading quote."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def as_csv(rows: list) -> bytes:
    """The plan as CSV: UTF-8 with a byte order mark, so spreadsheet programs read it right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings())
    for line in table(rows):
        writer.writerow([neutralised(cell) for cell in line])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
