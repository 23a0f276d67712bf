"""SECURITY 28: PostgreSQL going away under the app. A TCP proxy the test controls stands between
the app and the database; cut, requests get the 503 page ("probeer zo meteen opnieuw"), never a
traceback; restored, everything works again without a restart (the pool checks its
connections before use) and nothing committed is lost."""

import os
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Supervisor
from config import TestConfig
from tests.conftest import TEST_DATABASE_URL, reset_postgres
from tests.factories import login, make_school, make_user

NEEDS_POSTGRES = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)"
)


class Proxy:
    """A TCP proxy that can drop every connection and refuse new ones, then come back."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.up = False
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.sockets.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


def through(proxy: Proxy) -> str:
    parts = urlsplit(TEST_DATABASE_URL)
    user = parts.username or "postgres"
    netloc = f"{user}@127.0.0.1:{proxy.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


@pytest.fixture
def proxied():
    parts = urlsplit(TEST_DATABASE_URL)
    proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=through(proxy))
    reset_postgres(app)
    with app.app_context():
        db.create_all()
        user = make_user("school", organisation=make_school())
        db.session.commit()
        email = user.email
    yield app, proxy, email
    proxy.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@NEEDS_POSTGRES
def test_sec_28_the_database_away_gives_503_and_back_works_without_restart(
    proxied, caplog
):
    app, proxy, email = proxied
    client = app.test_client()
    assert login(client, email).status_code == 302
    saved = client.post(
        "/begeleiders",
        data={
            "name": "Voor de storing",
            "phone": "03 212 34 56",
            "email": "a@cvo.example",
        },
    )
    assert saved.status_code == 302, saved.text

    proxy.cut()
    for path in ("/begeleiders", "/studenten", "/healthz"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert "Traceback" not in response.text
        if path != "/healthz":
            assert "probeer zo meteen opnieuw" in response.text.lower()
    during = client.post(
        "/begeleiders",
        data={
            "name": "Tijdens de storing",
            "phone": "03 212 34 57",
            "email": "b@cvo.example",
        },
    )
    assert during.status_code == 503

    proxy.restore()
    page = client.get("/begeleiders")
    assert page.status_code == 200
    assert "Voor de storing" in page.text
    with app.app_context():
        names = set(db.session.scalars(select(Supervisor.name)))
        assert "Voor de storing" in names and "Tijdens de storing" not in names
        assert db.session.scalar(select(func.count()).select_from(Supervisor)) == 1
    assert os.environ.get("TEST_DATABASE_URL")


def test_sec_28_a_bug_reported_as_operational_error_is_no_outage():
    from sqlalchemy.exc import OperationalError

    from app.errors import _database_unreachable

    bug = OperationalError("SELECT", {}, Exception("LIKE or GLOB pattern too complex"))
    gone = OperationalError("SELECT", {}, Exception("server closed the connection"))
    assert not _database_unreachable(bug)
    assert _database_unreachable(gone)


def test_sec_28_an_outage_answers_htmx_with_a_reload(app):
    from sqlalchemy.exc import OperationalError

    from app.security import public

    @public
    def broken():
        raise OperationalError("SELECT 1", {}, Exception("could not connect to server"))

    app.add_url_rule("/test-outage", "test_outage", broken)
    client = app.test_client()
    plain = client.get("/test-outage")
    htmx = client.get("/test-outage", headers={"HX-Request": "true"})
    assert plain.status_code == htmx.status_code == 503
    assert "probeer zo meteen opnieuw" in plain.text.lower()
    assert htmx.headers.get("HX-Refresh") == "true"
    assert "HX-Refresh" not in plain.headers
