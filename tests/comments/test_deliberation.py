"""Deliberation: replies one level deep, edits for 15 minutes, hides (the writer's, the
facilitator's with a reason), the pinned summary, the polled discussion, objections
answered and addressed, and assisted entry (``on_behalf_of``); each bad input changes nothing."""
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.arrange import action, arrange, fire, new_program, vote_all
from tests.helpers import PROGRAM, db_state, login_as, send, utcnow
from workflow.comments import commands, facilitation, queries
from workflow.comments.models import Comment, DiscussionSummary
from workflow.core import personal
from workflow.core.audit import Event
from workflow.engine.reasons import Refusal
from workflow.notifications.models import Notification
from workflow.organizing.models import Supporter
from workflow.voting.models import Vote

HX = {"HX-Request": "true"}


def comment(db, people, who="warga1", body="Saluran sering banjir.", stance="concern", now=None):
    return commands.add_comment(db, people[who], PROGRAM, stance, body, now or utcnow()).id


# --- replies -------------------------------------------------------------------------------------

def test_a_reply_is_shown_under_its_comment_and_tells_the_writer(client, db, people):
    parent = comment(db, people)
    token = login_as(client, people["warga2"])
    response = send(client, f"/programs/{PROGRAM}/replies", token,
                    {"parent": str(parent), "body": "Betul, tiap hujan."})
    assert response.status_code == 302
    reply = db.exec(select(Comment).where(Comment.parent_id == parent)).one()
    assert response.headers["Location"] == f"/programs/{PROGRAM}#comment-{parent}"
    told = db.exec(select(Notification).where(Notification.user_id == people["warga1"].id)).one()
    assert told.link == f"/programs/{PROGRAM}#comment-{reply.id}"
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    assert f'id="comment-{reply.id}"' in page and 'data-action="reply"' in page
    assert page.index(f'data-comment="{parent}"') < page.index(f'data-comment="{reply.id}"')


def refused_reply(db, people, parent_of):
    """The bad replies: (why, the parent field) once the scene is set."""
    first = comment(db, people)
    if parent_of == "reply":
        return str(commands.add_reply(db, people["warga2"], PROGRAM, first, "Ya.", utcnow()).id)
    if parent_of == "hidden":
        commands.hide_comment(db, people["warga1"], PROGRAM, first, "", utcnow())
        return str(first)
    if parent_of == "other program":
        stray = Comment(program_id=new_program(db, people, "planning"), user_id=people["warga1"].id, stance="support",
                        body="Lain.", created_at=utcnow())
        db.add(stray)
        db.commit()
        return str(stray.id)
    return "abc"


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("parent_of", "status"), [("reply", 409), ("hidden", 409),
                                                   ("other program", 404), ("nonsense", 404)])
def test_bad_replies_change_nothing(client, db, people, parent_of, status, htmx):
    parent = refused_reply(db, people, parent_of)
    token = login_as(client, people["warga3"])
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/replies", token,
                    {"parent": parent, "body": "Saya juga."}, htmx=htmx)
    assert response.status_code == status
    assert db_state(db) == before


@pytest.mark.parametrize("body", ["", "a" * 4001])
def test_an_empty_or_long_reply_is_told_at_its_form(client, db, people, body):
    parent = comment(db, people)
    token = login_as(client, people["warga2"])
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/replies", token,
                    {"parent": str(parent), "body": body}, htmx=True)
    assert response.status_code == 422
    assert f'id="reply-{parent}-error"' in response.get_data(as_text=True)
    assert db_state(db) == before


def test_markup_in_a_reply_and_a_summary_is_text(client, db, people):
    parent = comment(db, people)
    commands.add_reply(db, people["warga2"], PROGRAM, parent, "<b>tebal</b>", utcnow())
    facilitation.pin_summary(db, people["pendamping"], PROGRAM, "<script>x()</script>\nDua",
                             utcnow())
    login_as(client, people["warga3"])
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    assert "&lt;b&gt;tebal&lt;/b&gt;" in page and "<b>tebal" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;\nDua" in page and "<script>x()" not in page


# --- edits within 15 minutes ---------------------------------------------------------------------

def test_the_writer_edits_within_15_minutes_and_not_after(db, people):
    start = utcnow()
    cid = comment(db, people, now=start)
    commands.edit_comment(db, people["warga1"], PROGRAM, cid, "Diperbaiki.",
                          start + timedelta(minutes=15))
    assert db.get(Comment, cid).body == "Diperbaiki."
    before = db_state(db)
    with pytest.raises(Refusal) as late:
        commands.edit_comment(db, people["warga1"], PROGRAM, cid, "Lagi.",
                              start + timedelta(minutes=15, seconds=1))
    assert late.value.kind == "conflict"
    with pytest.raises(Refusal) as other:
        commands.edit_comment(db, people["warga2"], PROGRAM, cid, "Bukan milikku.", start)
    assert other.value.kind == "forbidden"
    assert db_state(db) == before


def test_edit_through_the_web(client, db, people):
    cid = comment(db, people)
    token = login_as(client, people["warga1"])
    assert 'data-action="edit-comment"' in client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    response = send(client, f"/programs/{PROGRAM}/comments/{cid}/edit", token, {"body": "Baru."})
    assert response.status_code == 302
    assert db.get(Comment, cid).body == "Baru."


# --- hidden comments ----------------------------------------------------------------------------

def test_a_hidden_comment_as_others_the_writer_and_the_facilitator_see_it(client, db, people):
    cid = comment(db, people, body="Kata-kata kasar di sini")
    token = login_as(client, people["pendamping"])
    before = db_state(db)
    missing = send(client, f"/programs/{PROGRAM}/comments/{cid}/hide", token, {"reason": " "})
    assert missing.status_code == 422
    assert db_state(db) == before
    done = send(client, f"/programs/{PROGRAM}/comments/{cid}/hide", token,
                {"reason": "Tidak sopan"})
    assert done.status_code == 302
    event = db.exec(select(Event).where(Event.transition == "hide_comment")).one()
    assert "Tidak sopan" in event.payload
    for who, sees in (("warga3", False), ("warga1", True), ("pendamping", True)):
        login_as(client, people[who])
        page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
        assert "hidden (Tidak sopan)" in page, who
        assert ("Kata-kata kasar di sini" in page) == sees, who
    assert "Tidak sopan" in client.get(f"/programs/{PROGRAM}/history").get_data(as_text=True)


def test_only_the_writer_or_the_facilitator_hides(client, db, people):
    cid = comment(db, people)
    token = login_as(client, people["warga2"])
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/comments/{cid}/hide", token, {"reason": "x"})
    assert response.status_code == 403
    assert db_state(db) == before


# --- the summary --------------------------------------------------------------------------------

def test_the_summary_keeps_each_version_and_shows_the_newest(client, db, people):
    token = login_as(client, people["pendamping"])
    for body in ("Sepakat: saluran.\nBelum: biaya.", "Sepakat: saluran dan biaya."):
        assert send(client, f"/programs/{PROGRAM}/summary", token, {"body": body}).status_code == 302
    assert len(db.exec(select(DiscussionSummary)).all()) == 2
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    shown = page[page.index("data-summary>"):page.index('id="comment-form"')]
    assert "Sepakat: saluran dan biaya." in shown and "Belum: biaya." not in shown
    history = client.get(f"/programs/{PROGRAM}/history").get_data(as_text=True)
    assert history.count('data-event="pin_summary"') == 2


@pytest.mark.parametrize(("who", "body", "status"), [("warga1", "Ringkasan", 403),
                                                     ("kades", "Ringkasan", 403),
                                                     ("pendamping", "", 422),
                                                     ("pendamping", "a" * 4001, 422)])
def test_a_bad_summary_changes_nothing(client, db, people, who, body, status):
    token = login_as(client, people[who])
    before = db_state(db)
    assert send(client, f"/programs/{PROGRAM}/summary", token, {"body": body}).status_code == status
    assert db_state(db) == before


# --- the live discussion ------------------------------------------------------------------------

def test_the_poll_answers_204_until_something_changes(app, client, db, people):
    comment(db, people)
    login_as(client, people["warga3"])
    version = queries.version(db, PROGRAM)
    url = f"/programs/{PROGRAM}/discussion?v={version}"
    assert client.get(url, headers=HX).status_code == 204
    cid = comment(db, people, who="warga2", body="Komentar baru dari tab lain")
    fresh = client.get(url, headers=HX)
    assert fresh.status_code == 200
    text = fresh.get_data(as_text=True)
    assert "Komentar baru dari tab lain" in text and text.lstrip().startswith('<div id="discussion"')
    new_version = queries.version(db, PROGRAM)
    assert new_version != version and f"v={new_version}" in text
    commands.edit_comment(db, people["warga2"], PROGRAM, cid, "Diubah", utcnow())
    assert client.get(f"/programs/{PROGRAM}/discussion?v={new_version}",
                      headers=HX).status_code == 200
    assert client.get(f"/programs/{PROGRAM}/discussion").status_code == 302


def test_the_discussion_takes_a_fixed_number_of_queries(app, client, db, people):
    from tests.system.test_queries import counted
    login_as(client, people["pendamping"])

    def polled():
        with counted(app) as statements:
            assert client.get(f"/programs/{PROGRAM}/discussion?v=0", headers=HX).status_code == 200
        return len(statements)

    comment(db, people)
    few = polled()
    for i in range(6):
        parent = comment(db, people, who=f"warga{i + 2}", body=f"Komentar {i}")
        commands.add_reply(db, people["warga1"], PROGRAM, parent, "Balasan", utcnow())
    facilitation.pin_summary(db, people["pendamping"], PROGRAM, "Ringkas", utcnow())
    assert polled() == few


# --- objections of a failed consent round --------------------------------------------------------

def test_an_objection_is_answered_and_marked_addressed(client, db, people):
    arrange(db, people, "voting")
    vote_all(db, people, PROGRAM, ["agree", "block"])
    fire(db, people, PROGRAM, "close_voting")
    block = db.exec(select(Vote).where(Vote.choice == "block")).one()
    assert queries.objections_to_answer(db, PROGRAM) == [(block.id, block.reason)]
    token = login_as(client, people["warga3"])
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    assert f'data-objection="{block.id}" data-addressed="false"' in page
    assert send(client, f"/programs/{PROGRAM}/comments", token, {
        "stance": "support", "body": "Biaya sudah dihitung ulang.",
        "objection": str(block.id)}).status_code == 302
    db.commit()  # end the test session's read, to see what the request wrote
    answer = db.exec(select(Comment).where(Comment.objection_id == block.id)).one()
    before = db_state(db)
    assert send(client, f"/programs/{PROGRAM}/objections/{block.id}/addressed",
                token).status_code == 403
    assert db_state(db) == before
    token = login_as(client, people["pendamping"])
    assert send(client, f"/programs/{PROGRAM}/objections/{block.id}/addressed",
                token).status_code == 302
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    assert f'data-objection="{block.id}" data-addressed="true"' in page
    assert f'href="#comment-{answer.id}"' in page


# --- assisted entry -----------------------------------------------------------------------------

def test_the_facilitator_enters_a_comment_for_a_resident(client, db, people):
    token = login_as(client, people["pendamping"])
    response = send(client, f"/programs/{PROGRAM}/comments", token, {
        "stance": "support", "body": "Saya setuju (lewat pendamping).",
        "on_behalf_of": "warga11"})
    assert response.status_code == 302
    row = db.exec(select(Comment)).one()
    assert (row.user_id, row.recorded_by) == (people["warga11"].id, people["pendamping"].id)
    login_as(client, people["warga11"], lang="id")
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    assert "dicatat oleh pendamping atas nama" in page
    data = client.get("/account/data").get_data(as_text=True)
    assert "Saya setuju (lewat pendamping)." in data


@pytest.mark.parametrize("endpoint", ["comments", "supporters", "room-votes"])
@pytest.mark.parametrize(("who", "for_whom", "status"), [
    ("warga1", "warga11", 403), ("kades", "warga11", 403),
    ("pendamping", "kades", 422), ("pendamping", "nobody", 422)])
def test_on_behalf_of_refused(client, db, people, endpoint, who, for_whom, status):
    if endpoint == "room-votes":
        arrange(db, people, "voting")
    token = login_as(client, people[who])
    before = db_state(db)
    data = {"stance": "support", "body": "Setuju.", "choice": "agree", "on_behalf_of": for_whom}
    response = send(client, f"/programs/{PROGRAM}/{endpoint}", token, data)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert db_state(db) == before


def test_room_vote_on_behalf_of_a_resident(client, db, people):
    arrange(db, people, "voting")
    token = login_as(client, people["pendamping"])
    assert send(client, f"/programs/{PROGRAM}/room-votes", token,
                {"on_behalf_of": "warga11", "choice": "agree"}).status_code == 302
    vote = db.exec(select(Vote).where(Vote.user_id == people["warga11"].id)).one()
    assert vote.recorded_by == people["pendamping"].id and vote.in_room
    # On her next login the resident reads that the facilitator recorded it for her.
    login_as(client, people["warga11"], lang="id")
    page = client.get(f"/programs/{PROGRAM}").get_data(as_text=True)
    assert "Dicatat oleh pendamping atas nama Anda di ruang musyawarah." in page
    login_as(client, people["warga10"], lang="id")
    assert "Dicatat oleh pendamping" not in client.get(f"/programs/{PROGRAM}").get_data(as_text=True)


def test_support_on_behalf_of_a_resident(client, db, people):
    program_id = action(db, people, "organizing")
    token = login_as(client, people["pendamping"])
    page = client.get(f"/programs/{program_id}").get_data(as_text=True)
    assert 'data-action="support-on-behalf"' in page
    assert send(client, f"/programs/{program_id}/supporters", token,
                {"on_behalf_of": "warga11"}).status_code == 302
    row = db.exec(select(Supporter).where(Supporter.user_id == people["warga11"].id)).one()
    assert row.recorded_by == people["pendamping"].id
    login_as(client, people["warga11"])
    assert "Recorded by the facilitator for you." in client.get(
        f"/programs/{program_id}").get_data(as_text=True)
    mine = personal.download(db, people["warga11"])["supported_programs"]
    assert [(r["program_id"], r["recorded_by"]) for r in mine] == [
        (program_id, people["pendamping"].id)]
