"""The audit log (ADM-4): filters, paging, CSV export, and no route changes an event."""

import csv
import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests.factories import login, make_school, make_service, make_student, make_term, make_user

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
        school_user = make_user("school", organisation=school, email="coord@zonnebloem.example")
        service_user = make_user("service", organisation=service, email="team@delinde.example")
        admin = make_user("admin", email="baas@vivo.example")
        term = make_term()
        anna = make_student(school=school, term=term, first_name="Anna", last_name="Janssens")
        bert = make_student(school=school, term=term, first_name="Bert", last_name="Peeters")
        events = [
            AuditEvent(at=at(2), user_id=school_user.id, action="student.stopped",
                       object_type="Student", object_id=anna.id),
            AuditEvent(at=at(3), user_id=service_user.id, action="placement.accepted",
                       object_type="Student", object_id=bert.id, detail="periods 1"),
            AuditEvent(at=at(4), user_id=service_user.id, action="student.personal_data_viewed",
                       object_type="Student", object_id=anna.id),
            AuditEvent(at=LATE_EVENING_UTC, user_id=admin.id, action="user.invited",
                       object_type="User", object_id=school_user.id, detail="school"),
            AuditEvent(at=at(12), user_id=None, action="term.created", object_type="Term",
                       object_id=term.id),
        ]
        db.session.add_all(events)
        db.session.commit()
        return dict(admin=admin.email, school=school_user.email, anna=anna.id, bert=bert.id,
                    ids=[e.id for e in events])


def as_admin(client, log):
    login(client, log["admin"])
    return client


def listed(response) -> list[str]:
    """The action codes in the log table, top to bottom."""
    assert response.status_code == 200
    return re.findall(r'<small class="muted">([a-z_.]+)</small>', response.text)


def test_log_lists_every_event_newest_first(app, client, log):
    response = as_admin(client, log).get("/admin/logboek")
    assert listed(response) == ["term.created", "user.invited", "student.personal_data_viewed",
                                "placement.accepted", "student.stopped"]
    assert "team@delinde.example" in response.text and "WZC De Linde" in response.text
    assert "Student aanvaard" in response.text  # Dutch label beside the code


@pytest.mark.parametrize("query, expected", [
    ("gebruiker=DELINDE", ["student.personal_data_viewed", "placement.accepted"]),
    ("gebruiker=baas@", ["user.invited"]),
    ("organisatie=zonnebloem", ["student.stopped"]),
    ("organisatie=linde", ["student.personal_data_viewed", "placement.accepted"]),
    ("actie=placement.accepted", ["placement.accepted"]),
    ("student=janssens", ["student.personal_data_viewed", "student.stopped"]),
    ("student=anna+jans", ["student.personal_data_viewed", "student.stopped"]),
    ("van=2026-03-03&tot=2026-03-04", ["student.personal_data_viewed", "placement.accepted"]),
    # 23:30 UTC on the 10th is the 11th in Brussels
    ("van=2026-03-11&tot=2026-03-11", ["user.invited"]),
    ("tot=2026-03-10", ["student.personal_data_viewed", "placement.accepted", "student.stopped"]),
    ("gebruiker=delinde&student=janssens", ["student.personal_data_viewed"]),
    ("student=nobody", []),
    ("gebruiker=%25", []),  # a literal %, not a wildcard
    ("van=gisteren&actie=", ["term.created", "user.invited", "student.personal_data_viewed",
                             "placement.accepted", "student.stopped"]),  # bad date ignored
])
def test_each_filter_narrows(app, client, log, query, expected):
    assert listed(as_admin(client, log).get(f"/admin/logboek?{query}")) == expected


def test_student_filter_by_id(app, client, log):
    response = as_admin(client, log).get(f"/admin/logboek?student={log['bert']}")
    assert listed(response) == ["placement.accepted"]
    # a user id equal to the student id does not match: only Student objects count
    assert listed(client.get("/admin/logboek?student=99999999999")) == []


def test_action_select_offers_stored_actions_with_labels(app, client, log):
    text = as_admin(client, log).get("/admin/logboek").text
    assert '<option value="student.personal_data_viewed">Persoonsgegevens bekeken</option>' in text
    assert '<option value="user.invited">Login uitgenodigd</option>' in text


def test_paging(app, client, log):
    with app.app_context():
        db.session.add_all(AuditEvent(at=at(20, hour=0), action="export.downloaded",
                                      detail=f"n={n}") for n in range(60))
        db.session.commit()
    as_admin(client, log)
    first = listed(client.get("/admin/logboek"))
    second = listed(client.get("/admin/logboek?page=2"))
    assert len(first) == 50 and len(second) == 15
    assert "65 gebeurtenissen" in client.get("/admin/logboek").text
    assert second[-1] == "student.stopped"
    assert "page=2" in client.get("/admin/logboek").text
    assert listed(client.get("/admin/logboek?page=99")) == []  # past the end: empty, no error
    assert client.get("/admin/logboek?page=abc").status_code == 200


def test_csv_export_of_the_filtered_log_is_audited(app, client, log):
    as_admin(client, log)
    response = client.get("/admin/logboek/export?gebruiker=delinde&student=janssens")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    response.close()
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert lines[0] == ["Tijdstip", "Gebruiker", "Organisatie", "Actie", "Omschrijving",
                        "Objecttype", "Object-id", "Detail"]
    assert lines[1:] == [["04/03/2026 13:00:00", "team@delinde.example", "WZC De Linde",
                          "student.personal_data_viewed", "Persoonsgegevens bekeken",
                          "Student", str(log["anna"]), ""]]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
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
        "audit_log.exported", "term.created", "user.invited", "student.personal_data_viewed",
        "placement.accepted", "student.stopped"]
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
        return {e.id: (e.at, e.user_id, e.action, e.object_type, e.object_id, e.detail)
                for e in db.session.scalars(select(AuditEvent))}


def _urls(app, value: int):
    """(url, method) of every rule, each id parameter filled with `value`."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout"):
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(value) if "id" in m.group(1) else "x",
                     rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield url, method


@pytest.mark.parametrize("role", ["admin", "school", "service"])
def test_no_route_changes_or_deletes_an_audit_event(app, client, log, role):
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
            response = client.open(url, method=method, data=forms if method == "POST" else None)
            response.get_data()
            response.close()
            assert response.status_code < 500, (url, method)
    after = _snapshot(app)
    assert {k: v for k, v in after.items() if k in before} == before
    assert min(set(after) - set(before), default=max(before) + 1) > max(before)  # only appended
