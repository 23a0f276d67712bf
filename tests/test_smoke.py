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
