"""Social action's own steps: residents join as supporters until there are enough for a vote,
the majority vote, the demand delivered to its target and the target's answer."""
import json
import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from sqlmodel import select, update

from tests.arrange import (
    AUTHOR,
    DEMAND,
    action,
    join,
    new_program,
)
from tests.helpers import (
    PROGRAM,
    TOO_EARLY,
    ballots_of,
    db_state,
    events_of,
    field_error,
    freeze_web_clock,
    login_as,
    page_of,
    payloads,
    post_step,
    refusal_text,
    send,
    state_of,
    step,
    steps_on,
    supporters_of,
    utcnow,
)
from workflow.core import audit
from workflow.engine import dates
from workflow.engine.processes import STATE_LABELS
from workflow.models import Community, Program, Round
from workflow.organizing import queries as organizing_queries
from workflow.organizing.demand import CHANNELS

# --- action: supporters -----------------------------------------------------------------------

SUPPORT_ROUTES = {"support": "/programs/{id}/supporters",
                  "leave": "/programs/{id}/supporters/leave"}

@pytest.mark.parametrize("route", list(SUPPORT_ROUTES))
def test_a_refused_supporter_is_told_residents_join(client, db, people, route):
    """Only residents join and leave; who gets what on these routes is the matrix's
    (tests/system/test_matrix.py). Here: each member of staff refused is told who may."""
    program_id = action(db, people, "organizing")
    for username in ("pendamping", "kades", "admin"):
        token = login_as(client, people[username])
        before = db_state(db)
        response = send(client, SUPPORT_ROUTES[route].format(id=program_id), token)
        assert response.status_code == 403, username
        assert "resident" in refusal_text(response), username
        assert db_state(db) == before, username


@pytest.mark.parametrize("state", ["proposed", "voting", "agreed", "action"])
@pytest.mark.parametrize("route", list(SUPPORT_ROUTES))
def test_supporters_only_while_organizing(client, db, people, route, state):
    """Outside organising, joining and leaving are a conflict (409) and nothing changes."""
    program_id = action(db, people, state)
    token = login_as(client, people["warga2"])  # a supporter from the voting state on
    before = db_state(db)
    response = send(client, SUPPORT_ROUTES[route].format(id=program_id), token)
    assert response.status_code == 409
    assert STATE_LABELS["organizing"] in refusal_text(response)
    assert db_state(db) == before


def test_support_on_a_locality_program_is_refused(client, db, people):
    token = login_as(client, people["warga5"])
    before = db_state(db)
    assert send(client, f"/programs/{PROGRAM}/supporters", token).status_code == 409
    assert db_state(db) == before


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
        response = send(client, f"/programs/{program_id}/supporters/leave", token, htmx=htmx)
        assert response.status_code == (200 if htmx else 302)
        if not htmx:
            assert response.headers["Location"] == f"/programs/{program_id}#supporters"
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
    assert rendered == ["programs/partial/main.html"]
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
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    response = step(client, token, program_id, "open_voting", expected_state="organizing")
    assert response.status_code == 409
    assert f"{6 - n} more supporters needed" in refusal_text(response)
    assert db_state(db) == before
    assert ballots_of(db, program_id) == []


def test_open_voting_with_enough_supporters_opens_a_majority_ballot(client, db, people):
    program_id = action(db, people, "organizing")
    join(db, people, program_id, 6)
    response = post_step(client, people, program_id, "open_voting",
                         expected_state="organizing")
    assert response.status_code == 302
    assert state_of(db, program_id) == "voting"
    assert ballots_of(db, program_id) == [("majority", True, None)]
    assert payloads(db, program_id)[-1] == {"ballot": "majority", "secret": False,
                                            "revision": 1}
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
    token = login_as(client, people["pendamping"])
    rendered.clear()
    before = db_state(db)
    response = step(client, token, program_id, "deliver", htmx=htmx, expected_state="agreed", **data)
    assert response.status_code == 422
    assert rendered == (["programs/partial/main.html"] if htmx else ["programs/program.html"])
    assert field_error(response, f"deliver-{field}") == message
    assert state_of(db, program_id) == "agreed"
    assert db_state(db) == before


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
    assert field_error(response, "deliver-delivered_on") == (
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
    token = login_as(client, people["pendamping"])
    rendered.clear()
    before = db_state(db)
    response = step(client, token, program_id, "record_response", htmx=htmx, expected_state="action", **data)
    assert response.status_code == 422
    assert rendered == (["programs/partial/main.html"] if htmx else ["programs/program.html"])
    assert field_error(response, f"record_response-{field}"), (
        f"no message at the {field} field")
    assert state_of(db, program_id) == "action"
    assert db_state(db) == before


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
    token = login_as(client, people["kades"])
    before = db_state(db)
    response = step(client, token, program_id, name, reason="Disetujui kepala desa.", expected_state="agreed")
    assert response.status_code == 404
    assert state_of(db, program_id) == "agreed"
    assert db_state(db) == before


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
    rounds = organizing_queries.demand_rounds(history)
    assert [(r.target, r.channel, r.delivered_on, r.response) for r in rounds] == [
        ("Camat", "letter", date(2025, 11, 3), {"outcome": "refused", "note": "Tidak."}),
        ("Dinas", "media", None, None)]
    assert organizing_queries.demand_rounds(history[:1]) == []
