"""The projector view: the current item, its count and the quorum; nothing secret."""
from sqlalchemy import event as sa_event

from tests.helpers import HX, PROGRAM, login_as, utcnow
from tests.meetings.hall import hall
from workflow.core.db import ENGINE_KEY
from workflow.voting import commands as voting_commands


def test_the_screen_shows_the_open_vote_and_the_quorum_without_names(client, db, people):
    present = tuple(f"warga{i}" for i in range(1, 9))
    meeting_id, item_id = hall(db, people, present=present)
    voting_commands.cast_vote(db, people["warga1"], PROGRAM, "agree", "", utcnow())
    voting_commands.cast_vote(db, people["warga2"], PROGRAM, "block", "Mahal.", utcnow())
    login_as(client, people["warga3"])
    page = client.get(f"/meetings/{meeting_id}/screen").get_data(as_text=True)
    assert 'data-quorum data-present="8" data-invited="12" data-met="true"' in page
    assert f'data-current-item="{item_id}"' in page and "data-tally" in page
    assert 'hx-trigger="every 5s"' in page and 'http-equiv="refresh"' in page
    agree = page.split('data-count="agree"')[1].split("</li>")[0]
    assert "<strong>1</strong>" in agree
    for secret in ("Mahal.", people["warga1"].display_name, people["warga2"].display_name):
        assert secret not in page


def test_the_live_part_is_a_fragment_in_a_few_queries(app, client, db, people):
    meeting_id, _item = hall(db, people, present=("warga1",))
    login_as(client, people["warga3"])
    statements = []
    engine = app.extensions[ENGINE_KEY]
    listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
    sa_event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(f"/meetings/{meeting_id}/screen?part=live", headers=HX)
    finally:
        sa_event.remove(engine, "before_cursor_execute", listener)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith("{#") is False
    assert 'id="screen-live"' in body and "<html" not in body
    assert 'data-met="false"' in body
    # The login's session and user, the meeting, its round and the reader's role, the agenda,
    # its ballots, the tally's two, the quorum: fixed, whatever the size of the roll.
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 12


def test_outsiders_get_404(client, db, people, outsider):
    meeting_id, _item = hall(db, people)
    login_as(client, outsider.user)
    assert client.get(f"/meetings/{meeting_id}/screen").status_code == 404
