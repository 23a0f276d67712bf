"""Static files under content-hashed names: cached for a year, renamed when they change."""

import re
from pathlib import Path

from flask import Flask, url_for

from app import assets
from tests.factories import login, make_user

STATIC_RE = re.compile(r"""(?:href|src)="(/static/[^"]+)\"""")
IMMUTABLE = "public, max-age=31536000, immutable"


def fetch(client, url: str):
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def static_urls(html: str) -> list[str]:
    return STATIC_RE.findall(html)


def test_pages_reference_hashed_names_only(app, client):
    manifest = app.extensions["static_manifest"]
    hashed = {f"/static/{name}" for name in manifest.values()}
    urls = static_urls(client.get("/login").text)
    assert len(urls) >= 3  # pico, app.css, htmx
    assert set(urls) <= hashed, urls
    assert "/static/css/app.css" not in urls
    with app.test_request_context():
        css = url_for("static", filename="css/app.css")
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", css), css


def test_a_hashed_name_is_cached_for_a_year_without_cookie(app):
    with app.app_context():
        email = make_user("school").email
        from app.extensions import db

        db.session.commit()
    client = app.test_client()
    login(client, email)
    for url in static_urls(client.get("/start").text):
        response = fetch(client, url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url
        assert "Set-Cookie" not in response.headers, url
        assert "cookie" not in response.headers.get("Vary", "").lower(), url
        assert "Content-Security-Policy" in response.headers, url
    css = fetch(client, url_for_static(app, "css/app.css"))
    assert css.mimetype == "text/css"
    assert css.data == (Path(app.static_folder) / "css" / "app.css").read_bytes()


def url_for_static(app, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_plain_and_outdated_names_still_work_but_are_revalidated(app, client):
    for url in (
        "/static/css/app.css",
        "/static/css/app.000000000000.css",
        "/static/vendor/htmx-2.0.11.min.js",
    ):
        response = fetch(client, url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-cache", url
        assert "immutable" not in response.headers["Cache-Control"], url
        assert "Set-Cookie" not in response.headers, url


def test_unknown_files_and_traversal_answer_404(client):
    for url in (
        "/static/css/nothing.css",
        "/static/css/nothing.0123456789ab.css",
        "/static/../__init__.py",
        "/static/..%2f__init__.py",
        "/static/css/../../__init__.py",
        "/static/%2e%2e/%2e%2e/config.py",
        "/static/../__init__.0123456789ab.py",
    ):
        response = fetch(client, url)
        assert response.status_code == 404, url
        assert "def create_app" not in response.text, url
    # Werkzeug merges the slashes first (308), then the absolute name is unknown.
    assert client.get("/static//etc/passwd", follow_redirects=True).status_code == 404


def make_static_app(folder) -> Flask:
    app = Flask(__name__, static_folder=str(folder), static_url_path="/static")
    assets.init_app(app)
    return app


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.css").write_text("body { color: black; }")
    (tmp_path / "LICENSE").write_text("free")
    before = assets.build_manifest(tmp_path)
    assert set(before) == {"css/app.css", "LICENSE"}
    assert re.fullmatch(r"LICENSE\.[0-9a-f]{12}", before["LICENSE"])
    old_url = url_for_static(make_static_app(tmp_path), "css/app.css")

    (tmp_path / "css" / "app.css").write_text("body { color: navy; }")
    after = assets.build_manifest(tmp_path)
    assert after["css/app.css"] != before["css/app.css"]
    assert after["LICENSE"] == before["LICENSE"]

    restarted = make_static_app(tmp_path)
    new_url = url_for_static(restarted, "css/app.css")
    assert new_url == f"/static/{after['css/app.css']}" != old_url
    client = restarted.test_client()
    fresh = fetch(client, new_url)
    assert fresh.headers["Cache-Control"] == IMMUTABLE
    assert fresh.data == b"body { color: navy; }"
    # A page rendered before the change asks for the old name: the current file, revalidated.
    stale = fetch(client, old_url)
    assert stale.status_code == 200
    assert stale.headers["Cache-Control"] == "no-cache"
    assert stale.data == b"body { color: navy; }"


def test_hashed_names_keep_the_directory_and_the_extension():
    assert assets.hashed_name("css/app.css", "abc") == "css/app.abc.css"
    assert (
        assets.hashed_name("vendor/htmx-2.0.11.min.js", "abc")
        == "vendor/htmx-2.0.11.min.abc.js"
    )
    assert assets.hashed_name("LICENSE", "abc") == "LICENSE.abc"
    assert assets.hashed_name(".well-known", "abc") == ".well-known.abc"


def test_a_missing_static_file_is_not_cached(client):
    response = client.get("/static/css/does-not-exist.css")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
