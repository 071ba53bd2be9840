"""The demo loads and a logged-in resident sees the home page."""


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_resident_sees_rounds(client, auth):
    assert auth.login().status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Desa Sukamaju" in page
    assert page.count('data-action="new-program"') == 3
