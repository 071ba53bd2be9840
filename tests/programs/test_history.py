"""The history page of a program: every step, who fired it, from which state to which."""
import re

import pytest
from sqlmodel import select

from tests.arrange import (
    arrange,
    fire,
)
from tests.helpers import (
    ACCOUNTS,
    PROGRAM,
    events_of,
    login_as,
    page_of,
)
from workflow.engine.processes import STATE_LABELS
from workflow.models import User

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
    login_as(client, people[ACCOUNTS[role]])  # the author: warga2, of program 1
    rendered.clear()
    response = client.get(f"/programs/{PROGRAM}/history")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["programs/history.html"]
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
