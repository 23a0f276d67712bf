"""The care services' side: what they see, accepting, races, overlap, decline, withdraw (R-SVC)."""

from datetime import date as _date
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Decline, Placement, Student, Term, utcnow
from app.validation import format_national_number
from tests.concurrency import post_all_at_once
from tests.factories import (
    login,
    make_mentor,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
    valid_national_number,
)

NN = valid_national_number(_date(1988, 3, 9), 42)
PRIVATE = (
    "+32470123456",
    "0470 12 34 56",
    "Geheime Straat 7",
    "sara.private@mail.example",
    NN,
    format_national_number(NN),
)


@pytest.fixture
def world(app):
    """An Antwerp request with two periods; two Antwerp services and one in Limburg."""
    return build_world(app)


def build_world(app) -> dict:
    """The `world` fixture's data (ids and e-mail addresses), for other test files too."""
    with app.app_context():
        school = make_school()
        school_user = make_user("school", organisation=school)
        term = make_term()
        student = make_student(
            school=school,
            term=term,
            periods=2,
            national_number=NN,
            street="Geheime Straat 7",
            email="sara.private@mail.example",
            first_name="Sara",
            last_name="Peeters",
            province="ANT",
        )
        services = {}
        for key, province in (("a", "ANT"), ("b", "ANT"), ("lim", "LIM")):
            service = make_service(province=province, name=f"Dienst {key.upper()}")
            user = make_user("service", organisation=service)
            mentor = make_mentor(service)
            services[key] = dict(
                id=service.id, email=user.email, mentor=mentor.id, name=service.name
            )
        db.session.commit()
        periods = [p.id for p in student.periods]
        return dict(
            student=student.id,
            term=term.id,
            periods=periods,
            services=services,
            school_email=school_user.email,
            school=school.id,
        )


def as_service(app, world, key):
    client = app.test_client()
    login(client, world["services"][key]["email"])
    return client


def accept(client, world, key, period_index=0, **extra):
    data = {
        "periods": [str(world["periods"][period_index])],
        "mentor_id": str(world["services"][key]["mentor"]),
        "notes": "Start om 8u",
        "action": "accept",
    }
    data.update(extra)
    return client.post(f"/dienst/aanvragen/{world['student']}/aanvaarden", data=data)


def test_sec_03_before_acceptance_no_personal_data_reaches_a_service(app, world):
    client = as_service(app, world, "a")
    pages = [
        client.get("/dienst/aanvragen"),
        client.get("/dienst/aanvragen?sort=naam", headers={"HX-Request": "true"}),
        client.get(f"/dienst/aanvragen/{world['student']}"),
        client.get("/dienst/stagiairs"),
    ]
    assert "Sara" in pages[0].text and "Sara" in pages[2].text
    for page in pages:
        for secret in PRIVATE:
            assert secret not in page.text, secret


def test_sec_03_after_acceptance_only_the_accepting_service_sees_contact_data(
    app, world
):
    client = as_service(app, world, "a")
    accept(client, world, "a")
    detail = client.get(f"/dienst/aanvragen/{world['student']}")
    trainees = client.get("/dienst/stagiairs")
    for page in (detail, trainees):
        for secret in (
            "0470 12 34 56",
            "Geheime Straat 7",
            "sara.private@mail.example",
            format_national_number(NN),
        ):
            assert secret in page.text, secret
    other = as_service(app, world, "b")
    for page in (
        other.get("/dienst/aanvragen"),
        other.get(f"/dienst/aanvragen/{world['student']}"),
    ):
        for secret in PRIVATE:
            assert secret not in page.text


def test_sec_23_every_view_of_personal_data_is_audited(app, world):
    client = as_service(app, world, "a")
    accept(client, world, "a")
    client.get(f"/dienst/aanvragen/{world['student']}")
    client.get("/dienst/stagiairs")
    with app.app_context():
        views = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "student.personal_data_viewed"
            )
        ).all()
        assert len(views) >= 2
        assert {v.object_id for v in views} == {world["student"]}


def test_sec_04_a_service_never_sees_another_provinces_requests_whatever_the_query(
    app, world
):
    client = as_service(app, world, "lim")
    for query in (
        "",
        "?province=ANT",
        "?term=%d" % world["term"],
        "?vorm=alternerend&sort=naam",
    ):
        assert "Peeters" not in client.get("/dienst/aanvragen" + query).text
    assert client.get(f"/dienst/aanvragen/{world['student']}").status_code == 404
    assert accept(client, world, "lim").status_code == 404


def test_requests_become_visible_at_the_release_moment(app, world):
    with app.app_context():
        db.session.get(Term, world["term"]).requests_visible_at = utcnow() + timedelta(
            hours=1
        )
        db.session.commit()
    client = as_service(app, world, "a")
    assert "Peeters" not in client.get("/dienst/aanvragen").text
    assert client.get(f"/dienst/aanvragen/{world['student']}").status_code == 404


def test_stopped_students_are_not_offered(app, world):
    with app.app_context():
        db.session.get(Student, world["student"]).stopped_on = utcnow().date()
        db.session.commit()
    assert "Peeters" not in as_service(app, world, "a").get("/dienst/aanvragen").text


def test_preferred_me_comes_first_and_can_be_filtered(app, world):
    with app.app_context():
        from app.models import School

        school = db.session.get(School, world["school"])
        term = db.session.get(Term, world["term"])
        favourite = make_student(
            school=school,
            term=term,
            last_name="Aardvark",
            province="ANT",
            preferred_service_id=world["services"]["a"]["id"],
        )
        db.session.commit()
        assert favourite.id
    client = as_service(app, world, "a")
    page = client.get("/dienst/aanvragen").text
    assert (
        page.index("Aardvark") < page.index("Peeters")
        and "kiest voor je dienst" in page
    )
    only = client.get("/dienst/aanvragen?voorkeur=1").text
    assert "Aardvark" in only and "Peeters" not in only
    by_name = client.get("/dienst/aanvragen?sort=naam&vervoer=fiets").text
    assert "Aardvark" in by_name and "Peeters" in by_name
    assert "Peeters" not in client.get("/dienst/aanvragen?vervoer=auto").text


def test_accepting_a_period_places_it_and_tells_the_school(app, world, outbox):
    client = as_service(app, world, "a")
    response = accept(client, world, "a")
    assert response.headers["Location"] == f"/dienst/aanvragen/{world['student']}"
    with app.app_context():
        placement = db.session.scalar(select(Placement))
        assert (placement.period_id, placement.care_service_id, placement.notes) == (
            world["periods"][0],
            world["services"]["a"]["id"],
            "Start om 8u",
        )
    mails = [m for m in outbox() if m[0] == world["school_email"]]
    assert len(mails) == 1 and "aanvaard" in mails[0][1]
    # The placed period is no longer offered; the other one still is.
    other = (
        as_service(app, world, "b").get(f"/dienst/aanvragen/{world['student']}").text
    )
    assert "Periode 2:" in other and "Periode 1:" not in other


def test_a_period_taken_by_another_service_gets_a_clear_answer(app, world):
    accept(as_service(app, world, "a"), world, "a")
    late = as_service(app, world, "b")
    response = accept(late, world, "b")
    assert response.status_code == 302
    page = late.get(response.headers["Location"]).text
    assert "werd intussen door een andere dienst aanvaard" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 1


def test_twenty_services_accepting_the_same_period_at_once_one_wins(app, world):
    """SVC-3 under real concurrency: a file SQLite database or PostgreSQL, 20 threads."""
    with app.app_context():
        contenders = []
        for n in range(20):
            service = make_service(province="ANT", name=f"Haastige dienst {n}")
            user = make_user("service", organisation=service)
            contenders.append((user.email, make_mentor(service).id))
        db.session.commit()
    clients = []
    for email, mentor in contenders:
        client = app.test_client()
        login(client, email)
        clients.append((client, mentor))
    url = f"/dienst/aanvragen/{world['student']}/aanvaarden"
    results = post_all_at_once(
        (
            client,
            url,
            {
                "periods": [str(world["periods"][0])],
                "mentor_id": str(mentor),
                "action": "accept",
            },
        )
        for client, mentor in clients
    )
    assert all(status == 200 for status, _ in results), [s for s, _ in results]
    winners = [text for _, text in results if "Aanvaard: periode 1" in text]
    losers = [
        text
        for _, text in results
        if "werd intussen door een andere dienst aanvaard" in text
    ]
    assert (len(winners), len(losers)) == (1, 19)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 1


def test_an_overlapping_period_cannot_be_accepted(app, world):
    """The same person (same national number) already has a clashing placement elsewhere."""
    with app.app_context():
        student = db.session.get(Student, world["student"])
        other_school = make_school()
        twin = make_student(
            school=other_school,
            term=student.term,
            national_number=NN,
            periods=1,
            province="ANT",
        )
        make_placement(twin, service=make_service(province="ANT"))
        db.session.commit()
    client = as_service(app, world, "a")
    page = client.get(accept(client, world, "a").headers["Location"]).text
    assert "overlapt met een stage die de student al heeft" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 1


def test_mentor_of_another_service_is_refused(app, world):
    client = as_service(app, world, "a")
    response = accept(
        client, world, "a", mentor_id=str(world["services"]["b"]["mentor"])
    )
    assert response.status_code == 200
    assert "Kies de stagementor" in response.text
    with app.app_context():
        assert db.session.scalar(select(Placement)) is None


def test_choosing_no_period_shows_a_message(app, world):
    response = accept(as_service(app, world, "a"), world, "a", periods=[])
    assert "Kies minstens één periode." in response.text


def test_new_mentor_added_inline_is_selected(app, world):
    client = as_service(app, world, "a")
    response = client.post(
        f"/dienst/aanvragen/{world['student']}/aanvaarden",
        data={
            "action": "add_mentor",
            "periods": [str(world["periods"][0])],
            "mentor_id": "0",
            "mentor-name": "Mona Mentor",
            "mentor-phone": "03 212 34 56",
            "mentor-email": "mona@wzc.be",
        },
    )
    assert response.status_code == 200
    assert "Mona Mentor" in response.text and "<option selected" in response.text
    with app.app_context():
        assert db.session.scalar(select(Placement)) is None


def test_capacity_reached_asks_for_confirmation(app, world):
    from app.models import ServiceCapacity

    with app.app_context():
        db.session.add(
            ServiceCapacity(
                care_service_id=world["services"]["a"]["id"],
                term_id=world["term"],
                places=0,
            )
        )
        db.session.commit()
    client = as_service(app, world, "a")
    first = accept(client, world, "a")
    assert first.status_code == 200 and "capaciteit (0) is bereikt" in first.text
    assert accept(client, world, "a", over_capacity="y").status_code == 302


def test_decline_with_reason_the_school_sees(app, world, outbox):
    client = as_service(app, world, "a")
    empty = client.post(
        f"/dienst/aanvragen/{world['student']}/weigeren", data={"reason": ""}
    )
    assert "Geef een reden op." in empty.text
    client.post(
        f"/dienst/aanvragen/{world['student']}/weigeren",
        data={"reason": "Geen plaats in mei"},
    )
    listing = client.get("/dienst/aanvragen", headers={"HX-Request": "true"}).text
    assert "Peeters" not in listing.split('<div id="flashes"')[0]
    assert (
        "Peeters" in as_service(app, world, "b").get("/dienst/aanvragen").text
    )  # still open
    school = app.test_client()
    login(school, world["school_email"])
    overview = school.get(f"/studenten?term={world['term']}").text
    assert "Geweigerd door Dienst A: Geen plaats in mei" in overview
    assert any("niet aanvaarden" in m[1] for m in outbox())
    with app.app_context():
        assert db.session.scalar(select(Decline)).reason == "Geen plaats in mei"


def test_withdraw_returns_the_period_until_the_results_moment(app, world, outbox):
    client = as_service(app, world, "a")
    accept(client, world, "a")
    with app.app_context():
        placement_id = db.session.scalar(select(Placement.id))
    confirm = client.post(f"/dienst/plaatsingen/{placement_id}/intrekken")
    assert "Ja, trek de aanvaarding in" in confirm.text
    with app.app_context():
        assert (
            db.session.scalar(select(Placement)) is not None
        )  # nothing happens before confirming
    client.post(
        f"/dienst/plaatsingen/{placement_id}/intrekken", data={"confirmed": "1"}
    )
    with app.app_context():
        assert db.session.scalar(select(Placement)) is None
    assert (
        "Periode 1:"
        in as_service(app, world, "b").get(f"/dienst/aanvragen/{world['student']}").text
    )
    assert any("trok de aanvaarding" in m[1] for m in outbox())


def test_after_the_results_moment_a_service_cannot_withdraw(app, world):
    client = as_service(app, world, "a")
    accept(client, world, "a")
    with app.app_context():
        term = db.session.get(Term, world["term"])
        term.intake_closes_at = utcnow() - timedelta(days=2)
        term.results_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        placement_id = db.session.scalar(select(Placement.id))
    response = client.post(
        f"/dienst/plaatsingen/{placement_id}/intrekken",
        data={"confirmed": "1"},
        follow_redirects=True,
    )
    assert "enkel VIVO" in response.text
    with app.app_context():
        assert db.session.get(Placement, placement_id) is not None


def test_a_service_cannot_withdraw_another_services_placement(app, world):
    accept(as_service(app, world, "a"), world, "a")
    with app.app_context():
        placement_id = db.session.scalar(select(Placement.id))
    other = as_service(app, world, "b")
    assert (
        other.post(
            f"/dienst/plaatsingen/{placement_id}/intrekken", data={"confirmed": "1"}
        ).status_code
        == 404
    )


def test_mentors_and_capacity_pages(app, world):
    client = as_service(app, world, "a")
    bad = client.post(
        "/dienst/mentoren", data={"name": "Nina", "phone": "12", "email": "nina@wzc.be"}
    )
    assert "geldig telefoonnummer" in bad.text
    good = client.post(
        "/dienst/mentoren",
        data={"name": "Nina", "phone": "03 212 34 56", "email": "nina@wzc.be"},
        follow_redirects=True,
    )
    assert "Stagementor Nina toegevoegd." in good.text
    client.post(
        "/dienst/mentoren/capaciteit",
        data={"term_id": str(world["term"]), "places": "3"},
    )
    assert "Je biedt 3 plaatsen aan" in client.get("/dienst/aanvragen").text
    other = as_service(app, world, "b")
    assert "Nina" not in other.get("/dienst/mentoren").text
    assert (
        other.post(
            f"/dienst/mentoren/{world['services']['a']['mentor']}/verwijderen"
        ).status_code
        == 404
    )


def test_a_service_edits_its_own_mentor_only(app, world):
    client = as_service(app, world, "a")
    mentor_id = world["services"]["a"]["mentor"]
    bad = client.post(
        f"/dienst/mentoren/{mentor_id}/bewerken",
        data={"name": "Mona", "phone": "1", "email": "mona@wzc.be"},
    )
    assert "geldig telefoonnummer" in bad.text
    client.post(
        f"/dienst/mentoren/{mentor_id}/bewerken",
        data={"name": "Mona Maes", "phone": "0470 11 22 33", "email": "mona@wzc.be"},
    )
    listing = client.get("/dienst/mentoren").text
    assert "Mona Maes" in listing and "0470 11 22 33" in listing
    other = as_service(app, world, "b")
    assert other.get(f"/dienst/mentoren/{mentor_id}/bewerken").status_code == 404


def test_a_service_with_a_placement_cannot_accept_after_the_results_or_a_stop(
    app, world
):
    client = as_service(app, world, "a")
    accept(client, world, "a")
    with app.app_context():
        db.session.get(Student, world["student"]).stopped_on = utcnow().date()
        db.session.commit()
    assert accept(client, world, "a", period_index=1).status_code == 404
    with app.app_context():
        student = db.session.get(Student, world["student"])
        student.stopped_on = None
        student.term.intake_closes_at = utcnow() - timedelta(days=2)
        student.term.results_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = accept(client, world, "a", period_index=1)
    assert (
        response.status_code == 302
        and "kon tot" in client.get(response.headers["Location"]).text
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 1


def test_a_service_cannot_decline_a_student_it_accepted(app, world):
    client = as_service(app, world, "a")
    accept(client, world, "a")
    response = client.post(
        f"/dienst/aanvragen/{world['student']}/weigeren",
        data={"reason": "toch niet"},
        follow_redirects=True,
    )
    assert "trek eerst je aanvaarding in" in response.text
    with app.app_context():
        assert db.session.scalar(select(Decline)) is None


@pytest.mark.parametrize(
    "url",
    [
        "/dienst/aanvragen/100000000000000000000",
        "/dienst/aanvragen?term=100000000000000000000",
        "/dienst/mentoren/100000000000000000000/bewerken",
    ],
)
def test_ids_too_large_for_the_database_answer_not_found(app, world, url):
    response = as_service(app, world, "a").get(url)
    assert (
        response.status_code in (200, 404) and "Er ging iets mis" not in response.text
    )


def test_a_school_stopping_an_accepted_trainee_tells_the_service(app, world, outbox):
    client = as_service(app, world, "a")
    accept(client, world, "a")
    school = app.test_client()
    login(school, world["school_email"])
    school.post(
        f"/studenten/{world['student']}/gestopt",
        data={"stopped_on": utcnow().date().isoformat(), "stopped_reason": ""},
    )
    assert any(
        m[0] == world["services"]["a"]["email"] and "gestopt" in m[1] for m in outbox()
    )


def test_the_school_is_told_in_the_language_of_each_login(app, world, outbox):
    with app.app_context():
        from app.models import School, User

        english = make_user(
            "school",
            organisation=db.session.get(School, world["school"]),
            language="en",
        )
        db.session.commit()
        english_email = english.email
        assert (
            db.session.scalar(
                select(User.language).where(User.email == world["school_email"])
            )
            == "nl"
        )
    accept(as_service(app, world, "a"), world, "a")
    subjects = {recipient: subject for recipient, subject, _ in outbox()}
    assert (
        subjects[english_email]
        == "Stagematching: Sara Peeters was accepted by Dienst A"
    )
    assert (
        subjects[world["school_email"]]
        == "Stagematching: Sara Peeters werd aanvaard door Dienst A"
    )


def statements_for(app, client, url: str) -> tuple[int, str]:
    """How many SQL statements one GET runs, and the page."""
    from sqlalchemy import event

    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen), response.text


def test_my_trainees_runs_the_same_statements_for_few_and_many_and_audits_each(
    app, world
):
    def add_trainees(n):
        with app.app_context():
            from app.models import CareService, Mentor, School, Term

            service = db.session.get(CareService, world["services"]["a"]["id"])
            mentor = db.session.get(Mentor, world["services"]["a"]["mentor"])
            school, term = (
                db.session.get(School, world["school"]),
                db.session.get(Term, world["term"]),
            )
            for _ in range(n):
                make_placement(
                    make_student(school=school, term=term),
                    service=service,
                    mentor=mentor,
                )
            db.session.commit()

    client = as_service(app, world, "a")
    add_trainees(3)
    few, _ = statements_for(app, client, "/dienst/stagiairs")
    add_trainees(30)
    many, page = statements_for(app, client, "/dienst/stagiairs")
    assert few == many, (few, many)
    assert page.count("Aanvaarding intrekken") >= 33
    with app.app_context():
        views = db.session.scalars(
            select(AuditEvent.object_id).where(
                AuditEvent.action == "student.personal_data_viewed"
            )
        ).all()
        assert len(views) == 3 + 33 and len(set(views[3:])) == 33


# --- SECURITY 3: field-level reveal, proven on the bytes a service receives ----------------

EXPORT_FORMATS = ("csv", "csv_excel", "xlsx")


def received_bytes(client, url: str, **headers) -> bytes:
    """The body as the browser receives it; an XLSX (a zip) is opened: every part of it."""
    import io
    import zipfile

    response = client.get(url, headers=headers)
    body = response.get_data()
    response.close()
    assert response.status_code == 200, url
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"".join(archive.read(name) for name in archive.namelist())
    return body


def everything_a_service_receives(client, world) -> dict[str, bytes]:
    """Every page, htmx fragment and export of a service that can show this student."""
    student = world["student"]
    pages = {
        "browse": "/dienst/aanvragen",
        "browse, sorted": "/dienst/aanvragen?sort=naam",
        "request": f"/dienst/aanvragen/{student}",
        "trainees": "/dienst/stagiairs",
        "trainees, every term": "/dienst/stagiairs?term=alle",
        "export screen": "/export",
    }
    received = {}
    for name, url in pages.items():
        received[name] = received_bytes(client, url)
        received[name + " (htmx)"] = received_bytes(
            client, url, **{"HX-Request": "true"}
        )
    for kind in EXPORT_FORMATS:
        received[f"export {kind}"] = received_bytes(
            client, f"/export/bestand?format={kind}"
        )
    return received


def leaks(received: dict[str, bytes]) -> list[tuple[str, str]]:
    return [
        (name, secret)
        for name, body in received.items()
        for secret in PRIVATE
        if secret.encode() in body
    ]


def test_sec_03_no_byte_a_service_receives_holds_contact_data_before_acceptance(
    app, world
):
    """Before acceptance: the bytes of every page, fragment and export of both Antwerp
    services hold none of the national number, phone, e-mail or street (the request itself
    is shown: the test reads the right pages)."""
    for key in ("a", "b"):
        received = everything_a_service_receives(as_service(app, world, key), world)
        assert b"Peeters" in received["request"] and b"Peeters" in received["browse"]
        assert leaks(received) == []


def test_sec_03_after_acceptance_only_the_acceptors_pages_and_exports_hold_it(
    app, world
):
    """After acceptance the accepting service receives the contact data on the request, on
    "Mijn stagiairs" and in every export format; its colleague still receives none of it."""
    acceptor = as_service(app, world, "a")
    assert accept(acceptor, world, "a").status_code == 302
    received = everything_a_service_receives(acceptor, world)
    shown = (
        "0470 12 34 56",
        "Geheime Straat 7",
        "sara.private@mail.example",
        format_national_number(NN),
    )
    for name in ("request", "trainees", *(f"export {k}" for k in EXPORT_FORMATS)):
        for secret in shown:
            assert secret.encode() in received[name], (name, secret)
    assert (
        leaks(everything_a_service_receives(as_service(app, world, "b"), world)) == []
    )


def test_sec_23_a_view_of_personal_data_records_who_when_and_which_student(app, world):
    """Each view of the accepted student's contact data by the service is one event: the
    service's login (who), the moment (when), the student (which), and no personal data."""
    from app.models import User

    client = as_service(app, world, "a")
    accept(client, world, "a")

    def views() -> list[AuditEvent]:
        with app.app_context():
            return db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "student.personal_data_viewed")
                .order_by(AuditEvent.id)
            ).all()

    with app.app_context():
        who = db.session.scalar(
            select(User.id).where(User.email == world["services"]["a"]["email"])
        )
    assert views() == []
    for url in (f"/dienst/aanvragen/{world['student']}", "/dienst/stagiairs"):
        before, start = len(views()), utcnow()
        assert client.get(url).status_code == 200
        new = views()[before:]
        assert len(new) == 1, url
        (event,) = new
        assert (event.user_id, event.object_type, event.object_id) == (
            who,
            "Student",
            world["student"],
        ), url
        assert start - timedelta(seconds=1) <= event.at <= utcnow(), url
        for secret in PRIVATE:
            assert secret not in event.detail, url


def test_a_mentor_added_inline_takes_the_focus_and_is_not_added_twice(app, world):
    """The page comes back whole after "Stagementor toevoegen": the chosen mentor's list
    has the focus (autofocus), and the same name and address sent again reuse the row."""
    from app.models import Mentor

    client = as_service(app, world, "a")
    data = {
        "action": "add_mentor",
        "periods": [str(world["periods"][0])],
        "mentor_id": "0",
        "mentor-name": "Mona Mentor",
        "mentor-phone": "03 212 34 56",
        "mentor-email": "mona@wzc.be",
    }
    url = f"/dienst/aanvragen/{world['student']}/aanvaarden"
    first = client.post(url, data=data).text
    select_tag = (
        first.split('id="mentor_id"')[0].rsplit("<select", 1)[1]
        + first.split('id="mentor_id"')[1].split(">", 1)[0]
    )
    assert "autofocus" in select_tag
    again = client.post(
        url, data={**data, "mentor-name": " mona mentor", "mentor-email": "MONA@wzc.be"}
    )
    assert again.status_code == 200
    with app.app_context():
        names = db.session.scalars(
            select(Mentor.name).where(Mentor.name.ilike("%mona%"))
        ).all()
    assert names == ["Mona Mentor"]
