"""Every user-visible string is translated into Bahasa Indonesia; English is the source."""
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.messages.frontend import parse_mapping_cfg
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}


def source_messages() -> set:
    """The message ids in the code and templates now, as `make extract-messages` finds them."""
    with open(os.path.join(ROOT, "babel.cfg"), encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for directory in ("workflow", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                os.path.join(ROOT, directory), method_map, options_map, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def indonesian():
    with open(os.path.join(ROOT, "translations", "id", "LC_MESSAGES", "messages.po"), "rb") as fh:
        return read_po(fh)


def test_every_source_string_has_an_indonesian_translation(indonesian):
    missing = sorted(m for m in source_messages()
                     if not (indonesian.get(m) and indonesian.get(m).string
                             and not indonesian.get(m).fuzzy))
    assert missing == [], f"untranslated: {missing}"


def test_translations_keep_their_placeholders(indonesian):
    import re
    placeholder = re.compile(r"%\(\w+\)s")
    wrong = [m.id for m in indonesian if m.id and m.string
             and sorted(placeholder.findall(m.id)) != sorted(placeholder.findall(m.string))]
    assert wrong == []


def test_pages_speak_indonesian_by_default_and_english_on_request(client, auth):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "Masuk" in page
    auth.post("/language", {"lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page
