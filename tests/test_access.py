"""Role matrix: every endpoint has an expected audience, checked for every role (SECURITY 1-2)."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Base
from tests.factories import login, make_user

PUBLIC = "public"
ANY = frozenset({"admin", "school", "service"})
ADMIN = frozenset({"admin"})
SCHOOL = frozenset({"school"})
SERVICE = frozenset({"service"})

# Every endpoint of the app and who may use it. A new route without an entry fails the test.
EXPECTED: dict[str, object] = {
    "static": PUBLIC,
    "export.index": ANY,
    "export.download": ANY,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.activate": PUBLIC,
    "auth.resend_activation": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,
    "main.index": PUBLIC,
    "main.help_page": PUBLIC,
    "main.healthz": PUBLIC,
    "main.set_language": PUBLIC,
    "main.dashboard": ANY,
    "main.edit_help": ADMIN,
    "admin.users": ADMIN,
    "admin.organisation_choices": ADMIN,
    "admin.resend_invitation": ADMIN,
    "admin.disable_user": ADMIN,
    "admin.enable_user": ADMIN,
    "admin.schools": ADMIN,
    "admin.new_school": ADMIN,
    "admin.edit_school": ADMIN,
    "admin.deactivate_school": ADMIN,
    "admin.reactivate_school": ADMIN,
    "admin.services": ADMIN,
    "admin.new_service": ADMIN,
    "admin.edit_service": ADMIN,
    "admin.deactivate_service": ADMIN,
    "admin.reactivate_service": ADMIN,
    "admin.import_services": ADMIN,
    "admin.save_service_import": ADMIN,
    "admin.services_template": ADMIN,
    "admin.dashboard": ADMIN,
    "admin.unanswered": ADMIN,
    "admin.remind_unanswered": ADMIN,
    "admin.audit_log": ADMIN,
    "admin.audit_log_export": ADMIN,
    "admin.helpdesk": ADMIN,
    "admin.new_proposal": ADMIN,
    "admin.proposal": ADMIN,
    "admin.remove_proposal_line": ADMIN,
    "admin.send_proposal": ADMIN,
    "admin.helpdesk_school": ADMIN,
    "admin.helpdesk_student": ADMIN,
    "admin.helpdesk_service": ADMIN,
    "admin.helpdesk_service_request": ADMIN,
    "admin.helpdesk_service_trainees": ADMIN,
    "supervisors.index": SCHOOL,
    "supervisors.create": SCHOOL,
    "supervisors.show": SCHOOL,
    "supervisors.edit": SCHOOL,
    "supervisors.delete": SCHOOL,
    "students.overview": SCHOOL,
    "students.new": SCHOOL,
    "students.show": SCHOOL,
    "students.edit": SCHOOL,
    "students.delete": SCHOOL,
    "students.stop": SCHOOL,
    "students.undo_stop": SCHOOL,
    "students.province_hint": SCHOOL,
    "students.preferred_services": SCHOOL,
    "imports.upload": SCHOOL,
    "imports.save": SCHOOL,
    "imports.template": SCHOOL,
    "placements.browse": SERVICE,
    "placements.show": SERVICE,
    "placements.accept": SERVICE,
    "placements.decline": SERVICE,
    "placements.withdraw": SERVICE,
    "placements.trainees": SERVICE,
    "placements.proposals_index": SERVICE,
    "placements.proposal": SERVICE,
    "placements.proposal_accept": SERVICE,
    "placements.proposal_decline": SERVICE,
    "mentors.index": SERVICE,
    "mentors.create": SERVICE,
    "mentors.show": SERVICE,
    "mentors.edit": SERVICE,
    "mentors.delete": SERVICE,
    "mentors.capacity": SERVICE,
    "schedule.terms": ADMIN,
    "schedule.new_term": ADMIN,
    "schedule.term": ADMIN,
    "schedule.edit_term": ADMIN,
    "schedule.copy_school_year": ADMIN,
    "schedule.open_second_round": ADMIN,
    "schedule.close_second_round": ADMIN,
    "schedule.withdraw_placement": ADMIN,
    "schedule.overrides": ADMIN,
    "schedule.revoke_override": ADMIN,
    "schedule.timing": ANY,
}


def visit(client, url: str, method: str = "GET"):
    """One request, read to the end and closed, as a browser and a WSGI server do (a streamed
    export keeps its request context until it is closed)."""
    response = client.open(url, method=method)
    response.get_data()
    response.close()
    return response


def rules(app):
    """(endpoint, url, method) for every rule, ids filled with 999999 (nobody's id)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = re.sub(
            r"<(?:\w+:)?(\w+)>",
            lambda m: "999999" if "id" in m.group(1) else "x",
            rule.rule,
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, url, method


def test_sec_02_every_endpoint_has_an_expected_audience(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), "add new endpoints to EXPECTED with their roles"
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        declared = getattr(view, "allowed_roles", None)
        assert declared == EXPECTED[endpoint], f"{endpoint} declares {declared}"


def test_sec_02_anonymous_users_are_sent_to_login_from_every_non_public_rule(
    app, client
):
    for endpoint, url, method in rules(app):
        if EXPECTED[endpoint] == PUBLIC:
            continue
        response = visit(client, url, method)
        assert response.status_code == 302, (endpoint, response.status_code)
        assert response.headers["Location"].startswith("/login"), endpoint


def test_sec_02_anonymous_htmx_requests_get_401_with_hx_redirect(app, client):
    response = client.get("/start", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


@pytest.mark.parametrize("role", ["admin", "school", "service"])
def test_sec_02_each_role_reaches_only_its_endpoints(app, client, role):
    with app.app_context():
        user = make_user(role)
        db.session.commit()
        email = user.email
    login(client, email)
    for endpoint, url, method in rules(app):
        expected = EXPECTED[endpoint]
        if endpoint == "auth.logout":
            continue  # would end the session of the walk
        response = visit(client, url, method)
        if expected == PUBLIC or role in expected:
            assert response.status_code != 403, (endpoint, method)
        else:
            assert response.status_code == 403, (endpoint, method, response.status_code)
            assert "geen toegang" in response.text


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize("role", ["admin", "school", "service"])
def test_sec_07_no_get_route_changes_stored_data_but_audit_events(app, client, role):
    with app.app_context():
        user = make_user(role)
        db.session.commit()
        email = user.email
    login(client, email)
    before = row_counts(app)
    for endpoint, url, method in rules(app):
        if method == "GET":
            visit(client, url)
    after = row_counts(app)
    # A GET may only leave a record that it happened: an export or a view of personal data
    # is an audit event (SECURITY.md 23). Nothing else changes.
    assert {t: n for t, n in after.items() if t != "audit_event"} == {
        t: n for t, n in before.items() if t != "audit_event"
    }
    with app.app_context():
        from app.models import AuditEvent

        actions = db.session.scalars(select(AuditEvent.action)).all()
    # the GETs that audit without an id: the exports (and, for VIVO, the export of the log)
    assert sorted(actions) == (
        ["audit_log.exported", "export.downloaded"]
        if role == "admin"
        else ["export.downloaded"]
    )
