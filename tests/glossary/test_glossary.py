"""The glossary: every technical word has a plain explanation in both languages, the
document in the repository agrees with the module, and the help stands beside the words
where residents meet them (the ballot, the tally, the stage, findings, supporters, demand)."""
import html
import os
import re

import pytest
from flask import render_template_string
from flask_babel import force_locale, gettext

from tests import ROOT
from tests.arrange import arrange
from tests.catalogue import PEOPLE, arrange_village, pages_for
from tests.helpers import login_as, source_messages, utcnow
from workflow import glossary
from workflow.engine.processes import ROLE_LABELS, TEMPLATES
from workflow.programs import commands
from workflow.programs.form import FUNDING_SOURCES
from workflow.voting import commands as voting_commands

HELP = re.compile(r'<details class="term" data-term="([\w-]+)">\s*<summary>(.*?)</summary>'
                  r'\s*<p>(.*?)</p>\s*</details>', re.S)


def helps(page: str) -> dict:
    """{key: (summary text, explanation)} of every help on the page."""
    return {key: (" ".join(html.unescape(re.sub(r"<[^>]+>", " ", summary)).split()),
                  html.unescape(text))
            for key, summary, text in HELP.findall(page)}


def section(page: str, element_id: str) -> str:
    match = re.search(rf'<section id="{element_id}".*?</section>', page, re.S)
    assert match, f"no #{element_id} on the page"
    return match.group(0)


# --- the data ---------------------------------------------------------------------------

def test_keys_are_unique_and_fit_an_anchor():
    keys = [t.key for t in glossary.TERMS]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z][a-z-]*", key) for key in keys), keys


def test_the_terms_the_issue_names_are_all_there():
    named = {"musyawarah", "mufakat", "keberatan", "kuorum", "suara terbanyak", "pendamping",
             "kepala desa", "usulan", "pemungutan suara", "dusun", "RT / RW", "swadaya",
             "Dana Desa", "kajian", "temuan", "rekomendasi", "pengorganisasian", "pendukung",
             "tuntutan", "sasaran", "pelaksanaan", "evaluasi"}
    written = " | ".join(t.term for t in glossary.TERMS)
    assert [word for word in sorted(named) if word not in written] == []


def test_every_word_and_explanation_is_a_message_of_the_catalog():
    extracted = source_messages()
    missing = [m for t in glossary.TERMS for m in (t.word, t.explanation) if m not in extracted]
    assert missing == []


def test_every_explanation_reads_in_both_languages(app):
    with app.app_context():
        for t in glossary.TERMS:
            with force_locale("en"):
                assert gettext(t.explanation) == t.explanation
                assert gettext(t.word) == t.word
            with force_locale("id"):
                explained, word = gettext(t.explanation), gettext(t.word)
            assert explained and explained != t.explanation, f"{t.key}: not in Indonesian"
            assert word, t.key
            # One plain line: short enough to read at a glance, no line breaks.
            assert "\n" not in explained and len(explained) <= 140, t.key
            assert len(t.explanation) <= 140, t.key


def test_every_stage_role_and_funding_source_points_at_a_term():
    for template in TEMPLATES.values():
        for state in template.states:
            if state in ("rejected", "withdrawn"):
                continue  # plain words already: nothing technical to explain
            key = glossary.state_term(template.name, state)
            assert key in glossary.BY_KEY, f"{template.name}/{state}: {key}"
    assert set(glossary.ROLE_TERMS) <= set(ROLE_LABELS)
    assert set(glossary.FUNDING_TERMS) <= set(FUNDING_SOURCES)
    assert set(glossary.ROLE_TERMS.values()) | set(glossary.FUNDING_TERMS.values()) <= set(
        glossary.BY_KEY)


def test_the_document_agrees_with_the_module():
    """docs/glossary.md is remade with `python -m workflow.glossary > docs/glossary.md`."""
    with open(os.path.join(ROOT, "docs", "glossary.md"), encoding="utf-8") as fh:
        document = fh.read()
    assert document == glossary.markdown(glossary.catalog_translator()), (
        "docs/glossary.md is stale: run .venv/bin/python -m workflow.glossary > docs/glossary.md")
    for t in glossary.TERMS:
        assert f"| {t.term} |" in document


# --- the help in the pages ---------------------------------------------------------------

@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_ballot_explains_its_words_beside_them(app, client, db, users, lang):
    program = arrange(db, users, "voting")
    voting_commands.cast_vote(db, users["warga1"], program, "block", "Terlalu mahal.", utcnow())
    db.commit()
    login_as(client, users["warga5"], lang)
    page = client.get(f"/programs/{program}").get_data(as_text=True)
    ballot = section(page, "ballot")
    shown = helps(ballot)
    with app.app_context(), force_locale(lang):
        for key in ("mufakat", "keberatan", "abstain", "kuorum"):
            assert key in shown, f"no help for {key} on the ballot ({lang})"
            term = glossary.BY_KEY[key]
            summary, explanation = shown[key]
            assert summary == gettext("What is %(word)s?", word=gettext(term.word))
            assert explanation == gettext(term.explanation)
    # Beside the words: the heading says mufakat, the choices say keberatan, and the
    # quorum help follows the count (outside it, so the count's refresh cannot close it).
    heading_end = ballot.index("</h2>")
    assert "mufakat" in ballot[:heading_end]
    assert heading_end < ballot.index('data-term="mufakat"') < ballot.index('data-choice=')
    assert ballot.index("data-tally") < ballot.index('data-term="kuorum"')
    tally = re.search(r'<div id="tally".*?</div>', ballot, re.S).group(0)
    assert "data-term" not in tally
    # The stage badge is explained too: this program is in the vote.
    assert "pemungutan-suara" in helps(page)
    assert page.count('data-term="mufakat"') == 1


def test_a_majority_vote_explains_suara_terbanyak(client, db, users):
    program = arrange(db, users, "voting")
    voting_commands.cast_vote(db, users["warga1"], program, "block", "Terlalu mahal.", utcnow())
    # The quorum (8 of 12) is reached: a failed consensus, which unlocks the fallback.
    for i in range(2, 9):
        voting_commands.cast_vote(db, users[f"warga{i}"], program, "agree", "", utcnow())
    commands.fire_transition(db, users["pendamping"], program, "close_voting", utcnow())
    commands.fire_transition(db, users["pendamping"], program, "open_majority_vote", utcnow())
    db.commit()
    login_as(client, users["warga5"], "id")
    ballot = section(client.get(f"/programs/{program}").get_data(as_text=True), "ballot")
    shown = helps(ballot)
    assert "suara-terbanyak" in shown and "mufakat" not in shown
    assert shown["suara-terbanyak"][0] == "Apa itu suara terbanyak?"
    assert shown["suara-terbanyak"][1].startswith("Pilihan yang dipilih paling banyak orang")


# Which help each page of the catalogue must carry, where residents meet the words.
EXPECTED_HELP = {
    "home": {"warga"},
    "new-program": {"dusun", "rt-rw", "dana-desa", "add", "swadaya"},
    "program-draft": {"draf"},
    "program-voting": {"mufakat", "keberatan", "abstain", "kuorum", "pemungutan-suara"},
    "program-approved": {"persetujuan"},
    "program-assessment": {"kajian", "temuan"},
    "program-consultation": {"konsultasi", "jajak-pendapat", "kuorum", "kajian", "temuan"},
    "program-organizing": {"pengorganisasian", "pendukung"},
    "program-action": {"tuntutan", "sasaran", "pendukung"},
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_help_stands_where_the_words_are(client, db, users, lang):
    ids = arrange_village(db, users)
    seen = set()
    for role, name, path in pages_for(ids):
        if name not in EXPECTED_HELP or name in seen or role == "anonymous":
            continue
        seen.add(name)
        login_as(client, users[PEOPLE[role]], lang)
        response = client.get(path)
        assert response.status_code == 200, (name, role)
        shown = helps(response.get_data(as_text=True))
        assert EXPECTED_HELP[name] <= set(shown), (name, lang, sorted(shown))
        assert all(summary and text for summary, text in shown.values())
    assert seen == set(EXPECTED_HELP)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_glossary_page_lists_every_word_for_anyone(app, client, users, lang):
    login_as(client, None, lang)
    response = client.get("/glossary")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    with app.app_context(), force_locale(lang):
        for t in glossary.TERMS:
            assert f'id="{t.key}"' in page
            assert gettext(t.explanation) in page
        assert gettext("Words explained") in page
    # Every page links to it from its footer.
    login_as(client, users["warga5"], lang)
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'<footer class="foot">\s*<a href="/glossary">', home)


# --- each word said once ---------------------------------------------------------------------

def _count(text: str, phrase: str) -> int:
    """How many times ``phrase``'s words stand in a row in ``text`` (case aside)."""
    words, part = re.findall(r"\w+", text.lower()), re.findall(r"\w+", phrase.lower())
    return sum(words[i:i + len(part)] == part for i in range(len(words) - len(part) + 1))


def _nesting(text: str) -> int:
    depth = deepest = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
    return deepest


def said_twice(shown: str, term: glossary.Term, word: str) -> list:
    """The parts of the term or the page's word that ``shown`` repeats, and any nesting."""
    parts = [p.strip() for p in re.split(r"[()/]", f"{term.term}/{word}") if p.strip()]
    problems = [p for p in dict.fromkeys(parts) if _count(shown, p) > 1]
    return problems + (["brackets inside brackets"] if _nesting(shown) > 1 else [])


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_term_repeats_itself(app, client, lang):
    """The defect: "pemungutan suara (pemungutan suara (voting))" on the glossary page."""
    login_as(client, None, lang)
    page = client.get("/glossary").get_data(as_text=True)
    headings = {key: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
                for key, text in re.findall(r'<dt id="([\w-]+)"[^>]*>(.*?)</dt>', page, re.S)}
    assert set(headings) == set(glossary.BY_KEY)
    with app.test_request_context(), force_locale(lang):
        summaries = helps(render_template_string(
            '{% from "partial/term.html" import term_help with context %}{{ term_help(*keys) }}',
            keys=list(glossary.BY_KEY)))
        for t in glossary.TERMS:
            word = gettext(t.word)
            assert said_twice(headings[t.key], t, word) == [], (lang, headings[t.key])
            assert said_twice(summaries[t.key][0], t, word) == [], (lang, summaries[t.key][0])
            # Nothing is lost either: the heading names the page's word or the whole term.
            assert _count(headings[t.key], word) == 1 or _count(headings[t.key], t.term) == 1


def test_headword_says_the_term_only_where_it_adds_something():
    assert glossary.headword("vote", "pemungutan suara") == ("vote", "pemungutan suara")
    assert glossary.headword("pemungutan suara", "pemungutan suara") == ("pemungutan suara", None)
    assert glossary.headword("deliberation (musyawarah)", "musyawarah") == (
        "deliberation (musyawarah)", None)
    assert glossary.headword("perangkat desa", "kepala desa / perangkat desa") == (
        "kepala desa / perangkat desa", None)
    assert glossary.headword("Village Allocation Fund (ADD)", "ADD (Alokasi Dana Desa)") == (
        "Village Allocation Fund (ADD)", "Alokasi Dana Desa")
    assert glossary.headword("Alokasi Dana Desa (ADD)", "ADD (Alokasi Dana Desa)") == (
        "Alokasi Dana Desa (ADD)", None)
