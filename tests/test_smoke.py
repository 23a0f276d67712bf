"""The app starts and shows a Dutch login page."""

from tests.factories import PASSWORD, login, make_user


def test_login_page_is_dutch(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Inloggen" in response.text
    assert 'lang="nl"' in response.text


def test_school_user_logs_in_and_sees_start_page(app, client):
    with app.app_context():
        from app.extensions import db

        make_user("school", email="coordinator@cvo.example")
        db.session.commit()
    response = login(client, "coordinator@cvo.example", PASSWORD)
    assert response.status_code == 302
    page = client.get("/start")
    assert "coordinator@cvo.example" in page.text


def test_english_is_available_from_the_language_switch(client):
    response = client.post(
        "/taal", data={"lang": "en", "next": "/login"}, follow_redirects=True
    )
    assert 'lang="en"' in response.text
    assert "Log in" in response.text and "Inloggen" not in response.text
    back = client.post(
        "/taal", data={"lang": "nl", "next": "/login"}, follow_redirects=True
    )
    assert "Inloggen" in back.text


def test_unknown_language_is_ignored(client):
    client.post("/taal", data={"lang": "fr", "next": "/login"})
    assert 'lang="nl"' in client.get("/login").text
