"""Social planning's own steps: the facilitator's findings during the assessment, publishing
them, the advisory poll, the recommendation and the official's decision on it."""
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.arrange import (
    AUTHOR,
    GOOD_FINDING,
    RECOMMENDATION,
    add_finding,
    new_program,
    planning,
    vote_all,
)
from tests.helpers import (
    PROGRAM,
    TOO_EARLY,
    ballots_of,
    db_state,
    events_of,
    field_error,
    findings_of,
    is_fragment,
    login_as,
    page_of,
    payloads,
    post_step,
    refusal_text,
    send,
    snapshot,
    state_of,
    step,
    steps_on,
    utcnow,
    votes_of,
)
from workflow.core import audit
from workflow.engine.processes import STATE_LABELS
from workflow.models import Ballot, Finding

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
    assert rendered == ["programs/partial/main.html"]
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
        assert rendered == ["programs/partial/main.html"]
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
    assert rendered == (["programs/partial/main.html"] if htmx else [])
    if not htmx:
        assert response.headers["Location"] == f"/programs/{program_id}#findings"
    assert [row[0] for row in findings_of(db, program_id)] == [keep]
    page = response.get_data(as_text=True) if htmx else page_of(client, program_id)
    assert f'data-finding="{gone}"' not in page
    assert f'data-finding="{keep}"' in page


TOMORROW = "TOMORROW"
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
    before = db_state(db)
    rendered.clear()
    data = finding_data(changes)
    response = send(client, f"/programs/{program_id}/findings", token, data, htmx=htmx)
    assert response.status_code == 422
    assert rendered == (["programs/partial/main.html"] if htmx else ["programs/program.html"])
    assert is_fragment(response) == htmx
    assert field_error(response, f"finding-new-{field}") == message
    page = response.get_data(as_text=True)
    assert re.search(rf'<input id="finding-new-{field}" name="{field}"[^>]*'
                     rf'aria-invalid="true"', page)
    if field != "source":  # what was typed is given back, so nothing has to be typed again
        assert 'value="Survei kader posyandu"' in page
    assert db_state(db) == before


@pytest.mark.parametrize(("problem", "changes", "field", "message"), INVALID_FINDINGS,
                         ids=[row[0] for row in INVALID_FINDINGS])
def test_invalid_correction(client, db, people, problem, changes, field, message):
    """A bad correction is 422 with the message at the field of that finding; it is unchanged."""
    program_id = planning(db, people, "assessment")
    fid = add_finding(db, people, program_id).id
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    response = send(client, f"/programs/{program_id}/findings/{fid}", token,
                    finding_data(changes))
    assert response.status_code == 422
    assert field_error(response, f"finding-{fid}-{field}") == message
    assert field_error(response, f"finding-new-{field}") is None
    assert db_state(db) == before


FINDING_ROUTES = {
    "add": ("/programs/{id}/findings", GOOD_FINDING),
    "edit": ("/programs/{id}/findings/{fid}", {**GOOD_FINDING, "value": "50"}),
    "delete": ("/programs/{id}/findings/{fid}/delete", {}),
}

@pytest.mark.parametrize("route", list(FINDING_ROUTES))
def test_a_refused_finding_names_the_facilitator(client, db, people, route):
    """Only the facilitator records findings; who gets what on these routes is the matrix's
    (tests/system/test_matrix.py). Here: each member refused is told who may."""
    program_id = planning(db, people, "assessment")
    fid = add_finding(db, people, program_id).id
    url, data = FINDING_ROUTES[route]
    for username in ("warga5", AUTHOR, "kades", "admin"):
        token = login_as(client, people[username])
        before = db_state(db)
        response = send(client, url.format(id=program_id, fid=fid), token, data)
        assert response.status_code == 403, username
        assert "facilitator" in refusal_text(response), username
        assert db_state(db) == before, username


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
    before = db_state(db)
    response = send(client, url.format(id=program_id, fid=fid), token, data)
    assert response.status_code == 409
    assert STATE_LABELS["assessment"] in refusal_text(response)
    assert db_state(db) == before
    assert f"/programs/{program_id}/findings" not in page_of(client, program_id)


@pytest.mark.parametrize("route", ["edit", "delete"])
def test_finding_of_another_program_is_404(client, db, people, rendered, route):
    """A finding id that belongs to another program (or to none) is 404 and changes nothing."""
    mine = planning(db, people, "assessment")
    other = planning(db, people, "assessment")
    theirs = add_finding(db, people, other).id
    url, data = FINDING_ROUTES[route]
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    for fid in (theirs, 987654):
        rendered.clear()
        response = send(client, url.format(id=mine, fid=fid), token, data)
        assert response.status_code == 404
        assert rendered == ["refused.html"]
    assert db_state(db) == before


def test_findings_of_unknown_program_is_404(client, db, people):
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    assert send(client, "/programs/999/findings", token, GOOD_FINDING).status_code == 404
    assert db_state(db) == before


def test_findings_on_a_locality_program_are_refused(client, db, people):
    """Program 1 follows the locality template: it has no assessment to add findings to."""
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/findings", token, GOOD_FINDING)
    assert response.status_code == 409
    assert db_state(db) == before


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
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    response = step(client, token, program_id, "publish_findings", expected_state="assessment")
    assert response.status_code == 409
    assert "source" in refusal_text(response)
    assert db_state(db) == before
    # A finding without a source (arranged directly: the form cannot make one) is not enough.
    db.add(Finding(program_id=program_id, recorded_by=people["pendamping"].id,
                   created_at=utcnow(), indicator="Sumur", value="3", source=""))
    db.commit()
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    response = step(client, token, program_id, "publish_findings", expected_state="assessment")
    assert response.status_code == 409
    assert "source" in refusal_text(response)
    assert db_state(db) == before
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
    assert payloads(db, program_id)[-1] == {"ballot": "advisory", "secret": False,
                                            "revision": 1}
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
    assert payloads(db, program_id)[-1] == {"ballot": "advisory", "secret": secret,
                                            "revision": 1}
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
    token = login_as(client, people["pendamping"])
    rendered.clear()
    before = db_state(db)
    response = step(client, token, program_id, "recommend", reason=reason, expected_state="consultation")
    assert response.status_code == 422
    assert rendered == ["programs/program.html"]
    assert field_error(response, "recommend-reason")
    assert '<textarea id="reason-recommend" name="reason"' in response.get_data(as_text=True)
    assert db_state(db) == before
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


@pytest.mark.parametrize("name", ["return", "reject"])
def test_official_return_and_reject_need_a_reason(client, db, people, name):
    program_id = planning(db, people, "agreed")
    token = login_as(client, people["kades"])
    before = db_state(db)
    response = step(client, token, program_id, name, reason=" ", expected_state="agreed")
    assert response.status_code == 422
    assert field_error(response, f"{name}-reason")
    assert db_state(db) == before


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
