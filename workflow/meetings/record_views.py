"""The meeting's record: the berita acara (page and PDF), the daftar hadir, the officers,
the signed sheet that locks it, and its addenda."""
import os
from datetime import datetime
from urllib.parse import urlsplit

from flask import abort, current_app, g, request, send_file, url_for
from flask_babel import force_locale, gettext

from workflow.core import uploads
from workflow.core.db import get_session
from workflow.engine import words
from workflow.engine.reasons import Refusal
from workflow.meetings import queries, record, signed
from workflow.meetings.views import bp
from workflow.web.login import login_required
from workflow.web.render import flash_done, go_to, now, refused, render

BERITA_ACARA, DAFTAR_HADIR = "meetings/berita_acara.html", "meetings/daftar_hadir.html"
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def _found(meeting_id: int) -> queries.Found:
    found = queries.find(get_session(), meeting_id, g.user)
    if found is None:
        abort(404)
    return found


def _upload_folder() -> str:
    return current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")


def document_context(scope: queries.Found, moment: datetime) -> dict:
    """What the berita acara and the daftar hadir print: the record and its date in words."""
    rec = record.meeting_record(get_session(), scope, moment)
    held = rec.local(rec.meeting.opened_at or rec.meeting.starts_at)
    return dict(rec=rec, meeting=rec.meeting, held=held, day_words=words.date_in_words(held.date()),
                day_short=words.short_date(held.date()), zone_name=ZONE_NAMES.get(rec.zone, ""),
                number_words=words.number, runs=scope.runs(g.user))


class StaticOnly:
    """WeasyPrint's fetcher: the app's own static files, nothing from any network."""

    def __init__(self, folder: str):
        self.folder = folder

    def fetch(self, url, headers=None):
        from weasyprint.urls import URLFetcherResponse
        path = urlsplit(url).path
        name = path.removeprefix("/static/")
        if path == name or "/" in name or name.startswith(".") or not os.path.isfile(os.path.join(self.folder, name)):
            raise ValueError(f"not fetched: {url}")
        with open(os.path.join(self.folder, name), "rb") as source:
            return URLFetcherResponse(url, body=source.read(), headers={"Content-Type": "text/css"})

    __call__ = fetch


@bp.get("/meetings/<id:meeting_id>/berita-acara")
@login_required
def berita_acara(meeting_id: int):
    """The official minutes as an A4 page, in formal Indonesian whatever the UI language."""
    scope = _found(meeting_id)
    with force_locale("id"):
        return render(BERITA_ACARA, **document_context(scope, now()), pdf=False)


@bp.get("/meetings/<id:meeting_id>/berita-acara.pdf")
@login_required
def berita_acara_pdf(meeting_id: int):
    """The same page as a PDF file, made by WeasyPrint without fetching anything outside."""
    from weasyprint import HTML
    scope = _found(meeting_id)
    with force_locale("id"):
        html, _status = render(BERITA_ACARA, **document_context(scope, now()), pdf=True)
    pdf = HTML(string=html, base_url=request.host_url, url_fetcher=StaticOnly(current_app.static_folder)).write_pdf()
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="berita-acara-{meeting_id}.pdf"'
    return response


@bp.get("/meetings/<id:meeting_id>/daftar-hadir")
@login_required
def daftar_hadir(meeting_id: int):
    """The attendance sheet, a signature column per invitee, to print."""
    scope = _found(meeting_id)
    with force_locale("id"):
        return render(DAFTAR_HADIR, **document_context(scope, now()))


def _done(meeting_id: int, message: str):
    flash_done(message)
    return go_to(url_for("meetings.show", meeting_id=meeting_id))


@bp.post("/meetings/<id:meeting_id>/officers")
@login_required
def set_officers(meeting_id: int):
    """The facilitator names the chair and the secretary."""
    try:
        signed.set_officers(get_session(), g.user, meeting_id, request.form.get("chair"),
                            request.form.get("secretary"), now())
    except Refusal as refusal:
        return refused(refusal)
    return _done(meeting_id, gettext("The chair and the secretary are saved."))


@bp.post("/meetings/<id:meeting_id>/scan")
@login_required
def upload_scan(meeting_id: int):
    """The facilitator attaches the signed sheet, which locks the meeting."""
    try:
        signed.upload_scan(get_session(), g.user, meeting_id, request.files.get("scan"),
                           _upload_folder(), now())
    except Refusal as refusal:
        return refused(refusal)
    return _done(meeting_id, gettext("The signed record is attached; the meeting is locked."))


@bp.get("/meetings/<id:meeting_id>/scan")
@login_required
def scan(meeting_id: int):
    """The signed sheet, to members only, as the type it was checked to be."""
    meeting = _found(meeting_id).meeting
    if not meeting.scan_name:
        abort(404)
    path = uploads.path_of(_upload_folder(), meeting.scan_name)
    extension = meeting.scan_name.rsplit(".", 1)[1]
    response = send_file(path, mimetype=meeting.scan_type, as_attachment=True, max_age=0,
                         download_name=f"berita-acara-{meeting_id}-ditandatangani.{extension}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/meetings/<id:meeting_id>/addenda")
@login_required
def add_addendum(meeting_id: int):
    """The facilitator corrects the locked record with an addendum."""
    try:
        signed.add_addendum(get_session(), g.user, meeting_id, request.form.get("body"), now())
    except Refusal as refusal:
        return refused(refusal)
    return _done(meeting_id, gettext("The addendum is added to the record."))
