"""One member of a community: a new role, deactivation and reactivation, a new activation
code. A deactivated person keeps their records but cannot log in, vote, or count in the
quorum; the community always keeps an administrator; each change is audited."""
from sqlmodel import select

from tests.arrange import arrange
from tests.conftest import AuthActions
from tests.helpers import PROGRAM, db_state, login_as, send, utcnow
from workflow.communities import members
from workflow.core import audit
from workflow.demo import PASSWORD
from workflow.engine.reasons import Refusal
from workflow.models import Event, Membership, Vote
from workflow.people import activation
from workflow.people import commands as people_commands
from workflow.voting.queries import eligible_voters


def membership(db, user):
    db.commit()  # a new transaction: it sees what the requests wrote
    found = db.exec(select(Membership).where(Membership.user_id == user.id,
                                             Membership.community_id == 1)).one()
    db.commit()
    return found


def last_event(db):
    event = db.exec(select(Event).order_by(Event.id.desc())).first()
    db.commit()
    return event


def test_an_administrator_changes_a_role(client, db, people):
    token = login_as(client, people["admin"])
    warga = people["warga4"]
    response = send(client, f"/communities/1/people/{warga.id}/role", token,
                    {"role": "facilitator"})
    assert response.status_code == 302
    assert membership(db, warga).role == "facilitator"
    event = last_event(db)
    assert (event.transition, event.actor_id) == ("change_role", people["admin"].id)
    assert '"was": "resident"' in event.payload and audit.verify(db).ok
    page = client.get("/communities/1/people").get_data(as_text=True)
    assert f'data-member="{warga.username}"' in page and "has a new role" in page


def test_an_unknown_role_changes_nothing(client, db, people):
    token = login_as(client, people["admin"])
    before = db_state(db)
    response = send(client, f"/communities/1/people/{people['warga4'].id}/role", token,
                    {"role": "kepala"})
    assert response.status_code == 302
    assert db_state(db) == before
    assert "Choose one of the options" in client.get("/communities/1/people").get_data(
        as_text=True)


def test_the_last_administrator_stays(client, db, people):
    token = login_as(client, people["admin"])
    before = db_state(db)
    for path, data in (("role", {"role": "resident"}), ("deactivate", {})):
        send(client, f"/communities/1/people/{people['admin'].id}/{path}", token, data)
        assert db_state(db) == before
    page = client.get("/communities/1/people").get_data(as_text=True)
    assert "needs at least one administrator" in page


def test_a_deactivated_resident_cannot_log_in_vote_or_count(app, client, db, people):
    arrange(db, people, "voting")
    warga = people["warga3"]
    base = eligible_voters(db, 1)
    db.commit()
    token = login_as(client, people["admin"])
    assert send(client, f"/communities/1/people/{warga.id}/deactivate", token).status_code == 302
    assert membership(db, warga).active is False
    assert eligible_voters(db, 1) == base - 1
    db.commit()
    assert last_event(db).transition == "deactivate"
    # Not logged in any more: the session ended; the login is refused with the reason.
    response = AuthActions(app.test_client()).login(warga.username)
    assert response.status_code == 403  # a fresh browser reads Indonesian
    assert "Akun ini dinonaktifkan" in response.get_data(as_text=True)
    # An old session of theirs opens nothing of the community.
    login_as(client, warga)
    assert client.get(f"/programs/{PROGRAM}").status_code == 404
    # And no vote can be recorded for them in the room.
    token = login_as(client, people["pendamping"])
    before = db.exec(select(Vote)).all()
    db.commit()
    send(client, f"/programs/{PROGRAM}/room-votes", token, {"voter": warga.id, "choice": "agree"})
    assert db.exec(select(Vote)).all() == before


def test_a_vote_cast_before_deactivation_still_counts_in_the_base(db, people):
    arrange(db, people, "voting")
    from workflow.voting import commands as voting
    voting.cast_vote(db, people["warga3"], PROGRAM, "agree", "", utcnow())
    ballot = db.exec(select(Vote.ballot_id)).first()
    base = eligible_voters(db, 1, ballot)
    members.deactivate(db, people["admin"], 1, people["warga3"].id, utcnow())
    assert eligible_voters(db, 1, ballot) == base
    assert eligible_voters(db, 1) == base - 1


def test_reactivation_gives_the_old_role_back(client, db, people):
    warga = people["warga4"]
    members.deactivate(db, people["admin"], 1, warga.id, utcnow())
    token = login_as(client, people["admin"])
    assert 'data-active="false"' in client.get("/communities/1/people").get_data(as_text=True)
    assert send(client, f"/communities/1/people/{warga.id}/reactivate", token).status_code == 302
    found = membership(db, warga)
    assert (found.active, found.role) == (True, "resident")
    assert last_event(db).transition == "reactivate"
    user, _token = people_commands.log_in(db, warga.username, PASSWORD, "10.0.0.9", utcnow())
    assert user.id == warga.id


def test_twice_is_refused_and_changes_nothing(app, db, people):
    members.deactivate(db, people["admin"], 1, people["warga4"].id, utcnow())
    before = db_state(db)
    for command in (members.deactivate, members.new_code):
        try:
            with app.app_context():
                command(db, people["admin"], 1, people["warga4"].id, utcnow())
        except Refusal as refusal:
            assert refusal.kind == "conflict"
        else:
            raise AssertionError("not refused")
    assert db_state(db) == before


def test_a_new_code_replaces_the_old(app, client, db, people):
    warga = people["warga4"]
    with app.app_context():
        old = activation.code_of(activation.issue(db, warga, utcnow()))
    db.commit()
    token = login_as(client, people["admin"])
    assert send(client, f"/communities/1/people/{warga.id}/code", token).status_code == 302
    assert last_event(db).transition == "new_code"
    page = client.get(f"/communities/1/people/slips?user={warga.id}").get_data(as_text=True)
    assert page.count("data-slip=") == 1 and old not in page
    with app.app_context():
        row, problem = activation.check(db, warga, old, utcnow())
    assert row is None and "replaced" in problem.msgid


def test_a_member_of_another_community_is_not_found(db, people, outsider):
    try:
        members.change_role(db, people["admin"], 1, outsider.user.id, "resident", utcnow())
    except Refusal as refusal:
        assert refusal.kind == "not_found"
    else:
        raise AssertionError("not refused")
