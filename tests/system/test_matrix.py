"""The authorisation matrix: every route x method x actor, generated from ``app.url_map``.

Each (endpoint, method) of the url_map (HEAD, OPTIONS and ``static`` aside) is tried by
seven actors: nobody logged in, a resident of the community (warga1), the program's
author (warga2), a resident of another community (``outsider``), the facilitator
(pendamping), the official (kades) and the administrator (admin). ``EXPECTED`` says, per
endpoint and method, the outcome class each actor must get:

- ``ok``        2xx, or a 3xx that is not the login bounce (logout and "forget me" end on
                the login page by design: that is their success, not a bounce);
- ``login``     the login bounce (a redirect to ``/login?next=<this path>``), or 401 (API);
- ``forbidden`` 403: a member whose role may not do it;
- ``hidden``    404: the thing does not exist for this actor (outsiders learn nothing);
- ``conflict``  409: the role may, the program's state does not allow it.

422 (the form was not valid) is never expected: every POST carries a valid CSRF token
and plausible valid form data, so the outcome is about who asks, not what they typed.

Every request is also checked against the database: a refused request (and any GET)
leaves everything as it was; an ``ok`` POST that is meant to write really wrote. A refused
request (403, 404, 409) of a page or form is answered with the refusal (``id="refused"``),
the API's in JSON.

A route added to the app without an entry here fails (its generated cases fail, and so
does ``test_every_route_has_an_entry``); an entry for a route that is gone fails
``test_no_entry_without_a_route``. Program transitions are tried per step from a state
where the process allows the step (``STEPS_FROM``), plus one unknown step and one step
the state does not allow; ``test_every_step_is_tried`` fails when a template gains a step
that is not in that table.
"""
import io
import secrets
import tempfile
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, select

from app import create_app
from tests.arrange import GOOD_FINDING, STAGES, STATE_OF_STAGE, STEP_FORM, bring
from tests.helpers import (
    HX,
    LOCALITY_ROUND,
    VALID_PROGRAM,
    db_state,
    hash_cheaply,
    login_as,
    send,
    utcnow,
)
from tests.meetings.hall import meeting_of
from tests.meetings.record_arrange import held_meeting
from workflow.comments import commands as comment_commands
from workflow.communities import imports, members
from workflow.core.db import ENGINE_KEY, make_engine
from workflow.demo import PASSWORD
from workflow.drafting import coauthors
from workflow.engine.dates import local_time
from workflow.engine.processes import TEMPLATES, TRANSITION_LABELS
from workflow.meetings import commands as meeting_commands
from workflow.meetings import signed
from workflow.models import Ballot, Finding, Notification, User, Vote
from workflow.notifications.models import REPLY
from workflow.notifications.send import notify
from workflow.people import activation
from workflow.people import passwords as accounts
from workflow.web.assets import htmx_version

ACTORS = ("anonymous", "resident", "author", "outsider", "facilitator", "official", "admin")
ACCOUNT = {"resident": "warga1", "author": "warga2", "facilitator": "pendamping",
           "official": "kades", "admin": "admin"}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
SKIPPED_ENDPOINTS = {"static"}


def row(spec: str) -> dict:
    """One line of the table: the outcomes in ACTORS order."""
    outcomes = spec.split()
    assert len(outcomes) == len(ACTORS), spec
    return dict(zip(ACTORS, outcomes))


# Rows used often.                anonymous resident author    outsider facilitator official  admin
EVERYONE = row("                  ok        ok       ok        ok       ok          ok        ok")
LOGGED_IN = row("                 login     ok       ok        ok       ok          ok        ok")
MEMBERS = row("                   login     ok       ok        hidden   ok          ok        ok")
RESIDENTS = row("                 login     ok       ok        hidden   forbidden   forbidden forbidden")
FACILITATOR = row("               login     forbidden forbidden hidden  ok          forbidden forbidden")
OFFICIAL = row("                  login     forbidden forbidden hidden  forbidden   ok        forbidden")
AUTHOR = row("                    login     forbidden ok       hidden   forbidden   forbidden forbidden")
ADMIN = row("                     login     forbidden forbidden forbidden forbidden forbidden ok")
# The community's set-up: its administrators; to an outsider it does not exist.
COMMUNITY_ADMIN = row("           login     forbidden forbidden hidden  forbidden   forbidden ok")
# A community's rounds: its facilitators and administrators set them up.
ROUND_SETUP = row("               login     forbidden forbidden hidden  ok          forbidden ok")
# A draft: only its author may change it; the facilitator sees it; to others it does not exist.
DRAFT_AUTHOR = row("              login     hidden   ok        hidden   forbidden   hidden    hidden")

# Where each step of a program's process is tried from: (template, stage) -> steps.
# A stage is a state the program is brought to through the commands (arrange.STAGES);
# "failed" is the discussion after a consent round failed (the only way to a majority vote).
STEPS_FROM = {
    ("locality", "draft"): ("submit",),
    ("locality", "proposed"): ("open_discussion", "withdraw",
                               "approve",        # not from "proposed": the state refuses it
                               "no_such_step"),  # not a step at all
    ("locality", "discussion"): ("open_voting", "reject"),
    ("locality", "failed"): ("open_majority_vote",),
    ("locality", "voting"): ("close_voting",),
    ("locality", "agreed"): ("approve", "return", "reject"),
    ("locality", "approved"): ("start_implementation",),
    ("locality", "implementation"): ("complete",),
    ("locality", "completed"): ("evaluate",),
    ("planning", "proposed"): ("start_assessment",),
    ("planning", "assessment"): ("publish_findings", "withdraw"),
    ("planning", "consultation"): ("recommend",),
    ("planning", "agreed"): ("return",),
    ("action", "proposed"): ("start_organizing",),
    ("action", "organizing"): ("open_voting", "withdraw"),
    ("action", "voting"): ("close_voting",),
    ("action", "agreed"): ("deliver",),
    ("action", "action"): ("record_response",),
}


def step_id(template: str, stage: str, name: str) -> str:
    return f"{template}/{stage}/{name}"


TRANSITIONS = {
    step_id("locality", "draft", "submit"): DRAFT_AUTHOR,
    step_id("locality", "proposed", "open_discussion"): FACILITATOR,
    step_id("locality", "proposed", "withdraw"): AUTHOR,
    # The machine checks the state before the role: every member hears "not now".
    step_id("locality", "proposed", "approve"):
        row("login conflict conflict hidden conflict conflict conflict"),
    step_id("locality", "proposed", "no_such_step"):
        row("login hidden hidden hidden hidden hidden hidden"),
    step_id("locality", "discussion", "open_voting"): FACILITATOR,
    step_id("locality", "discussion", "reject"): FACILITATOR,
    step_id("locality", "failed", "open_majority_vote"): FACILITATOR,
    step_id("locality", "voting", "close_voting"): FACILITATOR,
    step_id("locality", "agreed", "approve"): OFFICIAL,
    step_id("locality", "agreed", "return"): OFFICIAL,
    step_id("locality", "agreed", "reject"): OFFICIAL,
    step_id("locality", "approved", "start_implementation"):
        row("login forbidden forbidden hidden ok ok forbidden"),
    step_id("locality", "implementation", "complete"): FACILITATOR,
    step_id("locality", "completed", "evaluate"): FACILITATOR,
    step_id("planning", "proposed", "start_assessment"): FACILITATOR,
    step_id("planning", "assessment", "publish_findings"): FACILITATOR,
    step_id("planning", "assessment", "withdraw"): AUTHOR,
    step_id("planning", "consultation", "recommend"): FACILITATOR,
    step_id("planning", "agreed", "return"): OFFICIAL,
    step_id("action", "proposed", "start_organizing"): FACILITATOR,
    step_id("action", "organizing", "open_voting"): FACILITATOR,
    step_id("action", "organizing", "withdraw"): AUTHOR,
    step_id("action", "voting", "close_voting"): FACILITATOR,
    step_id("action", "agreed", "deliver"): FACILITATOR,
    step_id("action", "action", "record_response"): FACILITATOR,
}

EXPECTED = {
    "auth.login": {"GET": EVERYONE, "POST": EVERYONE},   # POST: the actor's own name and password
    "auth.logout": {"GET": EVERYONE, "POST": EVERYONE},   # GET: a page with the form
    "auth.language": {"POST": EVERYONE},
    "account.overview": {"GET": LOGGED_IN},
    "account.password": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "account.data": {"GET": LOGGED_IN},
    "account.delete": {"POST": LOGGED_IN},
    "account.admin": {"GET": ADMIN},
    "account.reset": {"POST": ADMIN},                    # warga5's password
    # Only a site administrator creates communities (none of these actors is one).
    "communities.new": {"GET": row("login forbidden forbidden forbidden forbidden forbidden forbidden")},
    "communities.create": {"POST": row("login forbidden forbidden forbidden forbidden forbidden "
                                       "forbidden")},
    "communities.show": {"GET": COMMUNITY_ADMIN},
    "communities.update": {"POST": COMMUNITY_ADMIN},
    "communities.add_dusun": {"POST": COMMUNITY_ADMIN},
    "communities.people": {"GET": COMMUNITY_ADMIN},
    "communities.add_person": {"POST": COMMUNITY_ADMIN},
    "communities.change_role": {"POST": COMMUNITY_ADMIN},
    "communities.deactivate": {"POST": COMMUNITY_ADMIN},
    "communities.reactivate": {"POST": COMMUNITY_ADMIN},    # warga5, deactivated first
    "communities.new_code": {"POST": COMMUNITY_ADMIN},
    "communities.slips": {"GET": COMMUNITY_ADMIN},
    # A slip's code sets the password of its person, whoever holds the phone.
    "auth.activate": {"GET": EVERYONE, "POST": EVERYONE},
    "communities.import_preview": {"POST": COMMUNITY_ADMIN},
    "communities.import_confirm": {"POST": COMMUNITY_ADMIN},
    "communities.import_template": {"GET": COMMUNITY_ADMIN},
    "rounds.home": {"GET": LOGGED_IN},
    "rounds.board": {"GET": MEMBERS},
    "rounds.new": {"GET": ROUND_SETUP},
    "rounds.create": {"POST": ROUND_SETUP},
    "rounds.edit": {"GET": ROUND_SETUP, "POST": ROUND_SETUP},
    "glossary.page": {"GET": EVERYONE},               # the words explained, public
    # The blank form opens for every member (the home and round pages offer the link to
    # all but the admin); saving it is for residents, facilitators and officials.
    "programs.new": {"GET": row("login ok ok hidden ok ok forbidden"),
                          "POST": row("login ok ok hidden ok ok forbidden")},
    "programs.show": {"GET": MEMBERS},
    "programs.history": {"GET": MEMBERS},
    "programs.transition": {"POST": TRANSITIONS},
    "voting.vote": {"POST": RESIDENTS},
    "voting.room_vote": {"POST": FACILITATOR},
    "voting.tally": {"GET": MEMBERS},
    "comments.add": {"POST": MEMBERS},              # any member joins the discussion
    "comments.reply": {"POST": MEMBERS},
    "comments.edit": {"POST": MEMBERS},             # each their own comment
    "comments.hide": {"POST": MEMBERS},             # each their own comment
    "comments.summary": {"POST": FACILITATOR},
    "comments.addressed": {"POST": FACILITATOR},
    "comments.discussion": {"GET": MEMBERS},
    "drafting.edit": {"GET": DRAFT_AUTHOR, "POST": DRAFT_AUTHOR},
    "drafting.delete": {"GET": DRAFT_AUTHOR, "POST": DRAFT_AUTHOR},  # GET: "are you sure?"
    "drafting.revisions": {"GET": MEMBERS},
    "drafting.invite": {"POST": AUTHOR},
    # warga1 (the resident) is invited first; nobody else has an invitation to answer.
    "drafting.accept": {"POST": row("login ok conflict hidden conflict conflict conflict")},
    "drafting.decline": {"POST": row("login ok conflict hidden conflict conflict conflict")},
    # warga1 (the resident) has joined warga2 as an author first.
    "drafting.leave": {"POST": row("login ok ok hidden forbidden forbidden forbidden")},
    "assessment.add_finding": {"POST": FACILITATOR},
    "assessment.edit_finding": {"POST": FACILITATOR},
    "assessment.delete_finding": {"POST": FACILITATOR},
    "organizing.support": {"POST": RESIDENTS},
    "organizing.leave": {"POST": RESIDENTS},
    "api.program": {"GET": MEMBERS},
    "assets.htmx_js": {"GET": EVERYONE},
    # One's own news: every logged-in person has a page of it (an outsider too).
    "notifications.page": {"GET": LOGGED_IN},
    "notifications.mark_read": {"POST": LOGGED_IN},         # the actor's own news
    "notifications.mark_all_read": {"POST": LOGGED_IN},
    "notifications.settings": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    # The official's desk: for the officials of a community; anyone else is no official.
    "approvals.desk": {"GET": row("login forbidden forbidden forbidden forbidden ok forbidden")},
    "approvals.decide": {"POST": OFFICIAL},
    # The year's agreed plan: its official and its facilitator.
    "approvals.plan": {"GET": row("login forbidden forbidden hidden ok ok forbidden")},
    "approvals.plan_csv": {"GET": row("login forbidden forbidden hidden ok ok forbidden")},
    # The meeting's record: members read it; the facilitator (and the community's admin) writes it.
    "meetings.berita_acara": {"GET": MEMBERS},
    "meetings.berita_acara_pdf": {"GET": MEMBERS},
    "meetings.daftar_hadir": {"GET": MEMBERS},
    "meetings.set_officers": {"POST": ROUND_SETUP},
    "meetings.upload_scan": {"POST": ROUND_SETUP},
    "meetings.scan": {"GET": MEMBERS},
    "meetings.add_addendum": {"POST": ROUND_SETUP},
    # Meetings: the community's facilitators and administrators run them; members read them.
    "meetings.new": {"GET": ROUND_SETUP},
    "meetings.create": {"POST": ROUND_SETUP},
    "meetings.show": {"GET": MEMBERS},
    "meetings.ics": {"GET": MEMBERS},
    "meetings.invitees": {"POST": ROUND_SETUP},
    "meetings.open_meeting": {"POST": ROUND_SETUP},
    "meetings.postpone": {"POST": ROUND_SETUP},
    "meetings.close": {"POST": ROUND_SETUP},
    "meetings.present": {"POST": ROUND_SETUP},
    "meetings.guests": {"POST": ROUND_SETUP},
    "meetings.room_vote": {"POST": ROUND_SETUP},          # warga3, present
    "meetings.room_counts": {"POST": ROUND_SETUP},        # a secret ballot, warga1-3 present
    "meetings.save_minutes": {"POST": ROUND_SETUP},
    "meetings.show_screen": {"GET": MEMBERS},
}

# --- what each endpoint is asked, and with what --------------------------------------------

def first_finding(db, program_id: int) -> int:
    finding_id = db.exec(select(Finding.id).where(Finding.program_id == program_id)
                         .order_by(Finding.id)).first()
    db.commit()
    return finding_id


NEW_PASSWORD = "sawah hijau di kaki gunung"


def a_comment(w, username: str = "warga3", own: bool = False) -> int:
    """A comment on the case's program (arranged before it): the actor's own with ``own``
    (warga1's for those who cannot comment)."""
    me = w.me if own and w.me is not None and w.me.username in w.people else None
    writer = me or w.people["warga1" if own else username]
    return comment_commands.add_comment(w.db, writer, w.program, "question",
                                        "Berapa meter salurannya?", utcnow()).id


def a_block(w) -> int:
    """An objection on the program's closed ballot (arranged before the case)."""
    ballot = w.db.exec(select(Ballot).where(Ballot.program_id == w.program)).first()
    vote = Vote(ballot_id=ballot.id, user_id=w.people["warga12"].id, choice="block",
                reason="Biaya belum jelas.", cast_at=utcnow())
    w.db.add(vote)
    w.db.commit()
    return vote.id


def a_hall(w) -> int:
    """An open meeting with the case's program on its agenda, warga1-3 present (arranged
    before the case); its agenda item in ``w.item``."""
    w.meeting, w.item = meeting_of(w.db, w.people, w.program)
    return w.meeting


def a_secret_hall(w) -> int:
    """a_hall, the case's open ballot made secret: the room enters its counts."""
    ballot = w.db.exec(select(Ballot).where(Ballot.program_id == w.program,
                                            Ballot.closed_at.is_(None))).one()
    ballot.secret = True
    w.db.add(ballot)
    w.db.commit()
    return a_hall(w)


def deactivated(w, username: str) -> str:
    """Deactivate ``username`` (arranged before the case) and give their reactivation URL."""
    user_id = w.people[username].id
    members.deactivate(w.db, w.people["admin"], 1, user_id, utcnow())
    return f"/communities/1/people/{user_id}/reactivate"


def invited(w, path: str, accept: bool = False) -> str:
    """warga1 invited by warga2 to write the program (arranged before the case), and
    accepted when ``accept``; the program's URL ending in ``path``."""
    coauthors.invite_coauthor(w.db, w.people["warga2"], w.program, "warga1", utcnow())
    if accept:
        coauthors.accept_coauthor(w.db, w.people["warga1"], w.program, utcnow())
    return f"/programs/{w.program}{path}"


def fresh_code(w, username: str) -> str:
    """A live activation code of ``username`` (made with the app's secret key)."""
    with w.app.app_context():
        code = activation.code_of(activation.issue(w.db, w.people[username], utcnow()))
    w.db.commit()
    return code


def own_news(w) -> int:
    """An unread notification of the actor (warga1's for nobody), arranged before the case."""
    who = w.me or w.people["warga1"]
    notify(w.db, [who.id], REPLY, link="/programs/1", now=utcnow(), program_id=1)
    w.db.commit()
    news = w.db.exec(select(Notification.id).where(Notification.user_id == who.id)
                     .order_by(Notification.id.desc())).first()
    w.db.commit()
    return news


def a_record(w, path: str, locked: bool = False) -> str:
    """A closed meeting of the demo village (arranged before the case), locked by a signed
    PDF when ``locked``, its files in a folder of the case's own; its URL ending in ``path``."""
    w.app.config["UPLOAD_FOLDER"] = tempfile.mkdtemp(prefix="uploads-")
    meeting_id = held_meeting(w.db, w.people, decide=False)
    if locked:
        signed.upload_scan(w.db, w.people["pendamping"], meeting_id, io.BytesIO(SIGNED_PDF),
                           w.app.config["UPLOAD_FOLDER"], utcnow())
    return f"/meetings/{meeting_id}{path}"


SIGNED_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def a_meeting(w, path: str = "", opened: bool = False) -> str:
    """A meeting of the locality round (arranged before the case), due now, and open when
    ``opened``; its URL ending in ``path``."""
    meeting = meeting_commands.schedule_meeting(w.db, w.people["pendamping"], LOCALITY_ROUND, {
        **MEETING_FORM, "starts_at": tomorrow_local()}, utcnow())
    meeting.starts_at = utcnow()   # due today on the village's clocks, whatever the hour
    w.db.add(meeting)
    w.db.commit()
    if opened:
        meeting_commands.open_meeting(w.db, w.people["pendamping"], meeting.id, utcnow())
    return f"/meetings/{meeting.id}{path}"


def tomorrow_local() -> str:
    """A moment a day from now on the demo village's clocks, as the form writes it."""
    return local_time(utcnow() + timedelta(days=1), "Asia/Jakarta").strftime("%Y-%m-%dT%H:%M")


MEETING_FORM = {"title": "Musyawarah Dusun Krajan", "place": "Balai Desa", "programs": "1"}
PEOPLE_CSV = b"name,username,role,dusun,gender,tags\nIbu Sri Wahyuni,,resident,,f,women\n"
NEW_COMMUNITY = {"name": "Desa Mekarsari", "kind": "desa", "kecamatan": "Cibeber",
                 "kabupaten": "Cianjur", "timezone": "Asia/Jakarta", "complaint_address": ""}
NEW_ROUND = {"title": "Musrenbangdes 2028", "template": "planning", "year": "2028",
             "quorum": "2/3", "consent_threshold": "2/3", "min_discussion_days": "0",
             "min_voting_hours": "0", "supporter_threshold": "6"}
PROGRAM_PAGE = ("locality", "voting")   # program 1 with an open ballot: the fullest page
# endpoint: (stage to arrange or None, URL, form for POST). ``w`` is the arranged world:
# w.program, w.finding, w.me (the actor's User, None when anonymous), w.people.
TARGETS = {
    "auth.login": (None, lambda w: "/login", lambda w: {
        "username": (w.me or w.people["warga1"]).username, "password": PASSWORD}),
    "auth.logout": (None, lambda w: "/logout", lambda w: {}),
    "auth.language": (None, lambda w: "/language", lambda w: {"lang": "id", "next": "/"}),
    "account.overview": (None, lambda w: "/account", None),
    "account.password": (None, lambda w: "/account/password", lambda w: {
        "current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}),
    "account.data": (None, lambda w: "/account/data", None),
    "account.delete": (None, lambda w: "/account/delete", lambda w: {"password": PASSWORD}),
    "account.admin": (None, lambda w: "/admin", None),
    "account.reset": (None, lambda w: f"/admin/users/{w.people['warga5'].id}/password",
                      lambda w: {"password": "kopi pagi di balai desa"}),
    "communities.new": (None, lambda w: "/communities/new", None),
    "communities.create": (None, lambda w: "/communities", lambda w: dict(NEW_COMMUNITY)),
    "communities.show": (None, lambda w: "/communities/1", None),
    "communities.update": (None, lambda w: "/communities/1", lambda w: {
        **NEW_COMMUNITY, "name": "Desa Sukamaju", "kecamatan": "Cibeber"}),
    "communities.add_dusun": (None, lambda w: "/communities/1/dusun",
                              lambda w: {"name": "Dusun Sukasari"}),
    "communities.people": (None, lambda w: "/communities/1/people", None),
    "communities.add_person": (None, lambda w: "/communities/1/people", lambda w: {
        "name": "Ibu Sri Wahyuni", "role": "resident", "gender": "f", "tags": "women"}),
    "communities.change_role": (None, lambda w: f"/communities/1/people/{w.people['warga5'].id}/role",
                                lambda w: {"role": "facilitator"}),
    "communities.deactivate": (
        None, lambda w: f"/communities/1/people/{w.people['warga5'].id}/deactivate", lambda w: {}),
    "communities.reactivate": (None, lambda w: deactivated(w, "warga5"), lambda w: {}),
    "communities.new_code": (
        None, lambda w: f"/communities/1/people/{w.people['warga5'].id}/code", lambda w: {}),
    "communities.slips": (None, lambda w: "/communities/1/people/slips", None),
    "auth.activate": (None, lambda w: "/activate", lambda w: {
        "username": "warga5", "code": fresh_code(w, "warga5"), "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD}),
    # A file field: the test client sends a (file, name) value as a multipart upload.
    "communities.import_preview": (None, lambda w: "/communities/1/people/import",
                                   lambda w: {"file": (io.BytesIO(PEOPLE_CSV), "people.csv")}),
    "communities.import_confirm": (None, lambda w: "/communities/1/people/import/confirm",
                                   lambda w: {"content": imports.pack(PEOPLE_CSV)}),
    "communities.import_template": (None, lambda w: "/communities/1/people/template.csv", None),
    "rounds.home": (None, lambda w: "/", None),
    "rounds.board": (None, lambda w: f"/rounds/{LOCALITY_ROUND}", None),
    "rounds.new": (None, lambda w: "/communities/1/rounds/new", None),
    "rounds.create": (None, lambda w: "/communities/1/rounds", lambda w: dict(NEW_ROUND)),
    "rounds.edit": (None, lambda w: f"/rounds/{LOCALITY_ROUND}/edit", lambda w: {
        **NEW_ROUND, "title": "Musyawarah Dusun Krajan 2027", "template": "locality",
        "status": "open"}),
    "glossary.page": (None, lambda w: "/glossary", None),
    "programs.new": (None, lambda w: f"/rounds/{LOCALITY_ROUND}/programs/new",
                          lambda w: {**VALID_PROGRAM,
                                     "submission_key": secrets.token_urlsafe(16)}),
    "programs.show": (PROGRAM_PAGE, lambda w: f"/programs/{w.program}", None),
    "programs.history": (PROGRAM_PAGE, lambda w: f"/programs/{w.program}/history", None),
    "voting.vote": (PROGRAM_PAGE, lambda w: f"/programs/{w.program}/votes",
                      lambda w: {"choice": "agree"}),
    "voting.room_vote": (PROGRAM_PAGE, lambda w: f"/programs/{w.program}/room-votes",
                           lambda w: {"voter": str(w.people["warga3"].id), "choice": "agree"}),
    "voting.tally": (PROGRAM_PAGE, lambda w: f"/programs/{w.program}/tally", None),
    "drafting.edit": (("locality", "draft"), lambda w: f"/programs/{w.program}/edit",
                      lambda w: {**VALID_PROGRAM, "title": "Posyandu keliling RW 02",
                                 "version": "1"}),
    "drafting.delete": (("locality", "draft"), lambda w: f"/programs/{w.program}/delete",
                        lambda w: {"confirm": "yes"}),
    "drafting.revisions": (PROGRAM_PAGE, lambda w: f"/programs/{w.program}/revisions", None),
    "drafting.invite": (("locality", "proposed"), lambda w: f"/programs/{w.program}/coauthors",
                        lambda w: {"username": "warga5"}),
    "drafting.accept": (("locality", "proposed"),
                        lambda w: invited(w, "/coauthors/accept"), lambda w: {}),
    "drafting.decline": (("locality", "proposed"),
                         lambda w: invited(w, "/coauthors/decline"), lambda w: {}),
    "drafting.leave": (("locality", "proposed"),
                       lambda w: invited(w, "/coauthors/leave", accept=True), lambda w: {}),
    "comments.add": (PROGRAM_PAGE, lambda w: f"/programs/{w.program}/comments",
                         lambda w: {"stance": "support", "body": "Saya setuju, saluran itu "
                                                                 "meluap tiap hujan."}),
    # The comment replied to is arranged with the URL (before the database is read).
    "comments.reply": (PROGRAM_PAGE, lambda w: setattr(w, "parent", a_comment(w, "warga3"))
                       or f"/programs/{w.program}/replies",
                       lambda w: {"parent": str(w.parent), "body": "Setuju."}),
    "comments.edit": (PROGRAM_PAGE, lambda w: f"/programs/{w.program}/comments/"
                                              f"{a_comment(w, own=True)}/edit",
                      lambda w: {"body": "Saya ralat: dua ratus meter."}),
    "comments.hide": (PROGRAM_PAGE, lambda w: f"/programs/{w.program}/comments/"
                                              f"{a_comment(w, own=True)}/hide",
                      lambda w: {"reason": ""}),
    "comments.summary": (PROGRAM_PAGE, lambda w: f"/programs/{w.program}/summary",
                         lambda w: {"body": "Sepakat: saluran.\nBelum: biaya."}),
    "comments.addressed": (("locality", "failed"),
                           lambda w: f"/programs/{w.program}/objections/{a_block(w)}/addressed",
                           lambda w: {}),
    "comments.discussion": (PROGRAM_PAGE, lambda w: f"/programs/{w.program}/discussion?v=0",
                            None),
    "assessment.add_finding": (("planning", "assessment"),
                                  lambda w: f"/programs/{w.program}/findings",
                                  lambda w: {**GOOD_FINDING, "indicator": "Sumur tercemar",
                                             "value": "12", "unit": "sumur"}),
    "assessment.edit_finding": (("planning", "assessment"),
                                   lambda w: f"/programs/{w.program}/findings/{w.finding}",
                                   lambda w: {**GOOD_FINDING, "value": "47"}),
    "assessment.delete_finding": (
        ("planning", "assessment"),
        lambda w: f"/programs/{w.program}/findings/{w.finding}/delete", lambda w: {}),
    "organizing.support": (("action", "organizing"),
                              lambda w: f"/programs/{w.program}/supporters", lambda w: {}),
    "organizing.leave": (("action", "supported"),
                            lambda w: f"/programs/{w.program}/supporters/leave", lambda w: {}),
    "api.program": (PROGRAM_PAGE, lambda w: f"/api/v1/programs/{w.program}", None),
    "assets.htmx_js": (None, lambda w: f"/static/vendor/htmx-{htmx_version()}.min.js", None),
    "notifications.page": (None, lambda w: "/notifications", None),
    "notifications.mark_read": (None, lambda w: f"/notifications/{own_news(w)}/read",
                                lambda w: {"next": "/notifications"}),
    "notifications.mark_all_read": (None, lambda w: own_news(w) and "/notifications/read",
                                    lambda w: {}),
    "notifications.settings": (None, lambda w: "/notifications/settings",
                               lambda w: {"kinds": "reply"}),
    "approvals.desk": (("locality", "agreed"), lambda w: "/approvals", None),
    "approvals.decide": (("locality", "agreed"), lambda w: f"/approvals/{w.program}/approve",
                         lambda w: {"expected_state": "agreed", "confirm": "yes"}),
    "approvals.plan": (("locality", "approved"),
                       lambda w: "/approvals/plan?community=1&year=2027", None),
    "approvals.plan_csv": (("locality", "approved"),
                           lambda w: "/approvals/plan.csv?community=1&year=2027", None),
    "meetings.berita_acara": (None, lambda w: a_record(w, "/berita-acara"), None),
    "meetings.berita_acara_pdf": (None, lambda w: a_record(w, "/berita-acara.pdf"), None),
    "meetings.daftar_hadir": (None, lambda w: a_record(w, "/daftar-hadir"), None),
    "meetings.set_officers": (None, lambda w: a_record(w, "/officers"),
                              lambda w: {"chair": "Bapak Ketua BPD", "secretary": "Ibu Nur"}),
    "meetings.upload_scan": (None, lambda w: a_record(w, "/scan"),
                             lambda w: {"scan": (io.BytesIO(SIGNED_PDF), "berita-acara.pdf")}),
    "meetings.scan": (None, lambda w: a_record(w, "/scan", locked=True), None),
    "meetings.add_addendum": (None, lambda w: a_record(w, "/addenda", locked=True),
                              lambda w: {"body": "Ralat: rapat dimulai pukul 09.30."}),
    "meetings.new": (None, lambda w: f"/rounds/{LOCALITY_ROUND}/meetings/new", None),
    "meetings.create": (None, lambda w: f"/rounds/{LOCALITY_ROUND}/meetings",
                        lambda w: {**MEETING_FORM, "starts_at": tomorrow_local()}),
    "meetings.show": (None, lambda w: a_meeting(w), None),
    "meetings.ics": (None, lambda w: a_meeting(w, ".ics"), None),
    "meetings.invitees": (None, lambda w: a_meeting(w, "/invitees"),
                          lambda w: {"invitees": ["warga1", "warga2", "warga3"]}),
    "meetings.open_meeting": (None, lambda w: a_meeting(w, "/open"), lambda w: {}),
    "meetings.postpone": (None, lambda w: a_meeting(w, "/postpone"),
                          lambda w: {"reason": "Hujan deras", "starts_at": tomorrow_local()}),
    "meetings.close": (None, lambda w: a_meeting(w, "/close", opened=True), lambda w: {}),
    "meetings.present": (None, lambda w: a_meeting(w, "/present", opened=True),
                         lambda w: {"member": "warga3"}),
    "meetings.guests": (None, lambda w: a_meeting(w, "/guests", opened=True),
                        lambda w: {"name": "Pak Wartawan", "kind": "observer"}),
    "meetings.room_vote": (PROGRAM_PAGE, lambda w: f"/meetings/{a_hall(w)}/votes",
                           lambda w: {"program": str(w.program), "voter": "warga3",
                                      "choice": "agree"}),
    "meetings.room_counts": (PROGRAM_PAGE, lambda w: f"/meetings/{a_secret_hall(w)}/counts",
                             lambda w: {"program": str(w.program), "agree": "2",
                                        "disagree": "1"}),
    "meetings.save_minutes": (PROGRAM_PAGE, lambda w: f"/meetings/{a_hall(w)}/items/"
                                                      f"{w.item}/minutes",
                              lambda w: {"notes": "Warga sepakat."}),
    "meetings.show_screen": (PROGRAM_PAGE, lambda w: f"/meetings/{a_hall(w)}/screen", None),
}
HTMX_GETS = {"voting.tally", "comments.discussion"}        # polled by htmx; a plain GET is only sent to the page
CHECKS_PASSWORD = {("auth.login", "POST"), ("account.password", "POST"),
                   ("account.delete", "POST")}
WRITES_NOTHING = {"auth.language",    # only the cookie changes
                  "communities.import_preview"}  # shows what the import would do
REFUSALS = {"forbidden", "hidden", "conflict"}   # answered with the refusal page or fragment
JSON_ENDPOINTS = {"api.program"}                 # refuses in JSON instead


def transition_target(template: str, stage: str, name: str):
    # confirm=yes as the confirmation form sends it: who may do what, not the "are you
    # sure?" (tests/programs/test_confirm_and_refusals.py), decides the outcome here.
    form = {**STEP_FORM.get(name, {}), "expected_state": STATE_OF_STAGE.get(stage, stage),
            "confirm": "yes"}
    return ((template, stage), lambda w: f"/programs/{w.program}/transitions/{name}",
            lambda w: form)


def target_of(endpoint: str, step: str | None):
    """(stage, url of the world, form of the world) of one case."""
    return transition_target(*step.split("/")) if step else TARGETS[endpoint]


# --- each stage arranged once: the database every case of it copies ---------------------------

@pytest.fixture(scope="session")
def stage_templates(backend, databases):
    """stage -> (template, (program id, its first finding id)): the seeded demo village with
    the stage's program brought there by ``arrange.bring``, made once per backend (and
    worker) on first use. Every case of the stage gets its own copy of it (``database_url``
    below), so cases still never see each other's writes."""
    made = {}

    def build(stage):
        def arranged(url):
            engine = make_engine(url)
            with Session(engine, expire_on_commit=False) as db:
                people = {u.username: u for u in db.exec(select(User))}
                db.commit()
                program = bring(db, people, *stage)
                finding = first_finding(db, program)
            engine.dispose()
            return program, finding
        return databases.template(backend[1], arranged)

    def get(stage):
        if stage not in made:
            made[stage] = build(stage)
        return made[stage]
    return get


@pytest.fixture
def database_url(request, backend, databases):
    """A fresh copy of the case's stage (in place of conftest's bare demo village)."""
    params = getattr(request.node, "callspec", None)
    stage = params and target_of(params.params["endpoint"], params.params["step"])[0]
    template = request.getfixturevalue("stage_templates")(stage)[0] if stage else backend[1]
    url = databases.copy(template)
    yield url
    databases.release(url)


# --- generating the cases from the url_map ---------------------------------------------------

def routes() -> list:
    """(endpoint, method) for every rule of a freshly built app."""
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    try:
        return sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules()
                       if rule.endpoint not in SKIPPED_ENDPOINTS
                       for method in rule.methods - SKIPPED_METHODS})
    finally:
        app.extensions[ENGINE_KEY].dispose()


ROUTES = routes()


def cases() -> list:
    result = []
    for endpoint, method in ROUTES:
        if endpoint == "programs.transition":
            steps = [step_id(t, s, n) for (t, s), names in STEPS_FROM.items() for n in names]
        else:
            steps = [None]
        result += [pytest.param(endpoint, method, step, actor,
                                id=":".join(filter(None, (endpoint, method, step, actor))))
                   for step in steps for actor in ACTORS]
    return result


# --- reading the outcome and the database ----------------------------------------------------

def outcome(response, url: str) -> str:
    status = response.status_code
    if status == 401:
        return "login"
    if 300 <= status < 400:
        target = urlsplit(response.headers.get("Location", ""))
        if target.path == "/login" and "next" in parse_qs(target.query):
            nxt = parse_qs(target.query)["next"][0]
            return "login" if urlsplit(nxt).path == urlsplit(url).path else f"{status} to {nxt}"
        return "ok"
    if 200 <= status < 300:
        return "ok"
    return {403: "forbidden", 404: "hidden", 409: "conflict"}.get(status, f"status {status}")




# --- the tests ------------------------------------------------------------------------------

def test_every_route_has_an_entry():
    missing = [f"{method} {endpoint}" for endpoint, method in ROUTES
               if method not in EXPECTED.get(endpoint, {})]
    assert not missing, f"routes without an EXPECTED entry: {missing}"
    assert not [e for e, _ in ROUTES if e not in TARGETS and e != "programs.transition"]
    for endpoint, methods in EXPECTED.items():
        for method, entry in methods.items():
            rows = entry.values() if endpoint == "programs.transition" else [entry]
            assert all(set(r) == set(ACTORS) for r in rows), (endpoint, method)


def test_no_entry_without_a_route():
    stale = [f"{method} {endpoint}" for endpoint, methods in EXPECTED.items()
             for method in methods if (endpoint, method) not in ROUTES]
    assert not stale, f"EXPECTED entries for routes that no longer exist: {stale}"
    assert not [e for e in TARGETS if e not in EXPECTED]


def test_every_step_is_tried():
    """Every step of every template, for each set of roles that may fire it, is tried
    somewhere (the same name with the same roles in another template or state counts)."""
    tried = set()
    for (template, stage), names in STEPS_FROM.items():
        state = STATE_OF_STAGE.get(stage, stage)
        for name in names:
            tried |= {(t.name, t.roles) for t in TEMPLATES[template].from_state(state)
                      if t.name == name}
    untried = sorted({(tpl.name, t.source, t.name) for tpl in TEMPLATES.values()
                      for t in tpl.transitions if (t.name, t.roles) not in tried})
    assert not untried, f"steps whose roles are never tried: {untried}"
    names = {n for names in STEPS_FROM.values() for n in names}
    assert set(TRANSITION_LABELS) <= names, set(TRANSITION_LABELS) - names
    ids = {step_id(t, s, n) for (t, s), names in STEPS_FROM.items() for n in names}
    assert ids == set(TRANSITIONS), ids ^ set(TRANSITIONS)
    assert all(s in STAGES[t] for t, s in STEPS_FROM)


@pytest.mark.parametrize("endpoint, method, step, actor", cases())
def test_matrix(endpoint, method, step, actor, request, monkeypatch, client, db, people):
    entry = EXPECTED.get(endpoint, {}).get(method)
    assert entry is not None, f"{method} {endpoint} is in app.url_map but not in EXPECTED"
    if step is not None:
        assert step in entry, f"no EXPECTED row for step {step}"
        entry = entry[step]
    expected = entry[actor]
    hash_cheaply(monkeypatch)   # the passwords these tests set

    if actor == "anonymous":
        me = None
    elif actor == "outsider":
        me = request.getfixturevalue("outsider").user
    else:
        me = people[ACCOUNT[actor]]
    if (endpoint, method) in CHECKS_PASSWORD:
        account = me or people["warga1"]
        account.password_hash = accounts.hash_password(PASSWORD)
        db.add(account)
        db.commit()

    stage, url_of, form_of = target_of(endpoint, step)
    world = SimpleNamespace(me=me, people=people, program=None, finding=None, db=db,
                            app=client.application)
    if stage is not None:
        world.program, world.finding = request.getfixturevalue("stage_templates")(stage)[1]
    url = url_of(world)

    token = login_as(client, me)
    before = db_state(db)
    try:
        if method == "GET":
            response = client.get(url, headers=HX if endpoint in HTMX_GETS else {})
        else:
            response = send(client, url, token, form_of(world))
        got = outcome(response, url)
        body = response.get_data().decode(errors="replace")  # a PDF is no UTF-8
        detail = f"{response.status_code} {body[:300]!r}"
    except Exception as error:  # TESTING propagates a 500 as the exception itself
        got, body, detail = "error", "", repr(error)
    after = db_state(db)

    assert got == expected, (
        f"{actor} {method} {url}: expected {expected}, got {got} ({detail})")
    if got in REFUSALS and endpoint not in JSON_ENDPOINTS:
        assert 'id="refused"' in body, f"{actor} {method} {url}: {got} without the refusal"
    if method == "GET" or got != "ok":
        assert after == before, f"{actor} {method} {url} ({got}) changed the database"
    elif endpoint not in WRITES_NOTHING and not (endpoint == "auth.logout" and me is None):
        assert after != before, f"{actor} {method} {url} answered ok but wrote nothing"
