"""Engine settings: SQLite gets WAL, foreign keys, a busy timeout and immediate transactions."""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

_listening = False


def _on_connect(dbapi_connection, connection_record) -> None:
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event issue BEGIN itself (see _on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _on_begin(connection) -> None:
    # A transaction that may write starts with BEGIN IMMEDIATE: it takes the write lock up
    # front and waits for it (busy_timeout), so it never fails half-way with "database is
    # locked". Reads of GET requests stay deferred so that they run side by side (WAL).
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN" if _read_only_request() else "BEGIN IMMEDIATE")


def _read_only_request() -> bool:
    from flask import current_app, g, has_request_context, request

    if not has_request_context():
        return False  # CLI commands and timers may write
    if g.get("reads_only"):
        return True
    view = current_app.view_functions.get(request.endpoint)
    return request.method in READ_ONLY_METHODS and not getattr(
        view, "writes_on_get", False
    )


def reads_only_from_now() -> None:
    """The rest of this request only reads (e.g. a long export streamed after its audit event
    was committed): later transactions start deferred and hold no write lock."""
    from flask import g

    g.reads_only = True


def writes_on_get(view):
    """Mark a GET view that writes (e.g. an audit event): its transaction starts immediate."""
    view.writes_on_get = True
    return view


def configure_engines(app: Flask) -> None:
    """Install the SQLite listeners once per process (they ignore other databases)."""
    global _listening
    if not _listening:
        event.listen(Engine, "connect", _on_connect)
        event.listen(Engine, "begin", _on_begin)
        _listening = True
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        from pathlib import Path

        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
