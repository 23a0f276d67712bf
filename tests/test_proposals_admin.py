"""VIVO's side of the allocation proposal (issue 13): the pool, a run, trimming and sending."""

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.allocation import Settings, allocate
from app.extensions import db
from app.models import (
    AllocationLine,
    AllocationRun,
    AuditEvent,
    Decline,
    ServiceCapacity,
    Term,
    utcnow,
)
from app.proposals import operations
from app.proposals.instance import load_services, load_trainees, pool_ids
from app.schedule.clock import local_date
from tests.factories import (
    login,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
    valid_national_number,
)


def number(serial: int) -> str:
    return valid_national_number(date(1995, 3, 4), serial)


def student(term, school, serial, **kw):
    kw.setdefault("postcode", "2000")
    return make_student(school=school, term=term, national_number=number(serial), **kw)


def sent_run(term, line_student, service, answer_by, answer="", removed=False):
    """A sent run with one line for this student and service."""
    run = AllocationRun(term_id=term.id, sent_at=utcnow(), answer_by=answer_by)
    db.session.add(run)
    db.session.flush()
    db.session.add(
        AllocationLine(
            run_id=run.id,
            rank=1,
            student_id=line_student.id,
            care_service_id=service.id,
            answer=answer,
            removed=removed,
        )
    )
    db.session.flush()
    return run


@pytest.fixture
def world(app):
    """A term past its results in Antwerp: three services near 2000 Antwerpen with places,
    and students in every situation the pool knows."""
    with app.app_context():
        now = utcnow()
        term = make_term(intake_open=False, results_at=now - timedelta(hours=1))
        school = make_school(name="CVO Kempen")
        schelde = make_service(name="WZC Schelde", postcode="2000", capacity_default=1)
        berchem = make_service(name="WZC Berchem", postcode="2600", capacity_default=2)
        full = make_service(name="WZC Vol", postcode="2018")
        db.session.add(
            ServiceCapacity(care_service_id=full.id, term_id=term.id, places=0)
        )
        make_service(
            name="WZC Zonder plaatsen", postcode="2000"
        )  # no offer, no default
        people = dict(
            ann=student(term, school, 1, first_name="Ann"),
            bart=student(term, school, 2, first_name="Bart"),
            placed=student(term, school, 3, first_name="Placed"),
            stopped=student(
                term, school, 4, first_name="Stopped", stopped_on=now.date()
            ),
            waiting=student(term, school, 5, first_name="Waiting"),
            declined=student(term, school, 6, first_name="Declined"),
            expired=student(term, school, 7, first_name="Expired"),
        )
        make_placement(people["placed"], service=schelde)
        sent_run(term, people["waiting"], berchem, now + timedelta(days=3))
        sent_run(term, people["declined"], berchem, now + timedelta(days=3), "declined")
        sent_run(term, people["expired"], berchem, now - timedelta(minutes=1))
        db.session.add(
            Decline(
                student_id=people["bart"].id, care_service_id=berchem.id, reason="Nee"
            )
        )
        admin = make_user("admin")
        service_user = make_user("service", organisation=berchem, language="en")
        db.session.commit()
        return dict(
            term=term.id,
            admin=admin.email,
            service_user=service_user.email,
            schelde=schelde.id,
            berchem=berchem.id,
            full=full.id,
            **{name: s.id for name, s in people.items()},
        )


def test_the_pool_holds_the_unplaced_not_stopped_students_without_a_waiting_proposal(
    app, world
):
    with app.app_context():
        term = db.session.get(Term, world["term"])
        ids = set(pool_ids(term, utcnow()))
    assert ids == {world[n] for n in ("ann", "bart", "declined", "expired")}


def test_the_instance_carries_declines_places_and_the_same_persons_placements(
    app, world
):
    with app.app_context():
        term = db.session.get(Term, world["term"])
        # Ann's person holds a placement at another school, in another term.
        other = make_student(
            term=make_term(intake_open=False),
            national_number=number(1),
            first_name="Ann",
        )
        placement = make_placement(other)
        db.session.commit()
        trainees = {t.id: t for t in load_trainees(term, utcnow())}
        services = {s.id: s for s in load_services(term)}
        held = (placement.period.start_date, placement.period.end_date)
    assert trainees[world["bart"]].declined_by == frozenset({world["berchem"]})
    assert trainees[world["ann"]].placed == (held,)
    assert trainees[world["bart"]].placed == ()
    assert trainees[world["ann"]].transport == ("fiets", "ov")
    # Only services with places; Schelde's one place is taken by Placed's period.
    assert set(services) == {world["schelde"], world["berchem"]}
    assert services[world["berchem"]].places == 2
    assert len(services[world["schelde"]].taken) == 1


def test_a_run_stores_the_lines_allocate_computes(app, world):
    with app.app_context():
        term, now = db.session.get(Term, world["term"]), utcnow()
        settings = Settings()
        expected = allocate(load_trainees(term, now), load_services(term), settings)
        run = operations.make_run(term, settings, False, now, None)
        db.session.commit()
        lines = db.session.scalars(
            select(AllocationLine)
            .where(AllocationLine.run_id == run.id)
            .order_by(AllocationLine.rank)
        ).all()
        stored = [(line.student_id, line.care_service_id) for line in lines]
        bart = next(line for line in lines if line.student_id == world["bart"])
        why = json.loads(bart.why)
        made = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "proposal.made")
        )
    assert stored == [(line.student_id, line.service_id) for line in expected.lines]
    assert [line.rank for line in lines] == list(range(1, len(lines) + 1))
    # Schelde is full (its one place taken), Berchem declined Bart before.
    assert {w["service"] for w in why} >= {world["berchem"]}
    assert any(
        r["kind"] == "declined"
        for w in why
        if w["service"] == world["berchem"]
        for r in w["reasons"]
    )
    assert made.object_id == run.id


def admin_client(app, client, world):
    login(client, world["admin"])
    return client


def make(client, world, **fields):
    data = dict(
        order="request_time",
        km_fiets=15,
        km_ebike=25,
        km_ov=30,
        km_auto=50,
        km_none=15,
    )
    data.update(fields)
    return client.post(f"/admin/stageperiodes/{world['term']}/voorstel", data=data)


def test_the_admin_makes_a_proposal_and_reads_why(app, client, world):
    admin_client(app, client, world)
    response = make(client, world)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ontwerp" in page
    assert "Ann" in page and "CVO Kempen" in page
    assert "weigerde deze student eerder" in page
    assert "<svg" in page and "GeoNames" in page
    assert "style=" not in page


def test_a_lottery_shows_its_seed_and_a_rerun_keeps_the_settings(app, client, world):
    admin_client(app, client, world)
    location = make(client, world, order="lottery", seed=4242, km_fiets=9).headers[
        "Location"
    ]
    page = client.get(location).get_data(as_text=True)
    assert "loting met startgetal 4242" in page
    run_id = int(location.rsplit("/", 1)[1])
    form = client.get(
        f"/admin/stageperiodes/{world['term']}/voorstel?van={run_id}"
    ).get_data(as_text=True)
    assert re.search(r'name="seed"[^>]*value="4242"', form)
    assert re.search(r'name="km_fiets"[^>]*value="9"', form)


def test_bad_settings_are_said_next_to_the_field(app, client, world):
    admin_client(app, client, world)
    response = make(client, world, km_fiets=0, seed="abc", order="lottery")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Geef een aantal km tussen 1 en 500." in page
    with app.app_context():
        assert (
            db.session.scalar(
                select(AllocationRun).where(AllocationRun.sent_at.is_(None))
            )
            is None
        )


def test_no_proposal_before_the_results_or_during_a_second_round_unless_chosen(
    app, client, world
):
    with app.app_context():
        term = db.session.get(Term, world["term"])
        term.second_round_until = utcnow() + timedelta(days=2)
        db.session.commit()
    admin_client(app, client, world)
    refused = make(client, world).get_data(as_text=True)
    assert "De tweede ronde loopt nog" in refused
    assert make(client, world, include_second_round="y").status_code == 302
    with app.app_context():
        early = make_term(intake_open=True)
        db.session.commit()
        early_id = early.id
    page = client.get(f"/admin/stageperiodes/{early_id}/voorstel").get_data(
        as_text=True
    )
    assert "pas gemaakt worden als de resultaten definitief zijn" in page


def test_the_admin_removes_a_line_from_a_draft_only(app, client, world):
    admin_client(app, client, world)
    run_id = int(make(client, world).headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        line_id = db.session.scalar(
            select(AllocationLine.id).where(
                AllocationLine.run_id == run_id,
                AllocationLine.student_id == world["ann"],
            )
        )
    url = f"/admin/voorstellen/{run_id}/lijnen/{line_id}/verwijderen"
    client.post(url)
    with app.app_context():
        assert db.session.get(AllocationLine, line_id).removed
        run = db.session.get(AllocationRun, run_id)
        run.sent_at = utcnow()
        other = db.session.scalar(
            select(AllocationLine).where(
                AllocationLine.run_id == run_id, AllocationLine.id != line_id
            )
        )
        db.session.commit()
        other_id = other.id
    page = client.post(
        f"/admin/voorstellen/{run_id}/lijnen/{other_id}/verwijderen",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "al verstuurd" in page
    with app.app_context():
        assert not db.session.get(AllocationLine, other_id).removed


def test_a_line_of_another_run_answers_404(app, client, world):
    admin_client(app, client, world)
    first = int(make(client, world).headers["Location"].rsplit("/", 1)[1])
    second = int(make(client, world).headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        line_id = db.session.scalar(
            select(AllocationLine.id).where(AllocationLine.run_id == first)
        )
    response = client.post(f"/admin/voorstellen/{second}/lijnen/{line_id}/verwijderen")
    assert response.status_code == 404
    assert client.get("/admin/voorstellen/999999").status_code == 404


def test_sending_mails_each_service_with_lines_and_sets_the_deadline(
    app, client, world, outbox
):
    admin_client(app, client, world)
    run_id = int(make(client, world).headers["Location"].rsplit("/", 1)[1])
    day = local_date(utcnow()) + timedelta(days=7)
    refused = client.post(
        f"/admin/voorstellen/{run_id}/versturen",
        data={"answer_day": (day - timedelta(days=30)).isoformat()},
    ).get_data(as_text=True)
    assert "Kies vandaag of een latere dag" in refused
    response = client.post(
        f"/admin/voorstellen/{run_id}/versturen", data={"answer_day": day.isoformat()}
    )
    assert response.status_code == 302
    with app.app_context():
        run = db.session.get(AllocationRun, run_id)
        assert run.sent_at is not None
        assert local_date(run.answer_by) == day
        services = set(
            db.session.scalars(
                select(AllocationLine.care_service_id).where(
                    AllocationLine.run_id == run_id,
                    AllocationLine.removed.is_(False),
                    AllocationLine.care_service_id.is_not(None),
                )
            )
        )
        sent = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "proposal.sent")
        )
        # The students of a sent run wait for the services: out of the next pool; those
        # without a proposal stay in it.
        pool = set(pool_ids(db.session.get(Term, world["term"]), utcnow()))
        proposed = dict(
            db.session.execute(
                select(AllocationLine.student_id, AllocationLine.care_service_id).where(
                    AllocationLine.run_id == run_id
                )
            ).all()
        )
    assert world["berchem"] in services
    mails = [m for m in outbox() if m[0] == world["service_user"]]
    assert len(mails) == 1
    assert "proposed trainee" in mails[0][1]  # in the service user's language (English)
    assert sent.object_id == run_id
    assert proposed[world["ann"]] == world["berchem"]
    assert proposed[world["bart"]] is None  # Berchem declined him, Schelde is full
    assert world["ann"] not in pool and world["bart"] in pool
    again = client.post(
        f"/admin/voorstellen/{run_id}/versturen",
        data={"answer_day": day.isoformat()},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Dit voorstel is al verstuurd." in again
    assert len([m for m in outbox() if m[0] == world["service_user"]]) == 1


def test_sending_drops_lines_whose_student_was_placed_meanwhile(app, client, world):
    admin_client(app, client, world)
    run_id = int(make(client, world).headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        from app.models import Student

        ann = db.session.get(Student, world["ann"])
        make_placement(ann, service=make_service(postcode="2000"))
        db.session.commit()
    day = local_date(utcnow()) + timedelta(days=7)
    client.post(
        f"/admin/voorstellen/{run_id}/versturen", data={"answer_day": day.isoformat()}
    )
    with app.app_context():
        line = db.session.scalar(
            select(AllocationLine).where(
                AllocationLine.run_id == run_id,
                AllocationLine.student_id == world["ann"],
            )
        )
        assert line.removed


@pytest.mark.parametrize("role", ["school", "service"])
def test_only_admins_reach_the_proposal_pages(app, client, world, role):
    with app.app_context():
        user = make_user(role)
        db.session.commit()
        email = user.email
    login(client, email)
    assert (
        client.get(f"/admin/stageperiodes/{world['term']}/voorstel").status_code == 403
    )
    assert make(client, world).status_code == 403
    with app.app_context():
        assert (
            db.session.scalar(
                select(AllocationRun).where(AllocationRun.sent_at.is_(None))
            )
            is None
        )


def test_the_page_says_how_many_services_offered_no_places(app, client, world):
    """A service without places in the term (offered 0, or nothing and no default) takes no
    part: the page says how many, so an empty proposal is not a mystery (review finding)."""
    admin_client(app, client, world)
    page = client.get(f"/admin/stageperiodes/{world['term']}/voorstel").text
    assert (
        "2 actieve diensten gaven voor deze stageperiode geen plaatsen op en doen "
        "daarom niet mee aan het voorstel." in page
    )
