"""The care services' side of allocation proposals (issue 13, ALLOC-3): "Voorstellen" shows a
service the trainees VIVO proposed to it in sent runs; it accepts one with a mentor (a normal
placement of all periods) or declines with a reason, before the deadline."""

from datetime import timedelta

import pytest
from sqlalchemy import exists, func, select

from app.extensions import db
from app.models import (
    AllocationLine,
    AllocationRun,
    AuditEvent,
    Decline,
    OutboxMail,
    Placement,
    ReminderSent,
    Student,
    utcnow,
)
from app.schedule.reminders import send_due_reminders
from tests.factories import (
    login,
    make_mentor,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
)

PRIVATE = ("+32470123456", "0470 12 34 56", "Geheime Straat 7")


def build_proposals(app, answer_in=timedelta(days=5)) -> dict:
    """A term past its results moment; a sent run proposing Sara (two periods) and Tom to
    service A and Ines to service B; a draft run proposing Lotte to A; service C has none."""
    with app.app_context():
        now = utcnow()
        term = make_term(
            intake_open=False,
            intake_opens_at=now - timedelta(days=60),
            intake_closes_at=now - timedelta(days=40),
            results_at=now - timedelta(days=20),
        )
        school = make_school(name="CVO Leerrijk")
        school_user = make_user("school", organisation=school)
        admin = make_user("admin")
        students = {}
        for name, periods in (("Sara", 2), ("Tom", 1), ("Ines", 1), ("Lotte", 1)):
            students[name] = make_student(
                school=school,
                term=term,
                periods=periods,
                first_name=name,
                last_name="Peeters",
                street="Geheime Straat 7",
            )
        services = {}
        for key in ("a", "b", "c"):
            service = make_service(province="ANT", name=f"WZC {key.upper()}")
            user = make_user("service", organisation=service)
            mentor = make_mentor(service, name=f"Mentor {key.upper()}")
            services[key] = dict(id=service.id, email=user.email, mentor=mentor.id)
        sent = AllocationRun(
            term_id=term.id,
            created_by_id=admin.id,
            sent_at=now - timedelta(hours=2),
            answer_by=now + answer_in,
        )
        draft = AllocationRun(term_id=term.id, created_by_id=admin.id)
        for rank, (name, key) in enumerate(
            (("Sara", "a"), ("Tom", "a"), ("Ines", "b")), start=1
        ):
            sent.lines.append(
                AllocationLine(
                    rank=rank,
                    student_id=students[name].id,
                    care_service_id=services[key]["id"],
                    distance_km=4.25 * rank,
                )
            )
        draft.lines.append(
            AllocationLine(
                rank=1,
                student_id=students["Lotte"].id,
                care_service_id=services["a"]["id"],
                distance_km=3.0,
            )
        )
        db.session.add_all([sent, draft])
        db.session.commit()
        return dict(
            term=term.id,
            run=sent.id,
            school_email=school_user.email,
            students={name: s.id for name, s in students.items()},
            periods={name: [p.id for p in s.periods] for name, s in students.items()},
            lines={line.student.first_name: line.id for line in sent.lines},
            draft_line=draft.lines[0].id,
            services=services,
        )


@pytest.fixture
def world(app):
    return build_proposals(app)


def as_service(app, world, key):
    client = app.test_client()
    login(client, world["services"][key]["email"])
    return client


def accept(client, world, name, key="a", **extra):
    data = {"mentor_id": str(world["services"][key]["mentor"]), "action": "accept"}
    data.update(extra)
    return client.post(
        f"/dienst/voorstellen/{world['lines'][name]}/aanvaarden", data=data
    )


def decline(client, world, name, reason="Geen plaats op de afdeling"):
    return client.post(
        f"/dienst/voorstellen/{world['lines'][name]}/weigeren", data={"reason": reason}
    )


def line(app, line_id) -> AllocationLine:
    with app.app_context():
        row = db.session.get(AllocationLine, line_id)
        db.session.expunge(row)
        return row


def unsent(app) -> list[str]:
    """Subjects of queued mails not sent yet (inline sending is on in tests)."""
    with app.app_context():
        return db.session.scalars(
            select(OutboxMail.subject).where(OutboxMail.sent_at.is_(None))
        ).all()


def test_a_service_sees_only_its_own_lines_of_sent_runs(app, world):
    page = as_service(app, world, "a").get("/dienst/voorstellen").text
    assert "Sara Peeters" in page and "Tom Peeters" in page
    assert "Ines Peeters" not in page  # service B's line
    assert "Lotte Peeters" not in page  # a draft run
    assert "2 voorstellen wachten op je antwoord" in page
    assert "4,2 km" in page or "4,3 km" in page  # the distance, in Dutch notation
    assert "nog 5 dagen" in page or "nog 4 dagen" in page
    for secret in PRIVATE:
        assert secret not in page
    assert ">Voorstellen</a>" in page  # the menu item


def test_a_service_without_proposals_has_no_menu_item_and_an_empty_list(app, world):
    client = as_service(app, world, "c")
    assert ">Voorstellen</a>" not in client.get("/dienst/aanvragen").text
    page = client.get("/dienst/voorstellen").text
    assert "Er wacht geen voorstel op je antwoord." in page
    assert "Peeters" not in page


def test_the_proposal_page_shows_the_request_without_contact_data(app, world):
    page = as_service(app, world, "a").get(
        f"/dienst/voorstellen/{world['lines']['Sara']}"
    )
    assert page.status_code == 200
    assert "Sara Peeters" in page.text and "CVO Leerrijk" in page.text
    assert "Student aanvaarden" in page.text and "Voorstel weigeren" in page.text
    for secret in PRIVATE:
        assert secret not in page.text


def test_foreign_draft_and_removed_lines_answer_404(app, world):
    client = as_service(app, world, "a")
    with app.app_context():
        db.session.get(AllocationLine, world["lines"]["Tom"]).removed = True
        db.session.commit()
    for line_id in (world["lines"]["Ines"], world["draft_line"], world["lines"]["Tom"]):
        assert client.get(f"/dienst/voorstellen/{line_id}").status_code == 404
        answer = client.post(
            f"/dienst/voorstellen/{line_id}/weigeren", data={"reason": "Nee"}
        )
        assert answer.status_code == 404
    assert client.get("/dienst/voorstellen/99999999999").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Decline)) == 0


def test_accepting_places_every_period_mails_the_school_and_is_audited(
    app, world, outbox
):
    client = as_service(app, world, "a")
    answer = accept(client, world, "Sara", notes="Start om 8u")
    assert answer.status_code == 302
    assert answer.location.endswith(f"/dienst/aanvragen/{world['students']['Sara']}")
    with app.app_context():
        placements = db.session.scalars(
            select(Placement).where(Placement.student_id == world["students"]["Sara"])
        ).all()
        assert sorted(p.period_id for p in placements) == world["periods"]["Sara"]
        assert {p.care_service_id for p in placements} == {world["services"]["a"]["id"]}
        assert {p.mentor_id for p in placements} == {world["services"]["a"]["mentor"]}
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"proposal.accepted", "placement.accepted"} <= actions
    row = line(app, world["lines"]["Sara"])
    assert row.answer == "accepted" and row.answered_at is not None
    mails = [m for m in outbox() if m[0] == world["school_email"]]
    assert len(mails) == 1 and "werd aanvaard door WZC A" in mails[0][1]
    assert unsent(app) == []  # sent with the answer, as a normal acceptance's
    # A normal placement: the contact data now, and "Mijn stagiairs".
    detail = client.get(answer.location).text
    assert "Geheime Straat 7" in detail
    assert "Sara Peeters" in client.get("/dienst/stagiairs").text
    listed = client.get("/dienst/voorstellen").text
    assert "1 voorstel wacht op je antwoord" in listed and "Aanvaard op" in listed


def test_accepting_needs_a_mentor(app, world):
    client = as_service(app, world, "a")
    answer = accept(client, world, "Tom", mentor_id="0")
    assert answer.status_code == 200
    assert "Kies de stagementor (of voeg er een toe)." in answer.text
    assert line(app, world["lines"]["Tom"]).answer == ""


def test_a_mentor_added_inline_is_chosen(app, world):
    client = as_service(app, world, "a")
    page = accept(
        client,
        world,
        "Tom",
        action="add_mentor",
        **{
            "mentor-name": "Nora Nieuw",
            "mentor-phone": "03 212 34 56",
            "mentor-email": "nora@wzc.be",
        },
    ).text
    assert "Stagementor Nora Nieuw toegevoegd en gekozen." in page
    assert line(app, world["lines"]["Tom"]).answer == ""


def test_a_student_placed_meanwhile_is_not_double_booked(app, world, outbox):
    with app.app_context():
        sara = db.session.get(Student, world["students"]["Sara"])
        other = make_service(province="ANT")
        make_placement(sara, other, period_number=2)
        db.session.commit()
    client = as_service(app, world, "a")
    answer = accept(client, world, "Sara")
    assert answer.status_code == 302 and answer.location.endswith("/dienst/voorstellen")
    page = client.get(answer.location).text
    assert "werd intussen al geplaatst" in page
    assert "Vervallen: de student kreeg intussen een stageplek." in page
    with app.app_context():
        mine = db.session.scalar(
            select(func.count())
            .select_from(Placement)
            .where(Placement.care_service_id == world["services"]["a"]["id"])
        )
        assert mine == 0
    assert line(app, world["lines"]["Sara"]).answer == ""
    assert outbox() == []


def test_a_period_lost_in_a_race_undoes_the_whole_answer(
    app, world, outbox, monkeypatch
):
    """The checks passed, then another service won period 2: nothing of the answer stays,
    not period 1 alone, not the answer, not the mail."""
    from app.placements import logic

    claim = logic._claim_period

    def lose_the_second(student, period, *args):
        return False if period.number == 2 else claim(student, period, *args)

    monkeypatch.setattr(logic, "_claim_period", lose_the_second)
    client = as_service(app, world, "a")
    answer = accept(client, world, "Sara")
    assert answer.location.endswith("/dienst/voorstellen")
    assert "werd intussen al geplaatst" in client.get(answer.location).text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 0
        assert "proposal.accepted" not in set(
            db.session.scalars(select(AuditEvent.action))
        )
    assert line(app, world["lines"]["Sara"]).answer == ""
    assert outbox() == []


def test_declining_writes_a_decline_the_school_sees_and_mails_it(app, world, outbox):
    client = as_service(app, world, "a")
    answer = decline(client, world, "Tom", "Geen plaats in juni")
    assert answer.status_code == 302 and answer.location.endswith("/dienst/voorstellen")
    with app.app_context():
        row = db.session.scalars(select(Decline)).one()
        assert (row.student_id, row.care_service_id, row.reason) == (
            world["students"]["Tom"],
            world["services"]["a"]["id"],
            "Geen plaats in juni",
        )
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"proposal.declined", "request.declined"} <= actions
    row = line(app, world["lines"]["Tom"])
    assert row.answer == "declined" and row.decline_reason == "Geen plaats in juni"
    mails = [m for m in outbox() if m[0] == world["school_email"]]
    assert len(mails) == 1 and "Geen plaats in juni" in mails[0][2]
    assert unsent(app) == []
    school = app.test_client()
    login(school, world["school_email"])
    assert "Geen plaats in juni" in school.get(f"/studenten?term={world['term']}").text
    page = client.get("/dienst/voorstellen").text
    assert "Geweigerd op" in page and "Geen plaats in juni" in page


def test_declining_needs_a_reason(app, world):
    answer = decline(as_service(app, world, "a"), world, "Tom", "")
    assert answer.status_code == 200 and "Geef een reden op." in answer.text
    assert line(app, world["lines"]["Tom"]).answer == ""


def test_a_line_is_answered_once(app, world):
    client = as_service(app, world, "a")
    decline(client, world, "Tom")
    again = accept(client, world, "Tom")
    assert again.status_code == 302
    assert "Dit voorstel werd al beantwoord." in client.get(again.location).text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 0


@pytest.mark.parametrize("answer", [accept, decline])
def test_after_the_deadline_the_answer_is_refused(app, answer, outbox):
    world = build_proposals(app, answer_in=-timedelta(hours=1))
    client = as_service(app, world, "a")
    response = answer(client, world, "Tom")
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "De termijn om op dit voorstel te antwoorden liep af op" in page
    assert "Verlopen op" in page and "Er wacht geen voorstel op je antwoord." in page
    assert line(app, world["lines"]["Tom"]).answer == ""
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 0
        assert db.session.scalar(select(func.count()).select_from(Decline)) == 0
    assert outbox() == []
    detail = client.get(f"/dienst/voorstellen/{world['lines']['Tom']}").text
    assert "Student aanvaarden" not in detail and "Verlopen op" in detail


def next_pool(term_id: int, service_id: int, now) -> dict[int, bool]:
    """The next run's pool, minimally: the term's unplaced, not-stopped students without a
    line still waiting for an answer, each with whether `service_id` may still be proposed
    (it did not decline the student)."""
    from app.placements.proposals import waiting_sql

    placed = exists().where(Placement.student_id == Student.id)
    waiting = exists().where(
        AllocationLine.student_id == Student.id,
        AllocationLine.run_id == AllocationRun.id,
        AllocationLine.removed.is_(False),
        waiting_sql(now),
    )
    declined = exists().where(
        Decline.student_id == Student.id, Decline.care_service_id == service_id
    )
    return dict(
        db.session.execute(
            select(Student.id, ~declined).where(
                Student.term_id == term_id,
                Student.stopped_on.is_(None),
                ~placed,
                ~waiting,
            )
        ).all()
    )


def test_the_declined_student_returns_to_the_pool_and_the_accepted_one_leaves_it(
    app, world
):
    client = as_service(app, world, "a")
    with app.app_context():
        before = next_pool(world["term"], world["services"]["a"]["id"], utcnow())
    # Sara, Tom and Ines wait for an answer; Lotte is only in a draft.
    assert set(before) == {world["students"]["Lotte"]}
    accept(client, world, "Sara")
    decline(client, world, "Tom")
    with app.app_context():
        after = next_pool(world["term"], world["services"]["a"]["id"], utcnow())
    students = world["students"]
    assert set(after) == {students["Lotte"], students["Tom"]}
    assert after[students["Tom"]] is False  # never proposed to A again
    assert after[students["Lotte"]] is True


def test_services_with_unanswered_lines_are_reminded_before_the_deadline(app):
    world = build_proposals(app, answer_in=timedelta(days=3))
    b_email = world["services"]["b"]["email"]
    with app.app_context():
        now = utcnow()
        assert send_due_reminders(now).get("proposal_2d", 0) == 0  # 3 days left
        counts = send_due_reminders(now + timedelta(days=1, hours=1))
        kinds = {kind.split(":")[0]: n for kind, n in counts.items()}
        assert kinds == {"proposal_2d": 2}  # services A and B, once each
        again = send_due_reminders(now + timedelta(days=1, hours=2))
        assert not any(kind.startswith("proposal") for kind in again)
        sent = db.session.scalars(select(ReminderSent.recipient)).all()
        assert sorted(sent) == sorted([world["services"]["a"]["email"], b_email])
    # B answers; only A hears the last day's reminder.
    decline(as_service(app, world, "b"), world, "Ines")
    with app.app_context():
        counts = send_due_reminders(now + timedelta(days=2, hours=1))
        assert {k.split(":")[0]: n for k, n in counts.items()} == {"proposal_1d": 1}
        last = db.session.scalars(
            select(ReminderSent.recipient).where(
                ReminderSent.kind.startswith("proposal_1d")
            )
        ).all()
        assert last == [world["services"]["a"]["email"]]
        # After the deadline nobody is reminded.
        late = send_due_reminders(now + timedelta(days=3, hours=1))
        assert not any(kind.startswith("proposal") for kind in late)


def test_the_reminder_says_how_many_wait_and_until_when(app, outbox):
    world = build_proposals(app, answer_in=timedelta(hours=20))
    with app.app_context():
        send_due_reminders(utcnow())
    mails = [m for m in outbox() if m[0] == world["services"]["a"]["email"]]
    assert len(mails) == 1
    _, subject, body = mails[0]
    assert "beantwoord de voorstellen van VIVO" in subject
    assert "2 cursisten voor die nog op jullie antwoord wachten" in body
    assert "/dienst/voorstellen" in body
