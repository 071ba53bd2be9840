"""Home and a round's board: what each member sees, for htmx too, and the process drawn."""
import re

import pytest
from sqlmodel import select

from tests.helpers import (
    ACTION_ROUND,
    HX,
    LOCALITY_ROUND,
    PLANNING_ROUND,
    is_fragment,
    login_as,
)
from workflow.models import Membership


def new_links(page: str) -> list:
    """The data-template of every new-program link on the page, in order."""
    return re.findall(r'data-action="new-program" data-template="(\w+)"', page)


# --- home ---------------------------------------------------------------------------------

def test_home_requires_login(client):
    """Home sends an anonymous visitor to log in and back."""
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/"


def test_home_for_a_resident(client, people, rendered):
    """A resident sees the village, its three rounds, their programs and a link for each."""
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["rounds/home.html"]
    assert "Desa Sukamaju" in page
    assert new_links(page) == ["locality", "planning", "action"]
    assert 'href="/programs/1"' in page
    assert "Perbaikan saluran air Dusun Krajan" in page


@pytest.mark.parametrize("username", ["pendamping", "kades"])
def test_home_for_staff_who_may_propose(client, people, username):
    """The facilitator and the official may propose programs too."""
    login_as(client, people[username])
    assert new_links(client.get("/").get_data(as_text=True)) == ["locality", "planning",
                                                                 "action"]


def test_home_for_admin_has_no_proposal_links(client, people):
    """The administrator manages, and does not propose programs."""
    login_as(client, people["admin"])
    page = client.get("/").get_data(as_text=True)
    assert "Desa Sukamaju" in page
    assert new_links(page) == []


def test_home_is_a_whole_page_for_htmx(client, people, rendered):
    """Home has no fragment: an htmx request gets the whole page."""
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get("/", headers=HX)
    assert rendered == ["rounds/home.html"]
    assert not is_fragment(response)


def test_home_of_an_outsider_shows_only_their_community(client, outsider):
    """Someone from another village sees their own community, nothing of Sukamaju."""
    login_as(client, outsider.user)
    page = client.get("/").get_data(as_text=True)
    assert "Desa Seberang" in page
    assert "Desa Sukamaju" not in page
    assert "Perbaikan saluran air" not in page


def test_home_without_a_community(client, db, outsider):
    """A person in no community is told to ask the administrator, and offered nothing."""
    membership = db.exec(select(Membership).where(
        Membership.user_id == outsider.user.id)).one()
    db.delete(membership)
    db.commit()
    login_as(client, outsider.user)
    response = client.get("/")
    assert response.status_code == 200
    assert new_links(response.get_data(as_text=True)) == []
    assert "Desa Seberang" not in response.get_data(as_text=True)


# --- a round's board ----------------------------------------------------------------------

@pytest.mark.parametrize(("round_id", "template"), [(1, "locality"), (2, "planning"),
                                                    (3, "action")])
def test_round_board(client, people, rendered, round_id, template):
    """Each round's board links to its own new-program form, marked with its template."""
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get(f"/rounds/{round_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["rounds/board.html"]
    assert new_links(page) == [template]
    assert f'href="/rounds/{round_id}/programs/new"' in page
    assert ("Perbaikan saluran air Dusun Krajan" in page) == (round_id == 1)


def test_round_board_for_htmx_is_a_whole_page(client, people, rendered):
    """The board has no fragment: htmx gets the whole page."""
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get("/rounds/1", headers=HX)
    assert rendered == ["rounds/board.html"]
    assert not is_fragment(response)


def test_round_board_requires_login(client):
    """A round's board sends an anonymous visitor to log in and back."""
    response = client.get("/rounds/1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/rounds/1"


@pytest.mark.parametrize("url", ["/rounds/999", "/rounds/999/programs/new"])
def test_unknown_round_is_404(client, people, rendered, url):
    """A round that does not exist is the 404 page."""
    login_as(client, people["warga1"])
    rendered.clear()
    response = client.get(url)
    assert response.status_code == 404
    assert rendered == ["refused.html"]


@pytest.mark.parametrize("url", ["/rounds/1", "/rounds/1/programs/new"])
def test_round_of_another_community_is_404(client, outsider, url):
    """An outsider learns nothing about Sukamaju's rounds, not even that they exist."""
    login_as(client, outsider.user)
    assert client.get(url).status_code == 404


def test_own_round_of_outsider_is_hidden_from_sukamaju(client, people, outsider):
    """And the other way round: Sukamaju's residents cannot see Desa Seberang's round."""
    login_as(client, people["warga1"])
    assert client.get(f"/rounds/{outsider.round.id}").status_code == 404


# --- the process diagram --------------------------------------------------------------------------

@pytest.mark.parametrize(("round_id", "template"), [(LOCALITY_ROUND, "locality"),
                                                    (PLANNING_ROUND, "planning"),
                                                    (ACTION_ROUND, "action")])
def test_round_page_draws_the_process_without_a_current_state(client, people, round_id,
                                                              template):
    login_as(client, people["warga1"])
    response = client.get(f"/rounds/{round_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    svg = re.search(r'<svg [^>]*data-diagram="(\w+)"', page)
    assert svg and svg.group(1) == template
    assert 'data-current="true"' not in page
    assert "data-diagram-state=" in page
