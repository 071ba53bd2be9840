"""The official's desk: what awaits the official, deciding in place (htmx and plain forms),
the refusals that change nothing, the home page's link and the desk's fixed query count."""
import re
from datetime import timedelta

import pytest

from tests.arrange import arrange, draft_by, planning
from tests.helpers import (
    PROGRAM,
    create_user_cheaply,
    db_state,
    events_of,
    login_as,
    send,
    state_of,
    utcnow,
)
from tests.system.test_queries import counted
from workflow.meetings.models import CLOSED, SCHEDULED, AgendaItem, Meeting
from workflow.people.models import Membership
from workflow.programs import commands

ROW = re.compile(r'<li id="approval-(\d+)"[^>]*data-program="(\d+)"')
REASON = "Rincian biaya perlu dibahas lagi."


def agreed(db, people, title: str) -> int:
    """A new locality program, agreed by ten residents: it awaits the official."""
    program_id = draft_by(db, people, "warga4", title=title)
    commands.fire_transition(db, people["warga4"], program_id, "submit", utcnow())
    arrange(db, people, "agreed", program_id)
    db.commit()
    return program_id


def desk(client) -> str:
    response = client.get("/approvals")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def row_of(page: str, program_id: int) -> str:
    start = page.index(f'<li id="approval-{program_id}"')
    return page[start:page.index("</li>", start)]


def a_meeting(db, people, program_id: int, state: str) -> int:
    """A meeting of the locality round with the program on its agenda (the meetings' own
    commands are another part's; the desk only reads these rows)."""
    meeting = Meeting(round_id=1, title="Musyawarah Dusun Krajan", place="Balai desa",
                      starts_at=utcnow() - timedelta(hours=3), state=state,
                      created_by=people["pendamping"].id, created_at=utcnow())
    db.add(meeting)
    db.flush()
    db.add(AgendaItem(meeting_id=meeting.id, program_id=program_id))
    db.commit()
    return meeting.id


def test_the_desk_lists_what_awaits_with_its_decision(client, db, people):
    arrange(db, people, "agreed")
    db.commit()
    login_as(client, people["kades"])
    page = desk(client)
    assert [int(a) for a, _ in ROW.findall(page)] == [PROGRAM]
    row = row_of(page, PROGRAM)
    assert f'href="/programs/{PROGRAM}"' in row
    assert 'data-kind="consent"' in row and 'data-count="agree">Agree 10<' in row
    assert 'data-quorum-met="true"' in row and 'data-objections="0"' in row
    assert f'href="/programs/{PROGRAM}/revisions" data-voted-revision="1"' in row
    for name in ("approve", "return", "reject"):
        assert f'action="/approvals/{PROGRAM}/{name}"' in row
        assert f'data-transition="{name}"' in row
    assert row.count('name="reason"') == 2   # return and reject ask why
    assert "berita-acara" not in row          # decided online, at no meeting


def test_a_closed_meetings_program_links_to_its_berita_acara(client, db, people):
    arrange(db, people, "agreed")
    a_meeting(db, people, PROGRAM, SCHEDULED)   # not held yet: no record to point to
    held = a_meeting(db, people, PROGRAM, CLOSED)
    login_as(client, people["kades"])
    row = row_of(desk(client), PROGRAM)
    assert f'href="/meetings/{held}/berita-acara"' in row
    assert row.count("/berita-acara\"") == 1


def test_only_programs_awaiting_the_official_are_listed(client, db, people):
    first = agreed(db, people, "Bank sampah RW 01")
    arrange(db, people, "discussion", draft_and_submit(db, people, "Taman bacaan"))
    login_as(client, people["kades"])
    assert [int(a) for a, _ in ROW.findall(desk(client))] == [first]


def test_the_desk_groups_by_round_and_tells_an_advisory_poll(client, db, people):
    arrange(db, people, "agreed")
    consulted = planning(db, people, "agreed")    # the advisory poll closed by the recommendation
    db.commit()
    login_as(client, people["kades"])
    page = desk(client)
    assert [int(a) for a, _ in ROW.findall(page)] == [PROGRAM, consulted]
    assert page.count('<section class="round">') == 2
    row = row_of(page, consulted)
    assert 'data-kind="advisory"' in row and "Advisory poll (binds nobody)" in row
    assert "data-quorum-met" not in row
    assert 'data-transition="approve"' in row


def draft_and_submit(db, people, title):
    program_id = draft_by(db, people, "warga4", title=title)
    commands.fire_transition(db, people["warga4"], program_id, "submit", utcnow())
    db.commit()
    return program_id


@pytest.mark.parametrize("username", ["warga1", "pendamping", "admin"])
def test_members_without_the_role_are_refused_the_desk(client, people, username):
    login_as(client, people[username])
    response = client.get("/approvals")
    assert response.status_code == 403
    assert "This page is for the village official." in response.get_data(as_text=True)


def test_the_desk_asks_anonymous_people_to_log_in(client):
    response = client.get("/approvals")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_approving_without_javascript_asks_then_comes_back_to_the_desk(client, db, people):
    arrange(db, people, "agreed")
    db.commit()
    token = login_as(client, people["kades"])
    before = db_state(db)
    asked = send(client, f"/approvals/{PROGRAM}/approve", token, {"expected_state": "agreed"})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "are you sure?" in page and 'name="confirm" value="yes"' in page
    assert db_state(db) == before                 # asking changed nothing
    done = send(client, f"/approvals/{PROGRAM}/approve", token,
                {"expected_state": "agreed", "confirm": "yes"})
    assert done.status_code == 302 and done.headers["Location"] == "/approvals"
    assert state_of(db, PROGRAM) == "approved"
    back = desk(client)
    assert "The program is approved." in back and not ROW.findall(back)


def test_returning_with_htmx_swaps_the_row_for_what_was_done(client, db, people):
    arrange(db, people, "agreed")
    db.commit()
    token = login_as(client, people["kades"])
    response = send(client, f"/approvals/{PROGRAM}/return", token,
                    {"expected_state": "agreed", "reason": REASON}, htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True).strip()
    assert body.startswith(f'<li id="approval-{PROGRAM}" data-program="{PROGRAM}" data-done="true"')
    assert "The program is sent back." in body and "<html" not in body
    assert state_of(db, PROGRAM) == "discussion"
    assert events_of(db)[-1] == ("return", "agreed", "discussion", "kades")


def test_rejecting_with_htmx_asks_first_in_the_row(client, db, people):
    arrange(db, people, "agreed")
    db.commit()
    token = login_as(client, people["kades"])
    asked = send(client, f"/approvals/{PROGRAM}/reject", token,
                 {"expected_state": "agreed", "reason": REASON}, htmx=True)
    body = asked.get_data(as_text=True).strip()
    assert asked.status_code == 200 and body.startswith(f'<li id="approval-{PROGRAM}"')
    assert 'name="confirm" value="yes"' in body and REASON in body
    assert state_of(db, PROGRAM) == "agreed"
    send(client, f"/approvals/{PROGRAM}/reject", token,
         {"expected_state": "agreed", "reason": REASON, "confirm": "yes"}, htmx=True)
    assert state_of(db, PROGRAM) == "rejected"


# --- bad input: refused with the reason, nothing changed -------------------------------------

@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("name", ["return", "reject"])
def test_return_and_reject_need_a_reason(client, db, people, name, htmx):
    arrange(db, people, "agreed")
    db.commit()
    token = login_as(client, people["kades"])
    before = db_state(db)
    response = send(client, f"/approvals/{PROGRAM}/{name}", token,
                    {"expected_state": "agreed", "reason": "  ", "confirm": "yes"}, htmx=htmx)
    assert response.status_code == 422
    assert "Please give a reason." in response.get_data(as_text=True)
    assert db_state(db) == before


@pytest.mark.parametrize("username", ["pendamping", "warga1", "warga4", "admin"])
def test_a_step_by_a_non_official_is_refused(client, db, people, username):
    arrange(db, people, "agreed")
    db.commit()
    token = login_as(client, people[username])
    before = db_state(db)
    response = send(client, f"/approvals/{PROGRAM}/approve", token,
                    {"expected_state": "agreed", "confirm": "yes"})
    assert response.status_code == 403
    assert "This step is for" in response.get_data(as_text=True)
    assert db_state(db) == before


def test_a_program_of_another_community_does_not_exist_for_its_official(
        client, db, people, outsider):
    arrange(db, people, "agreed")
    official = create_user_cheaply(db, "kadesseberang", "Kades Seberang", "musyawarah",
                                   utcnow())
    db.add(Membership(user_id=official.id, community_id=outsider.community.id,
                      role="official"))
    db.commit()
    token = login_as(client, official)
    assert not ROW.findall(desk(client))
    before = db_state(db)
    response = send(client, f"/approvals/{PROGRAM}/approve", token,
                    {"expected_state": "agreed", "confirm": "yes"})
    assert response.status_code == 404
    assert db_state(db) == before


@pytest.mark.parametrize("state", ["proposed", "approved"])
def test_a_program_not_awaiting_the_official_is_refused(client, db, people, state):
    arrange(db, people, state)
    db.commit()
    token = login_as(client, people["kades"])
    before = db_state(db)
    response = send(client, f"/approvals/{PROGRAM}/approve", token,
                    {"expected_state": state, "confirm": "yes"})
    assert response.status_code == 409
    assert db_state(db) == before


def test_a_stale_desk_does_not_decide_twice(client, db, people):
    arrange(db, people, "agreed")
    db.commit()
    token = login_as(client, people["kades"])
    send(client, f"/approvals/{PROGRAM}/return", token,
         {"expected_state": "agreed", "reason": REASON})
    before = db_state(db)
    response = send(client, f"/approvals/{PROGRAM}/reject", token,
                    {"expected_state": "agreed", "reason": REASON, "confirm": "yes"})
    assert response.status_code == 409
    assert db_state(db) == before


@pytest.mark.parametrize("name", ["open_voting", "submit", "x"])
def test_other_steps_are_not_on_the_desk(client, db, people, name):
    arrange(db, people, "agreed")
    db.commit()
    token = login_as(client, people["kades"])
    before = db_state(db)
    assert send(client, f"/approvals/{PROGRAM}/{name}", token,
                {"expected_state": "agreed"}).status_code == 404
    assert db_state(db) == before


# --- the home page's link ---------------------------------------------------------------------

LINK = re.compile(r'data-action="approvals" data-awaiting="(\d+)"')


def test_the_home_page_links_the_official_to_the_desk_with_the_number(client, db, people):
    login_as(client, people["kades"])
    assert LINK.findall(client.get("/").get_data(as_text=True)) == ["0"]
    arrange(db, people, "agreed")
    agreed(db, people, "Bank sampah RW 01")
    assert LINK.findall(client.get("/").get_data(as_text=True)) == ["2"]


@pytest.mark.parametrize("username", ["warga1", "pendamping", "admin"])
def test_the_home_page_has_no_desk_link_for_others(client, db, people, username):
    arrange(db, people, "agreed")
    db.commit()
    login_as(client, people[username])
    assert 'data-action="approvals"' not in client.get("/").get_data(as_text=True)


# --- a fixed number of queries -----------------------------------------------------------------

def test_the_desk_loads_in_the_same_queries_for_one_or_five_programs(app, client, db, people):
    arrange(db, people, "agreed")
    a_meeting(db, people, PROGRAM, CLOSED)
    db.commit()
    login_as(client, people["kades"])
    with counted(app) as one:
        assert len(ROW.findall(desk(client))) == 1
    for n in range(4):
        program_id = agreed(db, people, f"Program ke-{n + 2}")
        a_meeting(db, people, program_id, CLOSED)
    with counted(app) as five:
        assert len(ROW.findall(desk(client))) == 5
    assert len(five) == len(one)


def test_the_home_pages_link_is_one_count_query_whatever_awaits(app, client, db, people):
    login_as(client, people["kades"])
    with counted(app) as none_yet:
        client.get("/")
    arrange(db, people, "agreed")
    agreed(db, people, "Bank sampah RW 01")
    with counted(app) as two:
        assert LINK.findall(client.get("/").get_data(as_text=True)) == ["2"]
    assert len(two) == len(none_yet)
    link_queries = [s for s in two if "LEFT OUTER JOIN program" in s]
    assert len(link_queries) == 1 and "count(" in link_queries[0].lower()
