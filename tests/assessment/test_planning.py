"""The steps particular to social planning (findings, advisory poll, recommendation) and
social action (supporters, the delivered demand, the target's answer), withdrawal in each
template, the history page, and the process diagram on the program and round pages."""
import json
import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from sqlmodel import select, update

from tests import helpers
from tests.helpers import (
    ACTION_ROUND,
    LOCALITY_ROUND,
    PLANNING_ROUND,
    PROGRAM,
    VALID_PROGRAM,
    arrange,
    db_state,
    events_of,
    freeze_web_clock,
    is_fragment,
    login_as,
    refusal_text,
    residents,
    send,
    snapshot,
    state_of,
    steps_on,
    utcnow,
    votes_of,
)
from workflow.assessment import commands as assessment
from workflow.core import audit
from workflow.engine import dates
from workflow.engine.processes import STATE_LABELS
from workflow.models import Ballot, Community, Event, Finding, Program, Round, Supporter, User
from workflow.organizing import commands as organizing
from workflow.programs import commands, queries
from workflow.programs.steps import CHANNELS

# --- helpers --------------------------------------------------------------------------------

AUTHOR = "warga1"            # the author of every program these tests create
ROUND_OF = {"locality": LOCALITY_ROUND, "planning": PLANNING_ROUND, "action": ACTION_ROUND}
ACCOUNTS = {"resident": "warga5", "author": AUTHOR, "facilitator": "pendamping",
            "official": "kades", "admin": "admin"}


def user_for(request, people, role):
    """The account playing ``role`` here, where warga1 authors the programs."""
    return helpers.user_for(request, people, role, ACCOUNTS)


GOOD_FINDING = {"indicator": "Rumah tangga tanpa akses air bersih", "value": "45",
                "unit": "%", "source": "Survei kader posyandu", "observed_on": "2025-10-01"}
RECOMMENDATION = "Bangun dua sumur bor di Dusun Cibodas."
DEMAND = {"target": "Dinas PUPR Kabupaten", "channel": "audiensi", "delivered_on": "2025-11-03"}


def fire(db, people, program_id, name, username="pendamping", reason="", form=None):
    """Fire one step through the command the web uses."""
    return commands.fire_transition(db, people[username], program_id, name, utcnow(),
                                    reason=reason, form=form)


def add_finding(db, people, program_id, **changes):
    return assessment.record_finding(db, people["pendamping"], program_id,
                                     {**GOOD_FINDING, **changes}, utcnow())


def vote_all(db, people, program_id, choices):
    """warga1, warga2… cast ``choices`` in order through the command."""
    for voter, choice in zip(residents(people), choices):
        commands.cast_vote(db, voter, program_id, choice, "", utcnow())


def new_program(db, people, template, author=AUTHOR) -> int:
    return commands.create_program(db, people[author], ROUND_OF[template], VALID_PROGRAM, "",
                                   utcnow()).id


PLANNING_ORDER = ("draft", "proposed", "assessment", "consultation", "agreed", "approved")


def planning(db, people, state="assessment") -> int:
    """A new planning program (by warga1) brought to ``state`` through the commands."""
    program_id = new_program(db, people, "planning")
    steps = {
        "proposed": lambda: fire(db, people, program_id, "submit", AUTHOR),
        "assessment": lambda: fire(db, people, program_id, "start_assessment"),
        "consultation": lambda: (add_finding(db, people, program_id),
                                 fire(db, people, program_id, "publish_findings")),
        "agreed": lambda: fire(db, people, program_id, "recommend", reason=RECOMMENDATION),
        "approved": lambda: fire(db, people, program_id, "approve", "kades"),
    }
    for step in PLANNING_ORDER[1:PLANNING_ORDER.index(state) + 1]:
        steps[step]()
    assert state_of(db, program_id) == state
    return program_id


ACTION_ORDER = ("draft", "proposed", "organizing", "voting", "agreed", "action",
                "implementation")


def action(db, people, state="organizing") -> int:
    """A new social-action program (by warga1) brought to ``state`` through the commands."""
    program_id = new_program(db, people, "action")
    steps = {
        "proposed": lambda: fire(db, people, program_id, "submit", AUTHOR),
        "organizing": lambda: fire(db, people, program_id, "start_organizing"),
        "voting": lambda: (join(db, people, program_id, 6),
                           fire(db, people, program_id, "open_voting")),
        "agreed": lambda: (vote_all(db, people, program_id, ["yes"] * 9),
                           fire(db, people, program_id, "close_voting")),
        "action": lambda: fire(db, people, program_id, "deliver", form=DEMAND),
        "implementation": lambda: fire(db, people, program_id, "record_response",
                                       form={"outcome": "granted"}),
    }
    for step in ACTION_ORDER[1:ACTION_ORDER.index(state) + 1]:
        steps[step]()
    assert state_of(db, program_id) == state
    return program_id


def join(db, people, program_id, n, first=1):
    """warga<first>… warga<first+n-1> join as supporters through the command."""
    for i in range(first, first + n):
        organizing.join_supporters(db, people[f"warga{i}"], program_id, utcnow())


def findings_of(db, program_id) -> list:
    rows = db.exec(select(Finding.id, Finding.indicator, Finding.value, Finding.unit,
                          Finding.source, Finding.observed_on)
                   .where(Finding.program_id == program_id).order_by(Finding.id)).all()
    db.commit()
    return [tuple(row) for row in rows]


def supporters_of(db, program_id) -> list:
    rows = db.exec(select(User.username).join(Supporter, Supporter.user_id == User.id)
                   .where(Supporter.program_id == program_id).order_by(Supporter.id)).all()
    db.commit()
    return list(rows)


def everything(db) -> tuple:
    """snapshot() plus the findings and supporters, which these routes write."""
    rows = (db.exec(select(Finding.id, Finding.program_id, Finding.indicator, Finding.value,
                           Finding.unit, Finding.source, Finding.observed_on)
                    .order_by(Finding.id)).all(),
            db.exec(select(Supporter.program_id, Supporter.user_id)
                    .order_by(Supporter.id)).all())
    db.commit()
    return snapshot(db), [tuple(r) for r in rows[0]], [tuple(r) for r in rows[1]]


def ballots_of(db, program_id) -> list:
    rows = db.exec(select(Ballot.kind, Ballot.closed_at.is_(None), Ballot.passed)
                   .where(Ballot.program_id == program_id).order_by(Ballot.id)).all()
    db.commit()
    return [tuple(row) for row in rows]


def payloads(db, program_id) -> list:
    rows = db.exec(select(Event.payload).where(Event.program_id == program_id)
                   .order_by(Event.id)).all()
    db.commit()
    return [json.loads(row) for row in rows]


def field_error(response, error_id) -> str | None:
    match = re.search(rf'<p class="field-error"[^>]* id="{error_id}">([^<]+)</p>',
                      response.get_data(as_text=True))
    return match.group(1) if match else None





def page_of(client, program_id) -> str:
    response = client.get(f"/programs/{program_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post_step(client, people, program_id, name, username="pendamping", htmx=False,
              rendered=None, **data):
    """Log in as ``username`` and post step ``name`` (``rendered`` is cleared after the login)."""
    token = login_as(client, people[username])
    if rendered is not None:
        rendered.clear()
    return send(client, f"/programs/{program_id}/transitions/{name}", token, data, htmx=htmx)


def expect_status(role, allowed) -> int:
    if role == "anonymous":
        return 302
    if role == "outsider":
        return 404
    return 302 if role in allowed else 403


def check_refused(response, role, status, program_id, anchor):
    """The response of the authorisation tables, by role."""
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    if role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=/programs/")
    elif status == 302:
        assert response.headers["Location"] == f"/programs/{program_id}#{anchor}"
    else:
        assert 'id="refused"' in response.get_data(as_text=True)


# --- planning: findings -----------------------------------------------------------------------

def test_assessment_page_offers_the_finding_form_to_the_facilitator(client, db, people):
    """Only the facilitator, and only while facts are gathered, sees the finding forms."""
    program_id = planning(db, people, "assessment")
    login_as(client, people["pendamping"])
    page = page_of(client, program_id)
    assert f'action="/programs/{program_id}/findings"' in page
    for field in ("indicator", "value", "unit", "source", "observed_on"):
        assert re.search(rf'<input id="finding-new-{field}" name="{field}"', page)
    assert "publish_findings" in steps_on(page)
    for username in ("warga5", AUTHOR, "kades", "admin"):
        login_as(client, people[username])
        assert f"/programs/{program_id}/findings" not in page_of(client, program_id)


def test_add_finding_as_form_redirects(client, db, people, rendered):
    """A plain post stores the finding (cleaned) and redirects to the findings on the page."""
    program_id = planning(db, people, "assessment")
    token = login_as(client, people["pendamping"])
    before = snapshot(db)
    rendered.clear()
    response = send(client, f"/programs/{program_id}/findings", token,
                    {**GOOD_FINDING, "indicator": "  Balita gizi kurang \x07 ", "unit": ""})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/programs/{program_id}#findings"
    assert rendered == []
    [(fid, indicator, value, unit, source, observed_on)] = findings_of(db, program_id)
    assert (indicator, value, unit, source) == ("Balita gizi kurang", "45", "",
                                                "Survei kader posyandu")
    assert observed_on.isoformat() == "2025-10-01"
    assert snapshot(db) == before  # a finding is not a step: no event, no state change
    page = page_of(client, program_id)
    assert f'data-finding="{fid}"' in page
    assert "Balita gizi kurang" in page and "Survei kader posyandu" in page
    assert 'class="flash success"' in page


@pytest.mark.parametrize(("lang", "shown"), [("en", "Oct 1, 2025"), ("id", "1 Okt 2025")])
def test_finding_date_is_shown_by_the_one_date_rule(client, db, people, lang, shown):
    """The fact's date reads as the page's language writes dates, machine-readable beside."""
    program_id = planning(db, people, "consultation")
    login_as(client, people["warga4"], lang=lang)
    assert f'<time datetime="2025-10-01">{shown}</time>' in page_of(client, program_id)


def test_add_finding_with_htmx_swaps_the_main_fragment(client, db, people, rendered):
    """htmx gets program_main alone, with the new finding and the flash."""
    program_id = planning(db, people, "assessment")
    token = login_as(client, people["pendamping"])
    rendered.clear()
    response = send(client, f"/programs/{program_id}/findings", token, GOOD_FINDING, htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["partial/program_main.html"]
    assert is_fragment(response)
    assert page.lstrip().startswith('<div id="program-main">')
    assert "Rumah tangga tanpa akses air bersih" in page
    assert 'class="flash success"' in page
    assert len(findings_of(db, program_id)) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_edit_finding(client, db, people, rendered, htmx):
    """The facilitator corrects a finding: the same row, new values."""
    program_id = planning(db, people, "assessment")
    fid = add_finding(db, people, program_id).id
    token = login_as(client, people["pendamping"])
    rendered.clear()
    response = send(client, f"/programs/{program_id}/findings/{fid}", token,
                    {"indicator": "Rumah tangga tanpa jamban", "value": "12", "unit": "rumah",
                     "source": "Data desa 2025", "observed_on": ""}, htmx=htmx)
    assert response.status_code == (200 if htmx else 302)
    if htmx:
        assert rendered == ["partial/program_main.html"]
        assert "Rumah tangga tanpa jamban" in response.get_data(as_text=True)
    else:
        assert response.headers["Location"] == f"/programs/{program_id}#findings"
    assert findings_of(db, program_id) == [(fid, "Rumah tangga tanpa jamban", "12", "rumah",
                                            "Data desa 2025", None)]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_delete_finding(client, db, people, rendered, htmx):
    """The facilitator removes one finding; the others stay."""
    program_id = planning(db, people, "assessment")
    keep = add_finding(db, people, program_id, indicator="Sumur kering").id
    gone = add_finding(db, people, program_id).id
    token = login_as(client, people["pendamping"])
    rendered.clear()
    response = send(client, f"/programs/{program_id}/findings/{gone}/delete", token, htmx=htmx)
    assert response.status_code == (200 if htmx else 302)
    assert rendered == (["partial/program_main.html"] if htmx else [])
    assert [row[0] for row in findings_of(db, program_id)] == [keep]
    page = response.get_data(as_text=True) if htmx else page_of(client, program_id)
    assert f'data-finding="{gone}"' not in page
    assert f'data-finding="{keep}"' in page


TOMORROW = "TOMORROW"
# What every date field says to a year before 1900 (a cleared year field sends 0001).
TOO_EARLY = "The date is too early: write a date from 1900 on, for example 2027-03-31."
INVALID_FINDINGS = [
    # (problem, changes to a good finding, field, message)
    ("no indicator", {"indicator": ""}, "indicator", "Say what was measured or counted."),
    ("blank indicator", {"indicator": " \t\x00 "}, "indicator",
     "Say what was measured or counted."),
    ("no value", {"value": ""}, "value", "Write what was found, for example 45."),
    ("no source", {"source": ""}, "source",
     "Say where the fact comes from, so others can check it."),
    ("blank source", {"source": "   "}, "source",
     "Say where the fact comes from, so others can check it."),
    ("indicator too long", {"indicator": "a" * 201}, "indicator",
     "Too long: at most 200 letters."),
    ("value too long", {"value": "9" * 65}, "value", "Too long: at most 64 letters."),
    ("unit too long", {"unit": "u" * 65}, "unit", "Too long: at most 64 letters."),
    ("source too long", {"source": "s" * 301}, "source", "Too long: at most 300 letters."),
    ("bad date", {"observed_on": "31/12/2025"}, "observed_on",
     "Write the date as year-month-day, for example 2027-03-31."),
    ("impossible date", {"observed_on": "2025-02-30"}, "observed_on",
     "Write the date as year-month-day, for example 2027-03-31."),
    ("future date", {"observed_on": TOMORROW}, "observed_on",
     "The date cannot be in the future."),
    ("year 0001", {"observed_on": "0001-01-01"}, "observed_on", TOO_EARLY),
    ("before 1900", {"observed_on": "1899-12-31"}, "observed_on", TOO_EARLY),
]


def finding_data(changes) -> dict:
    data = {**GOOD_FINDING, **changes}
    if data["observed_on"] == TOMORROW:
        data["observed_on"] = (utcnow().date() + timedelta(days=2)).isoformat()
    return data


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("problem", "changes", "field", "message"), INVALID_FINDINGS,
                         ids=[row[0] for row in INVALID_FINDINGS])
def test_invalid_new_finding(client, db, people, rendered, problem, changes, field, message,
                             htmx):
    """A bad finding is 422 with the message at its field, what was typed kept, nothing saved."""
    program_id = planning(db, people, "assessment")
    token = login_as(client, people["pendamping"])
    before = everything(db)
    rendered.clear()
    data = finding_data(changes)
    response = send(client, f"/programs/{program_id}/findings", token, data, htmx=htmx)
    assert response.status_code == 422
    assert rendered == (["partial/program_main.html"] if htmx else ["program.html"])
    assert is_fragment(response) == htmx
    assert field_error(response, f"finding-new-{field}-error") == message
    page = response.get_data(as_text=True)
    assert re.search(rf'<input id="finding-new-{field}" name="{field}"[^>]*'
                     rf'aria-invalid="true"', page)
    if field != "source":  # what was typed is given back, so nothing has to be typed again
        assert 'value="Survei kader posyandu"' in page
    assert everything(db) == before


@pytest.mark.parametrize(("problem", "changes", "field", "message"), INVALID_FINDINGS,
                         ids=[row[0] for row in INVALID_FINDINGS])
def test_invalid_correction(client, db, people, problem, changes, field, message):
    """A bad correction is 422 with the message at the field of that finding; it is unchanged."""
    program_id = planning(db, people, "assessment")
    fid = add_finding(db, people, program_id).id
    token = login_as(client, people["pendamping"])
    before = everything(db)
    response = send(client, f"/programs/{program_id}/findings/{fid}", token,
                    finding_data(changes))
    assert response.status_code == 422
    assert field_error(response, f"finding-{fid}-{field}-error") == message
    assert field_error(response, f"finding-new-{field}-error") is None
    assert everything(db) == before


FINDING_ROUTES = {
    "add": ("/programs/{id}/findings", GOOD_FINDING),
    "edit": ("/programs/{id}/findings/{fid}", {**GOOD_FINDING, "value": "50"}),
    "delete": ("/programs/{id}/findings/{fid}/delete", {}),
}
FINDING_ROLES = ("anonymous", "resident", "author", "official", "admin", "outsider",
                 "facilitator")
FINDING_MATRIX = [(route, role) for route in FINDING_ROUTES for role in FINDING_ROLES]


@pytest.mark.parametrize(("route", "role"), FINDING_MATRIX,
                         ids=[f"{r}-{w}" for r, w in FINDING_MATRIX])
def test_finding_authorisation(client, db, people, request, route, role):
    """Only the facilitator records findings: others 403, outsiders 404, anonymous to login."""
    program_id = planning(db, people, "assessment")
    fid = add_finding(db, people, program_id).id
    url, data = FINDING_ROUTES[route]
    token = login_as(client, user_for(request, people, role))
    before = everything(db)
    response = send(client, url.format(id=program_id, fid=fid), token, data)
    status = expect_status(role, {"facilitator"})
    check_refused(response, role, status, program_id, "findings")
    if status == 403:
        assert "facilitator" in refusal_text(response)
    assert (everything(db) != before) == (role == "facilitator")


def _finding_outside_assessment(db, people, state):
    """A planning program in ``state`` that has one finding (arranged directly if need be)."""
    program_id = planning(db, people, state)
    rows = findings_of(db, program_id)
    if rows:
        return program_id, rows[0][0]
    finding = Finding(program_id=program_id, recorded_by=people["pendamping"].id,
                      created_at=utcnow(), indicator="Sumur", value="3", source="Survei")
    db.add(finding)
    db.commit()
    return program_id, finding.id


@pytest.mark.parametrize("state", ["proposed", "consultation", "agreed", "approved"])
@pytest.mark.parametrize("route", list(FINDING_ROUTES))
def test_findings_only_during_assessment(client, db, people, route, state):
    """Outside the assessment the facilitator's finding routes are a conflict (409)."""
    program_id, fid = _finding_outside_assessment(db, people, state)
    url, data = FINDING_ROUTES[route]
    token = login_as(client, people["pendamping"])
    before = everything(db)
    response = send(client, url.format(id=program_id, fid=fid), token, data)
    assert response.status_code == 409
    assert STATE_LABELS["assessment"] in refusal_text(response)
    assert everything(db) == before
    assert f"/programs/{program_id}/findings" not in page_of(client, program_id)


@pytest.mark.parametrize("route", ["edit", "delete"])
def test_finding_of_another_program_is_404(client, db, people, rendered, route):
    """A finding id that belongs to another program (or to none) is 404 and changes nothing."""
    mine = planning(db, people, "assessment")
    other = planning(db, people, "assessment")
    theirs = add_finding(db, people, other).id
    url, data = FINDING_ROUTES[route]
    token = login_as(client, people["pendamping"])
    before = everything(db)
    for fid in (theirs, 987654):
        rendered.clear()
        response = send(client, url.format(id=mine, fid=fid), token, data)
        assert response.status_code == 404
        assert rendered == ["refused.html"]
    assert everything(db) == before


def test_findings_of_unknown_program_is_404(client, db, people):
    token = login_as(client, people["pendamping"])
    before = everything(db)
    assert send(client, "/programs/999/findings", token, GOOD_FINDING).status_code == 404
    assert everything(db) == before


def test_findings_on_a_locality_program_are_refused(client, db, people):
    """Program 1 follows the locality template: it has no assessment to add findings to."""
    token = login_as(client, people["pendamping"])
    before = everything(db)
    response = send(client, f"/programs/{PROGRAM}/findings", token, GOOD_FINDING)
    assert response.status_code == 409
    assert everything(db) == before


def test_finding_is_escaped(client, db, people):
    """A finding is shown as text: markup in it is escaped."""
    program_id = planning(db, people, "assessment")
    token = login_as(client, people["pendamping"])
    assert send(client, f"/programs/{program_id}/findings", token,
                {**GOOD_FINDING, "source": "<script>alert(1)</script>"},
                htmx=True).status_code == 200
    login_as(client, people["warga5"])
    page = page_of(client, program_id)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


# --- planning: publish, advisory poll, recommendation, the official -----------------------------

def test_publish_refused_until_a_finding_has_a_source(client, db, people):
    """publish_findings is refused (409, naming the source) until a sourced finding exists."""
    program_id = planning(db, people, "assessment")
    login_as(client, people["pendamping"])
    page = page_of(client, program_id)
    assert re.search(r'data-transition="publish_findings"[^>]*\s+disabled', page)
    assert "source" in re.search(r'id="why-publish_findings">([^<]*)<', page).group(1)
    before = everything(db)
    response = post_step(client, people, program_id, "publish_findings",
                         expected_state="assessment")
    assert response.status_code == 409
    assert "source" in refusal_text(response)
    assert everything(db) == before
    # A finding without a source (arranged directly: the form cannot make one) is not enough.
    db.add(Finding(program_id=program_id, recorded_by=people["pendamping"].id,
                   created_at=utcnow(), indicator="Sumur", value="3", source=""))
    db.commit()
    before = everything(db)
    response = post_step(client, people, program_id, "publish_findings",
                         expected_state="assessment")
    assert response.status_code == 409
    assert "source" in refusal_text(response)
    assert everything(db) == before
    assert ballots_of(db, program_id) == []
    token = login_as(client, people["pendamping"])
    # With a sourced finding, recorded through the form, the findings are published.
    assert send(client, f"/programs/{program_id}/findings", token,
                GOOD_FINDING, htmx=True).status_code == 200
    response = post_step(client, people, program_id, "publish_findings",
                         expected_state="assessment")
    assert response.status_code == 302
    assert state_of(db, program_id) == "consultation"
    assert ballots_of(db, program_id) == [("advisory", True, None)]
    assert payloads(db, program_id)[-1] == {"ballot": "advisory", "secret": False}
    assert events_of(db, program_id)[-1] == ("publish_findings", "assessment", "consultation",
                                             "pendamping")


def test_advisory_poll_takes_yes_no_abstain(client, db, people, rendered):
    """Residents answer the advisory poll yes / no / abstain; consent choices are refused."""
    program_id = planning(db, people, "consultation")
    token = login_as(client, people["warga3"])
    page = page_of(client, program_id)
    assert set(re.findall(r'data-choice="(\w+)"', page)) == {"yes", "no", "abstain"}
    assert "binds nobody" in page
    for bad in ("agree", "block", ""):
        response = send(client, f"/programs/{program_id}/votes", token,
                        {"choice": bad, "reason": "x"})
        assert response.status_code == 422
    assert votes_of(db, program_id) == []
    for choice in ("yes", "no", "abstain"):
        assert send(client, f"/programs/{program_id}/votes", token,
                    {"choice": choice}).status_code == 302
        assert votes_of(db, program_id) == [("warga3", choice, "", False)]
    # Staff are consulted by the poll's result, they do not vote in it.
    for username in ("pendamping", "kades", "admin"):
        token = login_as(client, people[username])
        assert send(client, f"/programs/{program_id}/votes", token,
                    {"choice": "yes"}).status_code == 403
    assert len(votes_of(db, program_id)) == 1


@pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
def test_advisory_poll_open_or_secret(client, db, people, secret):
    """The facilitator may make the advisory poll secret: then nobody sees who chose what."""
    program_id = planning(db, people, "assessment")
    add_finding(db, people, program_id)
    response = post_step(client, people, program_id, "publish_findings",
                         expected_state="assessment", **({"secret": "on"} if secret else {}))
    assert response.status_code == 302
    secret_of = db.exec(select(Ballot.secret).where(Ballot.program_id == program_id)).one()
    db.commit()
    assert secret_of is secret
    assert payloads(db, program_id)[-1] == {"ballot": "advisory", "secret": secret}
    vote_all(db, people, program_id, ["yes", "no"])
    login_as(client, people["warga5"])
    page = page_of(client, program_id)
    assert f'data-secret="{str(secret).lower()}"' in page
    assert ("How each person voted" in page) is not secret
    assert ("Siti Aminah" in page.split('id="ballot"')[1].split("</section>")[0]) is not secret


@pytest.mark.parametrize("reason", ["", "  \n "], ids=["empty", "blank"])
def test_recommend_needs_a_reason(client, db, people, rendered, reason):
    """Recommending without the recommendation written is 422 at its field; nothing changes."""
    program_id = planning(db, people, "consultation")
    before = everything(db)
    response = post_step(client, people, program_id, "recommend", reason=reason,
                         expected_state="consultation", rendered=rendered)
    assert response.status_code == 422
    assert rendered == ["program.html"]
    assert field_error(response, "recommend-reason-error")
    assert '<textarea id="reason-recommend" name="reason"' in response.get_data(as_text=True)
    assert everything(db) == before
    assert ballots_of(db, program_id) == [("advisory", True, None)]


def test_recommend_shows_the_recommendation_beside_the_poll(client, db, people):
    """The recommendation moves the program to agreed, closes the poll, and both are shown."""
    program_id = planning(db, people, "consultation")
    for i, choice in enumerate(["yes"] * 5 + ["no"] * 2 + ["abstain"], start=1):
        token = login_as(client, people[f"warga{i}"])
        assert send(client, f"/programs/{program_id}/votes", token,
                    {"choice": choice}, htmx=i % 2 == 0).status_code in (200, 302)
    reason = "Bangun dua sumur bor <b>segera</b> & pasang pompa."
    response = post_step(client, people, program_id, "recommend", reason=reason,
                         expected_state="consultation")
    assert response.status_code == 302
    assert state_of(db, program_id) == "agreed"
    # A poll binds nobody: closed, it stores no verdict.
    assert ballots_of(db, program_id) == [("advisory", False, None)]
    last = payloads(db, program_id)[-1]
    assert last["reason"] == reason
    assert last["tally"]["counts"] == {"yes": 5, "no": 2, "abstain": 1}
    login_as(client, people["warga9"])
    page = page_of(client, program_id)
    shown = re.search(r"<p class=\"reason\" data-recommendation>([^<]*)</p>", page)
    assert shown and shown.group(1) == ("Bangun dua sumur bor &lt;b&gt;segera&lt;/b&gt; "
                                        "&amp; pasang pompa.")
    assert "Advisory poll beside it (binds nobody): 5 yes, 2 no, 1 abstain." in page
    # The official now decides.
    login_as(client, people["kades"])
    assert steps_on(page_of(client, program_id)) == ["approve", "return", "reject"]


def test_advisory_poll_binds_nobody(client, db, people):
    """A poll with more no than yes does not stop the facilitator's recommendation."""
    program_id = planning(db, people, "consultation")
    vote_all(db, people, program_id, ["no"] * 9 + ["yes"])
    response = post_step(client, people, program_id, "recommend", reason=RECOMMENDATION,
                         expected_state="consultation")
    assert response.status_code == 302
    assert state_of(db, program_id) == "agreed"
    login_as(client, people["warga1"])
    assert "1 yes, 9 no, 0 abstain" in page_of(client, program_id)


@pytest.mark.parametrize("username", ["warga5", AUTHOR, "kades", "admin"])
def test_only_the_facilitator_recommends(client, db, people, username):
    program_id = planning(db, people, "consultation")
    before = everything(db)
    response = post_step(client, people, program_id, "recommend", username,
                         reason=RECOMMENDATION, expected_state="consultation")
    assert response.status_code == 403
    assert everything(db) == before


@pytest.mark.parametrize("name", ["return", "reject"])
def test_official_return_and_reject_need_a_reason(client, db, people, name):
    program_id = planning(db, people, "agreed")
    before = everything(db)
    response = post_step(client, people, program_id, name, "kades", reason=" ",
                         expected_state="agreed")
    assert response.status_code == 422
    assert field_error(response, f"{name}-reason-error")
    assert everything(db) == before


def test_official_returns_to_assessment(client, db, people):
    """Returned with a reason, the program gathers facts again: findings can be changed."""
    program_id = planning(db, people, "agreed")
    fid = findings_of(db, program_id)[0][0]
    response = post_step(client, people, program_id, "return", "kades",
                         reason="Data harga pompa belum ada.", expected_state="agreed")
    assert response.status_code == 302
    assert state_of(db, program_id) == "assessment"
    assert events_of(db, program_id)[-1] == ("return", "agreed", "assessment", "kades")
    assert payloads(db, program_id)[-1] == {"reason": "Data harga pompa belum ada."}
    token = login_as(client, people["pendamping"])
    assert send(client, f"/programs/{program_id}/findings/{fid}", token,
                {**GOOD_FINDING, "value": "47"}, htmx=True).status_code == 200
    assert findings_of(db, program_id)[0][2] == "47"
    # Published again, it opens a new advisory poll.
    assert post_step(client, people, program_id, "publish_findings",
                     expected_state="assessment").status_code == 302
    assert ballots_of(db, program_id) == [("advisory", False, None), ("advisory", True, None)]


def test_official_rejects(client, db, people):
    program_id = planning(db, people, "agreed")
    response = post_step(client, people, program_id, "reject", "kades",
                         reason="Sudah ada program PAMSIMAS.", expected_state="agreed",
                         confirm="yes")
    assert response.status_code == 302
    assert state_of(db, program_id) == "rejected"
    assert payloads(db, program_id)[-1] == {"reason": "Sudah ada program PAMSIMAS."}


def test_official_approves_and_the_work_goes_to_the_end(client, db, people):
    """Approve, carry out, complete, evaluate: the common tail of the planning template."""
    program_id = planning(db, people, "agreed")
    for name, username, state in [("approve", "kades", "approved"),
                                  ("start_implementation", "pendamping", "implementation"),
                                  ("complete", "pendamping", "completed"),
                                  ("evaluate", "pendamping", "evaluated")]:
        before = state_of(db, program_id)
        response = post_step(client, people, program_id, name, username, htmx=True,
                             expected_state=before, confirm="yes")
        assert response.status_code == 200, response.get_data(as_text=True)[:1000]
        assert f'data-state="{state}"' in response.get_data(as_text=True)
        assert state_of(db, program_id) == state
    assert [e[0] for e in events_of(db, program_id)] == [
        "submit", "start_assessment", "publish_findings", "recommend", "approve",
        "start_implementation", "complete", "evaluate"]
    assert audit.verify(db).ok
    db.commit()


def test_planning_flow_through_http(client, db, people):
    """Submit, assess, publish, poll, recommend, approve: every step through the web."""
    program_id = new_program(db, people, "planning")
    assert post_step(client, people, program_id, "submit", AUTHOR,
                     expected_state="draft").status_code == 302
    assert post_step(client, people, program_id, "start_assessment",
                     expected_state="proposed").status_code == 302
    token = login_as(client, people["pendamping"])
    response = send(client, f"/programs/{program_id}/findings", token, GOOD_FINDING, htmx=True)
    assert response.status_code == 200
    assert post_step(client, people, program_id, "publish_findings", htmx=True,
                     expected_state="assessment").status_code == 200
    for i, choice in enumerate(["yes"] * 6 + ["no", "abstain"], start=1):
        token = login_as(client, people[f"warga{i}"])
        assert send(client, f"/programs/{program_id}/votes", token,
                    {"choice": choice}).status_code == 302
    assert post_step(client, people, program_id, "recommend", reason=RECOMMENDATION,
                     expected_state="consultation").status_code == 302
    assert post_step(client, people, program_id, "approve", "kades",
                     expected_state="agreed", confirm="yes").status_code == 302
    assert events_of(db, program_id) == [
        ("submit", "draft", "proposed", AUTHOR),
        ("start_assessment", "proposed", "assessment", "pendamping"),
        ("publish_findings", "assessment", "consultation", "pendamping"),
        ("recommend", "consultation", "agreed", "pendamping"),
        ("approve", "agreed", "approved", "kades"),
    ]
    login_as(client, people["warga12"])
    page = page_of(client, program_id)
    assert 'data-state="approved"' in page
    assert f"data-recommendation>{RECOMMENDATION}</p>" in page
    assert "6 yes, 1 no, 1 abstain" in page


# --- action: supporters -----------------------------------------------------------------------

SUPPORT_ROUTES = {"support": "/programs/{id}/supporters",
                  "leave": "/programs/{id}/supporters/leave"}
SUPPORT_ROLES = ("anonymous", "resident", "author", "facilitator", "official", "admin",
                 "outsider")
SUPPORT_MATRIX = [(route, role) for route in SUPPORT_ROUTES for role in SUPPORT_ROLES]


@pytest.mark.parametrize(("route", "role"), SUPPORT_MATRIX,
                         ids=[f"{r}-{w}" for r, w in SUPPORT_MATRIX])
def test_supporter_authorisation(client, db, people, request, route, role):
    """Only residents join and leave: staff 403, outsiders 404, anonymous to login."""
    program_id = action(db, people, "organizing")
    if route == "leave":  # the resident and the author support it, so they can leave
        for username in (ACCOUNTS["resident"], AUTHOR):
            organizing.join_supporters(db, people[username], program_id, utcnow())
    user = user_for(request, people, role)
    token = login_as(client, user)
    before = everything(db)
    response = send(client, SUPPORT_ROUTES[route].format(id=program_id), token)
    status = expect_status(role, {"resident", "author"})
    check_refused(response, role, status, program_id, "supporters")
    if status == 403:
        assert "resident" in refusal_text(response)
    assert (everything(db) != before) == (status == 302 and role != "anonymous")
    if status == 302 and role != "anonymous":
        assert (user.username in supporters_of(db, program_id)) == (route == "support")


@pytest.mark.parametrize("state", ["proposed", "voting", "agreed", "action"])
@pytest.mark.parametrize("route", list(SUPPORT_ROUTES))
def test_supporters_only_while_organizing(client, db, people, route, state):
    """Outside organising, joining and leaving are a conflict (409) and nothing changes."""
    program_id = action(db, people, state)
    token = login_as(client, people["warga2"])  # a supporter from the voting state on
    before = everything(db)
    response = send(client, SUPPORT_ROUTES[route].format(id=program_id), token)
    assert response.status_code == 409
    assert STATE_LABELS["organizing"] in refusal_text(response)
    assert everything(db) == before


def test_support_on_a_locality_program_is_refused(client, db, people):
    token = login_as(client, people["warga5"])
    before = everything(db)
    assert send(client, f"/programs/{PROGRAM}/supporters", token).status_code == 409
    assert everything(db) == before


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_join_twice_keeps_one_row(client, db, people, htmx):
    """Joining again changes nothing; leaving removes the one row; leaving again is harmless."""
    program_id = action(db, people, "organizing")
    token = login_as(client, people["warga3"])
    for _ in range(2):
        response = send(client, f"/programs/{program_id}/supporters", token, htmx=htmx)
        assert response.status_code == (200 if htmx else 302)
        if not htmx:
            assert response.headers["Location"] == f"/programs/{program_id}#supporters"
    assert supporters_of(db, program_id) == ["warga3"]
    for _ in range(2):
        assert send(client, f"/programs/{program_id}/supporters/leave", token,
                    htmx=htmx).status_code == (200 if htmx else 302)
    assert supporters_of(db, program_id) == []


def test_join_with_htmx_swaps_the_main_fragment(client, db, people, rendered):
    program_id = action(db, people, "organizing")
    join(db, people, program_id, 2)
    token = login_as(client, people["warga7"])
    page = page_of(client, program_id)
    assert re.search(r'data-action="support"', page)
    assert "data-action=\"unsupport\"" not in page
    rendered.clear()
    response = send(client, f"/programs/{program_id}/supporters", token, htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["partial/program_main.html"]
    assert page.lstrip().startswith('<div id="program-main">')
    assert "<span data-supporters>3</span>" in page
    assert "3 more supporters needed before the demands can go to a vote." in page
    assert 'data-action="unsupport"' in page
    assert 'class="flash success"' in page
    response = send(client, f"/programs/{program_id}/supporters/leave", token, htmx=True)
    assert "<span data-supporters>2</span>" in response.get_data(as_text=True)
    assert supporters_of(db, program_id) == ["warga1", "warga2"]


@pytest.mark.parametrize("n", [0, 1, 5, 6, 8])
def test_page_shows_supporters_and_how_many_more(client, db, people, n):
    """Everyone sees the count; below the threshold, how many more; the button says why."""
    program_id = action(db, people, "organizing")
    join(db, people, program_id, n)
    login_as(client, people["kades"])
    page = page_of(client, program_id)
    assert f"<span data-supporters>{n}</span>" in page
    if n < 6:
        assert (f"{6 - n} more supporters needed before the demands can go to a vote."
                in page)
    else:
        assert "Enough supporters to vote on the demands (6 needed)." in page
    assert 'data-action="support"' not in page  # the official does not join
    login_as(client, people["pendamping"])
    page = page_of(client, program_id)
    disabled = re.search(r'data-transition="open_voting"[^>]*\s+disabled', page)
    assert bool(disabled) == (n < 6)
    if n < 6:
        why = re.search(r'id="why-open_voting">([^<]*)<', page).group(1)
        assert f"{6 - n} more supporters needed" in why


@pytest.mark.parametrize("n", [0, 3, 5])
def test_open_voting_refused_until_enough_supporters(client, db, people, n):
    """open_voting names the missing count; nothing opens."""
    program_id = action(db, people, "organizing")
    join(db, people, program_id, n)
    before = everything(db)
    response = post_step(client, people, program_id, "open_voting",
                         expected_state="organizing")
    assert response.status_code == 409
    assert f"{6 - n} more supporters needed" in refusal_text(response)
    assert everything(db) == before
    assert ballots_of(db, program_id) == []


def test_open_voting_with_enough_supporters_opens_a_majority_ballot(client, db, people):
    program_id = action(db, people, "organizing")
    join(db, people, program_id, 6)
    response = post_step(client, people, program_id, "open_voting",
                         expected_state="organizing")
    assert response.status_code == 302
    assert state_of(db, program_id) == "voting"
    assert ballots_of(db, program_id) == [("majority", True, None)]
    assert payloads(db, program_id)[-1] == {"ballot": "majority", "secret": False}
    login_as(client, people["warga12"])  # not a supporter, still a voter
    page = page_of(client, program_id)
    assert set(re.findall(r'data-choice="(\w+)"', page)) == {"yes", "no", "abstain"}


def test_leaving_below_the_threshold_closes_the_way_to_a_vote(client, db, people):
    program_id = action(db, people, "organizing")
    join(db, people, program_id, 6)
    token = login_as(client, people["warga6"])
    assert send(client, f"/programs/{program_id}/supporters/leave", token,
                htmx=True).status_code == 200
    response = post_step(client, people, program_id, "open_voting",
                         expected_state="organizing")
    assert response.status_code == 409
    assert "1 more supporters needed" in refusal_text(response)


@pytest.mark.parametrize(("choices", "state", "passed", "verdict"), [
    (["yes"] * 6 + ["no"] * 2, "agreed", True, True),
    (["yes"] * 3 + ["no"] * 5, "organizing", False, False),
    (["yes"] * 4 + ["no"] * 4, "organizing", False, False),
    # 7 of the 8 votes needed for the quorum: not carried, and nothing decided.
    (["yes"] * 7, "organizing", False, None),
], ids=["majority", "minority", "tie", "no-quorum"])
def test_majority_vote_decides(client, db, people, choices, state, passed, verdict):
    """The demands are adopted by simple majority (quorum 8 of 12), or go back to organising."""
    program_id = action(db, people, "voting")
    for i, choice in enumerate(choices, start=1):
        token = login_as(client, people[f"warga{i}"])
        assert send(client, f"/programs/{program_id}/votes", token,
                    {"choice": choice}).status_code == 302
    response = post_step(client, people, program_id, "close_voting", expected_state="voting")
    assert response.status_code == 302
    assert state_of(db, program_id) == state
    assert ballots_of(db, program_id) == [("majority", False, verdict)]
    assert payloads(db, program_id)[-1]["tally"]["passed"] is passed


# --- action: the demand delivered and the target's answer ----------------------------------------

def test_deliver_form_on_the_page(client, db, people):
    program_id = action(db, people, "agreed")
    login_as(client, people["pendamping"])
    page = page_of(client, program_id)
    assert steps_on(page) == ["deliver"]
    assert re.search(r'<input id="deliver-target" name="target"', page)
    assert set(re.findall(r'<option value="(\w+)"', page)) >= set(CHANNELS)
    assert re.search(r'<input id="deliver-date" name="delivered_on" type="date"', page)


INVALID_DEMANDS = [
    ("no target", {"target": None}, "target", "Name the body that receives the demand."),
    ("blank target", {"target": "  \t "}, "target", "Name the body that receives the demand."),
    ("target too long", {"target": "D" * 201}, "target", "Too long: at most 200 letters."),
    ("no channel", {"channel": None}, "channel", "Choose how the demand was delivered."),
    ("unknown channel", {"channel": "pigeon"}, "channel",
     "Choose how the demand was delivered."),
    ("bad date", {"delivered_on": "3 November 2025"}, "delivered_on",
     "Write the date as year-month-day, for example 2027-03-31."),
    ("impossible date", {"delivered_on": "2025-13-01"}, "delivered_on",
     "Write the date as year-month-day, for example 2027-03-31."),
    ("year 0001", {"delivered_on": "0001-01-01"}, "delivered_on", TOO_EARLY),
    ("before 1900", {"delivered_on": "1899-12-31"}, "delivered_on", TOO_EARLY),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("problem", "changes", "field", "message"), INVALID_DEMANDS,
                         ids=[row[0] for row in INVALID_DEMANDS])
def test_invalid_deliver(client, db, people, rendered, problem, changes, field, message, htmx):
    """A bad demand record is 422 with the message at its field; state unchanged, no event."""
    program_id = action(db, people, "agreed")
    data = {k: v for k, v in {**DEMAND, **changes}.items() if v is not None}
    before = everything(db)
    response = post_step(client, people, program_id, "deliver", htmx=htmx,
                         expected_state="agreed", rendered=rendered, **data)
    assert response.status_code == 422
    assert rendered == (["partial/program_main.html"] if htmx else ["program.html"])
    assert field_error(response, f"deliver-{field}-error") == message
    assert state_of(db, program_id) == "agreed"
    assert everything(db) == before


# The clock stopped at three times of one UTC day: before midnight in every Indonesian zone
# (00:30), after it in WIT only (15:30: 00:30 in Jayapura, 22:30 in Jakarta), after it
# everywhere (23:30). A test of "today" must pass at each.
CLOCK = ["00:30", "15:30", "23:30"]
ZONES = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]  # WIB, WITA, WIT


def frozen(clock: str) -> datetime:
    """Today's UTC date at the wall-clock time ``clock`` (UTC)."""
    return datetime.combine(utcnow().date(), time.fromisoformat(clock), tzinfo=UTC)


def set_zone(db, program_id, zone) -> None:
    """Move the program's community to ``zone`` (as an administrator would set it)."""
    round_id = db.exec(select(Program.round_id).where(Program.id == program_id)).one()
    community_id = db.exec(select(Round.community_id).where(Round.id == round_id)).one()
    db.exec(update(Community).where(Community.id == community_id).values(timezone=zone))
    db.commit()


@pytest.mark.parametrize("clock", CLOCK)
@pytest.mark.parametrize(("delivered_on", "expected"), [
    ("2025-11-03", "2025-11-03"), ("", "TODAY")], ids=["dated", "today"])
def test_deliver(client, db, people, monkeypatch, clock, delivered_on, expected):
    """The demand is delivered: action, with target, channel and date in the event; no date
    given means today in the community (the demo village keeps Community's default zone)."""
    now = frozen(clock)
    freeze_web_clock(monkeypatch, now)
    program_id = action(db, people, "agreed")
    response = post_step(client, people, program_id, "deliver", expected_state="agreed",
                         target="  Dinas PUPR Kabupaten ", channel="petition",
                         delivered_on=delivered_on)
    assert response.status_code == 302
    assert state_of(db, program_id) == "action"
    today = dates.community_today(now, dates.DEFAULT_ZONE).isoformat()
    assert payloads(db, program_id)[-1] == {
        "target": "Dinas PUPR Kabupaten", "channel": "petition",
        "delivered_on": today if expected == "TODAY" else expected}
    assert events_of(db, program_id)[-1] == ("deliver", "agreed", "action", "pendamping")
    login_as(client, people["warga4"])
    page = page_of(client, program_id)
    assert "<dd data-demand-target>Dinas PUPR Kabupaten</dd>" in page
    assert "Petition" in page


@pytest.mark.parametrize("clock", CLOCK)
@pytest.mark.parametrize("zone", ZONES)
def test_delivered_today_is_the_communitys_date(client, db, people, monkeypatch, clock, zone):
    """"Today" is the date on the community's own calendar: in Papua it is tomorrow already
    while Java is still in the evening."""
    now = frozen(clock)
    freeze_web_clock(monkeypatch, now)
    program_id = action(db, people, "agreed")
    set_zone(db, program_id, zone)
    assert post_step(client, people, program_id, "deliver", expected_state="agreed",
                     **{**DEMAND, "delivered_on": ""}).status_code == 302
    assert payloads(db, program_id)[-1]["delivered_on"] == (
        dates.community_today(now, zone).isoformat())


@pytest.mark.parametrize("clock", CLOCK)
def test_delivery_date_not_after_the_latest_date_in_indonesia(client, db, people, monkeypatch,
                                                               clock):
    """A demand delivered "tomorrow" even in Papua is refused, nothing written; the latest
    date anywhere in Indonesia is accepted, also in a village in WIB."""
    now = frozen(clock)
    freeze_web_clock(monkeypatch, now)
    latest = dates.latest_date_in_indonesia(now)
    program_id = action(db, people, "agreed")
    token = login_as(client, people["pendamping"])
    url = f"/programs/{program_id}/transitions/deliver"
    before = db_state(db)
    response = send(client, url, token, {**DEMAND, "expected_state": "agreed",
                                         "delivered_on": (latest + timedelta(days=1)).isoformat()})
    assert response.status_code == 422
    assert field_error(response, "deliver-delivered_on-error") == (
        "The date cannot be in the future.")
    assert db_state(db) == before
    assert send(client, url, token, {**DEMAND, "expected_state": "agreed",
                                     "delivered_on": latest.isoformat()}).status_code == 302
    assert payloads(db, program_id)[-1]["delivered_on"] == latest.isoformat()


@pytest.mark.parametrize(("lang", "shown"), [("en", "Nov 3, 2025"), ("id", "3 Nov 2025")])
def test_delivery_date_is_shown_in_the_readers_language(client, db, people, lang, shown):
    """The demand's date is written the way the page's language writes dates, not raw."""
    program_id = action(db, people, "action")
    login_as(client, people["warga4"], lang=lang)
    page = page_of(client, program_id)
    assert f'<time datetime="2025-11-03">{shown}</time>' in page
    assert ">2025-11-03<" not in page


def shown_moment(moment, zone, lang) -> str:
    """How a page shows ``moment``: the <time> element, on the clocks of ``zone``."""
    local = dates.local_time(moment, zone).replace(microsecond=0)
    # CLDR's English puts a narrow no-break space before AM/PM.
    clock = (f"{local:%H.%M}" if lang == "id"
             else local.strftime("%I:%M").lstrip("0") + "\u202f" + local.strftime("%p"))
    text = (f"{format_date(local, 'medium', locale='id')} {clock}" if lang == "id"
            else f"{format_date(local, 'medium', locale='en')}, {clock}")
    return f'<time datetime="{local.isoformat()}">{text}</time>'


@pytest.mark.parametrize("clock", CLOCK)
@pytest.mark.parametrize("lang", ["en", "id"])
def test_moments_are_shown_on_the_communitys_clock(client, db, people, monkeypatch, clock,
                                                   lang):
    """A step and a comment taken at ``now`` show the community's local date and time (WIT
    here), with the same moment in whole seconds and its offset in the datetime attribute."""
    now = frozen(clock).replace(second=12, microsecond=345678)
    freeze_web_clock(monkeypatch, now)
    program_id = action(db, people, "agreed")
    set_zone(db, program_id, "Asia/Jayapura")
    assert post_step(client, people, program_id, "deliver", expected_state="agreed",
                     **DEMAND).status_code == 302
    token = login_as(client, people["warga4"], lang=lang)
    assert send(client, f"/programs/{program_id}/comments", token,
                {"stance": "support", "body": "Kami ikut."}).status_code == 302
    expected = shown_moment(now, "Asia/Jayapura", lang)
    wit = now.astimezone(timezone(timedelta(hours=9)))
    assert expected.startswith(f'<time datetime="{wit:%Y-%m-%dT%H:%M}:12+09:00">')
    page = page_of(client, program_id)
    assert page.count(expected) == 2, re.findall(r"<time [^>]*>[^<]*</time>", page)
    history = client.get(f"/programs/{program_id}/history").get_data(as_text=True)
    assert expected in history


@pytest.mark.parametrize("username", ["warga5", AUTHOR, "kades", "admin"])
def test_only_the_facilitator_delivers(client, db, people, username):
    program_id = action(db, people, "agreed")
    before = everything(db)
    response = post_step(client, people, program_id, "deliver", username,
                         expected_state="agreed", **DEMAND)
    assert response.status_code == 403
    assert everything(db) == before


INVALID_RESPONSES = [
    ("no outcome", {}, "outcome"),
    ("empty outcome", {"outcome": ""}, "outcome"),
    ("unknown outcome", {"outcome": "maybe"}, "outcome"),
    ("outcome in Indonesian", {"outcome": "ditolak"}, "outcome"),
    ("note too long", {"outcome": "granted", "note": "n" * 2001}, "note"),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("problem", "data", "field"), INVALID_RESPONSES,
                         ids=[row[0] for row in INVALID_RESPONSES])
def test_invalid_response(client, db, people, rendered, problem, data, field, htmx):
    """A bad answer record is 422 with a message at its field, and nothing changes."""
    program_id = action(db, people, "action")
    before = everything(db)
    response = post_step(client, people, program_id, "record_response", htmx=htmx,
                         expected_state="action", rendered=rendered, **data)
    assert response.status_code == 422
    assert rendered == (["partial/program_main.html"] if htmx else ["program.html"])
    assert field_error(response, f"record_response-{field}-error"), (
        f"no message at the {field} field")
    assert state_of(db, program_id) == "action"
    assert everything(db) == before


def test_refused_response_goes_back_to_organizing(client, db, people):
    """The target refused: the residents organise again; supporters stay and may join."""
    program_id = action(db, people, "action")
    response = post_step(client, people, program_id, "record_response",
                         expected_state="action", outcome="refused",
                         note="Bupati: anggaran tahun ini habis.")
    assert response.status_code == 302
    assert state_of(db, program_id) == "organizing"
    assert payloads(db, program_id)[-1] == {"outcome": "refused",
                                            "note": "Bupati: anggaran tahun ini habis."}
    assert len(supporters_of(db, program_id)) == 6
    token = login_as(client, people["warga11"])
    page = page_of(client, program_id)
    assert 'data-response="refused"' in page
    assert "Bupati: anggaran tahun ini habis." in page
    assert send(client, f"/programs/{program_id}/supporters", token,
                htmx=True).status_code == 200
    assert len(supporters_of(db, program_id)) == 7
    # Escalate: a new vote can be opened on the demands.
    assert post_step(client, people, program_id, "open_voting",
                     expected_state="organizing").status_code == 302
    assert ballots_of(db, program_id)[-1] == ("majority", True, None)


@pytest.mark.parametrize("outcome", ["granted", "partial"])
def test_granted_response_starts_the_work(client, db, people, outcome):
    """Granted in all or in part: implementation, then completed and evaluated."""
    program_id = action(db, people, "action")
    response = post_step(client, people, program_id, "record_response", htmx=True,
                         expected_state="action", outcome=outcome, note="")
    assert response.status_code == 200
    assert f'data-response="{outcome}"' in response.get_data(as_text=True)
    assert state_of(db, program_id) == "implementation"
    assert payloads(db, program_id)[-1] == {"outcome": outcome}
    for name, state in [("complete", "completed"), ("evaluate", "evaluated")]:
        before = state_of(db, program_id)
        assert post_step(client, people, program_id, name,
                         expected_state=before).status_code == 302
        assert state_of(db, program_id) == state
    assert [e[0] for e in events_of(db, program_id)][-4:] == [
        "deliver", "record_response", "complete", "evaluate"]
    assert audit.verify(db).ok
    db.commit()


@pytest.mark.parametrize("name", ["approve", "return", "reject", "start_implementation"])
def test_no_official_approval_in_action(client, db, people, name):
    """The power structure is the target: the official's steps do not exist in this template."""
    program_id = action(db, people, "agreed")
    login_as(client, people["kades"])
    assert steps_on(page_of(client, program_id)) == []
    before = everything(db)
    response = post_step(client, people, program_id, name, "kades",
                         reason="Disetujui kepala desa.", expected_state="agreed")
    assert response.status_code == 404
    assert state_of(db, program_id) == "agreed"
    assert everything(db) == before


def test_action_flow_through_http(client, db, people):
    """Organise, gather supporters, vote, deliver, refused, again, granted: through the web."""
    program_id = new_program(db, people, "action")
    assert post_step(client, people, program_id, "submit", AUTHOR,
                     expected_state="draft").status_code == 302
    assert post_step(client, people, program_id, "start_organizing",
                     expected_state="proposed").status_code == 302
    for i in range(1, 7):
        token = login_as(client, people[f"warga{i}"])
        assert send(client, f"/programs/{program_id}/supporters", token,
                    htmx=True).status_code == 200
    assert post_step(client, people, program_id, "open_voting",
                     expected_state="organizing").status_code == 302
    for i in range(1, 10):
        token = login_as(client, people[f"warga{i}"])
        assert send(client, f"/programs/{program_id}/votes", token,
                    {"choice": "yes" if i < 8 else "no"}).status_code == 302
    assert post_step(client, people, program_id, "close_voting",
                     expected_state="voting").status_code == 302
    assert post_step(client, people, program_id, "deliver", expected_state="agreed",
                     **DEMAND).status_code == 302
    assert post_step(client, people, program_id, "record_response", expected_state="action",
                     outcome="partial", note="Setengah ruas jalan diperbaiki.").status_code == 302
    assert events_of(db, program_id) == [
        ("submit", "draft", "proposed", AUTHOR),
        ("start_organizing", "proposed", "organizing", "pendamping"),
        ("open_voting", "organizing", "voting", "pendamping"),
        ("close_voting", "voting", "agreed", "pendamping"),
        ("deliver", "agreed", "action", "pendamping"),
        ("record_response", "action", "implementation", "pendamping"),
    ]
    login_as(client, people["warga10"])
    history = client.get(f"/programs/{program_id}/history").get_data(as_text=True)
    assert "Delivered to: Dinas PUPR Kabupaten" in history
    assert "The answer: Partly granted (Setengah ruas jalan diperbaiki.)" in history


def demand_box(page: str) -> str:
    """The demand box (the "outcome" card) of a program page."""
    match = re.search(r'<section id="outcome" class="card">.*?</section>', page, re.S)
    assert match, "no demand box on the page"
    return match.group(0)


def current_demand(page: str) -> str:
    """The facts of the current demand: the first <dl> of the demand box."""
    return re.search(r'<dl class="facts">.*?</dl>', demand_box(page), re.S).group(0)


def test_a_new_demand_shows_its_own_answer(client, db, people):
    """Refused by the camat, the residents vote again and go to the district office: the box
    shows the district office with no answer yet, and the camat's refusal as an earlier round;
    the district office's answer, once recorded, stays with it."""
    program_id = action(db, people, "agreed")
    assert post_step(client, people, program_id, "deliver", expected_state="agreed",
                     target="Camat Sukamaju", channel="letter",
                     delivered_on="2025-11-03").status_code == 302
    assert post_step(client, people, program_id, "record_response", expected_state="action",
                     outcome="refused", note="Bukan wewenang kecamatan.").status_code == 302
    assert post_step(client, people, program_id, "open_voting",
                     expected_state="organizing").status_code == 302
    for i in range(1, 10):
        token = login_as(client, people[f"warga{i}"])
        assert send(client, f"/programs/{program_id}/votes", token,
                    {"choice": "yes"}).status_code == 302
    assert post_step(client, people, program_id, "close_voting",
                     expected_state="voting").status_code == 302
    assert post_step(client, people, program_id, "deliver", expected_state="agreed",
                     target="Dinas Perhubungan Kabupaten", channel="audiensi",
                     delivered_on="2025-12-01").status_code == 302

    login_as(client, people["warga4"])
    page = page_of(client, program_id)
    current = current_demand(page)
    assert re.findall(r"<dd data-demand-target>([^<]*)</dd>", page) == [
        "Dinas Perhubungan Kabupaten"]
    assert "data-response" not in page  # no answer has come to this demand yet
    assert "No answer yet." in current
    assert "Camat" not in current and "Bukan wewenang" not in current
    assert "Refused" not in current
    earlier = re.findall(r'<li data-earlier-demand="(\d+)">(.*?)</li>', demand_box(page), re.S)
    assert [number for number, _ in earlier] == ["1"]
    text = earlier[0][1]
    assert "<strong>Camat Sukamaju</strong>" in text and "Letter" in text
    assert '<time datetime="2025-11-03">Nov 3, 2025</time>' in text
    assert 'data-earlier-response="refused"' in text
    assert "Refused: Bukan wewenang kecamatan." in text

    assert post_step(client, people, program_id, "record_response", expected_state="action",
                     outcome="granted", note="Diperbaiki tahun 2026.").status_code == 302
    login_as(client, people["warga4"])
    page = page_of(client, program_id)
    assert re.findall(r'data-response="(\w+)"', page) == ["granted"]
    assert "Granted: Diperbaiki tahun 2026." in current_demand(page)
    assert "Dinas Perhubungan Kabupaten" in current_demand(page)
    earlier = re.findall(r'<li data-earlier-demand="(\d+)">(.*?)</li>', demand_box(page), re.S)
    assert len(earlier) == 1 and 'data-earlier-response="refused"' in earlier[0][1]


def test_demand_rounds_pair_each_delivery_with_its_answer():
    """Pure: an answer belongs to the delivery before it; a delivery may still await one."""
    def row(transition, **payload):
        return SimpleNamespace(transition=transition, payload=json.dumps(payload)), "pendamping"

    history = [row("close_voting", tally={}),
               row("deliver", target="Camat", channel="letter", delivered_on="2025-11-03"),
               row("record_response", outcome="refused", note="Tidak."),
               row("open_voting"),
               row("deliver", target="Dinas", channel="media")]
    rounds = queries.demand_rounds(history)
    assert [(r.target, r.channel, r.delivered_on, r.response) for r in rounds] == [
        ("Camat", "letter", date(2025, 11, 3), {"outcome": "refused", "note": "Tidak."}),
        ("Dinas", "media", None, None)]
    assert queries.demand_rounds(history[:1]) == []


# --- withdrawal ---------------------------------------------------------------------------------

def withdrawable(db, people, template, state) -> int:
    if template == "planning":
        return planning(db, people, state)
    if template == "action":
        return action(db, people, state)
    program_id = new_program(db, people, "locality")
    for name in ("submit", "open_discussion"):
        if state_of(db, program_id) == state:
            break
        fire(db, people, program_id, name, AUTHOR if name == "submit" else "pendamping")
    assert state_of(db, program_id) == state
    return program_id


WITHDRAWABLE = [("locality", "draft"), ("locality", "proposed"), ("locality", "discussion"),
                ("planning", "draft"), ("planning", "proposed"), ("planning", "assessment"),
                ("action", "draft"), ("action", "proposed"), ("action", "organizing")]


@pytest.mark.parametrize(("template", "state"), WITHDRAWABLE,
                         ids=[f"{t}-{s}" for t, s in WITHDRAWABLE])
def test_author_withdraws_before_any_vote(client, db, people, template, state):
    """The author may withdraw until a vote is opened; nobody else may."""
    program_id = withdrawable(db, people, template, state)
    login_as(client, people[AUTHOR])
    assert "withdraw" in steps_on(page_of(client, program_id))
    for username in ("warga5", "pendamping", "kades"):
        before = everything(db)
        response = post_step(client, people, program_id, "withdraw", username,
                             expected_state=state)
        # Someone else's draft does not exist for a member who is not its facilitator.
        hidden = state == "draft" and username != "pendamping"
        assert response.status_code == (404 if hidden else 403)
        assert everything(db) == before
    response = post_step(client, people, program_id, "withdraw", AUTHOR, expected_state=state,
                         confirm="yes")
    assert response.status_code == 302
    assert state_of(db, program_id) == "withdrawn"
    assert events_of(db, program_id)[-1] == ("withdraw", state, "withdrawn", AUTHOR)


def _after_a_vote(db, people, template) -> tuple[int, str]:
    """A program back in a withdrawable state after a ballot was opened on it."""
    if template == "locality":
        program_id = withdrawable(db, people, "locality", "discussion")
        fire(db, people, program_id, "open_voting")
        fire(db, people, program_id, "close_voting")       # no quorum: back to discussion
        return program_id, "discussion"
    if template == "planning":
        program_id = planning(db, people, "agreed")         # the advisory poll was opened
        fire(db, people, program_id, "return", "kades", reason="Data kurang.")
        return program_id, "assessment"
    program_id = action(db, people, "voting")
    vote_all(db, people, program_id, ["no"] * 8)
    fire(db, people, program_id, "close_voting")           # demands not adopted
    return program_id, "organizing"


@pytest.mark.parametrize("template", ["locality", "planning", "action"])
def test_withdraw_refused_after_a_ballot_was_opened(client, db, people, template):
    program_id, state = _after_a_vote(db, people, template)
    assert state_of(db, program_id) == state
    login_as(client, people[AUTHOR])
    page = page_of(client, program_id)
    assert re.search(r'data-transition="withdraw"[^>]*\s+disabled', page)
    before = everything(db)
    response = post_step(client, people, program_id, "withdraw", AUTHOR, expected_state=state)
    assert response.status_code == 409
    assert "a vote has already been opened" in refusal_text(response)
    assert everything(db) == before


def test_withdraw_refused_after_the_target_refused(client, db, people):
    """Back in organising after a refused demand, the program has been voted on: no withdraw."""
    program_id = action(db, people, "action")
    fire(db, people, program_id, "record_response", form={"outcome": "refused"})
    before = everything(db)
    response = post_step(client, people, program_id, "withdraw", AUTHOR,
                         expected_state="organizing")
    assert response.status_code == 409
    assert everything(db) == before


@pytest.mark.parametrize(("template", "state"), [("planning", "consultation"),
                                                 ("action", "voting"), ("action", "agreed")])
def test_withdraw_refused_while_voting_or_after(client, db, people, template, state):
    program_id = withdrawable(db, people, template, state)
    before = everything(db)
    response = post_step(client, people, program_id, "withdraw", AUTHOR, expected_state=state)
    assert response.status_code == 409
    assert everything(db) == before


# --- the history page -----------------------------------------------------------------------------

RETURN_REASON = "Biaya <b>terlalu</b> besar & lokasi belum jelas."


def history_rows(page) -> list:
    return re.findall(r'<tr data-event="(\w+)">(.*?)</tr>', page, re.S)


@pytest.mark.parametrize("role", ["resident", "author", "facilitator", "official", "admin"])
def test_history_page_for_members(client, db, people, rendered, role):
    """Every member reads the whole history: who, which step, from → to, the reason escaped."""
    arrange(db, people, "agreed")
    fire(db, people, PROGRAM, "return", "kades", reason=RETURN_REASON)
    names = dict(db.exec(select(User.username, User.display_name)).all())
    db.commit()
    login_as(client, people[{**ACCOUNTS, "author": "warga2"}[role]])
    rendered.clear()
    response = client.get(f"/programs/{PROGRAM}/history")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["history.html"]
    events = events_of(db)
    rows = history_rows(page)
    assert [name for name, _ in rows] == [e[0] for e in events]
    for (_, source, target, username), (_, row) in zip(events, rows):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)  # data-label: the phone's list
        assert cells[1] == names[username]
        assert cells[3] == f"{STATE_LABELS[source]} → {STATE_LABELS[target]}"
    assert ("Biaya &lt;b&gt;terlalu&lt;/b&gt; besar &amp; lokasi belum jelas."
            in rows[-1][1])
    assert "<b>terlalu</b>" not in page
    assert "Votes: 10/12" in rows[-2][1]   # close_voting keeps its count


def test_history_page_requires_login(client):
    response = client.get(f"/programs/{PROGRAM}/history")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/programs/{PROGRAM}/history"


def test_history_page_hidden_from_outsiders(client, outsider, rendered):
    login_as(client, outsider.user)
    rendered.clear()
    response = client.get(f"/programs/{PROGRAM}/history")
    assert response.status_code == 404
    assert rendered == ["refused.html"]
    assert "Perbaikan saluran" not in response.get_data(as_text=True)


def test_history_of_unknown_program_is_404(client, people):
    login_as(client, people["warga1"])
    assert client.get("/programs/999/history").status_code == 404


def test_program_page_links_to_its_history(client, people):
    login_as(client, people["warga1"])
    assert f'href="/programs/{PROGRAM}/history"' in page_of(client, PROGRAM)


# --- the process diagram --------------------------------------------------------------------------

def current_nodes(page) -> list:
    return re.findall(r'<g class="diagram-node" data-diagram-state="(\w+)" data-current="true"',
                      page)


DIAGRAM_CASES = [("locality", "proposed"), ("locality", "discussion"),
                 ("planning", "assessment"), ("planning", "consultation"),
                 ("planning", "agreed"), ("action", "organizing"), ("action", "voting"),
                 ("action", "action")]


@pytest.mark.parametrize(("template", "state"), DIAGRAM_CASES,
                         ids=[f"{t}-{s}" for t, s in DIAGRAM_CASES])
def test_program_page_draws_its_process_with_the_state_now(client, db, people, template,
                                                           state):
    program_id = withdrawable(db, people, template, state) if template == "locality" else (
        planning(db, people, state) if template == "planning" else action(db, people, state))
    login_as(client, people["warga5"])
    page = page_of(client, program_id)
    assert "<svg" in page
    svg = re.search(r'<svg [^>]*data-diagram="(\w+)"', page)
    assert svg and svg.group(1) == template
    assert current_nodes(page) == [state_of(db, program_id)]
    api = client.get(f"/api/v1/programs/{program_id}").get_json()
    assert current_nodes(page) == [api["state"]]


def test_diagram_follows_a_step_in_the_htmx_fragment(client, db, people):
    """The fragment swapped in after a step redraws the diagram at the new state."""
    program_id = planning(db, people, "assessment")
    token = login_as(client, people["pendamping"])
    assert send(client, f"/programs/{program_id}/findings", token, GOOD_FINDING,
                htmx=True).status_code == 200
    response = post_step(client, people, program_id, "publish_findings", htmx=True,
                         expected_state="assessment")
    page = response.get_data(as_text=True)
    assert 'data-diagram="planning"' in page
    assert current_nodes(page) == ["consultation"]


@pytest.mark.parametrize(("round_id", "template"), [(LOCALITY_ROUND, "locality"),
                                                    (PLANNING_ROUND, "planning"),
                                                    (ACTION_ROUND, "action")])
def test_round_page_draws_the_process_without_a_current_state(client, people, round_id,
                                                              template):
    login_as(client, people["warga1"])
    response = client.get(f"/rounds/{round_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    svg = re.search(r'<svg [^>]*data-diagram="(\w+)"', page)
    assert svg and svg.group(1) == template
    assert 'data-current="true"' not in page
    assert "data-diagram-state=" in page
