"""Writing a program together: an author invites a member of the community, who reads the
draft, accepts or declines; any author invites more and may leave, the last one cannot.
Every refusal says why and changes nothing."""
import re

import pytest
from sqlmodel import select

from tests.arrange import arrange, draft_by
from tests.helpers import (
    HX,
    LOCALITY_ROUND,
    PROGRAM,
    VALID_PROGRAM,
    db_state,
    events_of,
    field_errors,
    login_as,
    refusal_text,
    send,
    utcnow,
)
from workflow.core import audit
from workflow.drafting import coauthors
from workflow.models import CoauthorInvitation, Notification, ProgramAuthor
from workflow.people.models import Membership
from workflow.programs import commands

TITLE = "Posyandu keliling di Dusun Cibodas"


@pytest.fixture
def draft(db, people) -> int:
    return draft_by(db, people, "warga1", title=TITLE)


def authors_of(db, program_id) -> list:
    rows = db.exec(select(ProgramAuthor.user_id).where(ProgramAuthor.program_id == program_id)
                   .order_by(ProgramAuthor.id)).all()
    db.commit()
    return list(rows)


def invitations_of(db, program_id) -> list:
    rows = db.exec(select(CoauthorInvitation.user_id, CoauthorInvitation.invited_by,
                          CoauthorInvitation.answer, CoauthorInvitation.answered_at.is_(None))
                   .where(CoauthorInvitation.program_id == program_id)
                   .order_by(CoauthorInvitation.id)).all()
    db.commit()
    return [tuple(row) for row in rows]


def invite(client, token, program_id, username, htmx=False):
    return send(client, f"/programs/{program_id}/coauthors", token, {"username": username},
                htmx=htmx)


# --- inviting ------------------------------------------------------------------------------

@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_an_author_invites_a_member_who_is_told(client, db, people, draft, htmx):
    token = login_as(client, people["warga1"])
    response = invite(client, token, draft, " Warga2 ", htmx=htmx)
    if htmx:  # the program's main part again, with what was done on top
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and 'id="program-main"' in page
    else:
        assert (response.status_code, response.headers["Location"]) == (
            302, f"/programs/{draft}#coauthors")
        page = client.get(f"/programs/{draft}").get_data(as_text=True)
    assert invitations_of(db, draft) == [(people["warga2"].id, people["warga1"].id, "", True)]
    assert authors_of(db, draft) == [people["warga1"].id]
    told = db.exec(select(Notification.user_id, Notification.kind, Notification.link,
                          Notification.actor_id, Notification.program_id)).all()
    db.commit()
    assert [tuple(row) for row in told] == [(people["warga2"].id, "invited", f"/programs/{draft}",
                                             people["warga1"].id, draft)]
    assert "The invitation is sent." in page
    assert 'data-invitation="warga2"' in page and 'data-author="warga1"' in page
    assert events_of(db, draft) == []  # a draft's co-authorship stays off the public history


def test_a_pending_invitee_reads_the_draft_others_do_not(client, db, people, draft, outsider):
    coauthors.invite_coauthor(db, people["warga1"], draft, "warga2", utcnow())
    login_as(client, people["warga2"])
    page = client.get(f"/programs/{draft}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert TITLE in body
    assert 'data-action="accept-coauthor"' in body and 'data-action="decline-coauthor"' in body
    assert 'data-action="edit-program"' not in body and 'data-action="invite-coauthor"' not in body
    assert client.get(f"/programs/{draft}/revisions").status_code == 200
    assert client.get(f"/programs/{draft}/edit").status_code == 403  # not an author yet
    for who in (people["warga5"], outsider.user):
        login_as(client, who)
        assert client.get(f"/programs/{draft}").status_code == 404
        assert client.get(f"/programs/{draft}/revisions").status_code == 404
    login_as(client, people["warga5"])
    assert 'data-action="accept-coauthor"' not in client.get(f"/programs/{PROGRAM}").get_data(
        as_text=True)


BAD_INVITES = [
    pytest.param("tidakada", "No member of this community has the login name tidakada.",
                 id="unknown username"),
    pytest.param("orangluar", "No member of this community has the login name orangluar.",
                 id="member of another community"),
    pytest.param("   ", "Write the login name of the member to invite.", id="empty"),
    pytest.param("warga1", "Warga Satu is already an author of this program.", id="self"),
    pytest.param("warga3", "Warga Tiga is already invited and has not answered yet.",
                 id="already invited"),
    pytest.param("warga4", "Warga Empat is already an author of this program.",
                 id="already a co-author"),
    pytest.param("warga6", "No member of this community has the login name warga6.",
                 id="deactivated member"),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("username, message", BAD_INVITES)
def test_a_bad_invitation_is_refused_and_changes_nothing(client, db, people, draft, outsider,
                                                         username, message, htmx):
    coauthors.invite_coauthor(db, people["warga1"], draft, "warga3", utcnow())
    coauthors.invite_coauthor(db, people["warga1"], draft, "warga4", utcnow())
    coauthors.accept_coauthor(db, people["warga4"], draft, utcnow())
    membership = db.exec(select(Membership).where(
        Membership.user_id == people["warga6"].id)).one()
    membership.active = False
    db.add(membership)
    db.commit()
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = invite(client, token, draft, username, htmx=htmx)
    page = response.get_data(as_text=True)
    names = {u.username: u.display_name for u in people.values()}
    expected = message.replace("Warga Satu", names["warga1"]).replace(
        "Warga Tiga", names["warga3"]).replace("Warga Empat", names["warga4"])
    assert response.status_code == 422
    assert field_errors(page) == {"username": expected}
    assert ("<html" not in page) == htmx
    assert db_state(db) == before


def test_only_an_author_invites(client, db, people, draft):
    """A resident on a submitted program: 403 with the reason; on someone's draft: 404."""
    token = login_as(client, people["warga5"])
    before = db_state(db)
    response = invite(client, token, PROGRAM, "warga7")
    assert response.status_code == 403
    assert refusal_text(response) == ("Not possible: Only an author of this program can invite "
                                      "co-authors.")
    assert invite(client, token, draft, "warga7").status_code == 404
    assert db_state(db) == before


def test_no_invitation_once_the_vote_is_open(client, db, people):
    arrange(db, people, "voting")
    token = login_as(client, people["warga2"])
    before = db_state(db)
    response = invite(client, token, PROGRAM, "warga7")
    assert response.status_code == 409
    assert "A vote is open on this program" in refusal_text(response)
    assert db_state(db) == before


# --- answering -------------------------------------------------------------------------------

def test_the_invitee_accepts_and_both_edit(client, db, people, draft):
    """warga1 invites warga2; warga2 accepts, and each saves a change: two revisions."""
    coauthors.invite_coauthor(db, people["warga1"], draft, "warga2", utcnow())
    token = login_as(client, people["warga2"])
    response = send(client, f"/programs/{draft}/coauthors/accept", token, {})
    assert response.status_code == 302
    assert authors_of(db, draft) == [people["warga1"].id, people["warga2"].id]
    assert invitations_of(db, draft) == [(people["warga2"].id, people["warga1"].id,
                                          "accepted", False)]
    page = client.get(f"/programs/{draft}").get_data(as_text=True)
    assert "You are now an author of this program." in page
    assert 'data-author="warga2"' in page and 'data-action="accept-coauthor"' not in page
    form = {**VALID_PROGRAM, "title": TITLE, "version": "1"}
    assert send(client, f"/programs/{draft}/edit", token,
                {**form, "goal": "Setiap balita ditimbang dua kali sebulan."}).status_code == 302
    token = login_as(client, people["warga1"])
    assert send(client, f"/programs/{draft}/edit", token,
                {**form, "goal": "Setiap balita ditimbang dua kali sebulan.",
                 "title": "Posyandu keliling", "version": "2"}).status_code == 302
    body = client.get(f"/programs/{draft}/revisions?a=1&b=3").get_data(as_text=True)
    assert "ditimbang <ins>dua kali </ins>sebulan<del> sekali</del>." in body  # warga2's
    assert "Posyandu keliling<del> di Dusun Cibodas</del>" in body  # warga1's
    # A second "accept" (a double click) changes nothing and is no error.
    token = login_as(client, people["warga2"])
    before = db_state(db)
    assert send(client, f"/programs/{draft}/coauthors/accept", token, {}).status_code == 302
    assert db_state(db) == before


def test_the_invitee_declines_and_no_longer_sees_the_draft(client, db, people, draft):
    coauthors.invite_coauthor(db, people["warga1"], draft, "warga2", utcnow())
    token = login_as(client, people["warga2"])
    response = send(client, f"/programs/{draft}/coauthors/decline", token, {}, htmx=True)
    assert (response.status_code, response.headers["HX-Redirect"]) == (
        204, f"/rounds/{LOCALITY_ROUND}")
    assert invitations_of(db, draft) == [(people["warga2"].id, people["warga1"].id,
                                          "declined", False)]
    assert authors_of(db, draft) == [people["warga1"].id]
    assert client.get(f"/programs/{draft}").status_code == 404
    # Asked again later, they may say yes.
    coauthors.invite_coauthor(db, people["warga1"], draft, "warga2", utcnow())
    assert client.get(f"/programs/{draft}").status_code == 200


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_an_answer_without_an_invitation_is_refused(client, db, people, answer):
    token = login_as(client, people["warga5"])
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/coauthors/{answer}", token, {})
    assert response.status_code == 409
    assert "You have no invitation to answer for this program." in refusal_text(response)
    assert db_state(db) == before


# --- leaving ---------------------------------------------------------------------------------

def test_an_author_leaves_the_last_one_cannot(client, db, people, draft):
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, f"/programs/{draft}/coauthors/leave", token, {})
    assert response.status_code == 409
    assert refusal_text(response) == (
        "Not possible: You are the only author: a program always keeps one. Invite someone "
        "to write it with you first, then leave.")
    assert db_state(db) == before
    assert 'data-action="leave-authors"' not in client.get(f"/programs/{draft}").get_data(
        as_text=True)
    coauthors.invite_coauthor(db, people["warga1"], draft, "warga2", utcnow())
    coauthors.accept_coauthor(db, people["warga2"], draft, utcnow())
    assert 'data-action="leave-authors"' in client.get(f"/programs/{draft}").get_data(
        as_text=True)
    response = send(client, f"/programs/{draft}/coauthors/leave", token, {})
    assert (response.status_code, response.headers["Location"]) == (
        302, f"/rounds/{LOCALITY_ROUND}")  # the draft is no longer theirs to read
    assert authors_of(db, draft) == [people["warga2"].id]
    assert client.get(f"/programs/{draft}").status_code == 404


def test_a_non_author_cannot_leave(client, db, people):
    token = login_as(client, people["warga5"])
    before = db_state(db)
    response = send(client, f"/programs/{PROGRAM}/coauthors/leave", token, {})
    assert response.status_code == 403
    assert db_state(db) == before


def test_after_submission_who_writes_it_is_in_the_history(client, db, people, draft):
    commands.fire_transition(db, people["warga1"], draft, "submit", utcnow())
    coauthors.invite_coauthor(db, people["warga1"], draft, "warga2", utcnow())
    coauthors.accept_coauthor(db, people["warga2"], draft, utcnow())
    coauthors.invite_coauthor(db, people["warga1"], draft, "warga3", utcnow())
    coauthors.decline_coauthor(db, people["warga3"], draft, utcnow())
    coauthors.leave_authors(db, people["warga1"], draft, utcnow())
    assert events_of(db, draft) == [
        ("submit", "draft", "proposed", "warga1"),
        ("invite_coauthor", "proposed", "proposed", "warga1"),
        ("accept_coauthor", "proposed", "proposed", "warga2"),
        ("invite_coauthor", "proposed", "proposed", "warga1"),
        ("decline_coauthor", "proposed", "proposed", "warga3"),
        ("leave_authors", "proposed", "proposed", "warga1")]
    assert audit.verify(db).ok
    db.commit()
    login_as(client, people["warga5"])
    page = client.get(f"/programs/{draft}/history").get_data(as_text=True)
    assert "became an author of the program" in page
    assert len(re.findall(r'data-event="invite_coauthor"', page)) == 2
    # The programs page lists the authors as they are now.
    page = client.get(f"/programs/{draft}").get_data(as_text=True)
    assert re.findall(r'data-author="(\w+)"', page) == ["warga2"]


def test_the_invitation_is_in_indonesian(client, db, people, draft):
    token = login_as(client, people["warga1"], "id")
    response = invite(client, token, draft, "tidakada", htmx=True)
    assert field_errors(response.get_data(as_text=True)) == {
        "username": "Tidak ada anggota komunitas ini dengan nama login tidakada."}
    invite(client, token, draft, "warga2")
    assert "Undangan sudah dikirim." in client.get(f"/programs/{draft}").get_data(as_text=True)
    assert HX  # the fragment above answered htmx
