"""The bell, the news page, marking read and the settings, over HTTP."""
import re

import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.arrange import arrange, draft_by
from tests.helpers import PROGRAM, db_state, login_as, send, utcnow
from tests.system.test_queries import counted
from workflow.notifications import queries
from workflow.notifications.models import (
    INVITED,
    KINDS,
    PROGRAM_CHANGED,
    REPLY,
    VOTE_CLOSED,
    VOTE_OPENED,
    Notification,
    NotificationMute,
)
from workflow.notifications.send import notify
from workflow.programs.models import Program

BELL = re.compile(r'<a id="bell"[^>]*data-unread="(\d+)"[^>]*aria-label="([^"]*)"')
ITEM = re.compile(r'data-notification="(\d+)"')


def tell(db, people, username, kind, n=1, actor="warga4", detail="", link=None, program=PROGRAM):
    for _ in range(n):
        notify(db, [people[username].id], kind, link=link or f"/programs/{program}",
               now=utcnow(), program_id=program, actor_id=people[actor].id, detail=detail)
    db.commit()


def mine(db, people, username) -> list:
    rows = db.exec(select(Notification).where(Notification.user_id == people[username].id)
                   .order_by(Notification.id).execution_options(populate_existing=True)).all()
    db.commit()
    return rows


# --- the bell -------------------------------------------------------------------------------

def test_the_bell_counts_unread_news_in_one_count_query(app, client, db, people):
    login_as(client, people["warga1"])
    with counted(app) as none_yet:
        page = client.get("/glossary").get_data(as_text=True)
    assert BELL.search(page).groups() == ("0", "News: 0 unread")
    tell(db, people, "warga1", REPLY, 25)
    db.exec(text("UPDATE notification SET read_at = created_at WHERE id IN "
                 "(SELECT id FROM notification ORDER BY id LIMIT 3)"))
    db.commit()
    with counted(app) as statements:
        page = client.get("/glossary").get_data(as_text=True)
    assert BELL.search(page).group(1) == "22"
    touching = [s for s in statements if "notification" in s.lower()]
    assert len(touching) == 1 and "count(" in touching[0].lower(), touching
    assert len(statements) == len(none_yet)
    assert 'href="/notifications"' in page


def test_the_bell_speaks_indonesian(client, db, people):
    tell(db, people, "warga1", REPLY, 2)
    login_as(client, people["warga1"], lang="id")
    page = client.get("/").get_data(as_text=True)
    assert BELL.search(page).groups() == ("2", "Kabar: 2 belum dibaca")


def test_the_count_is_answered_by_its_index(db, people):
    """ix_notification_unread answers the bell on both backends."""
    sql = ("SELECT count(*) FROM notification WHERE user_id = %d AND read_at IS NULL"
           % people["warga1"].id)
    if db.get_bind().dialect.name == "sqlite":
        plan = " ".join(str(row) for row in db.exec(text("EXPLAIN QUERY PLAN " + sql)).all())
    else:
        db.exec(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in db.exec(text("EXPLAIN " + sql)).all())
    db.commit()
    assert "ix_notification_unread" in plan, plan


def test_no_bell_on_a_fragment_nor_for_nobody(client, db, people):
    assert "data-notifications" not in client.get("/login").get_data(as_text=True)
    token = login_as(client, people["warga1"])
    arrange(db, people, "discussion")
    response = send(client, f"/programs/{PROGRAM}/comments", token,
                    {"stance": "support", "body": "Setuju"}, htmx=True)
    assert response.status_code == 200
    assert "data-notifications" not in response.get_data(as_text=True)


# --- the page --------------------------------------------------------------------------------

def test_each_kind_reads_as_a_sentence_linking_to_its_place(client, db, people):
    tell(db, people, "warga2", INVITED, actor="warga3")
    tell(db, people, "warga2", PROGRAM_CHANGED, actor="pendamping", detail="voting")
    tell(db, people, "warga2", VOTE_OPENED, actor="pendamping", detail="consent",
         link=f"/programs/{PROGRAM}#ballot")
    tell(db, people, "warga2", VOTE_CLOSED, actor="pendamping", detail="accepted",
         link=f"/programs/{PROGRAM}#ballot")
    tell(db, people, "warga2", REPLY, actor="warga4", link=f"/programs/{PROGRAM}#comment-7")
    login_as(client, people["warga2"])
    page = client.get("/notifications").get_data(as_text=True)
    title = db.get(Program, PROGRAM).title
    db.commit()
    ids = [int(i) for i in ITEM.findall(page)]
    assert ids == sorted(ids, reverse=True) and len(ids) == 5   # newest first
    for sentence in (f"{people['warga3'].display_name} invited you to co-author “{title}”",
                     f"“{title}” moved on: it is now Voting",
                     f"A vote opened on “{title}”",
                     f"A vote closed on “{title}”: accepted",
                     f"{people['warga4'].display_name} replied to your comment on “{title}”"):
        assert sentence in page, sentence
    assert f'href="/programs/{PROGRAM}#comment-7"' in page
    assert page.count('data-action="mark-read"') == 5
    login_as(client, people["warga2"], lang="id")
    page = client.get("/notifications").get_data(as_text=True)
    assert f"Pemungutan suara dibuka untuk “{title}”" in page
    assert f"{people['warga4'].display_name} membalas komentar Anda pada “{title}”" in page


def test_a_title_with_markup_is_shown_as_text(client, db, people):
    program = draft_by(db, people, "warga2", title="<b>Jalan</b> & jembatan")
    tell(db, people, "warga2", INVITED, actor="warga3", program=program)
    login_as(client, people["warga2"])
    page = client.get("/notifications").get_data(as_text=True)
    assert "&lt;b&gt;Jalan&lt;/b&gt; &amp; jembatan" in page and "<b>Jalan" not in page


def test_a_program_the_reader_may_not_open_is_not_linked(client, db, people):
    """Someone else's draft: the line is there, without the link."""
    program = draft_by(db, people, "warga1", title="Posyandu")
    tell(db, people, "warga5", INVITED, actor="warga1", program=program)
    login_as(client, people["warga5"])
    page = client.get("/notifications").get_data(as_text=True)
    assert "invited you to co-author “Posyandu”" in page
    assert f'href="/programs/{program}"' not in page
    assert "you can no longer open this program" in page


def test_pages_of_thirty_with_an_older_link(client, db, people):
    tell(db, people, "warga1", REPLY, queries.PAGE_SIZE + 5)
    login_as(client, people["warga1"])
    page = client.get("/notifications").get_data(as_text=True)
    ids = [int(i) for i in ITEM.findall(page)]
    assert len(ids) == queries.PAGE_SIZE
    older = re.search(r'href="/notifications\?before=(\d+)" data-action="older-notifications"', page)
    assert older and int(older.group(1)) == ids[-1]
    rest = client.get(f"/notifications?before={ids[-1]}").get_data(as_text=True)
    assert [int(i) for i in ITEM.findall(rest)] == sorted(
        (n.id for n in mine(db, people, "warga1")), reverse=True)[queries.PAGE_SIZE:]
    assert "older-notifications" not in rest
    for nonsense in ("abc", "-1", "0", "99999999999999999999", "١٢"):
        assert client.get(f"/notifications?before={nonsense}").status_code == 200


def test_the_page_loads_in_a_fixed_number_of_queries(app, client, db, people):
    tell(db, people, "warga1", REPLY, 2)
    login_as(client, people["warga1"])
    with counted(app) as few:
        assert client.get("/notifications").status_code == 200
    for kind in (INVITED, PROGRAM_CHANGED, VOTE_OPENED, VOTE_CLOSED):
        tell(db, people, "warga1", kind, 10, actor="warga" + str(KINDS.index(kind) + 3),
             detail="voting")
    with counted(app) as many:
        page = client.get("/notifications").get_data(as_text=True)
    assert len(ITEM.findall(page)) == queries.PAGE_SIZE
    assert len(many) == len(few), many


def test_only_my_news(client, db, people):
    tell(db, people, "warga2", REPLY, 3)
    login_as(client, people["warga1"])
    page = client.get("/notifications").get_data(as_text=True)
    assert ITEM.findall(page) == [] and "No news yet." in page


# --- marking read -----------------------------------------------------------------------------

def test_mark_read_without_javascript_goes_back(client, db, people):
    tell(db, people, "warga1", REPLY, 2)
    first, second = mine(db, people, "warga1")
    token = login_as(client, people["warga1"])
    response = send(client, f"/notifications/{first.id}/read", token,
                    {"next": "/notifications?before=999"})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications?before=999"
    first_now, second_now = mine(db, people, "warga1")
    assert first_now.read_at is not None and second_now.read_at is None
    # Away from this site: back to the news page instead.
    response = send(client, f"/notifications/{second.id}/read", token, {"next": "//evil.example"})
    assert response.headers["Location"] == "/notifications"
    assert BELL.search(client.get("/notifications").get_data(as_text=True)).group(1) == "0"


def test_mark_read_with_htmx_swaps_the_line_and_the_bell(client, db, people):
    tell(db, people, "warga1", REPLY, 2)
    first = mine(db, people, "warga1")[0]
    token = login_as(client, people["warga1"])
    response = send(client, f"/notifications/{first.id}/read", token, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f'data-notification="{first.id}" data-read="true"' in body
    assert 'data-action="mark-read"' not in body
    assert 'id="bell"' in body and 'hx-swap-oob="true"' in body and 'data-unread="1"' in body
    # Again: harmless, the first moment stays.
    read_at = mine(db, people, "warga1")[0].read_at
    assert send(client, f"/notifications/{first.id}/read", token, htmx=True).status_code == 200
    assert mine(db, people, "warga1")[0].read_at == read_at


@pytest.mark.parametrize("htmx", [False, True])
def test_someone_elses_news_is_not_found_and_stays_unread(client, db, people, htmx):
    tell(db, people, "warga2", REPLY)
    theirs = mine(db, people, "warga2")[0]
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, f"/notifications/{theirs.id}/read", token, htmx=htmx)
    assert response.status_code == 404
    assert send(client, "/notifications/987654/read", token, htmx=htmx).status_code == 404
    assert db_state(db) == before


def test_mark_all_read_touches_only_mine(client, db, people):
    tell(db, people, "warga1", REPLY, 3)
    tell(db, people, "warga2", REPLY, 2)
    token = login_as(client, people["warga1"])
    response = send(client, "/notifications/read", token)
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert all(n.read_at for n in mine(db, people, "warga1"))
    assert not any(n.read_at for n in mine(db, people, "warga2"))
    page = client.get("/notifications").get_data(as_text=True)
    assert 'data-action="mark-read"' not in page and "All your news is marked as read." in page


# --- which news ---------------------------------------------------------------------------------

def muted(db, people, username) -> set:
    kinds = set(db.exec(select(NotificationMute.kind).where(
        NotificationMute.user_id == people[username].id)).all())
    db.commit()
    return kinds


def test_settings_turn_kinds_off_and_on(client, db, people):
    token = login_as(client, people["warga1"])
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert page.count('name="kinds"') == len(KINDS) and page.count("checked") == len(KINDS)
    assert 'data-action="notification-settings"' in page
    response = send(client, "/notifications/settings", token,
                    {"kinds": [INVITED, REPLY, VOTE_CLOSED]})
    assert response.status_code == 302
    assert muted(db, people, "warga1") == {PROGRAM_CHANGED, VOTE_OPENED}
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert page.count("checked") == 3
    send(client, "/notifications/settings", token, {"kinds": [VOTE_OPENED, REPLY]})
    assert muted(db, people, "warga1") == {INVITED, PROGRAM_CHANGED, VOTE_CLOSED}
    send(client, "/notifications/settings", token, {})   # nothing ticked: all off
    assert muted(db, people, "warga1") == set(KINDS)
    assert muted(db, people, "warga2") == set()


def test_settings_refuse_a_kind_that_does_not_exist(client, db, people):
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, "/notifications/settings", token, {"kinds": [REPLY, "spam"]})
    assert response.status_code == 422
    assert "Choose only from the kinds of news listed." in response.get_data(as_text=True)
    assert db_state(db) == before


def test_the_account_download_has_my_news_and_my_settings(client, db, people):
    tell(db, people, "warga1", REPLY, 2)
    tell(db, people, "warga2", REPLY)
    token = login_as(client, people["warga1"])
    send(client, "/notifications/settings", token, {"kinds": [REPLY]})
    data = client.get("/account/data").get_json()
    assert sorted(n["id"] for n in data["notifications"]) == [n.id for n in mine(db, people, "warga1")]
    assert {m["kind"] for m in data["notification_settings"]} == set(KINDS) - {REPLY}
