"""Logging in and out, the session cookie, the language switch and CSRF on every form."""
import re

import pytest

from tests.arrange import arrange
from tests.helpers import HX, VALID_PROGRAM, db_state, login_as, send, snapshot, state_of

H1_RE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def lang_of(page: str) -> str:
    return re.search(r'<html lang="([^"]*)"', page).group(1)


def logged_in_as(client):
    """The display name in the page header, or None when the home page sends us to log in."""
    response = client.get("/")
    if response.status_code == 302:
        return None
    return re.search(r'<a class="who" href="/account">([^<]*)</a>', response.get_data(as_text=True)).group(1)


def test_login_form(client, rendered):
    """The login page is a full page with the contract's fields and a CSRF token."""
    response = client.get("/login")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rendered == ["people/login.html"]
    for field in ('name="username"', 'name="password"', 'name="csrf_token"'):
        assert field in page


def test_login_form_is_a_whole_page_for_htmx(client, rendered):
    """The login page has no fragment: an htmx request gets the whole page."""
    response = client.get("/login", headers=HX)
    assert response.status_code == 200
    assert rendered == ["people/login.html"]
    assert "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize(("username", "password"), [
    ("warga1", "salah"),
    ("warga1", ""),
    ("tidakada", "musyawarah"),
    ("", ""),
    ("warga1", "MUSYAWARAH"),
])
def test_login_refused(client, auth, username, password):
    """A wrong name or password gets 401, the message, the name kept, and no session."""
    response = auth.login(username, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert re.search(r'<p class="error" id="login-error" role="alert">[^<]+</p>', page)
    assert f'name="username" value="{username}"' in page
    assert logged_in_as(client) is None


def test_login_starts_a_session(client, auth):
    """The right password redirects home and the session then knows the person."""
    response = auth.login("warga1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert logged_in_as(client) == "Siti Aminah"


def test_login_ignores_case_and_spaces_in_the_name(client, auth):
    """People on phones type ' Warga1' with a capital and a space: it still works."""
    assert auth.login(" Warga1 ").status_code == 302
    assert logged_in_as(client) == "Siti Aminah"


@pytest.mark.parametrize(("target", "location"), [
    ("/rounds/1", "/rounds/1"),
    ("/programs/1?tab=history", "/programs/1?tab=history"),
    ("//evil.example", "/"),
    ("//evil.example/login", "/"),
    ("http://evil.example", "/"),
    ("https://evil.example/programs/1", "/"),
    ("https:evil.example", "/"),
    ("evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/\t/evil.example", "/"),
    ("", "/"),
])
def test_login_next_only_follows_local_paths(client, auth, target, location):
    """``next`` is followed only when it is a path on this site."""
    response = client.post("/login", query_string={"next": target}, data={
        "username": "warga1", "password": "musyawarah", "csrf_token": auth.token()})
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_login_next_with_a_backslash_stays_on_the_site(client, auth):
    """Browsers read '/\\evil' as '//evil': the redirect must not leave the site."""
    response = client.post("/login", query_string={"next": "/\\evil.example"}, data={
        "username": "warga1", "password": "musyawarah", "csrf_token": auth.token()})
    location = response.headers["Location"]
    assert response.status_code == 302
    assert location.startswith("/") and not location.startswith("//")
    assert "\\" not in location


def test_login_required_sends_back_afterwards(client, auth):
    """A page asked for while logged out is shown after logging in."""
    response = client.get("/programs/1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/programs/1"
    response = client.post(response.headers["Location"], data={
        "username": "warga1", "password": "musyawarah", "csrf_token": auth.token()})
    assert response.headers["Location"] == "/programs/1"
    assert client.get("/programs/1").status_code == 200


def test_login_starts_a_fresh_session(client, auth):
    """Nothing from before the login survives it except the chosen language."""
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["lang"] = "en"
    auth.login("warga1")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"
        assert len(session["sid"]) >= 40


def test_session_token_is_rotated_at_login_and_ended_at_logout(client, auth):
    """Each login gets a new server-side session; after logout the old cookie opens nothing."""
    auth.login("warga1")
    with client.session_transaction() as session:
        first = session["sid"]
    cookie = client.get_cookie("session").value
    auth.logout()
    auth.login("warga1")
    with client.session_transaction() as session:
        assert session["sid"] != first
    auth.logout()
    client.set_cookie("session", cookie)  # replay the cookie from before the logout
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_session_cookie_flags(client, auth):
    """The session cookie is HttpOnly, SameSite=Lax and outlives the browser session."""
    response = auth.login("warga1")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert any(flag.startswith("expires=") for flag in flags)


def test_logout_ends_the_session(client, auth):
    """After logging out, home sends to the login page, which says goodbye."""
    auth.login("warga1")
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert re.search(r'<p class="flash success">[^<]+</p>',
                     client.get("/login").get_data(as_text=True))
    home = client.get("/")
    assert home.status_code == 302
    assert home.headers["Location"].startswith("/login")
    with client.session_transaction() as session:
        assert "user_id" not in session


def test_logout_keeps_the_language(client, auth):
    """The language chosen before logging out stays chosen."""
    auth.post("/language", {"lang": "en"})
    auth.login("warga1")
    auth.logout()
    assert lang_of(client.get("/login").get_data(as_text=True)) == "en"


def test_default_language_is_indonesian(client):
    """Bahasa Indonesia is the default: <html lang="id"> and a switch to English."""
    page = client.get("/login").get_data(as_text=True)
    assert lang_of(page) == "id"
    assert 'name="lang" value="en"' in page


def test_language_switch(client, auth):
    """Choosing English changes <html lang> and the switch offers Bahasa Indonesia back."""
    response = auth.post("/language", {"lang": "en", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert lang_of(page) == "en"
    assert 'name="lang" value="id"' in page
    auth.post("/language", {"lang": "id"})
    assert lang_of(client.get("/login").get_data(as_text=True)) == "id"


def test_language_switch_changes_the_words(client, auth):
    """The same page reads differently in Bahasa Indonesia and in English."""
    indonesian = H1_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    auth.post("/language", {"lang": "en"})
    english = H1_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    assert indonesian and english
    assert indonesian != english


@pytest.mark.parametrize("lang", ["fr", "", "EN", "id-ID"])
def test_language_switch_ignores_unknown_languages(client, auth, lang):
    """Only id and en can be chosen; anything else leaves the language as it was."""
    auth.post("/language", {"lang": "en"})
    auth.post("/language", {"lang": lang})
    assert lang_of(client.get("/login").get_data(as_text=True)) == "en"


@pytest.mark.parametrize("target", ["//evil.example", "http://evil.example", "evil.example"])
def test_language_switch_next_stays_local(client, auth, target):
    """The language switch's ``next`` is only followed to local paths."""
    response = auth.post("/language", {"lang": "en", "next": target})
    assert response.headers["Location"] == "/"


# --- CSRF: every POST route, without a token, is refused and changes nothing ----------------

CSRF_ROUTES = {
    # name: (user, state to arrange or None, url, form data)
    "new_program": ("warga1", None, "/rounds/1/programs/new", VALID_PROGRAM),
    "transition": ("pendamping", None, "/programs/1/transitions/open_discussion",
                   {"expected_state": "proposed"}),
    "vote": ("warga1", "voting", "/programs/1/votes", {"choice": "agree"}),
    "room_vote": ("pendamping", "voting", "/programs/1/room-votes",
                  {"voter": "WARGA3", "choice": "agree"}),
    "comment": ("warga1", None, "/programs/1/comments", {"stance": "support", "body": "Setuju"}),
}


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("route", sorted(CSRF_ROUTES))
def test_csrf_required_on_program_routes(client, db, people, rendered, route, htmx):
    """Without a CSRF token the post gets 400 and nothing changes; with one it goes through."""
    username, state, url, data = CSRF_ROUTES[route]
    if state:
        arrange(db, people, state)
    data = {k: (str(people["warga3"].id) if v == "WARGA3" else v) for k, v in data.items()}
    token = login_as(client, people[username])
    before, rows = snapshot(db), db_state(db)
    rendered.clear()
    response = client.post(url, data=data, headers=HX if htmx else {})
    assert response.status_code == 400
    assert 'id="refused"' in response.get_data(as_text=True)
    assert rendered == (["partial/refused.html"] if htmx else ["refused.html"])
    assert db_state(db) == rows
    # The same post with the token is accepted: the token was the only thing missing.
    assert send(client, url, token, data).status_code == 302
    assert snapshot(db) != before


@pytest.mark.parametrize("token", ["", "not-a-token", "forged.token.value"])
def test_csrf_bad_token_refused(client, db, people, token):
    """An empty or forged token is as good as none."""
    login_as(client, people["pendamping"])
    before = db_state(db)
    response = send(client, "/programs/1/transitions/open_discussion", token)
    assert response.status_code == 400
    assert db_state(db) == before


def test_csrf_token_of_another_session_refused(app, db, people):
    """A token taken from one person's session does not work in another's."""
    other = app.test_client()
    stolen = login_as(other, people["warga5"])
    client = app.test_client()
    login_as(client, people["pendamping"])
    before = db_state(db)
    response = send(client, "/programs/1/transitions/open_discussion", stolen)
    assert response.status_code == 400
    assert db_state(db) == before


def test_csrf_token_in_header_for_htmx(client, db, people):
    """htmx sends the token as the X-CSRFToken header instead of a form field."""
    token = login_as(client, people["pendamping"])
    response = client.post("/programs/1/transitions/open_discussion",
                           headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 200
    assert state_of(db) == "discussion"


def test_csrf_token_in_the_page_header_for_htmx(client, people):
    """Every page gives htmx the token in hx-headers on <body>."""
    login_as(client, people["warga1"])
    page = client.get("/programs/1").get_data(as_text=True)
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'>", page)


def test_csrf_required_on_login(client):
    """Logging in without a token is refused even with the right password."""
    response = client.post("/login", data={"username": "warga1", "password": "musyawarah"})
    assert response.status_code == 400
    assert logged_in_as(client) is None


def test_csrf_required_on_logout(client, people):
    """Logging out without a token is refused: the session stays."""
    login_as(client, people["warga1"])
    response = client.post("/logout")
    assert response.status_code == 400
    assert logged_in_as(client) == "Siti Aminah"


def test_csrf_required_on_language(client):
    """Switching the language without a token is refused: the language stays."""
    response = client.post("/language", data={"lang": "en"})
    assert response.status_code == 400
    assert lang_of(client.get("/login").get_data(as_text=True)) == "id"



def test_production_cookies_are_secure(tmp_path):
    """With MUSYAWARAH_ENV=production the session cookie only travels over HTTPS."""
    from app import create_app
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
                      "SECRET_KEY": "x", "MUSYAWARAH_ENV": "production"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("target", ["/\nenv;", "/\r\nSet-Cookie: x=1", "/pro\tgrams"])
def test_language_switch_ignores_a_next_with_control_characters(client, auth, target):
    response = auth.post("/language", {"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
