"""Fuzzing every POST route over HTTP with hostile input (hypothesis).

The POST routes are discovered from ``app.url_map``: each needs a recipe in RECIPES (who
sends it, its URL variables, its form fields and a valid base request), and a route
without one fails ``test_every_post_route_has_a_recipe`` and its own fuzz test, so a new
POST route cannot slip by unfuzzed.

For every route, hypothesis draws requests from the recipe: each field is its valid base
value, a value of its kind (a choice, a number, a date...) or something hostile (100 KB
strings, empty, RTL overrides, combining marks, emoji, NUL and other control characters,
numbers where text is expected and text where numbers are, invalid UTF-8 bytes in the
body); fields go missing, are repeated, extra fields come along (some with 10 KB names);
URL variables are other ids, ids that overflow 64 bits, non-ASCII digits and, where the
rule takes a string, anything at all. The body is sent urlencoded or as multipart. Each
request is sent by a suitable logged-in actor (a fresh server-side session and a valid
CSRF token), once as a plain form and once with the HX-Request header. Invariants, for
every request:

- never a 5xx (with TESTING on, an unhandled exception propagates: that counts as a 500);
- a response with status >= 400 changed nothing, in any table (all tables are reflected
  and compared row by row), except what a refusal writes by design (a failed login is
  recorded for the throttle);
- the audit chain still verifies.

Within one hypothesis test the database accumulates what the accepted requests wrote,
which is fine for these invariants. ``test_nasty_values`` then sends small tables of
known-nasty values through every field (NUL bytes, '²', 10**40, '-1', '0x10', '1e9', '١٢٣',
'<script>', "' OR 1=1 --"... in numbers and ids; a NUL inside, control characters and 100 KB
in text), the rest of the request valid, and finally checks that the valid base request is
accepted (so the nasty values really met the deep validation, not an early refusal).

Password hashing is made cheap here (argon2 with minimal cost, as conftest's demo hashes
are): the real parameters take a fifth of a second per hash on a small machine.
"""
import io
import itertools
import os
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select
from werkzeug.datastructures import MultiDict

from app import create_app
from tests.arrange import arrange
from tests.helpers import (
    ACTION_ROUND,
    CHEAP_HASHER,
    LOCALITY_ROUND,
    PLANNING_ROUND,
    VALID_PROGRAM,
    examples,
    hash_cheaply,
    login_as,
    utcnow,
)
from tests.meetings.hall import meeting_of
from tests.meetings.record_arrange import held_meeting
from workflow import demo
from workflow.assessment import commands as assessment
from workflow.comments import commands as comment_commands
from workflow.communities import imports
from workflow.communities.commands import KINDS, ROLES
from workflow.core import audit
from workflow.core.db import ENGINE_KEY, make_engine
from workflow.drafting import coauthors
from workflow.engine.ballots import CHOICES
from workflow.engine.dates import ZONES, local_time
from workflow.engine.people import TAGS
from workflow.engine.processes import STATE_LABELS, TEMPLATES, TRANSITION_LABELS
from workflow.meetings import commands as meeting_commands
from workflow.meetings.models import GUEST_KINDS
from workflow.models import Community, Dusun, Finding, Membership, Notification, Round, User, Vote
from workflow.notifications.models import KINDS as NEWS_KINDS
from workflow.organizing import commands as organizing
from workflow.organizing.demand import CHANNELS, OUTCOMES
from workflow.people import activation
from workflow.people import passwords as accounts
from workflow.people.passwords import create_user
from workflow.programs import commands
from workflow.programs.form import FUNDING_SOURCES, MAX_COST, SECTORS
from workflow.rounds.queries import STATUSES
from workflow.voting import commands as voting_commands

MISSING_ID = 987654
FRESH = "<a fresh resident>"  # an actor made for the one example (its account may be deleted)
# 40 requests per route under the ci profile (see conftest); FUZZ_EXAMPLES sets it outright.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or examples(40))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])


# --- the routes -------------------------------------------------------------------------------

_RULE_VARIABLE = re.compile(r"<(?:(?P<converter>[a-zA-Z_]\w*)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def post_rules(app) -> dict:
    """{endpoint: rule} for every rule that accepts POST."""
    rules = {}
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            assert rule.endpoint not in rules, f"two POST rules for {rule.endpoint}"
            rules[rule.endpoint] = rule
    return rules


def rule_variables(rule) -> dict:
    """{variable: converter name} of a rule ('default' when none is named)."""
    return {m["name"]: m["converter"] or "default" for m in _RULE_VARIABLE.finditer(rule.rule)}


# Discovered at collection time, so a new POST route gets its own fuzz test.
_DISCOVERY = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "discover"})
POST_RULES = post_rules(_DISCOVERY)
POST_ENDPOINTS = sorted(POST_RULES)
_DISCOVERY.extensions[ENGINE_KEY].dispose()


# --- hostile values ---------------------------------------------------------------------------

CONTROL = "".join(chr(c) for c in (*range(0, 9), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f))
NASTY_TEXT = (
    "", " ", "   ", "\x00", "a\x00b", "\x00" * 8, CONTROL, "\r\n", "\t", "\x1b[31mred",
    "\x85", "\u2028\u2029", "\ufeff", "\u200b\u200c\u200d", "\u00ad",
    "\u202eevil\u202c", "\u200f\u061c\u200e", "مرحبا بالعالم", "שלום",  # RTL
    "e\u0301\u0302\u0303\u0304\u0305\u0306", "Z\u0351\u0352\u0353\u0354\u0355" * 10,  # combining
    "👨‍👩‍👧‍👦", "🏳️‍🌈", "💩" * 50, "\U0001f1ee\U0001f1e9",  # emoji, ZWJ, flags
    "İ", "ß", "ﬁ", "Ⅻ", "²", "١٢٣", "１２３", "𝟙𝟚𝟛", "\uffff", "\U0010ffff",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' OR 1=1 --",
    "'; DROP TABLE program; --", "{{ 7*7 }}", "{% raw %}", "%s%s%n", "%(n)s", "${7*7}",
    "../../../etc/passwd", "null", "None", "true", "[]", "{}", "NaN", "-0", "1e309",
    str(10 ** 40), "-1", "0x10", "1e9",
)
NASTY_NUMBERS = (
    "\x00", "1\x00", "\x001", "²", "¹²³", str(10 ** 40), "-1", "0x10", "1e9", "١٢٣", "१२३",
    "１２３", "<script>", "' OR 1=1 --", "0", "00", "000000000000000000001", "+1", " 1 ",
    "1.5", "1,5", "NaN", "inf", "-inf", str(2 ** 31 - 1), str(2 ** 31), str(2 ** 32),
    str(2 ** 63 - 1), str(2 ** 63), str(2 ** 64), str(MAX_COST), str(MAX_COST + 1),
    "Rp 2.147.483.648", "Rp 9.999.999.999.999", "9" * 40, "9" * 41, "9" * 400, "",
)
# Ids in a URL: what an <int:...> rule might still match (non-ASCII digits, 10**40), and more.
NASTY_URL_IDS = ("0", "00", "0001", str(MISSING_ID), str(2 ** 31 - 1), str(2 ** 31),
                 str(2 ** 63 - 1), str(2 ** 63), str(10 ** 40), "9" * 400, "١", "١٢٣", "٣",
                 "१२", "１", "²", "-1", "0x10", "1e9", "1.0", "<script>", "' OR 1=1 --")
NASTY_DATES = ("2027-02-30", "2027-13-01", "0000-01-01", "0001-01-01", "9999-12-31",
               "10000-01-01", "2027-1-1", "27-01-01", "2027/01/01", "٢٠٢٥-٠١-٠١",
               "2025-01-01T00:00", "2025-01-01\x00", " 2025-01-01 ", "-2025-01-01")
NASTY_NEXT = ("/", "/programs/1", "//evil.example", "http://evil.example/", "https:evil",
              "/\\evil.example", "\\\\evil.example", "//[", "http://[::1", "/[", "//a\uff03b",
              "javascript:alert(1)", "/%2F%2Fevil", "///evil", " //evil", "\t//evil", "?x=1")
RAW_BYTES = (b"\xff", b"\xfe\xff", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xc0\xaf",
             b"\xf4\x90\x80\x80", b"abc\xffdef", b"\x80" * 10, b"%00")
BOUNDARY_LENGTHS = (64, 65, 200, 201, 1000, 1001, 2000, 2001, 4000, 4001, 100_000)

UNICODE = st.characters(codec="utf-8")  # every code point but the lone surrogates
UNIT = st.one_of(st.sampled_from(NASTY_TEXT[1:]), st.text(UNICODE, min_size=1, max_size=6))


def _repeat(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


HUGE = st.builds(_repeat, UNIT, st.sampled_from(BOUNDARY_LENGTHS))


def mutations(value: str):
    """The valid ``value`` spoiled a little: something nasty inside, repeated to a limit..."""
    return st.one_of(
        st.builds(lambda unit, at: value[:at] + unit + value[at:], UNIT,
                  st.integers(0, len(value))),
        st.builds(_repeat, st.just(value or "x"), st.sampled_from(BOUNDARY_LENGTHS)),
        st.sampled_from((value + "\x00", "\x00" + value, f" {value} ", value.upper(),
                         value + "\u0301", "\u202e" + value, value * 2)))


NUMBERISH = st.one_of(
    st.sampled_from(NASTY_NUMBERS),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 140).map(str),
    st.floats().map(repr),
    st.from_regex(r"\A(Rp ?)?[0-9]{1,3}([.,][0-9]{3}){0,6}\Z"),
)
HOSTILE = st.one_of(st.sampled_from(NASTY_TEXT), st.text(UNICODE, max_size=40), HUGE, NUMBERISH)
# Raw body bytes that are not UTF-8 (a lone surrogate, as CESU-8, among them).
RAW = st.one_of(st.sampled_from(RAW_BYTES), st.binary(max_size=30))
FIELD_NAME = st.one_of(
    st.text(UNICODE, min_size=1, max_size=20),
    st.builds(_repeat, UNIT, st.sampled_from((1000, 10_000))),
    st.sampled_from(("csrf_token", "choice", "reason", "body", "id", "program_id", "state",
                     "version", "user_id", "role", "__proto__", "a[b]", "a.b", "")),
)


NASTY_IDS = tuple(dict.fromkeys(NASTY_NUMBERS + NASTY_URL_IDS))  # drawn by the fuzz
# The targeted tables: every numeric or id field gets NASTY_TABLE in test_nasty_values, every
# text field NASTY_STRINGS (a NUL inside, control characters, 100 KB of RTL, marks and emoji).
NASTY_TABLE = ("\x00", "1\x00", "²", str(10 ** 40), "-1", "0x10", "1e9", "١٢٣", "<script>",
               "' OR 1=1 --", "", "0", "١", str(2 ** 31), str(2 ** 63), str(MAX_COST + 1))
NASTY_STRINGS = ("a\x00b", CONTROL, _repeat("\u202e\u0645e\u0301\u0302👨‍👩‍👧\u200b", 100_000))


@dataclass(frozen=True)
class Kind:
    """How to draw one field or URL variable, given the arranged world."""
    make: Callable
    nasty: tuple = ()  # the known-nasty values test_nasty_values sends in this field


def choice(*options) -> Kind:
    return Kind(lambda w: st.one_of(st.sampled_from(options), HOSTILE), NASTY_STRINGS)


def from_world(key: str) -> Kind:
    """An id from the world's pool ``key`` (as a string), a nasty one, or anything."""
    return Kind(lambda w: st.one_of(st.sampled_from([str(v) for v in w[key]]),
                                    st.sampled_from(NASTY_IDS), HOSTILE), NASTY_TABLE)


def int_url(key: str) -> Kind:
    """An <int:...> URL variable: known ids, ids that overflow, non-ASCII digits."""
    return Kind(lambda w: st.one_of(st.sampled_from([str(v) for v in w[key]]),
                                    st.sampled_from(NASTY_URL_IDS),
                                    st.integers(min_value=0, max_value=10 ** 45).map(str)),
                NASTY_TABLE)


TEXT = Kind(lambda w: HOSTILE, NASTY_STRINGS)
NUMBER = Kind(lambda w: st.one_of(NUMBERISH, HOSTILE), NASTY_TABLE)
DATE = Kind(lambda w: st.one_of(st.dates().map(lambda d: d.isoformat()),
                                st.sampled_from(NASTY_DATES), HOSTILE), NASTY_STRINGS)
PASSWORD = Kind(lambda w: st.one_of(st.sampled_from((demo.PASSWORD, "kata sandi baru 2027",
                                                     "12345678", "warga1", "x" * 200,
                                                     "x" * 201)), HOSTILE),
                NASTY_STRINGS)
USERNAME = Kind(lambda w: st.one_of(st.sampled_from(w["usernames"]),
                                    st.sampled_from(["WARGA1", " warga1 ", "warga1\x00",
                                                     "wаrga1", "deleted-1", "x" * 65]),
                                    HOSTILE), NASTY_STRINGS)
NEXT = Kind(lambda w: st.one_of(st.sampled_from(NASTY_NEXT), HOSTILE), NASTY_NEXT)
# A meeting's time as <input type="datetime-local"> sends it, and spoiled ones.
MOMENT = Kind(lambda w: st.one_of(st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
                                  st.sampled_from(NASTY_DATES + ("0001-01-01T00:00",
                                                                 "9999-12-31T23:59",
                                                                 "2027-03-10T24:00")),
                                  HOSTILE), NASTY_STRINGS)
STATE = choice(*STATE_LABELS)
FLAG = choice("on", "true", "1", "off", "0", "")
KEY = Kind(lambda w: st.one_of(st.text(UNICODE, max_size=70),
                               st.sampled_from(("k" * 64, "k" * 65, "\x00", "k\x00k")), HOSTILE),
           NASTY_STRINGS)
FINDING_FIELDS = {"indicator": TEXT, "value": NUMBER, "unit": TEXT, "source": TEXT,
                  "observed_on": DATE}
VALID_FINDING = {"indicator": "Balita ditimbang", "value": "45", "unit": "persen",
                 "source": "Buku KIA Posyandu", "observed_on": "2025-01-15"}
ALL_CHOICES = tuple(dict.fromkeys(c for kind in CHOICES.values() for c in kind))


PROPOSAL_FIELDS = {"title": TEXT, "problem": TEXT, "goal": TEXT, "beneficiaries": TEXT,
                   "beneficiaries_count": NUMBER, "dusun_id": from_world("dusun"),
                   "rt": NUMBER, "rw": NUMBER, "sector": choice(*SECTORS),
                   "estimated_cost": NUMBER, "funding_source": choice(*FUNDING_SOURCES)}


COMMUNITY_FIELDS = {"name": TEXT, "kind": choice(*KINDS), "kecamatan": TEXT, "kabupaten": TEXT,
                    "timezone": choice(*ZONES), "complaint_address": TEXT}
VALID_COMMUNITY = {"name": "Desa Mekarsari", "kind": "desa", "kecamatan": "Cibeber",
                   "kabupaten": "Cianjur", "timezone": "Asia/Jakarta",
                   "complaint_address": "Balai Desa Mekarsari"}


ROUND_FIELDS = {"title": TEXT, "template": choice(*TEMPLATES), "year": NUMBER,
                "quorum": choice("2/3", "1/2", "1/1", "5/3", "0/3", "1/0", "0"),
                "consent_threshold": choice("2/3", "3/4", "10000/10000", "2/0"),
                "min_discussion_days": NUMBER, "min_voting_hours": NUMBER,
                "supporter_threshold": NUMBER}
# The locality round as the demo made it (a ballot of it is open in the fuzz world).
VALID_ROUND = {"title": "Musyawarah Dusun 2027", "template": "locality", "year": "2027",
               "quorum": "2/3", "consent_threshold": "2/3", "min_discussion_days": "0",
               "min_voting_hours": "0", "supporter_threshold": "6"}
@dataclass(frozen=True)
class Upload:
    """A file field's value: sent as a file in a multipart body (never urlencoded)."""
    data: bytes
    filename: str = "people.csv"

    def __repr__(self):
        return f"Upload({short(self.data, 80)}, {self.filename!r})"


def form_value(value):
    """A form value as sent: a file as it is, anything else as text."""
    return value if isinstance(value, Upload) else str(value)


PEOPLE_CSV = (b"name,username,role,dusun,gender,tags\n"
              b"Ibu Sri Wahyuni,,resident,Dusun Krajan,f,women;poor\n")
NASTY_FILES = tuple(Upload(data) for data in (
    b"", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\x00" * 10, b"\xff\xfe" + "é".encode("utf-16-le"),
    PEOPLE_CSV.replace(b"Ibu", b"=HYPERLINK(1)"), PEOPLE_CSV.replace(b",", b";"),
    b"\xef\xbb\xbf" + PEOPLE_CSV, PEOPLE_CSV.split(b"\n")[0],
    PEOPLE_CSV + b'x,"' + b"y" * 200_000 + b"\n",
    PEOPLE_CSV + b"x" * imports.MAX_BYTES,
    PEOPLE_CSV + b"Budi,,resident,,,\n" * (imports.MAX_ROWS + 1)))
# A CSV file: the valid one spoiled, a nasty one, or any bytes at all.
UPLOAD = Kind(lambda w: st.one_of(
    st.sampled_from(NASTY_FILES),
    st.builds(lambda head, tail: Upload(PEOPLE_CSV + head + tail),
              st.text(UNICODE, max_size=40).map(lambda t: t.encode()), RAW),
    st.binary(max_size=200).map(Upload)), NASTY_FILES)
# A signed berita acara: the taken PDF, a nasty file, a picture that is none, or any bytes.
SIGNED_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
NASTY_SCANS = NASTY_FILES[:4] + (Upload(SIGNED_PDF, "../../x.png"), Upload(b"hello", "x.png"),
                                 Upload(b"%PDF-1.4 cut short", "x.pdf"))
SCAN = Kind(lambda w: st.one_of(st.sampled_from(NASTY_SCANS), st.binary(max_size=200).map(
    lambda data: Upload(data, "scan.jpg"))), NASTY_SCANS)
# The file a confirm form carries back (base64): a valid one, a nasty one, or any text.
PACKED = Kind(lambda w: st.one_of(
    st.sampled_from([imports.pack(f.data) for f in NASTY_FILES[:8]]), HOSTILE),
    NASTY_STRINGS)


def changed_draft(key: str) -> Callable:
    """A valid change to the world's draft ``key`` (by warga3), from its first version."""
    return lambda w: ({"program_id": w["program"][key]},
                      {**VALID_PROGRAM, "title": f"Posyandu keliling ({key})", "version": "1",
                       "dusun_id": w["dusun"][0]})


@dataclass(frozen=True)
class Recipe:
    """Who sends a route and what it carries; ``base`` is a request the route accepts."""
    actors: tuple                 # usernames; None: anonymous; FRESH: a new resident
    fields: dict = field(default_factory=dict)   # form field -> Kind
    url: dict = field(default_factory=dict)      # URL variable -> Kind
    query: dict = field(default_factory=dict)    # query-string argument -> Kind
    base: Callable = lambda w: ({}, {})          # world -> (URL variables, form)
    # The two requests (plain, htmx) test_nasty_values ends with: base twice by default.
    finals: Callable | None = None
    refusal_appends: tuple = ()   # tables a refusal writes to by design (append-only)
    ends_session: bool = False    # log in afresh before each request


RECIPES = {
    "auth.login": Recipe(
        actors=(None,), fields={"username": USERNAME, "password": PASSWORD},
        query={"next": NEXT},
        base=lambda w: ({}, {"username": "warga1", "password": demo.PASSWORD}),
        # warga1 is blocked for a while after the wrong passwords of test_nasty_values.
        finals=lambda w: [({}, {"username": name, "password": demo.PASSWORD})
                          for name in ("warga11", "warga12")],
        # A failed login is recorded even though it is refused: it feeds the throttle.
        refusal_appends=("loginattempt",), ends_session=True),
    "auth.logout": Recipe(actors=("warga1", None), ends_session=True),
    "auth.language": Recipe(actors=("warga1", None), fields={"lang": choice("id", "en"),
                                                             "next": NEXT},
                            base=lambda w: ({}, {"lang": "en", "next": "/"})),
    "account.password": Recipe(
        actors=(FRESH,), fields={"current": PASSWORD, "new": PASSWORD, "repeat": PASSWORD},
        base=lambda w: ({}, {"current": demo.PASSWORD, "new": "kata sandi baru 2027",
                             "repeat": "kata sandi baru 2027"})),
    "account.delete": Recipe(actors=(FRESH,), fields={"password": PASSWORD},
                             base=lambda w: ({}, {"password": demo.PASSWORD}),
                             ends_session=True),
    "account.reset": Recipe(
        actors=("admin", "warga1"), url={"user_id": from_world("user_ids")},
        fields={"password": PASSWORD},
        base=lambda w: ({"user_id": w["user"]["warga9"]},
                        {"password": "sementara 2027"})),
    "programs.new": Recipe(
        actors=("warga1", "pendamping", "admin"), url={"round_id": int_url("rounds")},
        fields={**PROPOSAL_FIELDS, "submission_key": KEY},
        base=lambda w: ({"round_id": LOCALITY_ROUND},
                        {**VALID_PROGRAM, "beneficiaries": "Warga RT 04",
                         "beneficiaries_count": "120", "dusun_id": w["dusun"][0]})),
    "programs.transition": Recipe(
        actors=("pendamping", "kades", "warga2", "warga1"),
        url={"program_id": int_url("programs"),
             "name": Kind(lambda w: st.one_of(st.sampled_from(sorted(TRANSITION_LABELS)),
                                              st.sampled_from(sorted(TRANSITION_LABELS)),
                                              HOSTILE), NASTY_STRINGS)},
        fields={"reason": TEXT, "expected_state": STATE, "target": TEXT,
                "channel": choice(*CHANNELS), "delivered_on": DATE,
                "outcome": choice(*OUTCOMES), "note": TEXT, "secret": FLAG,
                "confirm": choice("yes", "no")},
        base=lambda w: ({"program_id": w["program"]["act_agreed"], "name": "deliver"},
                        {"expected_state": "agreed", "target": "Bupati",
                         "channel": "letter", "delivered_on": ""})),
    "voting.vote": Recipe(
        actors=("warga5", "warga6", "pendamping"), url={"program_id": int_url("programs")},
        fields={"choice": choice(*ALL_CHOICES), "reason": TEXT},
        base=lambda w: ({"program_id": w["program"]["loc_voting"]},
                        {"choice": "block", "reason": "Biayanya belum jelas."})),
    "voting.room_vote": Recipe(
        actors=("pendamping", "warga5"), url={"program_id": int_url("programs")},
        fields={"voter": from_world("user_ids"),
                "choice": choice(*ALL_CHOICES), "reason": TEXT},
        base=lambda w: ({"program_id": w["program"]["loc_voting"]},
                        {"voter": w["user"]["warga11"], "choice": "agree"})),
    # warga3's drafts: warga3 changes or deletes them, the others are refused. The last two
    # requests of test_nasty_values go to drafts of their own, still at their first version.
    "drafting.edit": Recipe(
        actors=("warga3", "warga5", "pendamping"), url={"program_id": int_url("programs")},
        fields={**PROPOSAL_FIELDS, "version": NUMBER}, base=changed_draft("loc_draft"),
        finals=lambda w: [changed_draft(k)(w) for k in ("loc_draft_b", "loc_draft_c")]),
    "drafting.delete": Recipe(
        actors=("warga3", "warga5", "pendamping"), url={"program_id": int_url("programs")},
        fields={"confirm": choice("yes", "no")},
        base=lambda w: ({"program_id": w["program"]["loc_draft"]}, {"confirm": "yes"}),
        finals=lambda w: [({"program_id": w["program"][k]}, {"confirm": "yes"})
                          for k in ("loc_draft_b", "loc_draft_c")]),
    # Co-authors: warga3 invites to their draft; warga9 accepts, warga10 declines and
    # warga12 leaves the invitations and authorships the world holds (_build_world).
    "drafting.invite": Recipe(
        actors=("warga3", "warga5", "pendamping"), url={"program_id": int_url("programs")},
        fields={"username": USERNAME},
        base=lambda w: ({"program_id": w["program"]["loc_draft"]}, {"username": "warga9"}),
        finals=lambda w: [({"program_id": w["program"]["loc_draft"]}, {"username": name})
                          for name in ("warga10", "warga11")]),
    "drafting.accept": Recipe(
        actors=("warga9", "warga5"), url={"program_id": int_url("programs")},
        base=lambda w: ({"program_id": w["program"]["loc_discussion"]}, {})),
    "drafting.decline": Recipe(
        actors=("warga10", "warga5"), url={"program_id": int_url("programs")},
        base=lambda w: ({"program_id": w["program"]["loc_discussion"]}, {}),
        finals=lambda w: [({"program_id": w["program"][k]}, {})
                          for k in ("loc_discussion", "plan_assessment")]),
    "drafting.leave": Recipe(
        actors=("warga12", "warga5"), url={"program_id": int_url("programs")},
        base=lambda w: ({"program_id": w["program"]["loc_discussion"]}, {}),
        finals=lambda w: [({"program_id": w["program"][k]}, {})
                          for k in ("loc_discussion", "plan_assessment")]),
    "communities.create": Recipe(
        actors=("situs", "admin"), fields=COMMUNITY_FIELDS,
        base=lambda w: ({}, VALID_COMMUNITY)),
    "communities.update": Recipe(
        actors=("admin", "situs", "warga1"), url={"community_id": int_url("communities")},
        fields=COMMUNITY_FIELDS,
        base=lambda w: ({"community_id": 1}, {**VALID_COMMUNITY, "name": "Desa Sukamaju"})),
    "communities.add_dusun": Recipe(
        actors=("admin", "situs"), url={"community_id": int_url("communities")},
        fields={"name": TEXT, "rw": TEXT, "rt": TEXT},
        base=lambda w: ({"community_id": 1}, {"name": "Dusun Baru", "rw": "01, 02"}),
        finals=lambda w: [({"community_id": 1}, {"name": f"Dusun Baru {n}"}) for n in (1, 2)]),
    "communities.add_person": Recipe(
        actors=("admin", "situs", "warga1"), url={"community_id": int_url("communities")},
        fields={"name": TEXT, "username": USERNAME, "role": choice("resident", "facilitator",
                                                                    "official", "admin"),
                "dusun": TEXT, "gender": choice("f", "m", ""), "tags": choice(*TAGS)},
        base=lambda w: ({"community_id": 1}, {"name": "Ibu Sri Wahyuni", "role": "resident",
                                              "gender": "f", "tags": "women"})),
    "communities.change_role": Recipe(
        actors=("admin", "situs", "warga1"),
        url={"community_id": int_url("communities"), "user_id": from_world("user_ids")},
        fields={"role": choice(*ROLES)},
        base=lambda w: ({"community_id": 1, "user_id": w["user"]["warga9"]},
                        {"role": "facilitator"})),
    "communities.deactivate": Recipe(
        actors=("admin", "situs", "warga1"),
        url={"community_id": int_url("communities"), "user_id": from_world("user_ids")},
        base=lambda w: ({"community_id": 1, "user_id": w["user"]["warga9"]}, {}),
        finals=lambda w: [({"community_id": 1, "user_id": w["user"][name]}, {})
                          for name in ("warga9", "warga10")]),
    "communities.reactivate": Recipe(
        actors=("admin", "situs", "warga1"),
        url={"community_id": int_url("communities"), "user_id": from_world("user_ids")},
        base=lambda w: ({"community_id": 1, "user_id": w["user"]["pindah1"]}, {}),
        finals=lambda w: [({"community_id": 1, "user_id": w["user"][name]}, {})
                          for name in ("pindah1", "pindah2")]),
    "communities.new_code": Recipe(
        actors=("admin", "situs", "warga1"),
        url={"community_id": int_url("communities"), "user_id": from_world("user_ids")},
        base=lambda w: ({"community_id": 1, "user_id": w["user"]["warga9"]}, {})),
    # The code works once: the two last requests use two other residents' slips.
    "auth.activate": Recipe(
        actors=(None,), fields={"username": USERNAME, "code": TEXT, "password": PASSWORD,
                                "password_confirm": PASSWORD},
        base=lambda w: ({}, activation_form(w, "warga9")),
        finals=lambda w: [({}, activation_form(w, name)) for name in ("warga10", "warga11")],
        refusal_appends=("loginattempt",), ends_session=True),
    "rounds.create": Recipe(
        actors=("pendamping", "situs", "warga1"), url={"community_id": int_url("communities")},
        fields=ROUND_FIELDS, base=lambda w: ({"community_id": 1}, VALID_ROUND)),
    "rounds.edit": Recipe(
        actors=("admin", "situs", "kades"), url={"round_id": int_url("rounds")},
        fields={**ROUND_FIELDS, "status": choice(*STATUSES)},
        base=lambda w: ({"round_id": LOCALITY_ROUND}, {**VALID_ROUND, "status": "open"})),
    "communities.import_preview": Recipe(
        actors=("admin", "situs", "warga1"), url={"community_id": int_url("communities")},
        fields={"file": UPLOAD},
        base=lambda w: ({"community_id": 1}, {"file": Upload(PEOPLE_CSV)})),
    "communities.import_confirm": Recipe(
        actors=("admin", "situs", "warga1"), url={"community_id": int_url("communities")},
        fields={"content": PACKED},
        # The second base request finds the person already there: nobody added, still 302.
        base=lambda w: ({"community_id": 1}, {"content": imports.pack(PEOPLE_CSV)})),
    "comments.add": Recipe(
        actors=("warga6", "kades"), url={"program_id": int_url("programs")},
        fields={"stance": choice("support", "concern", "question"), "body": TEXT,
                "on_behalf_of": USERNAME, "objection": from_world("votes")},
        base=lambda w: ({"program_id": w["program"]["loc_discussion"]},
                        {"stance": "question", "body": "Kapan mulai dikerjakan?"})),
    "comments.reply": Recipe(
        actors=("warga6", "kades"), url={"program_id": int_url("programs")},
        fields={"parent": from_world("comments"), "body": TEXT, "on_behalf_of": USERNAME},
        base=lambda w: ({"program_id": w["program"]["loc_discussion"]},
                        {"parent": w["comment"]["parent"], "body": "Betul, tiap hujan."})),
    "comments.edit": Recipe(
        actors=("warga6",), url={"program_id": int_url("programs"),
                                 "comment_id": int_url("comments")},
        fields={"body": TEXT},
        base=lambda w: ({"program_id": w["program"]["loc_discussion"],
                         "comment_id": w["comment"]["edit"]}, {"body": "Ralat: 200 meter."})),
    "comments.hide": Recipe(
        actors=("warga6",), url={"program_id": int_url("programs"),
                                 "comment_id": int_url("comments")},
        fields={"reason": TEXT},
        base=lambda w: ({"program_id": w["program"]["loc_discussion"],
                         "comment_id": w["comment"]["hide"]}, {"reason": ""})),
    "comments.summary": Recipe(
        actors=("pendamping", "warga1"), url={"program_id": int_url("programs")},
        fields={"body": TEXT},
        base=lambda w: ({"program_id": w["program"]["loc_discussion"]},
                        {"body": "Sepakat: saluran.\nBelum: biaya."})),
    "comments.addressed": Recipe(
        actors=("pendamping", "warga1"), url={"program_id": int_url("programs"),
                                              "vote_id": int_url("votes")},
        base=lambda w: ({"program_id": w["program"]["loc_failed"],
                         "vote_id": w["objection"]}, {})),
    "assessment.add_finding": Recipe(
        actors=("pendamping", "warga5"), url={"program_id": int_url("programs")},
        fields=FINDING_FIELDS,
        base=lambda w: ({"program_id": w["program"]["plan_assessment"]}, VALID_FINDING)),
    "assessment.edit_finding": Recipe(
        actors=("pendamping", "warga5"),
        url={"program_id": int_url("programs"), "finding_id": int_url("findings")},
        fields=FINDING_FIELDS,
        base=lambda w: ({"program_id": w["program"]["plan_assessment"],
                         "finding_id": w["finding"]}, VALID_FINDING)),
    "assessment.delete_finding": Recipe(
        actors=("pendamping", "warga5"),
        url={"program_id": int_url("programs"), "finding_id": int_url("findings")},
        base=lambda w: ({"program_id": w["program"]["plan_assessment"],
                         "finding_id": w["finding"]}, {}),
        finals=lambda w: [({"program_id": w["program"]["plan_assessment"],
                            "finding_id": w[key]}, {}) for key in ("finding", "other_finding")]),
    "organizing.support": Recipe(
        actors=("warga10", "pendamping"), url={"program_id": int_url("programs")},
        base=lambda w: ({"program_id": w["program"]["act_organizing"]}, {})),
    "organizing.leave": Recipe(
        actors=("warga1", "pendamping"), url={"program_id": int_url("programs")},
        base=lambda w: ({"program_id": w["program"]["act_organizing"]}, {})),
    # warga1's own news (the steps of the world told them); warga2 is refused it.
    "notifications.mark_read": Recipe(
        actors=("warga1", "warga2"), url={"notification_id": int_url("notifications")},
        fields={"next": NEXT},
        base=lambda w: ({"notification_id": w["notification"]}, {"next": "/notifications"})),
    "notifications.mark_all_read": Recipe(actors=("warga1", "warga2")),
    # The hall: the facilitator records present residents' votes and writes the minutes.
    "meetings.room_vote": Recipe(
        actors=("pendamping", "warga5"), url={"meeting_id": int_url("meetings")},
        fields={"program": from_world("programs"), "voter": USERNAME,
                "choice": choice(*ALL_CHOICES), "reason": TEXT},
        base=lambda w: ({"meeting_id": w["meeting"]["room"]},
                        {"program": w["program"]["loc_voting"], "voter": "warga3",
                         "choice": "agree"})),
    "meetings.room_counts": Recipe(
        actors=("pendamping", "warga5"), url={"meeting_id": int_url("meetings")},
        fields={"program": from_world("programs"), "agree": NUMBER, "abstain": NUMBER,
                "disagree": NUMBER, "block": NUMBER, "reason": TEXT},
        base=lambda w: ({"meeting_id": w["meeting"]["secret"]},
                        {"program": w["program"]["loc_secret"], "agree": "5",
                         "disagree": "1", "block": "1", "reason": "Biaya belum jelas."})),
    "meetings.save_minutes": Recipe(
        actors=("pendamping", "warga5"),
        url={"meeting_id": int_url("meetings"), "item_id": int_url("items")},
        fields={"notes": TEXT},
        base=lambda w: ({"meeting_id": w["meeting"]["room"], "item_id": w["item"]},
                        {"notes": "Warga sepakat."})),
    "notifications.settings": Recipe(
        actors=("warga1", "warga2"), fields={"kinds": choice(*NEWS_KINDS)},
        base=lambda w: ({}, {"kinds": "reply"})),
    # The official's desk; the base approves, and the same approval again is the double
    # click the step recognises (so the final base requests are accepted too).
    "approvals.decide": Recipe(
        actors=("kades", "pendamping", "warga1"),
        url={"program_id": int_url("programs"),
             "name": Kind(lambda w: st.one_of(st.sampled_from(("approve", "return", "reject")),
                                              HOSTILE), NASTY_STRINGS)},
        fields={"reason": TEXT, "expected_state": STATE, "confirm": choice("yes", "no")},
        base=lambda w: ({"program_id": w["program"]["loc_agreed"], "name": "approve"},
                        {"expected_state": "agreed", "confirm": "yes"})),
    # The meeting's record: closed meetings to name officers and attach a signed sheet to,
    # a locked one to correct.
    "meetings.set_officers": Recipe(
        actors=("pendamping", "warga1"), url={"meeting_id": int_url("meetings")},
        fields={"chair": TEXT, "secretary": TEXT},
        base=lambda w: ({"meeting_id": w["meeting"]["closed_a"]},
                        {"chair": "Bapak Ketua BPD", "secretary": "Ibu Nur"})),
    "meetings.upload_scan": Recipe(
        actors=("pendamping", "warga1"), url={"meeting_id": int_url("meetings")},
        fields={"scan": SCAN},
        base=lambda w: ({"meeting_id": w["meeting"]["closed_a"]}, {"scan": Upload(SIGNED_PDF, "scan.pdf")}),
        finals=lambda w: [({"meeting_id": w["meeting"][key]}, {"scan": Upload(SIGNED_PDF, "scan.pdf")})
                          for key in ("closed_a", "closed_b")]),
    "meetings.add_addendum": Recipe(
        actors=("pendamping", "warga1"), url={"meeting_id": int_url("meetings")},
        fields={"body": TEXT},
        base=lambda w: ({"meeting_id": w["meeting"]["locked"]}, {"body": "Ralat: rapat dimulai pukul 09.30."})),
    # Meetings (the world's "meeting" pool): each step's finals use meetings of their own,
    # so a nasty value the check lets through (a reason "a\x00b") cannot spend them.
    "meetings.create": Recipe(
        actors=("pendamping", "warga1"), url={"round_id": int_url("rounds")},
        fields={"title": TEXT, "starts_at": MOMENT, "place": TEXT,
                "programs": from_world("programs")},
        base=lambda w: ({"round_id": LOCALITY_ROUND}, {
            "title": "Musyawarah Dusun", "starts_at": w["tomorrow"], "place": "Balai Desa",
            "programs": str(w["program"]["loc_discussion"])})),
    "meetings.invitees": Recipe(
        actors=("pendamping", "warga1"), url={"meeting_id": int_url("meetings")},
        fields={"invitees": USERNAME},
        base=lambda w: ({"meeting_id": w["meeting"]["invitees"]}, {"invitees": "warga3"})),
    "meetings.open_meeting": Recipe(
        actors=("pendamping", "warga1"), url={"meeting_id": int_url("meetings")},
        base=lambda w: ({"meeting_id": w["meeting"]["scheduled"]}, {}),
        finals=lambda w: [({"meeting_id": w["meeting"][k]}, {}) for k in ("open_a", "open_b")]),
    "meetings.postpone": Recipe(
        actors=("pendamping", "warga1"), url={"meeting_id": int_url("meetings")},
        fields={"reason": TEXT, "starts_at": MOMENT},
        base=lambda w: ({"meeting_id": w["meeting"]["postpone"]},
                        {"reason": "Hujan deras", "starts_at": w["tomorrow"]}),
        finals=lambda w: [({"meeting_id": w["meeting"][k]},
                           {"reason": "Hujan deras", "starts_at": w["tomorrow"]})
                          for k in ("postpone_a", "postpone_b")]),
    "meetings.close": Recipe(
        actors=("pendamping", "warga1"), url={"meeting_id": int_url("meetings")},
        base=lambda w: ({"meeting_id": w["meeting"]["in_session"]}, {}),
        finals=lambda w: [({"meeting_id": w["meeting"][k]}, {}) for k in ("close_a", "close_b")]),
    "meetings.present": Recipe(
        actors=("pendamping", "warga1"), url={"meeting_id": int_url("meetings")},
        fields={"member": USERNAME},
        base=lambda w: ({"meeting_id": w["meeting"]["in_session"]}, {"member": "warga3"})),
    "meetings.guests": Recipe(
        actors=("pendamping", "warga1"), url={"meeting_id": int_url("meetings")},
        fields={"name": TEXT, "kind": choice(*GUEST_KINDS)},
        base=lambda w: ({"meeting_id": w["meeting"]["in_session"]},
                        {"name": "Pak Wartawan", "kind": "observer"})),
}


def recipe_for(endpoint: str) -> Recipe:
    recipe = RECIPES.get(endpoint)
    assert recipe is not None, (
        f"the POST route {endpoint} ({POST_RULES[endpoint].rule}) has no fuzz recipe: add "
        "its actor, URL variables and fields to RECIPES in tests/system/test_fuzz.py")
    variables = set(rule_variables(POST_RULES[endpoint]))
    assert variables == set(recipe.url), (
        f"{endpoint}: the rule's URL variables {sorted(variables)} differ from the recipe's "
        f"{sorted(recipe.url)}")
    return recipe


def test_every_post_route_has_a_recipe():
    """Every POST route is fuzzed (and every recipe still names a POST route)."""
    assert POST_ENDPOINTS, "no POST route found"
    missing = [f"{e} {POST_RULES[e].rule}" for e in POST_ENDPOINTS if e not in RECIPES]
    assert not missing, f"POST routes without a fuzz recipe: {missing}"
    stale = sorted(set(RECIPES) - set(POST_ENDPOINTS))
    assert not stale, f"recipes for routes that no longer take POST: {stale}"
    for endpoint in POST_ENDPOINTS:
        recipe_for(endpoint)


def activation_form(w, username: str) -> dict:
    return {"username": username, "code": w["codes"][username],
            "password": "sawah hijau 2027", "password_confirm": "sawah hijau 2027"}


# --- the world the requests land in -----------------------------------------------------------

def _cheap_hashing(patch) -> None:
    hash_cheaply(patch)
    patch.setattr(accounts, "_DUMMY_HASH", CHEAP_HASHER.hash("not-a-real-password"))


@pytest.fixture
def cheap_hashing(monkeypatch):
    _cheap_hashing(monkeypatch)


def _build_world(url: str) -> dict:
    """Programs of all three templates in the states where each route reaches deep code,
    and a second community (Desa Seberang) with its own program; returns the ids."""
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as db:
        people = {u.username: u for u in db.exec(select(User))}
        db.commit()

        def fire(pid, name, who="pendamping", **kwargs):
            commands.fire_transition(db, people[who], pid, name, utcnow(), **kwargs)

        def new(round_id, author, **changes):
            return commands.create_program(db, people[author], round_id,
                                           {**VALID_PROGRAM, **changes}, "", utcnow()).id

        def vote(pid, choice):
            for i in range(1, 9):  # 8 of 12: the quorum of 2/3
                voting_commands.cast_vote(db, people[f"warga{i}"], pid, choice, "", utcnow())

        def support(pid, n):
            for i in range(1, n + 1):
                organizing.join_supporters(db, people[f"warga{i}"], pid, utcnow())

        def finding(pid, **changes):
            assessment.record_finding(db, people["pendamping"], pid,
                                      {**VALID_FINDING, **changes}, utcnow())

        p = {"loc_voting": arrange(db, people, "voting"),  # the demo program, ballot open
             "loc_draft": new(LOCALITY_ROUND, "warga3")}
        for key in ("loc_draft_b", "loc_draft_c"):  # one author's drafts differ in words
            p[key] = new(LOCALITY_ROUND, "warga3", title=f"Posyandu keliling {key}")
        p["loc_discussion"] = new(LOCALITY_ROUND, "warga1")
        fire(p["loc_discussion"], "submit", "warga1")
        fire(p["loc_discussion"], "open_discussion")
        # The discussion's own rows: a comment to reply to, one to correct (written 12
        # hours ahead, so its 15 minutes are open whenever the fuzz runs), one to hide.
        said = {key: comment_commands.add_comment(
            db, people[who], p["loc_discussion"], "question", "Berapa meter salurannya?",
            utcnow() + timedelta(hours=12 if key == "edit" else 0)).id
            for key, who in (("parent", "warga2"), ("edit", "warga6"), ("hide", "warga6"))}
        # A failed consent round with one objection (a block) to mark as addressed.
        p["loc_failed"] = new(LOCALITY_ROUND, "warga4")
        fire(p["loc_failed"], "submit", "warga4")
        fire(p["loc_failed"], "open_discussion")
        fire(p["loc_failed"], "open_voting")
        vote(p["loc_failed"], "agree")
        voting_commands.cast_vote(db, people["warga9"], p["loc_failed"], "block",
                                  "Biaya belum jelas.", utcnow())
        fire(p["loc_failed"], "close_voting")
        objection = db.exec(select(Vote.id).where(Vote.choice == "block")).one()
        p["loc_agreed"] = new(LOCALITY_ROUND, "warga4")
        fire(p["loc_agreed"], "submit", "warga4")
        fire(p["loc_agreed"], "open_discussion")
        fire(p["loc_agreed"], "open_voting")
        vote(p["loc_agreed"], "agree")
        fire(p["loc_agreed"], "close_voting")
        p["plan_assessment"] = new(PLANNING_ROUND, "warga5")
        fire(p["plan_assessment"], "submit", "warga5")
        fire(p["plan_assessment"], "start_assessment")
        for n in range(6):
            finding(p["plan_assessment"], value=str(40 + n))
        # Invitations to answer and a co-author to leave (the drafting recipes).
        for pid, author in ((p["loc_discussion"], "warga1"), (p["plan_assessment"], "warga5")):
            for name in ("warga10", "warga12"):
                coauthors.invite_coauthor(db, people[author], pid, name, utcnow())
            coauthors.accept_coauthor(db, people["warga12"], pid, utcnow())
        coauthors.invite_coauthor(db, people["warga1"], p["loc_discussion"], "warga9", utcnow())
        p["plan_consultation"] = new(PLANNING_ROUND, "warga6")
        fire(p["plan_consultation"], "submit", "warga6")
        fire(p["plan_consultation"], "start_assessment")
        finding(p["plan_consultation"])
        fire(p["plan_consultation"], "publish_findings")
        p["act_organizing"] = new(ACTION_ROUND, "warga7")
        fire(p["act_organizing"], "submit", "warga7")
        fire(p["act_organizing"], "start_organizing")
        support(p["act_organizing"], 3)
        for key in ("act_agreed", "act_action"):
            p[key] = new(ACTION_ROUND, "warga8")
            fire(p[key], "submit", "warga8")
            fire(p[key], "start_organizing")
            support(p[key], 6)
            fire(p[key], "open_voting")
            vote(p[key], "yes")
            fire(p[key], "close_voting")
        fire(p["act_action"], "deliver", form={"target": "Bupati", "channel": "petition"})
        # Desa Seberang: its people and program are invisible to the demo village.
        now = utcnow()
        seberang = Community(name="Desa Seberang", slug="seberang", kind="desa")
        db.add(seberang)
        db.flush()
        rnd = Round(community_id=seberang.id, title="Musyawarah Seberang",
                    template="locality", created_at=now)
        outsider = create_user(db, "orangluar", "Orang Luar", demo.PASSWORD, now)
        db.add_all([Dusun(community_id=seberang.id, name="Dusun Pesisir"), rnd,
                     Membership(user_id=outsider.id, community_id=seberang.id,
                                role="resident")])
        # Two residents who moved away (deactivated), to be switched on again.
        for name in ("pindah1", "pindah2"):
            moved = create_user(db, name, f"Warga Pindah {name[-1]}", demo.PASSWORD, now)
            db.add(Membership(user_id=moved.id, community_id=1, role="resident", active=False))
        db.commit()
        # Slips of three residents (made with the tests' secret key).
        keys = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret"})
        with keys.app_context():
            codes = {name: activation.code_of(activation.issue(db, people[name], now))
                     for name in ("warga9", "warga10", "warga11")}
        keys.extensions[ENGINE_KEY].dispose()
        db.commit()
        meetings = {}
        for key, state in (("closed_a", "closed"), ("closed_b", "closed"), ("locked", "locked")):
            meetings[key] = held_meeting(db, people, state=state, decide=False)
        p["outsider"] = commands.create_program(db, outsider, rnd.id, VALID_PROGRAM, "",
                                                now).id
        # An open meeting with the voting program on its agenda, warga1-8 present.
        meeting, item = meeting_of(db, people, p["loc_voting"],
                                   present=tuple(f"warga{i}" for i in range(1, 9)))
        # A secret ballot on another open meeting's agenda, warga1-8 present: room counts.
        p["loc_secret"] = new(LOCALITY_ROUND, "warga6")
        fire(p["loc_secret"], "submit", "warga6")
        fire(p["loc_secret"], "open_discussion")
        fire(p["loc_secret"], "open_voting", form={"secret": "on"})
        secret_meeting, _item = meeting_of(db, people, p["loc_secret"],
                                           present=tuple(f"warga{i}" for i in range(1, 9)))
        users = {u.username: u.id for u in db.exec(select(User))}
        seberang_id = seberang.id
        findings = sorted(db.exec(select(Finding.id)))
        dusun = sorted(db.exec(select(Dusun.id)))
        news = sorted(db.exec(select(Notification.id)))
        news_of_warga1 = db.exec(select(Notification.id).where(
            Notification.user_id == users["warga1"]).order_by(Notification.id)).first()
        db.commit()
        meetings.update({**meetings_of_the_world(db, people), "room": meeting,
                         "secret": secret_meeting})
    engine.dispose()  # SQLite: closing the last connection folds the WAL into the file
    return {
        "program": p, "programs": sorted(p.values()) + [0, MISSING_ID],
        # Ids the nasty values reach (1, 3, 12, 123 as non-ASCII digits) are left alone.
        "finding": findings[4], "other_finding": findings[5],
        "findings": findings + [0, MISSING_ID],
        "rounds": [LOCALITY_ROUND, PLANNING_ROUND, ACTION_ROUND, rnd.id, 0, MISSING_ID],
        "user": users, "user_ids": sorted(users.values()) + [0, MISSING_ID],
        "usernames": sorted(users), "dusun": dusun + [0, MISSING_ID],
        "communities": [1, seberang_id, 0, MISSING_ID], "codes": codes,
        "notification": news_of_warga1, "notifications": news + [0, MISSING_ID],
        "comment": said, "comments": sorted(said.values()) + [0, MISSING_ID],
        "objection": objection, "votes": [objection, 0, MISSING_ID],
        "meeting": meetings, "meetings": sorted(meetings.values()) + [0, MISSING_ID],
        "tomorrow": tomorrow_local(),
        "item": item, "items": [item, 0, MISSING_ID],
    }


def tomorrow_local() -> str:
    """A day from now on the demo village's clocks, as the meeting form writes it."""
    return local_time(utcnow() + timedelta(days=1), "Asia/Jakarta").strftime("%Y-%m-%dT%H:%M")


def meetings_of_the_world(db, people) -> dict:
    """Meetings of the locality round, due today, in the states the meeting routes need;
    the first (id 1, which "0001" in a URL reaches) is left alone."""
    made = {}
    for key in ("untouched", "invitees", "scheduled", "open_a", "open_b", "postpone",
                "postpone_a", "postpone_b", "in_session", "close_a", "close_b"):
        meeting = meeting_commands.schedule_meeting(db, people["pendamping"], LOCALITY_ROUND, {
            "title": f"Musyawarah {key}", "starts_at": tomorrow_local(), "place": "Balai Desa"},
            utcnow())
        meeting.starts_at = utcnow()   # due today on the village's clocks
        db.add(meeting)
        db.commit()
        if key in ("in_session", "close_a", "close_b"):
            meeting_commands.open_meeting(db, people["pendamping"], meeting.id, utcnow())
        made[key] = meeting.id
    return made


@pytest.fixture(scope="session")
def world_template(backend, databases):
    """(template, ids): the seeded demo database with the fuzz world built on it, once per
    backend."""
    with pytest.MonkeyPatch.context() as patch:
        _cheap_hashing(patch)
        return databases.template(backend[1], _build_world)


@pytest.fixture
def database_url(world_template, databases):
    """The test's own copy of the fuzz world (in place of conftest's bare demo village)."""
    url = databases.copy(world_template[0])
    yield url
    databases.release(url)


@pytest.fixture
def world(world_template, cheap_hashing):
    """The ids of the fuzz world's programs, findings, rounds, people and dusun."""
    return world_template[1]


_fresh = itertools.count(1)


def actor_user(db, people, actor):
    """The User who sends the request (a forced password change cleared first), or None."""
    if actor is None:
        return None
    if actor == FRESH:
        # A new resident of Desa Sukamaju with the demo password (hashed cheaply).
        now = utcnow()
        user = User(username=f"fuzz{os.getpid()}x{next(_fresh)}", display_name="Fuzz",
                    password_hash=CHEAP_HASHER.hash(demo.PASSWORD), created_at=now)
        db.add(user)
        db.flush()
        db.add(Membership(user_id=user.id, community_id=1, role="resident"))
        db.commit()
        return user
    user = people[actor]
    # An admin may have reset this actor's password in an earlier example: undo that here,
    # or every later request would only be sent to the password page.
    forced = db.exec(select(User.must_change_password).where(User.id == user.id)).one()
    if forced:
        db.exec(update(User).where(User.id == user.id).values(must_change_password=False))
    db.commit()
    return user


# --- the invariants ---------------------------------------------------------------------------

@pytest.fixture
def tables(app):
    """Every table of the database, reflected (so a new table is compared too)."""
    meta = MetaData()
    meta.reflect(bind=app.extensions[ENGINE_KEY])
    missing = set(SQLModel.metadata.tables) - set(meta.tables)
    assert not missing, f"tables of the models not in the database: {missing}"
    return meta


def full_snapshot(db, meta) -> dict:
    """{table: (column names, every row in primary-key order)}; the transaction is ended."""
    connection = db.connection()
    result = {}
    for name, table in sorted(meta.tables.items()):
        order = list(table.primary_key.columns) or list(table.columns)
        rows = connection.execute(sa_select(table).order_by(*order)).all()
        result[name] = (tuple(table.columns.keys()), [tuple(row) for row in rows])
    db.commit()
    return result


def short(value, limit=120) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


def changes(before: dict, after: dict, appends: tuple) -> list:
    """What differs between two snapshots, but for failed logins appended where allowed."""
    problems = []
    for table in sorted(set(before) | set(after)):
        columns, old = before.get(table, ((), []))
        new = after.get(table, ((), []))[1]
        if old == new:
            continue
        if table in appends and new[:len(old)] == old and all(
                not dict(zip(columns, row)).get("succeeded", False) for row in new[len(old):]):
            continue
        gone, came = set(old) - set(new), set(new) - set(old)
        problems.append(f"{table}: {len(old)} -> {len(new)} rows; removed "
                        f"{short(sorted(gone, key=repr)[:3], 600)}; added or changed "
                        f"{short(sorted(came, key=repr)[:3], 600)}")
    return problems


@dataclass
class Request:
    endpoint: str
    actor: object
    url: str
    pairs: list   # [(name, str or bytes)] after the csrf token
    encoding: str  # "urlencoded" or "multipart"
    remote_addr: str

    def __repr__(self):  # short enough to read when hypothesis prints a failing example
        pairs = ", ".join(f"({short(n, 60)}, {short(v, 80)})" for n, v in self.pairs)
        return (f"Request({self.endpoint}, actor={self.actor!r}, url={short(self.url, 200)}, "
                f"{self.encoding}, remote_addr={self.remote_addr!r}, pairs=[{pairs}])")


def build_url(endpoint: str, values: dict, query: dict | None = None) -> str:
    rule = POST_RULES[endpoint]
    url = _RULE_VARIABLE.sub(lambda m: quote(str(values[m["name"]]), safe=""), rule.rule)
    if query:
        url += "?" + urlencode(query)
    return url


def post(client, request: Request, token: str, htmx: bool):
    pairs = [("csrf_token", token), *request.pairs]
    headers = {"HX-Request": "true"} if htmx else {}
    environ = {"REMOTE_ADDR": request.remote_addr}
    files = any(isinstance(value, Upload) for _, value in pairs)
    if request.encoding == "urlencoded" and not files:
        return client.post(request.url, data=urlencode(pairs), headers=headers,
                           content_type="application/x-www-form-urlencoded",
                           environ_base=environ)
    form = MultiDict([(name, (io.BytesIO(value.data), value.filename)
                       if isinstance(value, Upload) else
                       value.decode("latin-1") if isinstance(value, bytes) else value)
                      for name, value in pairs])
    return client.post(request.url, data=form, headers=headers,
                       content_type="multipart/form-data", environ_base=environ)


def check(client, db, meta, request: Request, user, recipe) -> list:
    """Send the request plainly and as htmx; return [(what broke, the exception or None)]."""
    failures = []
    token = login_as(client, user)
    for htmx in (False, True):
        if htmx and recipe.ends_session:
            token = login_as(client, user)
        before = full_snapshot(db, meta)
        what = f"{'htmx' if htmx else 'plain'} POST {request!r}"
        try:
            response = post(client, request, token, htmx)
        except Exception as exc:  # TESTING propagates what would have been a 500
            wrote = changes(before, full_snapshot(db, meta), ())
            failures.append((f"500 (exception) on {what}\n"
                             f"{'and it wrote: ' + str(wrote) if wrote else 'nothing written'}"
                             f"\n{traceback.format_exc()}", exc))
            continue
        if response.status_code >= 500:
            failures.append((f"{response.status_code} on {what}", None))
            continue
        if response.status_code >= 400:
            problems = changes(before, full_snapshot(db, meta), recipe.refusal_appends)
            if problems:
                failures.append((f"refused with {response.status_code} but wrote: "
                                 f"{problems} on {what}", None))
    verdict = audit.verify(db)
    db.commit()
    if not verdict.ok:
        failures.append((f"audit chain broken at event {verdict.broken_id}: "
                         f"{verdict.problem} after {request!r}", None))
    return failures


# --- drawing requests -------------------------------------------------------------------------

@st.composite
def requests(draw, endpoint: str, recipe: Recipe, world: dict):
    base_url, base_form = recipe.base(world)
    url_values = {}
    for name, kind in recipe.url.items():
        options = [kind.make(world)]
        if name in base_url:
            options[:0] = [st.just(str(base_url[name])), mutations(str(base_url[name]))]
        url_values[name] = draw(st.one_of(*options), label=f"url {name}")
    query = {name: draw(st.one_of(st.just("/"), kind.make(world)), label=f"query {name}")
             for name, kind in recipe.query.items()
             if draw(st.booleans(), label=f"query {name} sent")}
    pairs = []
    for name, kind in recipe.fields.items():
        # Mostly once; sometimes missing, sometimes repeated (the first value counts).
        times = draw(st.sampled_from((1, 1, 1, 0, 2, 3)), label=f"{name} times")
        for _ in range(times):
            options = [kind.make(world)]
            if isinstance(base_form.get(name), Upload):
                options[:0] = [st.just(base_form[name])]
            elif name in base_form:
                options[:0] = [st.just(str(base_form[name])), mutations(str(base_form[name]))]
            pairs.append((name, draw(st.one_of(*options), label=name)))
    # Extra fields, some with very long names, and raw bytes that are not UTF-8.
    pairs += draw(st.lists(st.tuples(FIELD_NAME, st.one_of(HOSTILE, RAW)), max_size=3),
                  label="extra fields")
    if pairs and draw(st.booleans(), label="raw bytes"):
        index = draw(st.integers(0, len(pairs) - 1), label="raw at")
        pairs[index] = (pairs[index][0], draw(RAW, label="raw value"))
    if draw(st.booleans(), label="shuffle"):
        order = draw(st.permutations(range(len(pairs))), label="order")
        pairs = [pairs[i] for i in order]
    return Request(
        endpoint=endpoint, actor=draw(st.sampled_from(recipe.actors), label="actor"),
        url=build_url(endpoint, url_values, query), pairs=pairs,
        encoding=draw(st.sampled_from(("urlencoded", "urlencoded", "multipart")),
                      label="encoding"),
        remote_addr=draw(st.ip_addresses().map(str), label="remote addr"))


# --- the tests --------------------------------------------------------------------------------

class Env:
    """The fixtures a test needs, printed briefly when hypothesis shows a failing example."""

    def __init__(self, **fixtures):
        self.__dict__.update(fixtures)

    def __repr__(self):
        return f"<the fuzz world on {self.app.config['DATABASE_URL'].split(':')[0]}>"


@pytest.fixture
def env(world, app, client, db, people, tables, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")  # the signed sheets sent, the test's own
    return Env(world=world, app=app, client=client, db=db, people=people, tables=tables)


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
@FUZZ
@given(data=st.data())
def test_fuzz_post_route(endpoint, env, data):
    """Hostile requests by a suitable actor: no 5xx, refusals write nothing, audit intact."""
    recipe = recipe_for(endpoint)
    request = data.draw(requests(endpoint, recipe, env.world), label="request")
    user = actor_user(env.db, env.people, request.actor)
    failures = check(env.client, env.db, env.tables, request, user, recipe)
    for message, _ in failures:
        note(message)
    for _, exc in failures:
        if exc is not None:
            raise exc  # the app's own exception: hypothesis tells distinct bugs apart by it
    assert not failures, "\n\n".join(message for message, _ in failures)


NASTY_FIELDS = [(endpoint, where, name) for endpoint in POST_ENDPOINTS if endpoint in RECIPES
                for where in ("url", "query", "form")
                for name, kind in getattr(RECIPES[endpoint],
                                          "fields" if where == "form" else where).items()
                if kind.nasty]


def base_request(endpoint, recipe, values) -> "Request":
    url_values, form = values
    return Request(endpoint, recipe.actors[0], build_url(endpoint, url_values),
                   [(k, form_value(v)) for k, v in form.items()], "urlencoded", "127.0.0.1")


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_nasty_values(endpoint, env):
    """Known-nasty values in each field (NASTY_TABLE in numbers and ids, NASTY_NEXT in
    redirect targets, NASTY_STRINGS in text), the rest of the request valid, each plainly
    and as htmx; then the base request must be accepted, plainly and as htmx.

    The last part keeps the recipes honest: the fuzzed and the nasty requests start from
    one that reaches the route's deepest code, so they met its real checks, not an early
    refusal (a wrong actor, a program in the wrong state).
    """
    recipe = recipe_for(endpoint)
    base_url, base_form = recipe.base(env.world)
    actor = recipe.actors[0]
    addresses = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())  # no throttle
    failures, sent = [], 0  # [(field=value, what broke)]
    for _, where, name in [f for f in NASTY_FIELDS if f[0] == endpoint]:
        kind = getattr(recipe, "fields" if where == "form" else where)[name]
        for value in kind.nasty:
            url_values, query, form = dict(base_url), {}, dict(base_form)
            {"url": url_values, "query": query, "form": form}[where][name] = value
            request = Request(endpoint, actor, build_url(endpoint, url_values, query),
                              [(k, form_value(v)) for k, v in form.items()], "urlencoded",
                              next(addresses))
            user = actor_user(env.db, env.people, actor)
            failures += [(f"{where} {name}={short(value, 60)}", message) for message, _
                         in check(env.client, env.db, env.tables, request, user, recipe)]
            sent += 2
    finals = recipe.finals(env.world) if recipe.finals else [recipe.base(env.world)] * 2
    for htmx, values in zip((False, True), finals):
        request = base_request(endpoint, recipe, values)
        request.remote_addr = next(addresses)
        user = actor_user(env.db, env.people, actor)
        response = post(env.client, request, login_as(env.client, user), htmx)
        if response.status_code >= 400:
            failures.append(("the base request", f"refused ({'htmx' if htmx else 'plain'}) "
                                                 f"with {response.status_code}: {request!r}"))
    summary = "\n".join(f"- {where}: {message.splitlines()[0][:160]}"
                        for where, message in failures)
    details = "\n\n".join(message for _, message in failures[:3])
    assert not failures, (f"{len(failures)} of {sent + 2} requests broke an invariant:\n"
                          f"{summary}\n\nThe first in full:\n{details}")
