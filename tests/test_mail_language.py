"""Every mail body speaks its recipient's language (issue 12): a login that chose English
reads the whole mail in English, subject and body; one that did not reads Dutch."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.auth import logic as auth
from app.extensions import db
from app.models import MailRequest, OutboxMail
from app.placements import logic as placements
from app.schedule.reminders import send_due_reminders
from app.students import logic as students
from tests.factories import (
    make_mentor,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
)

# Words of the Dutch mails that no English mail contains (data such as names aside).
DUTCH = re.compile(
    r"\b(Beste|Met vriendelijke groeten|paswoord|je|de|het|een|van|stage|dienst|"
    r"aanvaard\w*|Reden|aanvraag|periode)\b",
    re.IGNORECASE,
)


def mail_to(address: str) -> tuple[str, str]:
    """The one mail queued for this address: (subject, body)."""
    db.session.commit()
    found = [
        (m.subject, m.body_text)
        for m in db.session.scalars(select(OutboxMail).order_by(OutboxMail.id))
        if m.recipient == address
    ]
    assert len(found) == 1, found
    return found[0]


def assert_english(subject: str, body: str, *phrases: str) -> None:
    assert body.startswith("Hello,\n"), body
    assert "Kind regards,\nVIVO – Stagematching" in body
    for phrase in phrases:
        assert phrase in body, body
    words = re.sub(r"https?://\S+", "", subject + "\n" + body)  # links stay Dutch
    assert DUTCH.findall(words) == [], body


def assert_dutch(body: str, *phrases: str) -> None:
    assert body.startswith("Beste,\n"), body
    assert "Met vriendelijke groeten,\nVIVO – Stagematching" in body
    for phrase in phrases:
        assert phrase in body, body


# --- accounts -----------------------------------------------------------------------------


def test_a_reset_mail_is_english_for_a_login_that_chose_english(ctx):
    english = make_user("school", email="en@cvo.example", language="en")
    dutch = make_user("school", email="nl@cvo.example")
    auth.send_reset(english)
    auth.send_reset(dutch)

    subject, body = mail_to("en@cvo.example")
    assert subject == "New password for Stagematching"
    assert_english(
        subject,
        body,
        "Someone asked for a new password for your Stagematching login (en@cvo.example).",
        "The link works for 1 hour and only once.",
    )
    assert_dutch(mail_to("nl@cvo.example")[1], "Iemand vroeg een nieuw paswoord aan")


def test_a_reset_asked_for_on_a_dutch_page_follows_the_logins_english(ctx):
    """Anyone may ask for a reset of any address: the mail speaks the owner's language."""
    make_user("school", email="en@cvo.example", language="en")
    make_user("school", email="nl@cvo.example")
    db.session.add(
        MailRequest(purpose="reset", address="en@cvo.example", language="nl")
    )
    db.session.add(
        MailRequest(purpose="reset", address="nl@cvo.example", language="en")
    )
    assert auth.work_off_mail_requests() == 2

    assert_english(
        *mail_to("en@cvo.example"), "Choose a new password through this link:"
    )
    assert_dutch(mail_to("nl@cvo.example")[1], "Kies een nieuw paswoord via deze link:")


def test_an_activation_mail_asked_for_in_english_is_english(ctx):
    """Before the first login nobody chose the login's language: the asker's counts."""
    make_user(
        "service",
        email="new@wzc.example",
        password=None,
        activated=False,
        language="nl",
    )
    db.session.add(
        MailRequest(purpose="activate", address="new@wzc.example", language="en")
    )
    auth.work_off_mail_requests()

    subject, body = mail_to("new@wzc.example")
    assert subject == "Activate your Stagematching account"
    assert_english(
        subject,
        body,
        "VIVO invites you to Stagematching",
        "Click the link below to activate your account",
        "The link works for 7 days and only once.",
    )


def test_an_invitation_by_an_admin_working_in_english_is_english(app):
    with app.test_request_context("/logins", method="POST"):
        from flask import session

        session["lang"] = "en"
        auth.invite_user(
            "new@wzc.example", "service", care_service_id=make_service().id
        )
        assert_english(*mail_to("new@wzc.example"), "activate your account")


def test_a_password_changed_mail_is_english_for_a_login_that_chose_english(ctx):
    user = make_user("school", email="en@cvo.example", language="en")
    auth.set_password(user, "a long enough new password 123")

    subject, body = mail_to("en@cvo.example")
    assert_english(
        subject,
        body,
        "The password of your Stagematching login (en@cvo.example) has just been changed.",
        "contact the VIVO helpdesk",
    )


# --- placements: the school hears ---------------------------------------------------------


@pytest.fixture
def request_with_logins(ctx):
    """A request of a school with an English and a Dutch login, and a service with a login."""
    school = make_school(name="CVO Noord")
    make_user("school", school, email="en@cvo.example", language="en")
    make_user("school", school, email="nl@cvo.example")
    service = make_service(name="WZC Zonnebloem")
    service_user = make_user("service", service, email="wzc@wzc.example")
    term = make_term(name="Term A")
    student = make_student(school, term, first_name="Sara", last_name="Peeters")
    return student, service, service_user


def test_an_acceptance_mail_is_english_for_an_english_login(request_with_logins):
    student, service, service_user = request_with_logins
    placements.accept(
        student, list(student.periods), service, make_mentor(service), "", service_user
    )

    subject, body = mail_to("en@cvo.example")
    assert subject == "Stagematching: Sara Peeters was accepted by WZC Zonnebloem"
    assert_english(
        subject,
        body,
        "WZC Zonnebloem accepted Sara Peeters (Term A) for a placement.",
        "Until the results are final, this acceptance is provisional.",
    )
    assert_dutch(
        mail_to("nl@cvo.example")[1],
        "WZC Zonnebloem aanvaardde Sara Peeters (Term A) voor stage.",
    )


def test_a_decline_mail_is_english_for_an_english_login(request_with_logins):
    student, service, service_user = request_with_logins
    placements.decline(student, service, "Full", service_user)

    subject, body = mail_to("en@cvo.example")
    assert_english(
        subject,
        body,
        "WZC Zonnebloem cannot accept Sara Peeters (Term A).\nReason: Full\n",
        "The request stays open for the other services in the province.",
    )
    assert_dutch(mail_to("nl@cvo.example")[1], "Reden: Full")


def test_a_withdrawal_mail_is_english_for_an_english_login(request_with_logins):
    student, service, _ = request_with_logins
    placements.withdraw(make_placement(student, service))

    assert_english(
        *mail_to("en@cvo.example"),
        "WZC Zonnebloem withdrew the acceptance of Sara Peeters (Term A).",
    )


# --- a trainee stops: the service hears ---------------------------------------------------


def test_a_stopped_trainee_mail_is_english_for_an_english_service_login(ctx):
    service = make_service(name="WZC Zonnebloem")
    make_user("service", service, email="en@wzc.example", language="en")
    make_user("service", service, email="nl@wzc.example")
    student = make_student(make_school(name="CVO Noord"), make_term(name="Term A"))
    make_placement(student, service)
    students.mark_stopped(student, date(2026, 3, 2), "")

    subject, body = mail_to("en@wzc.example")
    assert "Beste" not in body and student.full_name in body
    assert_english(subject, body, "(CVO Noord, Term A)")
    assert_dutch(mail_to("nl@wzc.example")[1], "is gestopt met de opleiding")


# --- reminders ----------------------------------------------------------------------------


def test_an_intake_reminder_is_english_for_an_english_school_login(ctx):
    term = make_term(name="Term A")
    school = make_school()
    make_user("school", school, email="en@cvo.example", language="en")
    make_user("school", school, email="nl@cvo.example")
    db.session.commit()
    send_due_reminders(term.intake_closes_at - timedelta(hours=20))

    assert_english(*mail_to("en@cvo.example"), "Term A")
    assert_dutch(mail_to("nl@cvo.example")[1], "Term A")
