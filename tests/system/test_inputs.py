"""What people type: numbers the Indonesian way, invisible characters, length limits told
beside the fields and refused whole (never cut short), a stance nobody chose for them, and
empty lists told as a sentence, not as a numbered item."""
import html
import json
import re
import sys
import unicodedata

import pytest
from flask_babel import force_locale, gettext
from sqlmodel import select

from tests.arrange import action, arrange, draft_by
from tests.catalogue import PEOPLE, arrange_village, pages_for
from tests.helpers import (
    LOCALITY_ROUND,
    PROGRAM,
    VALID_PROGRAM,
    db_state,
    field_error,
    login_as,
    send,
    utcnow,
)
from workflow.core import limits
from workflow.engine import text
from workflow.engine.reasons import Refusal
from workflow.engine.text import PEOPLE_FORM, RUPIAH_FORM, TOO_LARGE, WHOLE_RUPIAH, clean
from workflow.models import Comment, Event, Program, Vote
from workflow.programs import commands
from workflow.voting import commands as voting_commands

MAX_COST = 10 ** 13

# --- numbers typed the Indonesian way: the rule, exhaustively ------------------------------

RUPIAH = [
    # (typed, the number stored, or the message refusing it)
    ("15000000", 15_000_000),
    ("15.000.000", 15_000_000),
    ("Rp 15.000.000", 15_000_000),
    ("Rp15.000.000", 15_000_000),
    ("Rp. 15.000.000", 15_000_000),
    ("rp 15.000.000", 15_000_000),
    ("IDR 15.000.000", 15_000_000),
    ("Rp15.000.000,00", 15_000_000),
    ("15.000.000,00", 15_000_000),
    ("15.000.000,0", 15_000_000),
    ("15.000.000,-", 15_000_000),
    ("Rp 15.000.000,-", 15_000_000),
    ("15.000.000.-", 15_000_000),
    ("15 000 000", 15_000_000),
    ("15\u00a0000\u00a0000", 15_000_000),      # no-break spaces, as a word processor groups
    ("  Rp 2.500.000  ", 2_500_000),
    ("1.000", 1000),
    ("999", 999),
    ("0", 0),
    ("", None),
    ("   ", None),
    ("Rp", None),                               # nothing but the currency: no amount given
    (str(MAX_COST), MAX_COST),
    # cents: Rupiah are whole
    ("15.000.000,50", WHOLE_RUPIAH),
    ("15.000.000,5", WHOLE_RUPIAH),
    ("1,5", WHOLE_RUPIAH),
    ("Rp 2.500,75", WHOLE_RUPIAH),
    # dots group exactly three digits, or the number has two readings
    ("15.000.000.00", RUPIAH_FORM),             # cents written with a dot, or a short group?
    ("1.5", RUPIAH_FORM),
    ("12.34.567", RUPIAH_FORM),
    ("1.5000", RUPIAH_FORM),
    ("15.000.0000", RUPIAH_FORM),
    (".500", RUPIAH_FORM),
    ("15.000.", RUPIAH_FORM),
    ("15..000", RUPIAH_FORM),
    ("15.000 000", RUPIAH_FORM),                # two kinds of grouping in one number
    ("1 5", RUPIAH_FORM),
    ("1500000.5e3", RUPIAH_FORM),
    # the English way of grouping is refused, not read (see text.read_whole_number)
    ("15,000,000", RUPIAH_FORM),
    ("15,000", RUPIAH_FORM),
    ("15,000.00", RUPIAH_FORM),
    ("15.000.000,000", RUPIAH_FORM),
    # not a number
    ("lima juta", RUPIAH_FORM),
    ("-5000", RUPIAH_FORM),
    ("+5000", RUPIAH_FORM),
    ("15 juta", RUPIAH_FORM),
    ("²", RUPIAH_FORM),
    ("١٥٠٠", RUPIAH_FORM),                       # Arabic-Indic digits
    ("１５０００", RUPIAH_FORM),                    # full-width digits
    (",00", RUPIAH_FORM),
    ("Rp Rp 15.000", RUPIAH_FORM),
    ("1" * 41, RUPIAH_FORM),
    # too large for any village
    (str(MAX_COST + 1), TOO_LARGE),
    ("99.999.999.999.999", TOO_LARGE),
]
PEOPLE_COUNTS = [
    ("120", 120),
    ("1.200", 1200),
    ("1 200", 1200),
    ("12.000", 12_000),
    ("0", 0),
    ("", None),
    ("10000000", 10 ** 7),
    ("1.5", PEOPLE_FORM),                       # a whole count of people
    ("1,5", PEOPLE_FORM),
    ("1,200", PEOPLE_FORM),                     # English grouping, refused as for money
    ("1.200,0", PEOPLE_FORM),
    ("12.34", PEOPLE_FORM),
    ("Rp 120", PEOPLE_FORM),                    # people are not money
    ("120 orang", PEOPLE_FORM),
    ("banyak", PEOPLE_FORM),
    ("-3", PEOPLE_FORM),
    ("10000001", TOO_LARGE),
]


def _expected(outcome):
    return (outcome, None) if outcome is None or isinstance(outcome, int) else (None, outcome)


@pytest.mark.parametrize(("typed", "outcome"), RUPIAH, ids=[repr(r[0]) for r in RUPIAH])
def test_rupiah_is_read_one_way_or_refused(typed, outcome):
    number, problem = text.read_whole_number(typed, True, MAX_COST)
    assert (number, problem.msgid if problem else None) == _expected(outcome)


@pytest.mark.parametrize(("typed", "outcome"), PEOPLE_COUNTS,
                         ids=[repr(r[0]) for r in PEOPLE_COUNTS])
def test_a_count_of_people_is_whole(typed, outcome):
    number, problem = text.read_whole_number(typed, False, 10 ** 7)
    assert (number, problem.msgid if problem else None) == _expected(outcome)


def test_every_refusal_shows_the_expected_form():
    """Each message names an example the rule itself accepts."""
    for message, rupiah in ((RUPIAH_FORM, True), (WHOLE_RUPIAH, True), (PEOPLE_FORM, False)):
        examples = re.findall(r"[0-9][0-9.]*[0-9]", message)
        assert examples, message
        for example in examples:
            number, problem = text.read_whole_number(example, rupiah, MAX_COST)
            assert problem is None and number is not None, (message, example)


def saved_programs(db) -> list:
    rows = db.exec(select(Program.title, Program.estimated_cost, Program.beneficiaries_count)
                   .order_by(Program.id)).all()
    db.commit()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(("cost", "count", "stored"), [
    ("15.000.000,00", "1.200", (15_000_000, 1200)),
    ("Rp15.000.000,-", "120", (15_000_000, 120)),
    ("15 000 000", "", (15_000_000, None)),
])
def test_the_form_stores_what_was_meant(client, db, people, cost, count, stored):
    """The defect: "15.000.000,00" was stored as Rp 1.500.000.000 (every dot and comma dropped)."""
    token = login_as(client, people["warga1"])
    response = send(client, f"/rounds/{LOCALITY_ROUND}/programs/new", token,
                    {**VALID_PROGRAM, "title": "Sumur bor", "estimated_cost": cost,
                     "beneficiaries_count": count, "submission_key": "numbers"})
    assert response.status_code in (302, 303)
    assert saved_programs(db)[-1] == ("Sumur bor", *stored)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("field", "typed", "message"), [
    ("estimated_cost", "15.000.000.00", RUPIAH_FORM),
    ("estimated_cost", "15.000.000,50", WHOLE_RUPIAH),
    ("estimated_cost", "15,000,000", RUPIAH_FORM),
    ("estimated_cost", "12.34.567", RUPIAH_FORM),
    ("beneficiaries_count", "1.5", PEOPLE_FORM),
    ("beneficiaries_count", "1,5", PEOPLE_FORM),
])
def test_an_unreadable_number_is_refused_beside_its_field(client, db, people, field, typed,
                                                          message, htmx):
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, f"/rounds/{LOCALITY_ROUND}/programs/new", token,
                    {**VALID_PROGRAM, field: typed, "submission_key": "unreadable"}, htmx=htmx)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in page
    assert f'value="{typed}"' in page  # what was typed is kept, to correct
    assert db_state(db) == before


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_number_fields_show_the_expected_form(app, client, people, lang):
    login_as(client, people["warga1"], lang)
    page = html.unescape(client.get(f"/rounds/{LOCALITY_ROUND}/programs/new")
                         .get_data(as_text=True))
    with app.app_context(), force_locale(lang):
        for field, hint in (("estimated_cost",
                             "(no cents, for example 15.000.000 or 15000000)"),
                            ("beneficiaries_count", "(a whole number, for example 120 or 1.200)")):
            label = re.search(rf'<label for="{field}">(.*?)</label>', page, re.S).group(1)
            assert gettext(hint) in label, (field, label)
            tag = re.search(rf'<input id="{field}"[^>]*>', page).group(0)
            # Digits only on a phone's keyboard: the plain digits are always read right.
            assert 'inputmode="numeric"' in tag
    for example in ("15.000.000", "15000000", "1.200", "120"):
        assert example in page


# --- invisible characters ------------------------------------------------------------------

def test_the_invisible_class_is_exactly_unicode_format_characters():
    """text._FORMAT names the Cf characters by range; it must match this Python's data."""
    cf = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    missing = sorted(f"U+{ord(c):04X}" for c in cf if not text._FORMAT.fullmatch(c))
    assert missing == []


FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # one emoji made with zero-width joiners
ENGLAND = "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"
CLEANED = [
    ("\u200b\u200c\u200d\u2060\ufeff", ""),
    ("\u200b Air bersih \u200b", "Air bersih"),
    ("Air\u200bbersih", "Airbersih"),
    ("\ufeffJalan desa", "Jalan desa"),
    ("pa\u00adnjang", "panjang"),                               # soft hyphen
    ("Jalan \u202edesa\u202c", "Jalan desa"),                  # a right-to-left override
    ("\u2066abc\u2069", "abc"),
    ("\u200d", ""),
    ("a\u200d\u200db", "ab"),                                  # joiners joining nothing visible
    (FAMILY, FAMILY),                                          # kept: it makes one emoji
    ("Keluarga " + FAMILY + " senang", "Keluarga " + FAMILY + " senang"),
    (ENGLAND, ENGLAND),                                        # the flag's tags are kept
    ("\U000E0067\U000E0062", ""),                              # loose tags are not
    ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
    ("\u0627\u0644\u0633\u0644\u0627\u0645 \u200f(1)", "\u0627\u0644\u0633\u0644\u0627\u0645 \u200f(1)"),
    ("abc \u200f(1)", "abc (1)"),                              # a mark with nothing to place
    ("\u0600\u0661\u0662", "\u0600\u0661\u0662"),              # the Arabic number sign is seen
    ("Cafe\u0301", "Caf\u00e9"),                               # composed (NFC)
    ("baris satu\r\nbaris dua\rtiga", "baris satu\nbaris dua\ntiga"),
    ("ok\x00ok", "okok"),
    ("  Musyawarah Desa  ", "Musyawarah Desa"),
    ("Posyandu keliling", "Posyandu keliling"),
    (None, ""),
]


@pytest.mark.parametrize(("typed", "kept"), CLEANED, ids=[repr(c[0]) for c in CLEANED])
def test_clean_drops_only_what_nobody_means(typed, kept):
    assert clean(typed) == kept


@pytest.mark.parametrize("title", ["\u200b\u200b\u200b", "\u200b \u200c\u2060 \ufeff",
                                   "\u202e\u202c", "\u00ad"])
def test_a_title_of_invisible_characters_is_empty(client, db, people, title):
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, f"/rounds/{LOCALITY_ROUND}/programs/new", token,
                    {**VALID_PROGRAM, "title": title, "submission_key": "invisible"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert '<p class="field-error" id="title-error">Give the program a short name.</p>' in page
    assert db_state(db) == before


# --- length limits: refused whole, told beside the field -------------------------------------

def reasons_stored(db) -> list:
    rows = db.exec(select(Event.transition, Event.payload).order_by(Event.id)).all()
    db.commit()
    return [(t, json.loads(p).get("reason")) for t, p in rows]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_reason_over_the_limit_is_refused_not_cut(client, db, people, htmx):
    """The defect: a 2,001-letter reason was stored as its first 2,000 letters."""
    arrange(db, people, "discussion")
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    url = f"/programs/{PROGRAM}/transitions/reject"
    form = {"reason": "r" * (limits.REASON + 1), "expected_state": "discussion",
            "confirm": "yes"}
    response = send(client, url, token, form, htmx=htmx)
    assert response.status_code == 422
    assert field_error(response, "reject-reason") == "Too long: at most 2,000 letters."
    assert db_state(db) == before
    # Exactly the limit is kept whole.
    response = send(client, url, token, {**form, "reason": "r" * limits.REASON}, htmx=htmx)
    assert response.status_code in (200, 302, 303)
    assert reasons_stored(db)[-1] == ("reject", "r" * limits.REASON)


def test_the_limit_counts_letters_as_the_browser_does(db, people):
    """A line break is one letter in the browser's maxlength: "\\r\\n" is stored as "\\n"."""
    arrange(db, people, "discussion")
    reason = ("a" * 99 + "\r\n") * 20  # 2,000 letters in the browser, 2,020 characters sent
    commands.fire_transition(db, people["pendamping"], PROGRAM, "reject", utcnow(),
                             reason=reason)
    assert reasons_stored(db)[-1] == ("reject", reason.replace("\r\n", "\n").strip())


def test_a_vote_reason_over_the_limit_is_refused_not_cut(client, db, people):
    """The defect: an objection's reason was cut at 1,000 letters."""
    arrange(db, people, "voting")
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/votes", token,
                    {"choice": "block", "reason": "k" * (limits.VOTE_REASON + 1)})
    assert response.status_code == 422
    assert field_error(response, "choice") == "Too long: at most 1,000 letters."
    # The room's form too, where the facilitator records a resident's objection.
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/room-votes", token,
                    {"voter": str(people["warga3"].id), "choice": "block",
                     "reason": "k" * (limits.VOTE_REASON + 1)})
    assert response.status_code == 422
    assert field_error(response, "room-choice") == "Too long: at most 1,000 letters."
    assert db_state(db) == before
    with pytest.raises(Refusal) as refused:
        voting_commands.cast_vote(db, people["warga1"], PROGRAM, "agree", "x" * 1001, utcnow())
    assert refused.value.kind == "invalid" and "choice" in refused.value.errors
    voting_commands.cast_vote(db, people["warga1"], PROGRAM, "block", "k" * limits.VOTE_REASON,
                       utcnow())
    stored = db.exec(select(Vote.reason)).all()
    db.commit()
    assert stored == ["k" * limits.VOTE_REASON]


# Each field with a limit, by its id (a prefix for the findings' and steps' numbered ids).
FIELD_LIMITS = {
    "title": limits.PROGRAM["title"], "problem": limits.PROGRAM["problem"],
    "goal": limits.PROGRAM["goal"], "beneficiaries": limits.PROGRAM["beneficiaries"],
    "comment-body": limits.COMMENT, "block-reason": limits.VOTE_REASON,
    "room-reason": limits.VOTE_REASON, "deliver-target": limits.DEMAND_TARGET,
    "response-note": limits.RESPONSE_NOTE,
}


def expected_limit(element_id: str) -> int | None:
    if element_id in FIELD_LIMITS:
        return FIELD_LIMITS[element_id]
    if element_id.startswith("reason-"):
        return limits.REASON
    if element_id.startswith("finding-"):
        return limits.FINDING.get(element_id.rsplit("-", 1)[1])
    return None


def text_fields(page: str) -> list:
    """[(id, maxlength or None, its label's text)] of every textarea and text input."""
    found = []
    for tag in re.findall(r"<(?:textarea|input)\b[^>]*>", page):
        kind = re.search(r'\btype="([^"]+)"', tag)
        if tag.startswith("<input") and kind and kind.group(1) not in ("text",):
            continue
        element_id = re.search(r'\bid="([^"]+)"', tag)
        if element_id is None:
            continue
        element_id = element_id.group(1)
        length = re.search(r'\bmaxlength="([^"]+)"', tag)
        label = re.search(rf'<label for="{re.escape(element_id)}">(.*?)</label>', page, re.S)
        found.append((element_id, int(length.group(1)) if length else None,
                      " ".join(re.sub(r"<[^>]+>", " ", label.group(1)).split()) if label else ""))
    return found


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_limit_is_told_in_its_field(app, client, db, people, lang):
    """maxlength and the hint beside the label come from workflow/limits.py, as the checks do."""
    ids = arrange_village(db, people)
    ids["agreed_action"] = action(db, people, "agreed")  # the deliver step's form
    db.commit()
    pages = {path for role, _name, path in pages_for(ids)
             if role in ("resident", "facilitator") and path.startswith(("/programs", "/rounds"))}
    pages.add(f"/programs/{ids['agreed_action']}")
    seen = set()
    for role in ("resident", "facilitator"):
        login_as(client, people[PEOPLE[role]], lang)
        for path in sorted(pages):
            page = html.unescape(client.get(path).get_data(as_text=True))
            for element_id, length, label in text_fields(page):
                limit = expected_limit(element_id)
                if limit is None:
                    continue
                seen.add(element_id.split("-")[0] if element_id.startswith(
                    ("reason-", "finding-")) else element_id)
                assert length == limit, (path, element_id, length, limit)
                with app.app_context(), force_locale(lang):
                    hint = gettext("(at most %(n)s letters)",
                                   n=f"{limit:,}".replace(",", "." if lang == "id" else ","))
                assert hint in label, (path, element_id, label)
    assert seen >= {"title", "problem", "goal", "beneficiaries", "comment-body", "block-reason",
                    "room-reason", "deliver-target", "response-note", "reason", "finding"}, seen


# --- the stance is asked, never assumed ---------------------------------------------------

def test_no_stance_is_chosen_for_the_writer(client, db, people):
    token = login_as(client, people["warga1"])
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    stances = re.findall(r'<input type="radio" name="stance"[^>]*>', page)
    assert len(stances) == 3
    assert [tag for tag in stances if "checked" in tag] == []
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/comments", token, {"body": "Bagus."})
    assert response.status_code == 422
    assert field_error(response, "stance") == (
        "Choose whether you support, have a concern or a question.")
    page = response.get_data(as_text=True)
    assert [tag for tag in re.findall(r'<input type="radio" name="stance"[^>]*>', page)
            if "checked" in tag] == []
    assert "Bagus." in page  # the words are kept
    assert db_state(db) == before
    assert db.exec(select(Comment)).all() == []
    db.commit()


# --- an empty list is a sentence, not a numbered item -------------------------------------

EMPTY_MESSAGES = ("Nobody has commented yet.", "Nothing has happened yet.", "No programs yet.")


def list_texts(page: str) -> str:
    """All the text inside the page's <ol> and <ul> elements."""
    inside = []
    for match in re.finditer(r"<(ol|ul)\b.*?</\1>", page, re.S):
        inside.append(html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))))
    return " ".join(" ".join(inside).split())


@pytest.mark.parametrize("lang", ["en", "id"])
def test_no_empty_message_is_a_list_item(app, client, db, people, lang):
    ids = arrange_village(db, people)
    fresh = draft_by(db, people, "warga1", title="Draf tanpa riwayat")  # no events, no comments
    db.commit()
    paths = {path for _role, _name, path in pages_for(ids)} | {
        f"/programs/{fresh}", f"/programs/{fresh}/history"}
    with app.app_context(), force_locale(lang):
        messages = [gettext(m) for m in EMPTY_MESSAGES]
    shown = set()
    login_as(client, people["warga1"], lang)
    for path in sorted(paths):
        page = client.get(path).get_data(as_text=True)
        inside = list_texts(page)
        for message in messages:
            assert message not in inside, (path, message)
            if message in html.unescape(page):
                shown.add(message)
    # The empty draft shows its empty discussion and history (as sentences).
    assert shown >= set(messages[:2]), shown


# --- a NUL character, which PostgreSQL text cannot hold ------------------------------------

NUL_INPUTS = [
    # (where the NUL character is, state, who, url, form)
    ("comment body", "proposed", "warga1", "/programs/1/comments",
     {"stance": "support", "body": "ok\x00ok"}),
    ("program title", "proposed", "warga1", "/rounds/1/programs/new",
     {**VALID_PROGRAM, "title": "Air\x00bersih"}),
    ("program problem", "proposed", "warga1", "/rounds/1/programs/new",
     {**VALID_PROGRAM, "problem": "Air\x00kotor"}),
    ("block reason", "voting", "warga1", "/programs/1/votes",
     {"choice": "block", "reason": "tidak\x00setuju"}),
    ("transition reason", "discussion", "pendamping", "/programs/1/transitions/reject",
     {"reason": "alasan\x00", "confirm": "yes"}),
]


@pytest.mark.parametrize(("where", "state", "username", "url", "data"), NUL_INPUTS,
                         ids=[row[0] for row in NUL_INPUTS])
def test_nul_character_is_never_a_server_error(client, db, people, where, state, username, url,
                                               data):
    """A NUL character (which PostgreSQL text cannot hold) is refused or stored, never a 500."""
    arrange(db, people, state)
    token = login_as(client, people[username])
    before = db_state(db)
    response = send(client, url, token, data)
    assert response.status_code in (302, 422)
    assert (db_state(db) == before) == (response.status_code == 422)
