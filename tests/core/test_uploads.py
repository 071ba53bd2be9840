"""Checking a sent file by its content: the type, the size, a photo's EXIF."""
import io
import os

import pytest
from PIL import Image

from workflow.core import uploads
from workflow.engine.reasons import Refusal

GPS_IFD = 0x8825


def photo(kind="JPEG", exif=True, size=(40, 30)) -> bytes:
    """A small photo; a JPEG carries a camera's EXIF block with a location."""
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 120, 40))
    if kind == "JPEG" and exif:
        data = Image.Exif()
        data[0x010F] = "Kamera HP"  # Make
        data[GPS_IFD] = {1: "S", 2: (6.0, 49.0, 0.0), 3: "E", 4: (107.0, 8.0, 0.0)}
        image.save(out, kind, exif=data)
    else:
        image.save(out, kind)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def message(refusal: pytest.ExceptionInfo) -> str:
    return refusal.value.errors["scan"].msgid


def test_a_jpeg_is_taken_and_its_exif_location_is_gone():
    sent = photo()
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)  # the test's photo has one
    checked = uploads.check(io.BytesIO(sent), "scan")
    assert checked.mimetype == uploads.JPEG and checked.extension == "jpg"
    kept = Image.open(io.BytesIO(checked.data))
    assert kept.format == "JPEG" and kept.size == (40, 30)
    assert not kept.getexif().get_ifd(GPS_IFD) and not kept.getexif()
    assert b"Kamera HP" not in checked.data


def test_a_png_and_a_pdf_are_taken():
    assert uploads.check(io.BytesIO(photo("PNG")), "scan").mimetype == uploads.PNG
    checked = uploads.check(io.BytesIO(PDF), "scan")
    assert checked.mimetype == uploads.PDF and checked.data == PDF


@pytest.mark.parametrize("content", [
    b"hello, I am text named x.png",
    b"GIF89a" + b"\x00" * 20,
    b"\x89PNG\r\n\x1a\n" + b"not really a png",       # the right first bytes, no image
    b"\xff\xd8\xff\xe0" + b"garbage" * 10,
    b"%PDF-1.4 a file cut short",
])
def test_a_file_is_judged_by_its_content(content):
    with pytest.raises(Refusal) as refusal:
        uploads.check(io.BytesIO(content), "scan")
    assert refusal.value.kind == "invalid" and "scan" in refusal.value.errors


def test_too_large_is_refused_with_the_limit():
    with pytest.raises(Refusal) as refusal:
        uploads.check(io.BytesIO(PDF + b" " * 100), "scan", limit=64)
    assert "too large" in message(refusal)
    with pytest.raises(Refusal):
        uploads.check(io.BytesIO(b"%PDF-" + b"0" * uploads.MAX_BYTES), "scan")


def test_no_file_or_an_empty_one_is_refused():
    for stream in (None, io.BytesIO(b"")):
        with pytest.raises(Refusal) as refusal:
            uploads.check(stream, "scan")
        assert message(refusal) == "Choose a file to send."


def test_a_stored_file_has_a_random_name_and_only_such_names_are_served(tmp_path):
    checked = uploads.check(io.BytesIO(PDF), "scan")
    first, second = uploads.store(str(tmp_path), checked), uploads.store(str(tmp_path), checked)
    assert first != second and uploads.valid_name(first) and first.endswith(".pdf")
    assert sorted(os.listdir(tmp_path)) == sorted([first, second])
    for name in ("../../x.png", "x.png", first.replace(".pdf", ".html"), "/etc/passwd", ""):
        with pytest.raises(ValueError):
            uploads.path_of(str(tmp_path), name)
    uploads.remove(str(tmp_path), first)
    uploads.remove(str(tmp_path), first)  # gone already: nothing to do
    assert os.listdir(tmp_path) == [second]


@pytest.mark.parametrize("name", ["../../x.png", "..\\x.png", "/etc/x.png", ".htaccess", "a\x00.png"])
def test_a_name_that_is_a_path_is_refused_even_for_a_good_photo(name):
    from werkzeug.datastructures import FileStorage
    with pytest.raises(Refusal) as refusal:
        uploads.check(FileStorage(io.BytesIO(photo("PNG")), filename=name), "scan")
    assert "plain name" in message(refusal)


def test_the_name_sent_does_not_decide_the_type():
    from werkzeug.datastructures import FileStorage
    checked = uploads.check(FileStorage(io.BytesIO(PDF), filename="foto.png"), "scan")
    assert checked.mimetype == uploads.PDF
