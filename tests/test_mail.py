"""Mail goes through the outbox and really over SMTP; a mail server that is down loses nothing."""

import socket
import time
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMail
from app.outbox import deliver_pending, queue_mail


class Recorder:
    """aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def app_overrides(smtp_port):
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_SUPPRESS_SEND": False,
    }


def queue_one(recipient="coord@cvo.example"):
    queue_mail(
        recipient, "Test", "password_changed", user=None, link="http://localhost/x"
    )
    db.session.commit()


def test_mail_is_sent_through_a_real_smtp_server(ctx, smtp_port):
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        queue_one()
        assert deliver_pending() == (1, 0)
        deadline = time.monotonic() + 5
        while not recorder.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    (message,) = recorder.messages
    assert message["To"] == "coord@cvo.example"
    assert message["From"] == "info@stagematching.org"
    assert db.session.scalar(select(OutboxMail)).sent_at is not None


def test_mail_server_down_keeps_the_mail_and_send_mail_retries(ctx, smtp_port):
    queue_one()
    assert deliver_pending() == (0, 1)  # nothing listens on smtp_port
    stored = db.session.scalar(select(OutboxMail))
    assert stored.sent_at is None and stored.attempts == 1
    assert "Error" in stored.last_error
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        result = CliRunner().invoke(
            ctx.cli.commands["send-mail"], [], obj=None, standalone_mode=False
        )
    finally:
        controller.stop()
    assert result.exception is None, result.output
    assert "sent 1, failed 0" in result.output
    assert len(recorder.messages) == 1
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMail)).sent_at is not None


def test_a_mail_is_sent_once_even_when_two_senders_run(ctx, smtp_port):
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        queue_one()
        first = deliver_pending()
        second = deliver_pending()
    finally:
        controller.stop()
    assert first == (1, 0) and second == (0, 0)
    assert len(recorder.messages) == 1


def test_a_request_sends_only_the_mail_it_queued_never_the_backlog(ctx, smtp_port):
    """A backlog (the mail server was down) is the send-mail timer's work, not a request's."""
    from app.outbox import commit_and_send

    for n in range(3):
        queue_one(f"old{n}@cvo.example")  # pending, never sent
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with ctx.test_request_context(method="POST"):  # a form post queues mail
            queue_mail(
                "new@cvo.example",
                "Nieuw",
                "password_changed",
                user=None,
                link="http://x",
            )
            commit_and_send()
    finally:
        controller.stop()
    rows = {m.recipient: m.sent_at for m in db.session.scalars(select(OutboxMail))}
    assert rows["new@cvo.example"] is not None
    assert [r for r, sent in rows.items() if sent is None] == [
        f"old{n}@cvo.example" for n in range(3)
    ]
    assert [m["To"] for m in recorder.messages] == ["new@cvo.example"]
