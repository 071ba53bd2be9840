"""Every user-visible string is translated into Bahasa Indonesia; English is the source."""
import html
import os
import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from tests import ROOT
from tests.catalogue import PEOPLE, arrange_village, pages_for
from tests.helpers import login_as, source_messages


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


# --- English complete as well: nothing bypasses the catalog ---------------------------------

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
WORD = re.compile(r"[^\W\d_]{2,}")
ATTRIBUTE = re.compile(r'[\w-]+="[^"]*"')
SPOKEN_ATTRIBUTES = {"title", "aria-label", "aria-description", "placeholder", "alt"}
# Words that are right untranslated: each language's own name on the language switch.
NOT_TRANSLATED = {"English", "Bahasa Indonesia"}
# Official documents, written in formal Indonesian whatever the page's language (a berita
# acara is a legal record: it is never shown in English); their views render them so.
INDONESIAN_DOCUMENTS = {os.path.join("meetings", "berita_acara.html"),
                        os.path.join("meetings", "daftar_hadir.html")}


class LiteralText(HTMLParser):
    """Words a template shows that are not inside {{ _() }} (Jinja already removed)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def _check(self, where: str, text: str) -> None:
        text = " ".join(text.split())
        if WORD.search(text) and text not in NOT_TRANSLATED:
            self.found.append(f"{where}: {text!r}")

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES or (tag == "input" and name == "value"
                                             and ("type", "submit") in attrs):
                self._check(f"<{tag} {name}>", value or "")

    def handle_data(self, data):
        # A macro that writes attributes (aria-describedby="...") is markup, not words.
        self._check("text", ATTRIBUTE.sub(" ", data))


def test_templates_show_no_words_outside_the_catalog():
    found = []
    templates = os.path.join(ROOT, "templates")
    for folder, _dirs, files in os.walk(templates):
        for name in sorted(files):
            path = os.path.join(folder, name)
            if not name.endswith(".html") or os.path.relpath(path, templates) in INDONESIAN_DOCUMENTS:
                continue
            with open(path, encoding="utf-8") as fh:
                source = fh.read()
            parser = LiteralText()
            parser.feed(JINJA.sub(" ", source))
            parser.close()
            found += [f"{os.path.relpath(path, ROOT)} {hit}" for hit in parser.found]
    assert found == [], "words not passed through _():\n" + "\n".join(found)


def test_the_scan_sees_literal_words():
    """The scanner itself: a bare word, a bare title and a bare aria-label are caught."""
    parser = LiteralText()
    parser.feed(JINJA.sub(" ", '<p>{{ _("Fine") }} Vote now</p><a title="Open" '
                               'aria-label="{{ _(\'ok\') }}">{{ x }}</a> · ✓ 12 <b>English</b>'
                               '<span aria-label="Close">{# note #}</span>'))
    assert parser.found == ["text: 'Vote now'", "<a title>: 'Open'",
                            "<span aria-label>: 'Close'"]


LONG = 15  # shorter strings ("Dusun", "Media") are the same word in both languages


def pieces(text: str) -> list:
    """The literal runs of a message longer than LONG, placeholders cut out."""
    return [p.strip() for p in re.split(r"%\(\w+\)s|%%", text) if len(p.strip()) > LONG]


def page_text(html_page: str, lang: str) -> str:
    """The page, without the parts marked as another language (lang="...") on purpose:
    the language switch, the Indonesian word beside its English one in the glossary."""
    other = re.compile(rf'<(\w+)[^>]*\slang="(?!{lang}")[^"]*"[^>]*>.*?</\1>', re.S)
    return " ".join(html.unescape(other.sub(" ", html_page)).split())


def user_content(db) -> str:
    """Every text the database holds (names, titles, comments...): not the catalog's."""
    from sqlalchemy import select as sa_select
    from sqlmodel import SQLModel
    connection = db.connection()
    texts = [value for table in SQLModel.metadata.sorted_tables
             for row in connection.execute(sa_select(table)) for value in row
             if isinstance(value, str)]
    db.commit()
    return "\n".join(" ".join(t.split()) for t in texts)


def test_each_page_speaks_only_its_language(client, db, users, indonesian):
    ids = arrange_village(db, users)
    content = user_content(db)
    translated = [m for m in indonesian if m.id and m.string and m.id != m.string]
    # In an English page no Indonesian sentence, in an Indonesian page no English one.
    foreign = {"en": {p for m in translated for p in pieces(m.string) if p not in content},
               "id": {p for m in translated for p in pieces(m.id) if p not in content}}
    # A piece both languages share (a name in brackets...) tells nothing.
    shared = foreign["en"] & foreign["id"]
    seen, wrong = set(), []
    for role, name, path in pages_for(ids):
        if name in seen:
            continue
        seen.add(name)
        for lang in ("en", "id"):
            login_as(client, users[PEOPLE[role]] if PEOPLE[role] else None, lang)
            text = page_text(client.get(path).get_data(as_text=True), lang)
            wrong += [f"{name} ({lang}): {p!r}" for p in sorted(foreign[lang] - shared)
                      if p in text]
    assert len(seen) > 15
    assert wrong == [], "text in the other language:\n" + "\n".join(wrong)
