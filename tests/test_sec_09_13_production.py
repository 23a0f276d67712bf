"""The production configuration itself, not an override of it: SECURITY.md 8 (ProxyFix and the
HTTPS referer check), 9 (cookie flags) and 13 (login limits in a storage shared by workers)."""

import importlib.util
import re

import pytest
from limits.storage import MemoryStorage, RedisStorage

from app import create_app
from app.extensions import db, limiter
from tests.factories import PASSWORD, make_user
from tests.test_sec_27_config import ROOT, dispose, generated_keys, make_production_app

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
HOST = "stagematching.example"
# What nginx sends (README, Deploying on a VPS); gunicorn itself talks plain HTTP.
PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "Host": HOST}


@pytest.fixture
def production_app(backend, tmp_path):
    app = make_production_app(backend, tmp_path)
    with app.app_context():
        app.login_email = make_user("school").email
        db.session.commit()
    yield app
    dispose(app)


def session_cookie(response) -> str:
    (cookie,) = [
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith("stagematching_session=")
    ]
    return cookie


# --- 9: cookies --------------------------------------------------------------------------------


def test_sec_09_production_session_cookie_is_secure_httponly_and_lax(production_app):
    client = production_app.test_client()
    page = client.get("/login")
    token = TOKEN.search(page.text).group(1)
    logged_in = client.post(
        "/login",
        data={
            "csrf_token": token,
            "email": production_app.login_email,
            "password": PASSWORD,
        },
        headers={"Referer": "https://localhost/login"},
    )
    assert logged_in.status_code == 302
    for response in (page, logged_in):
        flags = [part.strip() for part in session_cookie(response).split(";")]
        assert "Secure" in flags
        assert "HttpOnly" in flags
        assert "SameSite=Lax" in flags


def test_sec_09_the_secure_flag_comes_from_production_not_from_the_environment(
    monkeypatch,
):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    production = fresh_config_module()
    assert production.ProductionConfig.SESSION_COOKIE_SECURE is True
    assert production.Config.SESSION_COOKIE_SECURE is False  # development runs on http
    # Not even the environment turns it off in production.
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    assert fresh_config_module().ProductionConfig.SESSION_COOKIE_SECURE is True


# --- 13: shared storage --------------------------------------------------------------------------


def fresh_config_module():
    """config.py read again, as a process starting with this environment reads it."""
    spec = importlib.util.spec_from_file_location("fresh_config", ROOT / "config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sec_13_production_default_rate_limit_storage_is_shared(monkeypatch, tmp_path):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    production = fresh_config_module().ProductionConfig
    assert production.RATELIMIT_STORAGE_URI.startswith("redis://")
    app = create_app(production, **generated_keys())
    try:
        # The limiter really uses it (Redis is only contacted on the first login).
        assert isinstance(limiter.storage, RedisStorage)
    finally:
        dispose(app)
    # Development keeps its per-process memory: the difference is production's own.
    assert fresh_config_module().Config.RATELIMIT_STORAGE_URI == "memory://"
    app = create_app(fresh_config_module().Config)
    try:
        assert isinstance(limiter.storage, MemoryStorage)
    finally:
        dispose(app)


# --- 8: behind nginx ----------------------------------------------------------------------------


def post_login(client, token: str, referer: str | None):
    headers = dict(PROXIED)
    if referer is not None:
        headers["Referer"] = referer
    return client.post(
        "/login",
        base_url=f"http://{HOST}",
        data={"csrf_token": token, "email": "wie@cvo.example", "password": "fout"},
        headers=headers,
    )


def proxied_token(client) -> str:
    page = client.get("/login", base_url=f"http://{HOST}", headers=PROXIED)
    assert page.headers["Referrer-Policy"] == "same-origin"
    return TOKEN.search(page.text).group(1)


@pytest.mark.parametrize(
    "referer",
    [
        None,
        "https://evil.example/login",
        f"http://{HOST}/login",
        f"https://{HOST}.evil/",
    ],
)
def test_sec_08_behind_https_a_post_without_a_same_origin_referer_is_refused(
    production_app, referer
):
    client = production_app.test_client()
    token = proxied_token(client)
    refused = post_login(client, token, referer)
    assert refused.status_code == 400
    assert "horen niet bij een actieve login" not in refused.text


def test_sec_08_behind_https_a_same_origin_post_passes(production_app):
    client = production_app.test_client()
    token = proxied_token(client)
    answered = post_login(client, token, f"https://{HOST}/login")
    assert answered.status_code == 200
    assert "horen niet bij een actieve login" in answered.text


def test_sec_08_the_referer_check_depends_on_proxyfix(backend, tmp_path):
    """Without ProxyFix the app would not know the request came over HTTPS, and would skip
    the referer check: the tests above prove that production trusts X-Forwarded-Proto."""
    app = make_production_app(backend, tmp_path, PROXY_FIX=False)
    try:
        client = app.test_client()
        token = proxied_token(client)
        assert post_login(client, token, None).status_code == 200
    finally:
        dispose(app)
