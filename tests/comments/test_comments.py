"""The discussion of a program: comments as a form and with htmx, refused input, escaping."""

import pytest

from tests.arrange import arrange
from tests.helpers import (
    counts,
    db_state,
    field_error,
    is_fragment,
    login_as,
    send,
)

# --- comments ----------------------------------------------------------------------------------

def test_comment_as_form_redirects(client, db, people, rendered):
    """A plain comment is stored and redirects to the discussion."""
    token = login_as(client, people["warga1"])
    rendered.clear()
    response = send(client, "/programs/1/comments", token,
                    {"stance": "support", "body": "Saya setuju, saluran sering banjir."})
    assert response.status_code == 302
    assert response.headers["Location"] == "/programs/1#comments"
    assert rendered == []
    assert counts(db)["Comment"] == 1
    page = client.get("/programs/1").get_data(as_text=True)
    assert "Saya setuju, saluran sering banjir." in page
    assert 'class="comment stance-support"' in page


def test_comment_with_htmx_swaps_the_discussion(client, db, people, rendered):
    """htmx gets the comments fragment alone, with the new comment and its author."""
    token = login_as(client, people["kades"])
    rendered.clear()
    response = send(client, "/programs/1/comments", token,
                    {"stance": "question", "body": "Berapa meter salurannya?"}, htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["comments/partial/comments.html"]
    assert "base.html" not in rendered
    assert is_fragment(response)
    assert page.lstrip().startswith('<section id="comments"')
    assert "Berapa meter salurannya?" in page
    assert "Bapak Hasan (Kepala Desa)" in page
    assert 'class="comment stance-question"' in page


INVALID_COMMENTS = [
    ("empty body", {"stance": "support", "body": ""}, "body"),
    ("blank body", {"stance": "support", "body": " \n\t "}, "body"),
    ("no body", {"stance": "support"}, "body"),
    ("body too long", {"stance": "concern", "body": "a" * 4001}, "body"),
    ("no stance", {"body": "Bagus."}, "stance"),
    ("unknown stance", {"stance": "angry", "body": "Bagus."}, "stance"),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("problem", "data", "field"), INVALID_COMMENTS,
                         ids=[r[0] for r in INVALID_COMMENTS])
def test_invalid_comment(client, db, people, rendered, problem, data, field, htmx):
    """A bad comment is 422 with the message at its field, and nothing is stored."""
    token = login_as(client, people["warga1"])
    before = db_state(db)
    rendered.clear()
    response = send(client, "/programs/1/comments", token, data, htmx=htmx)
    assert response.status_code == 422
    assert rendered == (["comments/partial/comments.html"] if htmx else ["programs/program.html"])
    assert is_fragment(response) == htmx
    assert field_error(response, field)
    assert db_state(db) == before


def test_empty_comment_message(client, people):
    """An empty comment is told to write something first."""
    token = login_as(client, people["warga1"])
    response = send(client, "/programs/1/comments", token, {"stance": "support", "body": ""})
    assert response.status_code == 422
    assert field_error(response, "body") == "Write your comment first."


def test_comment_is_escaped(client, db, people):
    """A comment is shown as text: markup in it is escaped, never run."""
    token = login_as(client, people["warga1"])
    body = "<script>alert(1)</script> & <img src=x onerror=alert(2)>"
    response = send(client, "/programs/1/comments", token, {"stance": "concern", "body": body},
                    htmx=True)
    page = response.get_data(as_text=True) + client.get("/programs/1").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt;" in page
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page


def test_no_comments_on_a_closed_program(client, db, people):
    """A withdrawn program takes no more comments (409)."""
    arrange(db, people, "withdrawn")
    token = login_as(client, people["warga1"])
    before = db_state(db)
    response = send(client, "/programs/1/comments", token, {"stance": "support", "body": "Ya"})
    assert response.status_code == 409
    assert db_state(db) == before
