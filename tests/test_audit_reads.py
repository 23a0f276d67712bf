"""Audited views on SQLite: the page reads in a deferred transaction beside any writer, and only
the audit insert takes the write lock, in a short BEGIN IMMEDIATE transaction of its own."""

import sqlite3
import threading

import pytest
from sqlalchemy import event, func, select

from app.database import WriteInReadTransaction, write_transaction
from app.extensions import db
from app.models import AuditEvent, PageText
from tests.factories import (
    login,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
)


@pytest.fixture
def world(app):
    """A school's student placed with a service; a login for the service and for VIVO."""
    with app.app_context():
        school = make_school()
        service = make_service(province="ANT")
        student = make_student(school=school, term=make_term(), province="ANT")
        make_placement(student, service=service)
        service_user = make_user("service", organisation=service)
        admin = make_user("admin")
        db.session.commit()
        return dict(
            school=school.id,
            service=service.id,
            student=student.id,
            service_email=service_user.email,
            admin_email=admin.email,
        )


def client_of(app, email):
    client = app.test_client()
    login(client, email)
    return client


def audited_gets(world):
    """(who, url, audit events written) for every GET that audits what it shows."""
    school, service, student = world["school"], world["service"], world["student"]
    return [
        ("service", f"/dienst/aanvragen/{student}", 1),
        ("service", "/dienst/stagiairs", 1),
        ("service", "/export/bestand?format=csv", 1),
        ("admin", f"/admin/hulp/scholen/{school}", 1),
        ("admin", f"/admin/hulp/scholen/{school}/studenten/{student}", 1),
        ("admin", f"/admin/hulp/diensten/{service}", 1),
        ("admin", f"/admin/hulp/diensten/{service}/aanvragen/{student}", 1),
        ("admin", "/admin/logboek/export", 1),
    ]


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)))


class Statements:
    """The SQL statements sent while active, BEGINs included."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.seen: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(statement.strip())

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def sqlite_only(backend):
    if backend != "sqlite":
        pytest.skip("BEGIN and BEGIN IMMEDIATE are SQLite's")


def test_audited_gets_read_deferred_and_lock_only_around_the_audit_insert(
    app, world, backend
):
    sqlite_only(backend)
    clients = {
        "service": client_of(app, world["service_email"]),
        "admin": client_of(app, world["admin_email"]),
    }
    for who, url, events in audited_gets(world):
        before = audit_count(app)
        with Statements(app) as statements:
            response = clients[who].get(url)
            assert response.status_code == 200, url
            response.get_data()  # a streamed export reads while it is sent
        seen = statements.seen
        assert seen[0] == "BEGIN", (url, seen[:2])
        assert seen.count("BEGIN IMMEDIATE") == 1, (url, seen)
        locked = seen.index("BEGIN IMMEDIATE")
        assert any(s.startswith("SELECT") for s in seen[:locked]), url
        # Under the write lock: the one insert of the audit events, nothing else.
        assert seen[locked + 1].startswith("INSERT INTO audit_event"), url
        after_write = seen[locked + 2 :]
        assert all(s == "BEGIN" or s.startswith("SELECT") for s in after_write), (
            url,
            after_write,
        )
        assert audit_count(app) == before + events, url


def test_sec_23_every_audited_get_still_writes_its_events(app, world):
    clients = {
        "service": client_of(app, world["service_email"]),
        "admin": client_of(app, world["admin_email"]),
    }
    expected = 0
    for who, url, events in audited_gets(world):
        response = clients[who].get(url)
        assert response.status_code == 200, url
        response.get_data()
        expected += events
        assert audit_count(app) == expected, url
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("student.personal_data_viewed") == 2
    assert actions.count("helpdesk.viewed") == 4
    assert actions.count("export.downloaded") == 1
    assert actions.count("audit_log.exported") == 1


def test_a_writer_holding_the_lock_does_not_hold_up_the_pages_reads(
    app, world, backend, tmp_path
):
    """Another connection holds the write lock (and writes) while the page is requested: the
    page reads and renders meanwhile and waits only with its audit insert, which then
    succeeds although the database changed since the page's reads began."""
    sqlite_only(backend)
    client = client_of(app, world["service_email"])
    before = audit_count(app)
    writer = sqlite3.connect(tmp_path / "test.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO page_text (key, body, updated_at)"
        " VALUES ('help', 'van elders', '2026-01-01 00:00:00')"
    )
    statements, waiting = Statements(app), threading.Event()

    outcome = {}

    def at_the_lock(conn, cursor, statement, parameters, context, executemany):
        if statement == "BEGIN IMMEDIATE":
            outcome["read_part"] = list(statements.seen)  # all before the lock
            waiting.set()

    def request_page():
        try:
            outcome["response"] = client.get("/dienst/stagiairs")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            outcome["error"] = exc

    event.listen(statements.engine, "before_cursor_execute", at_the_lock)
    thread = threading.Thread(target=request_page)
    try:
        with statements:
            thread.start()
            assert waiting.wait(timeout=25), "the page never reached its audit insert"
            # The page has read and rendered while the lock is still held elsewhere.
            read_part = outcome["read_part"]
            assert read_part[0] == "BEGIN"
            assert any("FROM placement" in s for s in read_part)
            assert writer.execute("SELECT count(*) FROM audit_event").fetchone()[0] == (
                before
            )
            writer.execute("COMMIT")
            thread.join(timeout=60)
    finally:
        event.remove(statements.engine, "before_cursor_execute", at_the_lock)
        if writer.in_transaction:
            writer.execute("ROLLBACK")
        writer.close()
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["response"].status_code == 200
    assert audit_count(app) == before + 1
    with app.app_context():
        assert db.session.get(PageText, "help").body == "van elders"


def test_a_write_in_a_get_requests_read_transaction_is_refused(app, backend):
    sqlite_only(backend)
    with app.test_request_context("/"):
        db.session.scalar(select(func.count(AuditEvent.id)))  # the read transaction
        db.session.add(PageText(key="help", body="x"))
        with pytest.raises(WriteInReadTransaction):
            db.session.commit()
        db.session.rollback()
        with write_transaction():
            db.session.add(PageText(key="help", body="y"))
        assert db.session.get(PageText, "help").body == "y"


def test_a_post_writes_on_after_a_write_transaction(app, backend):
    """write_transaction restores the request's own kind: a POST keeps writing."""
    with app.test_request_context("/", method="POST"):
        with write_transaction():
            db.session.add(PageText(key="a", body="1"))
        db.session.add(PageText(key="b", body="2"))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PageText)) == 2
