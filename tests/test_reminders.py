"""Reminders (TERM-5): due at the right moments, each sent once, also when two runs overlap,
and never lost while the mail server is down."""

import threading
import time
from datetime import date, timedelta

import flask_babel
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import IntakeOverride, OutboxMail, ReminderSent, User
from app.outbox import deliver_pending
from app.schedule import reminders
from app.schedule.clock import brussels
from app.schedule.reminders import send_due_reminders
from tests.factories import (
    login,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
)
from tests.test_mail import Recorder, free_port

# The manual's kind of deadline: the intake closes on a Friday at 12:00, Belgian time.
OPENS = brussels(date(2026, 2, 2), 9)
CLOSES = brussels(date(2026, 3, 13), 12)
RESULTS = brussels(date(2026, 3, 27), 12)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
# Reminders are keyed on the deadline they remind of, in UTC.
AT_CLOSE = "2026-03-13T11:00Z"
SCHOOL_7D, SCHOOL_1D = f"school_intake_7d:{AT_CLOSE}", f"school_intake_1d:{AT_CLOSE}"
ADMIN = "admin_unplaced:2026-03-27T11:00Z"


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def app_overrides(smtp_port):
    # A mail server that is not running unless a test starts one on this port.
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_SUPPRESS_SEND": False,
    }


def a_term(**kw):
    values = dict(
        intake_opens_at=OPENS,
        intake_closes_at=CLOSES,
        results_at=RESULTS,
        name="1 okt - 31 dec 2026",
    )
    values.update(kw)
    return make_term(now=CLOSES, **values)


def mails(to=None):
    """Queued mails as (recipient, subject, body), read in the test's own session."""
    rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    found = [
        (m.recipient, m.subject, m.body_text) for m in rows if to in (None, m.recipient)
    ]
    db.session.commit()
    return found


def recorded(kind_prefix=""):
    return db.session.scalar(
        select(func.count())
        .select_from(ReminderSent)
        .where(ReminderSent.kind.startswith(kind_prefix))
    )


# --- schools ----------------------------------------------------------------------------


def test_schools_hear_7_days_and_1_day_before_the_intake_closes_with_their_count(ctx):
    term = a_term()
    busy, idle = make_school(), make_school()
    make_user("school", busy, email="busy@cvo.example")
    make_user("school", idle, email="idle@cvo.example")
    for _ in range(2):
        make_student(busy, term)
    db.session.commit()

    assert send_due_reminders(CLOSES - 7 * DAY - HOUR) == {}
    assert send_due_reminders(CLOSES - 7 * DAY + HOUR) == {SCHOOL_7D: 2}
    (busy_mail,) = mails("busy@cvo.example")
    (idle_mail,) = mails("idle@cvo.example")
    assert "13/03/2026 12:00" in busy_mail[1]  # Belgian time, not 11:00 UTC
    assert "sluit op 13/03/2026 12:00" in busy_mail[2]
    assert "tot nu toe 2 stageaanvragen in" in busy_mail[2]
    assert "nog geen stageaanvragen" in idle_mail[2]
    assert f"http://localhost/studenten?term={term.id}" in idle_mail[2]

    assert send_due_reminders(CLOSES - 3 * DAY) == {}  # the 7-day one went already
    make_student(idle, term)
    db.session.commit()
    assert send_due_reminders(CLOSES - DAY + HOUR) == {SCHOOL_1D: 2}
    assert send_due_reminders(CLOSES - HOUR) == {}
    idle_mails = mails("idle@cvo.example")
    assert len(idle_mails) == 2
    assert "tot nu toe 1 stageaanvraag in" in idle_mails[1][2]
    assert recorded("school_intake") == 4


def test_no_school_reminder_after_the_close_or_before_the_window_opens(ctx):
    make_user("school", email="coord@cvo.example")
    # A short window: opened 3 days before its close.
    short = a_term(intake_opens_at=CLOSES - 3 * DAY)
    db.session.commit()
    assert send_due_reminders(CLOSES - 5 * DAY) == {}  # within 7 days, but not open yet
    assert send_due_reminders(CLOSES) == {}  # closed at 12:00 sharp
    assert send_due_reminders(CLOSES + DAY) == {}
    assert mails() == []
    assert send_due_reminders(CLOSES - 2 * DAY) == {SCHOOL_7D: 1}
    assert short.id == db.session.scalar(select(ReminderSent.term_id))


def test_a_late_first_run_sends_only_the_most_urgent_reminder(ctx):
    a_term()
    make_user("school", email="coord@cvo.example")
    db.session.commit()
    assert send_due_reminders(CLOSES - 12 * HOUR) == {SCHOOL_1D: 1}
    assert send_due_reminders(CLOSES - 11 * HOUR) == {}
    assert len(mails()) == 1


def test_a_moved_close_gets_its_own_reminders(ctx):
    term = a_term()
    make_user("school", email="coord@cvo.example")
    db.session.commit()
    assert send_due_reminders(CLOSES - DAY + HOUR) == {SCHOOL_1D: 1}
    # VIVO moves the close a week and a half later, after the 1-day reminder went out.
    later = CLOSES + 10 * DAY
    term.intake_closes_at = later
    db.session.commit()
    assert send_due_reminders(CLOSES + HOUR) == {}  # 10 days before the real close
    assert send_due_reminders(later - 7 * DAY + HOUR) == {
        "school_intake_7d:2026-03-23T11:00Z": 1
    }
    assert send_due_reminders(later - DAY + HOUR) == {
        "school_intake_1d:2026-03-23T11:00Z": 1
    }
    assert send_due_reminders(later - HOUR) == {}
    subjects = [m[1] for m in mails()]
    assert ["13/03/2026" in s for s in subjects] == [True, False, False]
    assert "23/03/2026 12:00" in subjects[2]


def test_never_the_7_day_reminder_after_the_1_day_one_of_the_same_close(ctx):
    a_term()
    make_user("school", email="coord@cvo.example")
    db.session.commit()
    # A catch-up run with --now for a later moment first, then the hourly timer.
    assert send_due_reminders(CLOSES - 12 * HOUR) == {SCHOOL_1D: 1}
    assert send_due_reminders(CLOSES - 3 * DAY) == {}
    assert len(mails()) == 1


def late_entry(term, school, until, **kw):
    override = IntakeOverride(
        term_id=term.id, school_id=school.id, until=until, reason="ziekte", **kw
    )
    db.session.add(override)
    return override


def test_a_school_with_a_late_entry_hears_a_day_before_its_own_late_close(ctx):
    term = a_term()
    late, other, revoked = make_school(), make_school(), make_school()
    make_user("school", late, email="late@cvo.example")
    make_user("school", other, email="other@cvo.example")
    make_user("school", revoked, email="revoked@cvo.example")
    make_student(late, term)
    until = brussels(date(2026, 3, 20), 16)
    late_entry(term, late, until)
    late_entry(term, revoked, until, revoked_at=CLOSES)
    db.session.commit()

    assert send_due_reminders(until - 2 * DAY) == {}
    assert send_due_reminders(until - DAY + HOUR) == {
        "school_late_1d:2026-03-20T15:00Z": 1
    }
    assert send_due_reminders(until - HOUR) == {}
    assert send_due_reminders(until + HOUR) == {}
    ((to, subject, body),) = mails()
    assert to == "late@cvo.example"
    assert "sluit op 20/03/2026 16:00" in subject
    assert "tot nu toe 1 stageaanvraag in" in body


def test_a_late_entry_beyond_the_window_replaces_the_windows_reminders(ctx):
    term = a_term()
    late, other = make_school(), make_school()
    make_user("school", late, email="late@cvo.example")
    make_user("school", other, email="other@cvo.example")
    until = CLOSES + 3 * DAY
    late_entry(term, late, until)
    late_entry(term, other, CLOSES - 2 * DAY)  # ends within the window: nothing changes
    db.session.commit()
    assert send_due_reminders(CLOSES - DAY + HOUR) == {SCHOOL_1D: 1}
    assert send_due_reminders(until - DAY + HOUR) == {
        "school_late_1d:2026-03-16T11:00Z": 1
    }
    assert [m[0] for m in mails()] == ["other@cvo.example", "late@cvo.example"]


def test_the_days_before_the_close_are_configurable(ctx):
    a_term()
    make_user("school", email="coord@cvo.example")
    db.session.commit()
    ctx.config["REMINDER_DAYS_BEFORE_CLOSE"] = (3,)
    assert send_due_reminders(CLOSES - 7 * DAY + HOUR) == {}
    assert send_due_reminders(CLOSES - 3 * DAY + HOUR) == {
        f"school_intake_3d:{AT_CLOSE}": 1
    }


def test_deactivated_logins_and_inactive_organisations_get_nothing(ctx):
    term = a_term(requests_visible_at=CLOSES + HOUR)
    school = make_school()
    make_user("school", school, email="active@cvo.example")
    make_user("school", school, email="disabled@cvo.example", enabled=False)
    make_user("school", school, email="invited@cvo.example", activated=False)
    make_user("school", make_school(active=False), email="closed@cvo.example")
    service = make_service()
    make_user("service", service, email="active@wzc.example")
    make_user("service", service, email="disabled@wzc.example", enabled=False)
    make_user("service", make_service(active=False), email="closed@wzc.example")
    make_user("admin", email="admin@vivo.example")
    make_user("admin", email="gone@vivo.example", enabled=False)
    make_student(school, term, preferred_service_id=service.id, created_at=OPENS + DAY)
    db.session.commit()

    send_due_reminders(CLOSES - DAY)
    send_due_reminders(CLOSES + 2 * HOUR)  # release
    send_due_reminders(RESULTS - DAY)
    assert {m[0] for m in mails()} == {
        "active@cvo.example",
        "active@wzc.example",
        "admin@vivo.example",
    }


# --- services ---------------------------------------------------------------------------


def test_services_hear_once_when_the_requests_are_released(ctx):
    release = brussels(date(2026, 3, 16), 9)
    term = a_term(requests_visible_at=release)
    service = make_service("LIM")
    make_user("service", service, email="wzc@lim.example")
    make_student(
        term=term,
        province="LIM",
        preferred_service_id=service.id,
        created_at=OPENS + DAY,
    )
    db.session.commit()

    assert send_due_reminders(release - HOUR) == {}
    assert send_due_reminders(release + HOUR) == {"service_release": 1}
    assert send_due_reminders(release + 2 * HOUR) == {}
    ((to, subject, body),) = mails()
    assert "1 okt - 31 dec 2026" in subject
    assert "cursisten aanvaarden tot 27/03/2026 12:00" in body  # the manual's word
    assert "1 aanvraag heeft jullie dienst als voorkeur" in body
    assert f"http://localhost/dienst/aanvragen?term={term.id}" in body
    assert send_due_reminders(RESULTS + HOUR) == {}


def test_digest_only_with_new_preferring_open_requests_and_once_a_day(ctx):
    term = a_term(requests_visible_at=CLOSES + HOUR)
    service = make_service("ANT")
    make_user("service", service, email="wzc@ant.example")
    other = make_service("ANT")
    make_user("service", other, email="other@ant.example")

    def request(created_at, **kw):
        return make_student(
            term=term, preferred_service_id=service.id, created_at=created_at, **kw
        )

    request(CLOSES - DAY)  # before the release: in the release mail, not in a digest
    day1 = brussels(date(2026, 3, 14), 8)
    db.session.commit()
    assert send_due_reminders(CLOSES + 2 * HOUR) == {"service_release": 2}
    assert send_due_reminders(day1) == {}  # nothing new yet

    request(day1 + HOUR)
    request(day1 + HOUR, stopped_on=date(2026, 3, 14))  # stopped: not open
    make_placement(request(day1 + HOUR))  # placed: not open
    request(day1 + HOUR, province="LIM")  # another province: the service cannot see it
    db.session.commit()
    assert send_due_reminders(day1 + 2 * HOUR) == {"service_digest:2026-03-14": 1}
    ((to, subject, body),) = mails()[2:]
    assert to == "wzc@ant.example"
    assert (
        "Sinds 13/03/2026 14:00 kwam er 1 nieuwe stageaanvraag"
    )  # the release mail in body

    request(day1 + 3 * HOUR)
    db.session.commit()
    assert send_due_reminders(day1 + 4 * HOUR) == {}  # once a day
    day2 = day1 + DAY
    assert send_due_reminders(day2 - 2 * HOUR) == {}  # before 07:00
    assert send_due_reminders(day2) == {"service_digest:2026-03-15": 1}
    assert "kwam er 1 nieuwe stageaanvraag" in mails()[-1][2]
    assert send_due_reminders(day2 + DAY) == {}  # no new requests since
    assert len(mails("other@ant.example")) == 1  # the release mail only


def test_a_digest_does_not_repeat_what_the_release_mail_just_counted(ctx):
    term = a_term()  # released when the intake opened
    service = make_service("ANT")
    make_user("service", service, email="wzc@ant.example")
    make_student(term=term, preferred_service_id=service.id, created_at=OPENS + HOUR)
    db.session.commit()
    # The timer was down for a day after the release: the release mail still goes out.
    first = OPENS + DAY + HOUR
    assert send_due_reminders(first) == {"service_release": 1}
    assert "1 aanvraag heeft jullie dienst als voorkeur" in mails()[0][2]
    make_student(term=term, preferred_service_id=service.id, created_at=first + HOUR)
    db.session.commit()
    assert send_due_reminders(first + DAY) == {"service_digest:2026-02-04": 1}
    assert "Sinds 03/02/2026 10:00 kwam er 1 nieuwe stageaanvraag" in mails()[-1][2]


def test_no_release_mail_for_a_term_released_long_ago(ctx):
    term = a_term()  # released when the intake opened, a month before the first run
    service = make_service("ANT")
    make_user("service", service, email="wzc@ant.example")
    for _ in range(3):
        make_student(term=term, preferred_service_id=service.id, created_at=OPENS + DAY)
    db.session.commit()
    first = brussels(date(2026, 3, 2), 10)
    assert reminders.RELEASE_GRACE < first - OPENS
    assert send_due_reminders(first) == {}
    assert reminders.release_mail_due(term, OPENS + reminders.RELEASE_GRACE - HOUR)
    assert not reminders.release_mail_due(term, OPENS + reminders.RELEASE_GRACE)
    # Nor does the first digest count every request since the release; only the last days'.
    make_student(term=term, preferred_service_id=service.id, created_at=first + HOUR)
    db.session.commit()
    assert send_due_reminders(first + DAY) == {"service_digest:2026-03-03": 1}
    (digest,) = mails()
    assert "Sinds 01/03/2026 10:00 kwam er 1 nieuwe stageaanvraag" in digest[2]


# --- admins -----------------------------------------------------------------------------


def test_admins_hear_the_unplaced_requests_per_province_before_the_results(ctx):
    term = a_term()
    make_user("admin", email="admin@vivo.example")
    for _ in range(2):
        make_student(term=term, province="ANT")
    make_placement(make_student(term=term, province="ANT"))
    make_student(term=term, province="ANT", stopped_on=date(2026, 3, 1))
    make_student(term=term, province="LIM")
    make_student(
        term=a_term(name="Ander", results_at=RESULTS + 30 * DAY), province="WVL"
    )
    db.session.commit()

    assert send_due_reminders(RESULTS - 4 * DAY) == {}
    assert send_due_reminders(RESULTS - 2 * DAY) == {ADMIN: 1}
    assert send_due_reminders(RESULTS - DAY) == {}
    mail = next(m for m in mails() if "1 okt" in m[1])
    assert "3 stageaanvragen" in mail[1]
    assert "- Antwerpen: 2\n- Limburg: 1\n" in mail[2]
    assert "West-Vlaanderen" not in mail[2]
    assert send_due_reminders(RESULTS) == {}


def test_admins_hear_again_when_the_results_moment_moves(ctx):
    term = a_term()
    make_user("admin", email="admin@vivo.example")
    make_student(term=term, province="ANT")
    db.session.commit()
    assert send_due_reminders(RESULTS - 2 * DAY) == {ADMIN: 1}
    term.results_at = RESULTS + 7 * DAY
    db.session.commit()
    assert send_due_reminders(RESULTS - DAY) == {}  # 8 days before the new moment
    assert send_due_reminders(RESULTS + 5 * DAY) == {
        "admin_unplaced:2026-04-03T11:00Z": 1
    }
    assert "03/04/2026 13:00" in mails()[-1][2]  # 11:00 UTC is 13:00 summer time


# --- language, command ------------------------------------------------------------------


def test_each_mail_is_written_in_its_recipients_language(ctx, monkeypatch):
    a_term()
    school = make_school()
    make_user("school", school, email="nl@cvo.example")
    make_user("school", school, email="en@cvo.example", language="en")
    db.session.commit()
    locales = {}
    queue_mail = reminders.queue_mail

    def recording_queue_mail(recipient, subject, template, **context):
        locales[recipient] = str(flask_babel.get_locale())
        return queue_mail(recipient, subject, template, **context)

    monkeypatch.setattr(reminders, "queue_mail", recording_queue_mail)
    send_due_reminders(CLOSES - DAY)
    assert locales == {"nl@cvo.example": "nl", "en@cvo.example": "en"}
    assert len(mails()) == 2
    assert str(flask_babel.get_locale()) == "nl"  # the forced locale does not leak


def test_the_language_choice_of_a_logged_in_user_is_stored(app, client):
    with app.app_context():
        make_user("school", email="coord@cvo.example")
        db.session.commit()
    login(client, "coord@cvo.example")
    client.post("/taal", data={"lang": "en", "next": "/start"})
    client.post("/taal", data={"lang": "xx", "next": "/start"})
    with app.app_context():
        assert db.session.scalar(select(User.language)) == "en"


def test_the_command_takes_a_moment_and_prints_counts_per_kind(ctx):
    a_term()
    make_user("school", email="coord@cvo.example")
    db.session.commit()
    command = ctx.cli.commands["send-reminders"]
    # Without an offset the moment is Belgian time: 11:59 on the closing day is still open.
    result = CliRunner().invoke(
        command, ["--now", "2026-03-13T11:59"], standalone_mode=False
    )
    assert result.exception is None, result.output
    assert f"{SCHOOL_1D}: 1" in result.output
    assert "queued 1 reminder(s)" in result.output
    result = CliRunner().invoke(command, ["--now", "2026-03-13T11:00:00+00:00"])
    assert result.exit_code == 0 and "queued 0 reminder(s)" in result.output
    assert CliRunner().invoke(command, ["--now", "morgen"]).exit_code == 2


def test_a_dry_run_prints_what_would_be_sent_and_writes_nothing(ctx):
    release = CLOSES - 2 * DAY
    a_term(requests_visible_at=release)
    make_user("school", email="coord@cvo.example")
    make_user("service", email="wzc@ant.example")
    db.session.commit()
    command = ctx.cli.commands["send-reminders"]
    args = ["--now", "2026-03-12T13:00"]
    result = CliRunner().invoke(command, args + ["--dry-run"], standalone_mode=False)
    assert result.exception is None, result.output
    assert (
        f"would send {SCHOOL_1D} (1 okt - 31 dec 2026) to coord@cvo.example"
        in result.output
    )
    assert (
        "would send service_release (1 okt - 31 dec 2026) to wzc@ant.example"
        in result.output
    )
    assert "would queue 2 reminder(s)" in result.output
    assert recorded() == 0 and mails() == []
    # The real run afterwards still sends them.
    result = CliRunner().invoke(command, args, standalone_mode=False)
    assert "queued 2 reminder(s)" in result.output
    assert recorded() == 2 and len(mails()) == 2


def test_the_help_says_now_records_what_it_sends(ctx):
    result = CliRunner().invoke(ctx.cli.commands["send-reminders"], ["--help"])
    help_text = " ".join(result.output.split())
    assert "For tests and catching up only: what it sends is recorded" in help_text
    assert "--dry-run" in help_text


# --- once, also in parallel; nothing lost ----------------------------------------------


def test_two_runs_at_once_send_each_reminder_once(app, outbox):
    with app.app_context():
        term = a_term(requests_visible_at=CLOSES - 2 * DAY)
        for _ in range(8):
            school = make_school()
            make_user("school", school)
            make_user("school", school)
            service = make_service()
            make_user("service", service)
            make_student(
                school, term, preferred_service_id=service.id, created_at=OPENS
            )
        db.session.commit()
    now = CLOSES - DAY + HOUR
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                results.append(send_due_reminders(now))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    total = results[0] + results[1]
    assert total == {SCHOOL_1D: 16, "service_release": 8}
    recipients = [m[0] for m in outbox()]
    assert len(recipients) == 24 == len(set(recipients))
    with app.app_context():
        assert recorded() == 24


def test_send_once_refuses_a_recorded_reminder_even_when_the_pre_check_missed_it(ctx):
    term = a_term()
    to = reminders.Recipient("coord@cvo.example", "nl", make_school().id)
    db.session.commit()
    args = (SCHOOL_1D, term, to, CLOSES - HOUR, "Onderwerp", "reminder_school_intake")
    context = dict(count=0, closes_at=CLOSES, link="http://localhost/")
    assert reminders.send_once(*args, **context) is True
    assert reminders.send_once(*args, **context) is False
    assert len(mails()) == 1


def test_with_the_mail_server_down_reminders_stay_queued_and_go_out_once_later(
    ctx, smtp_port
):
    term = a_term()
    make_user("school", email="coord@cvo.example")
    make_student(term=term)
    db.session.commit()
    assert send_due_reminders(CLOSES - DAY) == {SCHOOL_1D: 1}
    assert deliver_pending() == (0, 1)  # nothing listens on smtp_port
    assert send_due_reminders(CLOSES - HOUR) == {}  # recorded: not queued again
    waiting = db.session.scalars(select(OutboxMail)).all()
    assert [(m.recipient, m.sent_at, m.attempts) for m in waiting] == [
        ("coord@cvo.example", None, 1)
    ]

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert deliver_pending() == (1, 0)
        assert deliver_pending() == (0, 0)
        deadline = time.monotonic() + 5
        while not recorder.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    (message,) = recorder.messages
    assert message["To"] == "coord@cvo.example"
    assert "sluit op 13/03/2026 12:00" in " ".join(message["Subject"].split())
