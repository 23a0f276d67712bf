"""Fixtures: a fresh database per test, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from config import TestConfig


def _database_of_this_worker(url: str | None) -> str | None:
    """Under pytest-xdist each worker empties its own PostgreSQL database per test: the
    configured one with the worker's name appended (test_gw0, test_gw1), created when
    missing. Set in the environment too, for the tests that start processes."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker or url.endswith(f"_{worker}"):
        return url
    from urllib.parse import urlsplit, urlunsplit

    from sqlalchemy import create_engine

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{worker}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not found:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    mine = urlunsplit(parts._replace(path=f"/{name}"))
    os.environ["TEST_DATABASE_URL"] = mine
    return mine


TEST_DATABASE_URL = _database_of_this_worker(os.environ.get("TEST_DATABASE_URL"))
TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"


def pytest_sessionstart(session) -> None:
    """Compile the catalogues so English works even when pytest runs without make (once:
    not again in each pytest-xdist worker, which would rewrite them under the others)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalog)


BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def database_uri(backend: str, tmp_path) -> str:
    """A fresh file SQLite database, or the PostgreSQL test database (emptied per test)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return TEST_DATABASE_URL


def reset_postgres(app) -> None:
    """Drop everything in the public schema so each test starts from nothing."""
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def app_overrides() -> dict:
    """Override in a test module to change configuration values."""
    return {}


@pytest.fixture
def app(backend, tmp_path, app_overrides):
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_uri(backend, tmp_path),
        **app_overrides,
    )
    if backend == "postgresql":
        reset_postgres(app)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An application context for tests that call plain functions."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    """Mails queued in the outbox, as (recipient, subject, body) tuples, oldest first."""
    from sqlalchemy import select

    from app.models import OutboxMail

    def read():
        with app.app_context():
            rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
            return [(m.recipient, m.subject, m.body_text) for m in rows]

    return read


LINK_RE = re.compile(r"http://localhost(/\S+)")


def link_in(body: str) -> str:
    """The path of the first link in a mail body."""
    match = LINK_RE.search(body)
    assert match, body
    return match.group(1)
