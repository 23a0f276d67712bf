"""The audit log (ADM-4): filters, paging, CSV export, and no route changes an event."""

import csv
import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests.factories import (
    login,
    make_school,
    make_service,
    make_student,
    make_term,
    make_user,
)

# 2026-03-10 23:30 UTC is 11 March 00:30 in Brussels (CET, UTC+1): a day boundary test.
LATE_EVENING_UTC = datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=timezone.utc)


@pytest.fixture
def log(app):
    """Events by a school user, a service user and an admin, on different days."""
    with app.app_context():
        school = make_school(name="CVO Zonnebloem")
        service = make_service(name="WZC De Linde")
        school_user = make_user(
            "school", organisation=school, email="coord@zonnebloem.example"
        )
        service_user = make_user(
            "service", organisation=service, email="team@delinde.example"
        )
        admin = make_user("admin", email="baas@vivo.example")
        term = make_term()
        anna = make_student(
            school=school, term=term, first_name="Anna", last_name="Janssens"
        )
        bert = make_student(
            school=school, term=term, first_name="Bert", last_name="Peeters"
        )
        events = [
            AuditEvent(
                at=at(2),
                user_id=school_user.id,
                action="student.stopped",
                object_type="Student",
                object_id=anna.id,
            ),
            AuditEvent(
                at=at(3),
                user_id=service_user.id,
                action="placement.accepted",
                object_type="Student",
                object_id=bert.id,
                detail="periods 1",
            ),
            AuditEvent(
                at=at(4),
                user_id=service_user.id,
                action="student.personal_data_viewed",
                object_type="Student",
                object_id=anna.id,
            ),
            AuditEvent(
                at=LATE_EVENING_UTC,
                user_id=admin.id,
                action="user.invited",
                object_type="User",
                object_id=school_user.id,
                detail="school",
            ),
            AuditEvent(
                at=at(12),
                user_id=None,
                action="term.created",
                object_type="Term",
                object_id=term.id,
            ),
        ]
        db.session.add_all(events)
        db.session.commit()
        return dict(
            admin=admin.email,
            school=school_user.email,
            anna=anna.id,
            bert=bert.id,
            ids=[e.id for e in events],
        )


def as_admin(client, log):
    login(client, log["admin"])
    return client


def listed(response) -> list[str]:
    """The action codes in the log table, top to bottom."""
    assert response.status_code == 200
    return re.findall(r'<small class="muted">([a-z_.]+)</small>', response.text)


def test_log_lists_every_event_newest_first(app, client, log):
    response = as_admin(client, log).get("/admin/logboek")
    assert listed(response) == [
        "term.created",
        "user.invited",
        "student.personal_data_viewed",
        "placement.accepted",
        "student.stopped",
    ]
    assert "team@delinde.example" in response.text and "WZC De Linde" in response.text
    assert "Student aanvaard" in response.text  # Dutch label beside the code


@pytest.mark.parametrize(
    "query, expected",
    [
        ("gebruiker=DELINDE", ["student.personal_data_viewed", "placement.accepted"]),
        ("gebruiker=baas@", ["user.invited"]),
        ("organisatie=zonnebloem", ["student.stopped"]),
        ("organisatie=linde", ["student.personal_data_viewed", "placement.accepted"]),
        ("actie=placement.accepted", ["placement.accepted"]),
        ("student=janssens", ["student.personal_data_viewed", "student.stopped"]),
        ("student=anna+jans", ["student.personal_data_viewed", "student.stopped"]),
        (
            "van=2026-03-03&tot=2026-03-04",
            ["student.personal_data_viewed", "placement.accepted"],
        ),
        # 23:30 UTC on the 10th is the 11th in Brussels
        ("van=2026-03-11&tot=2026-03-11", ["user.invited"]),
        (
            "tot=2026-03-10",
            ["student.personal_data_viewed", "placement.accepted", "student.stopped"],
        ),
        ("gebruiker=delinde&student=janssens", ["student.personal_data_viewed"]),
        ("student=nobody", []),
        ("gebruiker=%25", []),  # a literal %, not a wildcard
        (
            "van=gisteren&actie=",
            [
                "term.created",
                "user.invited",
                "student.personal_data_viewed",
                "placement.accepted",
                "student.stopped",
            ],
        ),  # bad date ignored
    ],
)
def test_each_filter_narrows(app, client, log, query, expected):
    assert listed(as_admin(client, log).get(f"/admin/logboek?{query}")) == expected


def test_student_filter_by_id(app, client, log):
    response = as_admin(client, log).get(f"/admin/logboek?student={log['bert']}")
    assert listed(response) == ["placement.accepted"]
    # a user id equal to the student id does not match: only Student objects count
    assert listed(client.get("/admin/logboek?student=99999999999")) == []


def test_action_select_offers_stored_actions_with_labels(app, client, log):
    text = as_admin(client, log).get("/admin/logboek").text
    assert (
        '<option value="student.personal_data_viewed">Persoonsgegevens bekeken</option>'
        in text
    )
    assert '<option value="user.invited">Login uitgenodigd</option>' in text


def test_paging(app, client, log):
    with app.app_context():
        db.session.add_all(
            AuditEvent(at=at(20, hour=0), action="export.downloaded", detail=f"n={n}")
            for n in range(60)
        )
        db.session.commit()
    as_admin(client, log)
    first = listed(client.get("/admin/logboek"))
    second = listed(client.get("/admin/logboek?page=2"))
    assert len(first) == 50 and len(second) == 15
    assert "65 gebeurtenissen" in client.get("/admin/logboek").text
    assert second[-1] == "student.stopped"
    assert "page=2" in client.get("/admin/logboek").text
    assert (
        listed(client.get("/admin/logboek?page=99")) == second
    )  # past the end: the last page
    assert client.get("/admin/logboek?page=abc").status_code == 200


def test_sec_23_the_csv_export_of_the_filtered_log_is_audited(app, client, log):
    as_admin(client, log)
    response = client.get("/admin/logboek/export?gebruiker=delinde&student=janssens")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    response.close()
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert lines[0] == [
        "Tijdstip",
        "Gebruiker",
        "Organisatie",
        "Actie",
        "Omschrijving",
        "Objecttype",
        "Object-id",
        "Detail",
    ]
    assert lines[1:] == [
        [
            "04/03/2026 13:00:00",
            "team@delinde.example",
            "WZC De Linde",
            "student.personal_data_viewed",
            "Persoonsgegevens bekeken",
            "Student",
            str(log["anna"]),
            "",
        ]
    ]
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id.desc())
        ).first()
        assert event.action == "audit_log.exported"
        assert "gebruiker=delinde" in event.detail and "rows=1" in event.detail
        assert "janssens" not in event.detail.lower()  # a name is personal data


def test_csv_export_of_everything(app, client, log):
    as_admin(client, log)
    response = client.get("/admin/logboek/export")
    body = response.get_data(as_text=True)
    response.close()
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    # the header, the export's own event (committed before the file is written), the five
    assert [line[3] for line in lines[1:]] == [
        "audit_log.exported",
        "term.created",
        "user.invited",
        "student.personal_data_viewed",
        "placement.accepted",
        "student.stopped",
    ]
    assert lines[1][1] == "baas@vivo.example" and "alles" in lines[1][7]


@pytest.mark.parametrize("role", ["school", "service"])
def test_only_admins_see_the_log(app, client, role):
    with app.app_context():
        email = make_user(role).email
        db.session.commit()
    login(client, email)
    assert client.get("/admin/logboek").status_code == 403
    assert client.get("/admin/logboek/export").status_code == 403


def _snapshot(app) -> dict[int, tuple]:
    with app.app_context():
        return {
            e.id: (e.at, e.user_id, e.action, e.object_type, e.object_id, e.detail)
            for e in db.session.scalars(select(AuditEvent))
        }


def _urls(app, value: int):
    """(url, method) of every rule, each id parameter filled with `value`."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout"):
            continue
        url = re.sub(
            r"<(?:\w+:)?(\w+)>",
            lambda m: str(value) if "id" in m.group(1) else "x",
            rule.rule,
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield url, method


@pytest.mark.parametrize("role", ["admin", "school", "service"])
def test_sec_23_no_route_changes_or_deletes_an_audit_event(app, client, log, role):
    """Walk every rule with the id of every stored event, GET and POST (CSRF is off in tests,
    so a POST reaches its view): the events already stored stay exactly as they were."""
    with app.app_context():
        email = log["admin"] if role == "admin" else make_user(role).email
        db.session.commit()
    login(client, email)
    before = _snapshot(app)
    forms = {"confirmed": "1", "action": "delete", "detail": "", "reason": "x"}
    for event_id in log["ids"]:
        for url, method in _urls(app, event_id):
            response = client.open(
                url, method=method, data=forms if method == "POST" else None
            )
            response.get_data()
            response.close()
            assert response.status_code < 500, (url, method)
    after = _snapshot(app)
    assert {k: v for k, v in after.items() if k in before} == before
    assert min(set(after) - set(before), default=max(before) + 1) > max(
        before
    )  # only appended


def test_student_name_filter_and_export_are_complete_beyond_500_matches(
    app, client, log
):
    """The name filter is a subquery, not a capped list of ids: all 505 matches count."""
    from datetime import date, timedelta

    from tests.factories import make_supervisor, valid_national_number

    with app.app_context():
        school, term = make_school(), make_term()
        supervisor = make_supervisor(school)
        for n in range(505):
            student = make_student(
                school,
                term,
                supervisor,
                first_name="Veerle",
                last_name=f"Veelvoud{n}",
                national_number=valid_national_number(
                    date(1985, 1, 1) + timedelta(days=n // 900), n % 900 + 1
                ),
            )
            db.session.add(
                AuditEvent(
                    at=at(5),
                    action="student.stopped",
                    object_type="Student",
                    object_id=student.id,
                )
            )
        db.session.commit()
    as_admin(client, log)
    assert "505 gebeurtenissen" in client.get("/admin/logboek?student=veelvoud").text
    response = client.get("/admin/logboek/export?student=veelvoud")
    body = response.get_data(as_text=True)
    response.close()
    assert (
        len(list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";")))
        == 1 + 505
    )


@pytest.mark.parametrize("page", ["99999999999999999999999", "-5", "²", "1e9"])
def test_a_nonsense_or_huge_page_number_is_no_error(app, client, log, page):
    response = as_admin(client, log).get(f"/admin/logboek?page={page}")
    assert response.status_code == 200
    assert listed(response)  # the first or the last page, never an empty one


def test_the_pager_is_compact(app, client, log):
    with app.app_context():
        db.session.add_all(
            AuditEvent(at=at(20, hour=0), action="export.downloaded")
            for _ in range(50 * 30)
        )
        db.session.commit()
    html = (
        as_admin(client, log).get("/admin/logboek?page=15&actie=export.downloaded").text
    )
    nav = html.split('<nav class="pagination"')[1].split("</nav>")[0]
    shown = [int(n) for n in re.findall(r">(\d+)</(?:a|strong)>", nav)]
    assert shown == [1, 13, 14, 15, 16, 17, 30]
    assert 'aria-current="page">15<' in nav and nav.count("…") == 2
    assert (
        "page=14" in nav and "page=16" in nav and "Vorige" in nav and "Volgende" in nav
    )
    assert "actie=export.downloaded" in nav  # the filters stay


def test_the_object_column_names_types_in_dutch_and_links_students_by_id(
    app, client, log
):
    html = as_admin(client, log).get("/admin/logboek").text
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1], re.S)
    objects = [
        re.sub(
            r"\s+",
            " ",
            re.sub(r"<[^>]+>", "", re.findall(r"<td>(.*?)</td>", row, re.S)[4]),
        ).strip()
        for row in rows
    ]
    with app.app_context():
        from app.models import Student, Term, User

        anna = db.session.get(Student, log["anna"])
        term = db.session.scalar(select(Term))
        coordinator = db.session.scalar(select(User).where(User.email == log["school"]))
        school_id = anna.school_id
    assert objects == [
        f"Stageperiode {term.name} #{term.id}",
        f"Login {log['school']} #{coordinator.id}",
        f"Student #{log['anna']}",
        f"Student #{log['bert']}",
        f"Student #{log['anna']}",
    ]
    assert f'href="/admin/hulp/scholen/{school_id}/studenten/{log["anna"]}"' in html
    assert (
        "CareService" not in html and "Anna" not in html
    )  # no class names, no student names


def test_the_object_names_cost_the_same_statements_for_more_rows(app, client, log):
    from sqlalchemy import event as sa_event

    as_admin(client, log)

    def statements() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(1)  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/admin/logboek").status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    client.get("/admin/logboek")
    few = statements()
    with app.app_context():
        for _ in range(10):
            student = make_student()
            service = make_service()
            db.session.add_all(
                [
                    AuditEvent(
                        at=at(6),
                        action="student.stopped",
                        object_type="Student",
                        object_id=student.id,
                    ),
                    AuditEvent(
                        at=at(6),
                        action="service.updated",
                        object_type="CareService",
                        object_id=service.id,
                    ),
                ]
            )
        db.session.commit()
    assert statements() == few + 1  # one more object type (CareService) on the page
