"""SQLite writers take turns through a flock next to the database, held exactly as long as
their write transaction; readers never take it."""

import fcntl
import os

import pytest
from sqlalchemy import text

from app.extensions import db


def lock_is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.fixture
def lock_path(app, backend):
    if backend != "sqlite":
        pytest.skip("PostgreSQL queues writers itself")
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") + (
        "-writer.lock"
    )


def test_a_write_transaction_holds_the_lock_until_commit(ctx, lock_path):
    db.session.execute(text("SELECT 1"))  # outside a request: may write, so immediate
    assert not lock_is_free(lock_path)
    db.session.commit()
    assert lock_is_free(lock_path)


def test_a_rollback_and_a_returned_connection_release_it(ctx, lock_path):
    db.session.execute(text("SELECT 1"))
    db.session.rollback()
    assert lock_is_free(lock_path)
    db.session.execute(text("SELECT 1"))
    db.session.close()  # the pool takes the connection back
    assert lock_is_free(lock_path)


def test_a_get_request_reads_without_the_lock(app, lock_path):
    seen = []
    with app.test_request_context("/", method="GET"):
        db.session.execute(text("SELECT 1"))
        seen.append(lock_is_free(lock_path))
        db.session.rollback()
    with app.test_request_context("/", method="POST"):
        db.session.execute(text("SELECT 1"))
        seen.append(lock_is_free(lock_path))
        db.session.rollback()
        db.session.remove()
    assert seen == [True, False]
