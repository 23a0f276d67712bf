"""VIVO's dashboard per term (ADM-3): counts per province and school, acceptances per day,
the unplaced, free capacity; a fixed number of SQL statements."""

import random
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.admin import stats
from app.extensions import db
from app.models import Decline, ServiceCapacity, utcnow
from app.models.reference import PROVINCES
from app.schedule.clock import brussels, local_date
from tests.factories import (
    login,
    make_placement,
    make_school,
    make_service,
    make_student,
    make_supervisor,
    make_term,
    make_user,
    valid_national_number,
)


def as_admin(client):
    user = make_user("admin")
    db.session.commit()
    login(client, user.email)


def decline(student, service):
    db.session.add(
        Decline(student_id=student.id, care_service_id=service.id, reason="Volzet")
    )
    db.session.flush()


def a_busy_term(seed: int = 7):
    """Three schools, students in four provinces with placements, declines and stops; returns
    the term and, per student, what was done to it."""
    rng = random.Random(seed)
    term = make_term()
    other_term = make_term()
    schools = [make_school() for _ in range(3)]
    supervisors = {s.id: make_supervisor(s) for s in schools}
    services = {p: make_service(province=p) for p in ("ANT", "LIM", "OVL", "WVL")}
    made = []
    for n in range(40):
        school = schools[n % 3]
        province = rng.choice(["ANT", "LIM", "OVL", "WVL"])
        student = make_student(
            school, term, supervisors[school.id], periods=2, province=province
        )
        placed = declined = stopped = False
        roll = rng.random()
        if roll < 0.35:
            make_placement(student, services[province], period_number=1)
            placed = True
            if rng.random() < 0.3:
                make_placement(student, services[province], period_number=2)
        if rng.random() < 0.3:
            decline(student, services[province])
            declined = True
            if rng.random() < 0.5:  # a second decline does not count the student twice
                decline(student, make_service(province=province))
        if rng.random() < 0.2:
            student.stopped_on = local_date(utcnow())
            stopped = True
        made.append(
            dict(
                school=school.name,
                province=province,
                placed=placed,
                declined=declined,
                stopped=stopped,
            )
        )
    # Another term's request counts nowhere here.
    other = make_student(
        schools[0], other_term, supervisors[schools[0].id], province="ANT"
    )
    make_placement(other, services["ANT"])
    db.session.commit()
    return term, made


def expected(rows) -> dict:
    return dict(
        requests=len(rows),
        accepted=sum(r["placed"] for r in rows),
        open=sum(not r["placed"] and not r["stopped"] for r in rows),
        declined=sum(r["declined"] for r in rows),
        stopped=sum(r["stopped"] for r in rows),
    )


def numbers(counts: stats.Counts) -> dict:
    return dict(
        requests=counts.requests,
        accepted=counts.accepted,
        open=counts.open,
        declined=counts.declined,
        stopped=counts.stopped,
    )


def test_counts_equal_counts_made_in_the_test(ctx):
    term, made = a_busy_term()
    board = stats.dashboard(term)
    assert numbers(board.total) == expected(made)
    assert board.total.requests == 40  # the other term's request is not counted
    for row in board.provinces:
        assert numbers(row) == expected(
            [r for r in made if r["province"] == row.key]
        ), row.key
    assert [row.key for row in board.provinces] == list(PROVINCES)
    by_school = {row.label: numbers(row) for row in board.schools}
    assert by_school == {
        name: expected([r for r in made if r["school"] == name])
        for name in {r["school"] for r in made}
    }
    for row in board.provinces:
        assert row.accepted + row.open + row.stopped_unplaced == row.requests


def table_row(html: str, caption: str, label: str) -> list[int]:
    """The numbers of one row of the table with this caption."""
    table = html.split(f"<caption>{caption}</caption>")[1].split("</table>")[0]
    row = re.search(
        rf"<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", table, re.S
    )
    assert row, label
    return [int(n) for n in re.findall(r"<td>(\d+)</td>", row.group(1))]


def test_the_page_shows_the_counts_in_tables_beside_svg_charts(app, client):
    with app.app_context():
        term, made = a_busy_term(seed=11)
        term_id, school = term.id, made[0]["school"]
        as_admin(client)
    html = client.get(f"/admin/dashboard?term={term_id}").text
    for code, name in PROVINCES.items():
        want = expected([r for r in made if r["province"] == code])
        assert table_row(html, "Stageaanvragen per provincie", name) == list(
            want.values()
        )
    want = expected([r for r in made if r["school"] == school])
    assert table_row(html, "Stageaanvragen per school", school) == list(want.values())
    assert table_row(html, "Stageaanvragen per provincie", "Totaal") == list(
        expected(made).values()
    )
    # Charts: inline SVG images with a label, no script and no style attribute (CSP).
    assert html.count("<svg") == 4 and html.count('role="img"') == 4
    assert "<script>" not in html and "style=" not in html
    assert 'class="bar-accepted"' in html


def test_long_school_names_are_shortened_in_the_chart_with_the_full_name_as_title(
    app, client
):
    long_name = (
        "Centrum voor Volwassenenonderwijs Hoger Instituut voor Verpleegkunde Sint-Jan"
    )
    with app.app_context():
        term = make_term()
        make_student(make_school(name=long_name), term)
        make_student(make_school(name="CVO Kort"), term)
        db.session.commit()
        term_id = term.id
        as_admin(client)
    html = client.get(f"/admin/dashboard?term={term_id}").text
    chart = html.split('id="schools-title"')[1].split("</svg>")[0].split("<svg")[1]
    labels = re.findall(r'<text[^>]*class="chart-label">(.*?)</text>', chart, re.S)
    assert f"<title>{long_name}</title>Centrum voor Volwasse…" in labels
    assert "CVO Kort" in labels  # a short name unchanged, without a title
    for label in labels:
        assert len(re.sub(r"<title>.*?</title>", "", label)) <= 22


def test_acceptances_per_day_over_the_matching_weeks(ctx):
    now = utcnow()
    release = now - timedelta(days=5)
    term = make_term(now=now, requests_visible_at=release)
    first_day = local_date(release)
    students = [make_student(term=term, periods=2) for _ in range(3)]
    day2 = brussels(
        first_day + timedelta(days=2), 0, 30
    )  # 00:30 Belgian: still that day
    for student, at in [
        (students[0], day2),
        (students[1], day2),
        (students[2], brussels(first_day + timedelta(days=4), 23, 50)),
    ]:
        make_placement(student).created_at = at
    make_placement(students[0], period_number=2).created_at = brussels(first_day, 12)
    db.session.commit()
    days = stats.acceptances_per_day(term)
    assert days[0].day == first_day
    assert days[-1].day == local_date(term.results_at)  # the whole span, zeros included
    per_day = {d.day: d.count for d in days if d.count}
    assert per_day == {
        first_day: 1,
        first_day + timedelta(days=2): 2,
        first_day + timedelta(days=4): 1,
    }
    assert len(days) == (days[-1].day - days[0].day).days + 1


def test_unplaced_and_free_capacity_per_province(app, client):
    with app.app_context():
        term = make_term()
        full = make_service("LIM")
        roomy = make_service("LIM")
        make_service("LIM")  # no capacity given: unknown
        make_service("LIM", active=False)  # a deactivated service is not counted
        db.session.add_all(
            [
                ServiceCapacity(care_service_id=full.id, term_id=term.id, places=1),
                ServiceCapacity(care_service_id=roomy.id, term_id=term.id, places=3),
            ]
        )
        placed = make_student(term=term, province="LIM", periods=2)
        make_placement(placed, full, period_number=1)
        make_placement(
            placed, full, period_number=2
        )  # one student, two periods: one place
        make_placement(make_student(term=term, province="LIM"), roomy)
        make_student(term=term, province="LIM")
        make_student(term=term, province="ANT")
        make_student(term=term, province="ANT", stopped_on=local_date(utcnow()))
        db.session.commit()
        capacity = {row.province: row for row in stats.capacity_per_province(term.id)}
        term_id = term.id
        as_admin(client)
    lim = capacity["LIM"]
    assert (lim.services, lim.with_room, lim.free_places, lim.full, lim.unknown) == (
        3,
        1,
        2,
        1,
        1,
    )
    assert capacity["ANT"].services == 0
    html = client.get(f"/admin/dashboard?term={term_id}").text
    assert table_row(
        html, "Capaciteit van de actieve diensten per provincie", "Limburg"
    ) == [3, 1, 2, 1, 1]
    unplaced = html.split('id="unplaced-title"')[1].split("</section>")[0]
    assert '<strong class="big-number">2</strong>' in unplaced
    assert "<li>Limburg: 1</li>" in unplaced and "<li>Antwerpen: 1</li>" in unplaced


def test_free_capacity_falls_back_to_the_services_default(app, client):
    """No ServiceCapacity row for the term: CareService.capacity_default counts, as in
    app.placements.logic.capacity; a row of the term wins over the default."""
    from app.placements.logic import capacity as service_capacity

    with app.app_context():
        term = make_term()
        roomy = make_service("OVL", capacity_default=2)
        full = make_service("OVL", capacity_default=1)
        overruled = make_service("OVL", capacity_default=5)
        make_service("OVL")  # neither: unknown
        db.session.add(
            ServiceCapacity(care_service_id=overruled.id, term_id=term.id, places=0)
        )
        make_placement(make_student(term=term, province="OVL"), roomy)
        make_placement(make_student(term=term, province="OVL"), full)
        db.session.commit()
        row = {r.province: r for r in stats.capacity_per_province(term.id)}["OVL"]
        for service, free in [(roomy, 1), (full, 0), (overruled, 0)]:
            offered, taken = service_capacity(service.id, term.id)
            assert offered - taken == free
        term_id = term.id
        as_admin(client)
    assert (row.services, row.with_room, row.free_places, row.full, row.unknown) == (
        4,
        1,
        1,
        2,
        1,
    )
    html = client.get(f"/admin/dashboard?term={term_id}").text
    assert table_row(
        html, "Capaciteit van de actieve diensten per provincie", "Oost-Vlaanderen"
    ) == [4, 1, 1, 2, 1]


def test_without_a_choice_the_default_term_is_shown(app, client):
    with app.app_context():
        make_term(intake_open=False, name="Voorbij")
        make_term(name="Lopend")
        as_admin(client)
    html = client.get("/admin/dashboard").text
    assert re.search(r'<option selected value="\d+">Lopend</option>', html)
    assert client.get("/admin/dashboard?term=abc").status_code == 200


def test_an_empty_database_says_there_are_no_terms(app, client):
    with app.app_context():
        as_admin(client)
    assert "Er zijn nog geen stageperiodes." in client.get("/admin/dashboard").text


def statements_for(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen)


_numbers = iter(range(1, 10**6))


def unique_number() -> str:
    """A national number no other test student has (the factory's may repeat after ~1000)."""
    n = next(_numbers)
    return valid_national_number(
        date(1980, 1, 1) + timedelta(days=n // 900), n % 900 + 1
    )


def add_students(term, number: int):
    schools = [make_school() for _ in range(4)]
    services = [make_service(province=p) for p in ("ANT", "LIM")]
    for n in range(number):
        school = schools[n % 4]
        student = make_student(
            school,
            term,
            province=("ANT", "LIM")[n % 2],
            national_number=unique_number(),
        )
        if n % 3 == 0:
            make_placement(student, services[n % 2])
        if n % 5 == 0:
            decline(student, services[n % 2])
    db.session.commit()


@pytest.mark.parametrize("more", [190])
def test_the_statement_count_does_not_grow_with_the_students(app, client, more):
    with app.app_context():
        term = make_term()
        add_students(term, 10)
        term_id = term.id
        as_admin(client)
    url = f"/admin/dashboard?term={term_id}"
    client.get(
        url
    )  # warm up: caches of the first request are not the page's statements
    few = statements_for(app, client, url)
    with app.app_context():
        add_students(db.session.get(type(term), term_id), more)
    many = statements_for(app, client, url)
    assert few == many


@pytest.mark.parametrize("role", ["school", "service"])
def test_only_admins_see_the_dashboard(app, client, role):
    with app.app_context():
        user = make_user(role)
        db.session.commit()
        login(client, user.email)
    response = client.get("/admin/dashboard")
    assert response.status_code == 403 and "geen toegang" in response.text
