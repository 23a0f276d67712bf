"""Production leaves every mail to the send-mail timer: no request waits for the mail server."""

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMail
from app.outbox import commit_and_send, deliver_pending, queue_mail
from config import ProductionConfig, TestConfig
from tests.test_mail import Recorder, free_port

PORT = free_port()


@pytest.fixture
def app_overrides():
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": PORT,
        "MAIL_SUPPRESS_SEND": False,
        "OUTBOX_SEND_INLINE": False,
    }


def test_production_does_not_send_inside_requests():
    assert ProductionConfig.OUTBOX_SEND_INLINE is False
    assert (
        TestConfig.OUTBOX_SEND_INLINE is True
    )  # tests and development see mail at once


def test_without_inline_sending_a_request_only_queues_and_the_timer_sends(ctx):
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=PORT)
    controller.start()
    try:
        with ctx.test_request_context(method="POST"):
            queue_mail(
                "coord@cvo.example",
                "Nieuw",
                "password_changed",
                user=None,
                link="http://x",
            )
            commit_and_send()
        assert recorder.messages == []
        row = db.session.scalar(select(OutboxMail))
        assert row.recipient == "coord@cvo.example" and row.sent_at is None
        assert deliver_pending() == (1, 0)
    finally:
        controller.stop()
    assert [m["To"] for m in recorder.messages] == ["coord@cvo.example"]
