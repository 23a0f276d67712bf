"""Headers, templates without inline code, cookies, and a login limit shared by workers."""

import re
import uuid
from pathlib import Path

import pytest
import redis

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.conftest import database_uri
from tests.factories import login, make_user

APP = Path(__file__).resolve().parent.parent / "app"
CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'; img-src 'self' data:"
)


def assert_secure_headers(response):
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_sec_18_19_csp_nosniff_and_no_store_on_pages_errors_and_fragments(app, client):
    assert_secure_headers(client.get("/login"))
    missing = client.get("/bestaat-niet")
    assert missing.status_code == 404
    assert_secure_headers(missing)
    assert "Traceback" not in missing.text
    with app.app_context():
        admin = make_user("admin")
        db.session.commit()
        email = admin.email
    login(client, email)
    fragment = client.get("/admin/logins", headers={"HX-Request": "true"})
    assert_secure_headers(fragment)
    assert "HX-Request" in fragment.headers["Vary"]


def test_sec_19_hsts_when_configured_for_https(backend, tmp_path):
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=database_uri(backend, tmp_path), HSTS=True
    )
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_sec_18_templates_have_no_inline_script_style_hx_on_or_js():
    offenders = []
    for path in (
        p for folder in APP.rglob("templates") for p in folder.rglob("*.html")
    ):
        text = path.read_text()
        if re.search(
            r"<script(?![^>]*\bsrc=)[^>]*>|style=|<style|hx-on|js:|javascript:", text
        ):
            offenders.append(path.name)
    assert offenders == []


def test_sec_09_session_cookie_is_httponly_and_samesite_lax(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_sec_27_production_refuses_to_start_without_secrets(monkeypatch):
    from config import ProductionConfig

    for name in ("SECRET_KEY", "ENCRYPTION_KEY", "BLIND_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def redis_available() -> bool:
    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(
    not redis_available(), reason="Redis is not running on 127.0.0.1:6379"
)
def test_sec_13_login_limit_is_shared_by_worker_processes(backend, tmp_path):
    """Two app instances (two gunicorn workers) count failed logins together in Redis."""
    settings = dict(
        SQLALCHEMY_DATABASE_URI=database_uri(backend, tmp_path),
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        LOGIN_LIMIT_PER_ADDRESS="1000 per 15 minutes",
    )
    # Redis outlives the test: a fresh account name keeps runs apart.
    email = f"coord-{uuid.uuid4().hex[:12]}@cvo.example"
    first = create_app(TestConfig, **settings)
    second = create_app(TestConfig, **settings)
    if backend == "postgresql":
        from tests.conftest import reset_postgres

        reset_postgres(first)
    with first.app_context():
        db.create_all()
        make_user("school", email=email)
        db.session.commit()
    workers = [first.test_client(), second.test_client()]
    for attempt in range(5):
        assert login(workers[attempt % 2], email, "fout").status_code == 200
    assert login(workers[1], email, "fout").status_code == 429
    assert login(workers[0], email, "fout").status_code == 429
    for instance in (first, second):
        with instance.app_context():
            db.engine.dispose()


def test_static_files_and_the_health_check_set_no_cookie(app):
    from tests.factories import login, make_user

    with app.app_context():
        email = make_user("school").email
        from app.extensions import db

        db.session.commit()
    client = app.test_client()
    login(client, email)
    for url in ("/static/css/app.css", "/healthz"):
        response = client.get(url)
        response.close()
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
    assert client.get("/healthz").text == "ok"
    # A page still renews the session cookie.
    assert "Set-Cookie" in client.get("/start").headers


def test_the_health_check_answers_503_when_the_database_fails(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("database is down"))

    client = app.test_client()
    with app.app_context():
        monkeypatch.setattr(db.session, "execute", broken)
        response = client.get("/healthz")
    assert response.status_code == 503 and "unavailable" in response.text


@pytest.mark.parametrize(
    "app_overrides",
    [{"HSTS": True, "WTF_CSRF_ENABLED": True, "PROPAGATE_EXCEPTIONS": False}],
)
def test_sec_19_hsts_nosniff_and_no_store_on_every_kind_of_response(app, app_overrides):
    """Every kind of answer carries HSTS and nosniff, and every answer but a static file
    `Cache-Control: no-store`: pages with personal data, htmx fragments, an export, redirects,
    and the errors 400 (CSRF), 401 (htmx), 403, 404, 405 and 500."""
    from tests.factories import PASSWORD, make_student, make_term
    from tests.test_csrf import form_token

    with app.app_context():
        user = make_user("school")
        student = make_student(school=user.school, term=make_term())
        db.session.commit()
        email, student_id = user.email, student.id

    def boom():
        raise RuntimeError("a bug")

    app.view_functions["main.help_page"] = boom
    anonymous, school = app.test_client(), app.test_client()
    school.post(
        "/login",
        data={
            "email": email,
            "password": PASSWORD,
            "csrf_token": form_token(school.get("/login").text),
        },
    )
    requests = [  # (kind, client, method, url, headers, status)
        ("page", anonymous, "GET", "/login", {}, 200),
        ("redirect", anonymous, "GET", "/start", {}, 302),
        ("401 htmx", anonymous, "GET", "/start", {"HX-Request": "true"}, 401),
        ("404", anonymous, "GET", "/bestaat-niet", {}, 404),
        ("405", anonymous, "GET", "/logout", {}, 405),
        ("500", anonymous, "GET", "/hulp", {}, 500),
        ("personal data", school, "GET", f"/studenten/{student_id}", {}, 200),
        ("fragment", school, "GET", "/studenten", {"HX-Request": "true"}, 200),
        ("export", school, "GET", "/export/bestand?format=csv", {}, 200),
        ("400 csrf", school, "POST", "/logout", {}, 400),
        ("403", school, "GET", "/admin/logins", {}, 403),
        ("static", anonymous, "GET", "/static/css/app.css", {}, 200),
    ]
    answers = {}
    for kind, client, method, url, headers, status in requests:
        response = client.open(url, method=method, headers=headers)
        # read to the end and closed: a streamed export keeps its context until then
        response.get_data()
        response.close()
        assert response.status_code == status, kind
        answers[kind] = response
    assert "Traceback" not in answers["500"].text and "a bug" not in answers["500"].text
    for kind, response in answers.items():
        headers = response.headers
        assert headers["Strict-Transport-Security"].startswith("max-age="), kind
        assert headers["X-Content-Type-Options"] == "nosniff", kind
        if kind != "static":
            assert headers["Cache-Control"] == "no-store", kind
            assert headers["Content-Security-Policy"] == CSP, kind
