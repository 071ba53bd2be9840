"""Files people send: checked by what they contain, never by their name, and kept outside
``static/`` under a random name.

A signed berita acara today; receipts and progress photos later. The name a browser sends
is never used (``../../x.png`` is as good as any other: it is ignored); the type is read
from the file's first bytes, an image is opened and verified by Pillow, and a photo is saved
again without its EXIF block, which can hold where it was taken.
"""
import contextlib
import io
import os
import secrets
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from workflow.engine.reasons import N_, Reason, Refusal

MAX_BYTES = 10 * 1024 * 1024  # a phone's photo of a page, or a scanned PDF
JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf"}
MAGIC = ((b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG), (b"%PDF-", PDF))
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}


@dataclass(frozen=True)
class Checked:
    """A file that passed: its content (an image saved again, without EXIF) and its type."""
    data: bytes
    mimetype: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.mimetype]


def refuse(field: str, reason: Reason):
    raise Refusal("invalid", reason, {field: reason})


def sniff(data: bytes) -> str | None:
    """The type the first bytes say, among the ones taken; None for anything else."""
    for magic, mimetype in MAGIC:
        if data.startswith(magic):
            return mimetype
    return None


def plain_name(name: str) -> bool:
    """Whether a sent file's name is a bare name: no folder, no "..", no control characters."""
    return not (any(c in name for c in "/\\\0") or name.startswith(".")
                or any(ord(c) < 32 for c in name))


def read_limited(stream, limit: int = MAX_BYTES) -> bytes | None:
    """At most ``limit`` bytes of the stream; None when there is more."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else data


def _clean_image(data: bytes, mimetype: str) -> bytes | None:
    """The image saved again without EXIF (turned upright first), or None if it is no
    image of the type its first bytes claim."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != PILLOW_FORMATS[mimetype]:
                return None
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if mimetype == JPEG:
                upright.convert("RGB").save(out, "JPEG", quality=90)
            else:
                upright.save(out, "PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def check(stream, field: str, types=(JPEG, PNG, PDF), limit: int = MAX_BYTES) -> Checked:
    """The file of ``field`` if it is one of ``types`` by its content and within ``limit``;
    else Refusal('invalid') at ``field`` saying why."""
    if stream is None:
        refuse(field, Reason(N_("Choose a file to send.")))
    if not plain_name(getattr(stream, "filename", None) or ""):
        # The name is never used; one that is a path (``../../x.png``) is someone's attempt.
        refuse(field, Reason(N_("The file's name must be a plain name, without folders.")))
    data = read_limited(stream, limit)
    if data is None:
        refuse(field, Reason(N_("The file is too large: at most %(mb)s MB."), {"mb": limit // (1024 * 1024)}))
    if not data:
        refuse(field, Reason(N_("Choose a file to send.")))
    mimetype = sniff(data)
    if mimetype not in types:
        refuse(field, Reason(N_("This file is not a photo (JPEG or PNG) or a PDF.")))
    if mimetype in PILLOW_FORMATS:
        data = _clean_image(data, mimetype)
        if data is None:
            refuse(field, Reason(N_("This photo cannot be read: it is damaged or not a photo.")))
    elif b"%%EOF" not in data[-2048:]:
        refuse(field, Reason(N_("This PDF is incomplete or damaged.")))
    return Checked(data, mimetype)


def valid_name(name: str) -> bool:
    """Whether ``name`` is one this module made: hex, a dot, a known extension."""
    stem, _, extension = name.partition(".")
    return (len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)
            and extension in EXTENSIONS.values())


def store(folder: str, checked: Checked) -> str:
    """Write the file under a new random name in ``folder``; the name."""
    os.makedirs(folder, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{checked.extension}"
    with open(os.path.join(folder, name), "xb") as out:
        out.write(checked.data)
    return name


def path_of(folder: str, name: str) -> str:
    """Where a stored file is; ValueError for a name this module did not make."""
    if not valid_name(name):
        raise ValueError(name)
    return os.path.join(folder, name)


def remove(folder: str, name: str) -> None:
    """Delete a stored file (when the row that names it could not be written)."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(path_of(folder, name))
