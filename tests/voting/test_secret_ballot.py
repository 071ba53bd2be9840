"""A secret ballot stays secret: no page, fragment, JSON answer or log line a member can reach
ties a person to the choice they made (DESIGN.md, "Votes": in a secret ballot nobody sees
individual choices in the UI).

Residents vote with a distinctive pattern (two objections with reasons that can be searched
for, a change of mind, a vote recorded in the room by the facilitator); then every page and
fragment is read as a resident who voted, another resident who voted, a resident who did
not, the facilitator, the official and the admin, in English and in Indonesian, while the
vote is open and again after it closed. A detector looks for another person's name in the
same row (list item, table row, option, paragraph, button, any small element) as a choice
label or a ``data-choice``; an objection's reason in the same row as its writer's name; the
open ballot's list of choices. The same detector run on an OPEN ballot must find every
voter's name beside their choice, which proves it can see a leak when there is one.
"""
import json
import logging
import re
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser

from sqlmodel import select

from tests.arrange import arrange
from tests.helpers import (
    HX,
    PROGRAM,
    login_as,
    send,
)
from workflow.core.db import ENGINE_KEY
from workflow.models import Ballot, Vote

# username -> (choice, reason): cast online by the resident, as a plain or htmx form post.
ONLINE = {
    "warga1": ("block", "RAHASIA-ALASAN-1"),
    "warga2": ("disagree", ""),
    "warga3": ("agree", ""),        # first votes disagree, then changes to agree
    "warga4": ("abstain", ""),
    "warga5": ("block", "RAHASIA-ALASAN-5"),
    "warga6": ("disagree", ""),
    "warga7": ("agree", ""),
    "warga8": ("abstain", ""),
    "warga9": ("agree", ""),
    "warga10": ("disagree", ""),
}
# Recorded by the facilitator for a resident present in the meeting room.
IN_ROOM = {"warga11": ("block", "RAHASIA-ALASAN-11")}
VOTES = {**ONLINE, **IN_ROOM}          # warga12 does not vote
VIEWERS = ("warga1", "warga5", "warga12", "pendamping", "kades", "admin")
LANGS = ("en", "id")
# A choice as stored, and as labelled on the page in English and in Indonesian.
LABELS = {
    "agree": ("agree", "Agree", "Setuju"),
    "disagree": ("disagree", "Disagree", "Tidak setuju"),
    "block": ("block", "Object (block)", "Keberatan"),
    "abstain": ("abstain", "Abstain"),
}
CHOICE_RE = {choice: re.compile("|".join(rf"(?<!\w){re.escape(word)}(?!\w)" for word in words),
                                re.I) for choice, words in LABELS.items()}
OPEN_LIST_MARKERS = ('class="open-choices"', "How each person voted",
                     "Pilihan tiap orang (pemungutan suara terbuka)")
ROW_TAGS = {"li", "tr", "td", "th", "option", "p", "dd", "dt", "summary", "label", "button",
            "h1", "h2", "h3", "h4", "caption", "legend", "a", "span", "strong", "em", "time",
            "title"}
SMALL = 160   # any element with this much text or less is a "row" too
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


# --- reading HTML into rows ------------------------------------------------------------------

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []
        self._text = None

    def text(self) -> str:
        if self._text is None:
            parts = [child.text() if isinstance(child, Node) else child
                     for child in self.children]
            self._text = " ".join(" ".join(parts).split())
        return self._text

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def marks(self) -> str:
        """Attribute values that could carry a person or a choice: every data-* attribute,
        a button's or option's value, titles and labels for assistive technology."""
        found = []
        for node in self.walk():
            for name, value in node.attrs.items():
                if value and (name.startswith("data-") or name in ("title", "aria-label", "alt")
                              or (name == "value" and node.tag in ("button", "option"))):
                    found.append(value)
        return " ".join(found)


class Tree(HTMLParser):
    def __init__(self, body: str):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", [], None)
        self.feed(body)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)

    def handle_comment(self, data):
        self.current.children.append(data)   # a leak in an HTML comment is still a leak


def rows(body: str):
    """(text, marks) for every row-like element of the page."""
    for node in Tree(body).root.walk():
        if node.tag == "#document":
            continue
        text = node.text()
        if node.tag in ROW_TAGS or len(text) <= SMALL:
            yield text, node.marks()


def choices_in(text: str) -> set:
    return {choice for choice, pattern in CHOICE_RE.items() if pattern.search(text)}


@dataclass(frozen=True)
class Voter:
    username: str
    name: str
    id: int
    choice: str
    reason: str

    def named_in(self, text: str) -> bool:
        return self.name in text or re.search(rf"(?<!\w){self.username}(?!\w)", text) is not None


def named(voters, text: str) -> list:
    """The voters named in ``text``, by name or user name (a quick test first)."""
    return [v for v in voters if (v.name in text or v.username in text) and v.named_in(text)]


@dataclass
class Output:
    where: str          # what was read, e.g. "GET /programs/1 [open]"
    viewer: str         # the username reading it
    lang: str
    body: str
    json: object = None


def html_leaks(output: Output, voters: list) -> list:
    """Rows where someone other than the viewer is named beside a choice, or beside the reason
    they gave for an objection."""
    found = []
    others = named([v for v in voters if v.username != output.viewer], output.body)
    for text, marks in rows(output.body) if others else ():
        for voter in named(others, text + " " + marks):
            choices = choices_in(text) | choices_in(marks)
            if choices:
                found.append((voter.username, sorted(choices), text[:200]))
            if voter.reason and voter.reason in text + marks:
                found.append((voter.username, "reason", text[:200]))
    for marker in OPEN_LIST_MARKERS:
        if marker in output.body:
            found.append(("*", "open-choices list", marker))
    return found


def json_leaks(output: Output, voters: list) -> list:
    """Objects that name someone other than the viewer (by name, user name or user id) and
    hold a choice or their objection's reason anywhere inside."""
    found = []
    others = [v for v in voters if v.username != output.viewer]

    def scan(node, path):
        if isinstance(node, dict):
            strings = [v for v in node.values() if isinstance(v, str)]
            ids = {v for k, v in node.items() if isinstance(v, int) and not isinstance(v, bool)
                   and (k.endswith("user_id") or k in ("user", "voter", "voter_id", "actor_id",
                                                       "recorded_by"))}
            inside = json.dumps(node, ensure_ascii=False)
            for voter in others:
                if voter.id in ids or any(voter.named_in(s) for s in strings):
                    choices = choices_in(inside)
                    if choices:
                        found.append((voter.username, sorted(choices), path, inside[:200]))
                    if voter.reason and voter.reason in inside:
                        found.append((voter.username, "reason", path, inside[:200]))
            for key, child in node.items():
                scan(child, f"{path}.{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                scan(child, f"{path}[{i}]")

    scan(output.json, "$")
    return found


# --- the flow: open a ballot, vote, read everything, close, read everything again ------------

PAGES = ("/", "/rounds/1", "/rounds/2", "/rounds/3", "/rounds/1/programs/new", "/programs/1",
         "/programs/1/history", "/account", "/account/password", "/admin")
FRAGMENTS = ("/programs/1", "/programs/1/tally", "/programs/1/history")
JSON_PAGES = ("/api/v1/programs/1", "/account/data", "/account/data?user_id=4",
              "/account/data?id=5")


class Flow:
    def __init__(self, app, db, people, secret: bool, server: str | None = None):
        self.app, self.db, self.people, self.secret, self.server = app, db, people, secret, server
        self.outputs: list[Output] = []
        self.voters = [Voter(u, people[u].display_name, people[u].id, *VOTES[u]) for u in VOTES]

    def keep(self, where, viewer, lang, response, phase, expect=200):
        assert response.status_code == expect, (where, viewer, response.status_code,
                                                response.get_data(as_text=True)[:500])
        body = response.get_data(as_text=True)
        data = response.get_json(silent=True) if response.is_json or "json" in (
            response.mimetype or "") else None
        self.outputs.append(Output(f"{where} [{phase}]", viewer, lang, body, data))
        return response

    def client(self, username, lang="en"):
        client = self.app.test_client()
        return client, login_as(client, self.people[username], lang)

    def run(self):
        db, people = self.db, self.people
        arrange(db, people, "discussion")
        facilitator, token = self.client("pendamping")
        form = {"expected_state": "discussion", **({"secret": "on"} if self.secret else {})}
        self.keep("POST open_voting (htmx)", "pendamping", "en",
                  send(facilitator, "/programs/1/transitions/open_voting", token, form,
                       htmx=True), "opening")
        ballot = db.exec(select(Ballot).where(Ballot.program_id == PROGRAM)).one()
        db.commit()
        assert ballot.secret is self.secret and ballot.closed_at is None

        for n, (username, (choice, reason)) in enumerate(ONLINE.items()):
            self.vote(n, username, choice, reason)
        for username, (choice, reason) in IN_ROOM.items():
            self.keep("POST room-votes (htmx)", "pendamping", "en", send(
                facilitator, "/programs/1/room-votes", token, {
                    "voter": str(people[username].id), "choice": choice, "reason": reason},
                htmx=True), "voting")
        # A room vote for someone who already voted online is refused, naming nobody's choice.
        self.keep("POST room-votes refused (htmx)", "pendamping", "en", send(
            facilitator, "/programs/1/room-votes", token, {
                "voter": str(people["warga2"].id), "choice": "agree"}, htmx=True), "voting",
            expect=409)
        commenter, comment_token = self.client("warga2")
        self.keep("POST comments (htmx)", "warga2", "en", send(
            commenter, "/programs/1/comments", comment_token,
            {"stance": "question", "body": "Kapan pekerjaannya dimulai?"}, htmx=True), "voting")

        stored = {row[0]: (row[1], row[2]) for row in db.exec(
            select(Vote.user_id, Vote.choice, Vote.reason).where(Vote.ballot_id == ballot.id))}
        db.commit()
        assert stored == {v.id: (v.choice, v.reason) for v in self.voters}

        self.read_everything("open")
        self.keep("POST close_voting (htmx)", "pendamping", "en", send(
            facilitator, "/programs/1/transitions/close_voting", token,
            {"expected_state": "voting"}, htmx=True), "closing")
        closed_at, passed = db.exec(select(Ballot.closed_at, Ballot.passed).where(
            Ballot.program_id == PROGRAM)).one()
        db.commit()
        assert closed_at is not None and passed is False   # three objections
        self.read_everything("closed")
        return self

    def vote(self, n, username, choice, reason):
        lang = LANGS[n % 2]
        client, token = self.client(username, lang)
        if username == "warga1":   # an objection without its reason first: 422 at the field
            self.keep("POST votes invalid (htmx)", username, lang, send(
                client, "/programs/1/votes", token, {"choice": "block"}, htmx=True), "voting",
                expect=422)
        if username == "warga3":   # a change of mind
            self.keep("POST votes first (htmx)", username, lang, send(
                client, "/programs/1/votes", token, {"choice": "disagree"}, htmx=True),
                "voting")
        data = {"choice": choice, "reason": reason}
        if self.server and username in ("warga9", "warga10"):
            # Through a real HTTP server, so that werkzeug's request log is written too.
            cookie_name = self.app.config["SESSION_COOKIE_NAME"]
            cookie = client.get_cookie(cookie_name).value
            request = urllib.request.Request(
                f"{self.server}/programs/1/votes", method="POST",
                data=urllib.parse.urlencode({"csrf_token": token, **data}).encode(),
                headers={"Cookie": f"{cookie_name}={cookie}", **HX})
            with urllib.request.urlopen(request, timeout=30) as answer:
                assert answer.status == 200
                body = answer.read().decode()
            self.outputs.append(Output("POST votes (live server, htmx) [voting]", username,
                                       lang, body))
        elif n % 3 == 2:           # a plain form post, then the page it redirects to
            response = self.keep("POST votes (form)", username, lang, send(
                client, "/programs/1/votes", token, data), "voting", expect=302)
            self.keep("GET after vote redirect", username, lang,
                      client.get(response.headers["Location"]), "voting")
        else:
            self.keep("POST votes (htmx)", username, lang, send(
                client, "/programs/1/votes", token, data, htmx=True), "voting")

    def read_everything(self, phase):
        for username in VIEWERS:
            for lang in LANGS:
                client, _ = self.client(username, lang)
                for url in PAGES:
                    # Only admins open /admin; admins do not propose programs.
                    forbidden = (url == "/admin" and username != "admin") or (
                        url.endswith("/programs/new") and username == "admin")
                    expect = 403 if forbidden else 200
                    self.keep(f"GET {url}", username, lang, client.get(url), phase, expect)
                for url in FRAGMENTS:
                    self.keep(f"GET {url} (htmx)", username, lang,
                              client.get(url, headers=HX), phase)
                for url in JSON_PAGES:
                    self.keep(f"GET {url}", username, lang, client.get(url), phase)

    def leaks(self) -> list:
        found = []
        for output in self.outputs:
            leaks = (json_leaks(output, self.voters) if output.json is not None
                     else html_leaks(output, self.voters))
            found.extend((output.where, output.viewer, output.lang, leak) for leak in leaks)
        return found


# --- the tests -------------------------------------------------------------------------------

def test_secret_ballot_shows_nobody_s_choice(app, db, people):
    """Nothing any member reads (pages, fragments, the API, their data download) ties another
    person to their choice or objection; each one's data download holds their own vote."""
    flow = Flow(app, db, people, secret=True).run()
    assert len(flow.outputs) > 300
    leaks = flow.leaks()
    assert leaks == [], f"{len(leaks)} leaks of a secret choice, e.g.:\n" + "\n".join(
        map(repr, leaks[:20]))
    # The page says the ballot is secret while it is open; the objections are shown, nameless.
    page = next(o.body for o in flow.outputs
                if o.where == "GET /programs/1 [open]" and o.viewer == "warga12")
    assert 'data-secret="true"' in page
    assert all(v.reason in page for v in flow.voters if v.reason)
    closed = next(o.body for o in flow.outputs
                  if o.where == "GET /programs/1/history [closed]" and o.viewer == "kades")
    assert all(v.reason in closed for v in flow.voters if v.reason)
    check_personal_data(flow, people)


def check_personal_data(flow, people) -> None:
    """The data download of each member (whatever the query string asks for) holds their own
    vote, and nobody else's vote, choice or reason."""
    downloads = [o for o in flow.outputs if o.where.startswith("GET /account/data")]
    assert len(downloads) == len(VIEWERS) * len(LANGS) * 3 * 2
    for output in downloads:
        me = people[output.viewer]
        votes = output.json["votes"]
        assert {v["user_id"] for v in votes} <= {me.id}, (output.where, output.viewer, votes)
        if output.viewer in VOTES:
            choice, reason = VOTES[output.viewer]
            assert [(v["choice"], v["reason"]) for v in votes] == [(choice, reason)]
        else:
            assert votes == []
        assert output.json["account"]["username"] == output.viewer
        for voter in flow.voters:
            if voter.username != output.viewer and voter.reason:
                assert voter.reason not in output.body, (output.where, output.viewer)


# --- logs ------------------------------------------------------------------------------------

class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        try:
            self.lines.append((record.name, record.getMessage()))
        except Exception:   # a record that cannot format still must not hide
            self.lines.append((record.name, f"{record.msg!r} {record.args!r}"))


@contextmanager
def logged(lines: list):
    """Collect into ``lines`` everything logged inside the block: a handler on the root
    logger, with the root, werkzeug and SQLAlchemy's engine logger at INFO (statements and,
    unless hidden, their parameters).

    pytest's own capture handlers on the root are set aside for the block, so that a
    failure's report does not copy the thousands of SQL lines, burying the message (which
    quotes the offending lines itself)."""
    handler = Collect()
    root = logging.getLogger()
    loggers = [root, logging.getLogger("werkzeug"), logging.getLogger("sqlalchemy.engine")]
    levels = [logger.level for logger in loggers]
    set_aside = [h for h in root.handlers if type(h).__module__.startswith("_pytest")]
    for pytest_handler in set_aside:
        root.removeHandler(pytest_handler)
    root.addHandler(handler)
    for logger in loggers:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
        for pytest_handler in set_aside:
            root.addHandler(pytest_handler)
        lines.extend(handler.lines)


PARAMETER = "(?:\\(|,\\s|'user_id':\\s){}(?=[,)])"   # a value among a statement's parameters
ANY_CHOICE = re.compile(r"""['"](agree|disagree|block|abstain)['"]""")
DATETIME_RE = re.compile(r"datetime\.datetime\([^)]*\)")   # its numbers are no user ids


def log_leaks(lines, voters) -> list:
    """Log lines holding a choice (or an objection's reason) together with the voter who made
    it: their user id as one of a statement's parameters (as the parameters of an INSERT
    into vote are logged: ``(ballot_id, user_id, choice, reason, ...)`` on SQLite,
    ``{'ballot_id': .., 'user_id': .., 'choice': .., ...}`` on PostgreSQL), their user name
    or their name. Any choice counts, not only the last: a changed vote was a choice too."""
    found = []
    for logger, line in lines:
        choices = set(ANY_CHOICE.findall(line))
        values = DATETIME_RE.sub("datetime", line)
        for voter in voters:
            said = choices or (voter.reason and voter.reason in line)
            if not said:
                continue
            if re.search(PARAMETER.format(voter.id), values) or voter.named_in(line):
                found.append((voter.username, voter.id, sorted(choices), logger, line[:300]))
    return found


def test_secret_ballot_logs_tie_no_choice_to_a_voter(app, db, people, live_server):
    """While residents vote on a secret ballot (two of them through a real HTTP server),
    the facilitator records a vote from the room, every page is read and the vote closes,
    no log line (the app's, werkzeug's, SQLAlchemy's at INFO) holds a voter's choice
    together with the voter's user id or name."""
    log_lines = []
    with logged(log_lines):
        flow = Flow(app, db, people, secret=True, server=live_server).run()
    assert flow.leaks() == []
    assert any(logger == "werkzeug" and "POST /programs/1/votes" in line
               for logger, line in log_lines), "werkzeug's request log was not captured"
    assert any(logger.startswith("sqlalchemy.engine") and "INSERT INTO vote" in line
               for logger, line in log_lines), "SQLAlchemy's statements were not captured"
    leaks = log_leaks(log_lines, flow.voters)
    assert leaks == [], (
        f"{len(leaks)} log lines tie a secret choice to its voter "
        f"(hide_parameters={app.extensions[ENGINE_KEY].hide_parameters}), e.g.:\n"
        + "\n".join(map(repr, leaks[:20])))


def test_open_ballot_control_the_search_sees_names_beside_choices(app, db, people):
    """The control case: on an OPEN ballot every member does see, on the program page, each
    voter's name beside that voter's own choice, in the reader's language, while the vote
    is open and after it closed; the detector that finds nothing on the secret ballot finds
    every one of these. And while the engine logs its parameters, the log search finds, for
    every voter, the line that ties their user id to their choice (an open ballot, where
    that is no secret)."""
    log_lines = []
    with logged(log_lines):
        flow = Flow(app, db, people, secret=False).run()
    for phase in ("open", "closed"):
        for viewer in VIEWERS:
            for lang in LANGS:
                output = next(o for o in flow.outputs if o.where == f"GET /programs/1 [{phase}]"
                              and o.viewer == viewer and o.lang == lang)
                leaks = html_leaks(output, flow.voters)
                assert ("*", "open-choices list", 'class="open-choices"') in leaks
                for voter in flow.voters:
                    if voter.username == viewer:
                        continue
                    words = LABELS[voter.choice]
                    word = words[min({"en": 1, "id": 2}[lang], len(words) - 1)]
                    assert any(text.startswith(f"{voter.name}:") and word in text
                               for text, _ in rows(output.body)), (phase, viewer, lang, voter)
                    assert any(who == voter.username and voter.choice in choices
                               for who, choices, _ in leaks if who != "*"), (
                        phase, viewer, lang, voter)
    if not app.extensions[ENGINE_KEY].hide_parameters:
        found = {username for username, *_ in log_leaks(log_lines, flow.voters)}
        assert found == set(VOTES)
