"""The live app with the demo data (`flask demo-data`), for tests that walk the whole site.

`demo` (a fixture: import `demo_fixture` into the test module) loads the demo data into the live app
and returns real ids of the demo logins' own objects; `log_in(page, role)` logs in as the
demo's school, service or admin; `role_pages(app, role, ids)` lists every GET page of the
app's URL map that the role may open (tests/test_access.py's EXPECTED), with those ids.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

DEMO_PASSWORD = "stagematching-demo"
LOGINS = {
    "school": "school1@cvo.demo",
    "service": "dienst-ant@dienst.demo",
    "admin": "admin@vivo.demo",
}


# GET rules that are no HTML page: files, redirects, the health probe, a token page (the
# anonymous walk opens real set-password links instead).
NOT_PAGES = {
    "static",
    "main.index",
    "main.healthz",
    "auth.logout",
    "auth.activate",
    "auth.reset_password",
    "export.download",
    "admin.audit_log_export",
    "admin.services_template",
    "admin.organisation_choices",
    "imports.template",
    "students.province_hint",
    "students.preferred_services",  # a fragment of the request form, for htmx
}


def paths_for(rule, role: str, ids: dict) -> list[str]:
    """The rule as paths with the role's own ids filled in (several for a request page)."""
    choices = {
        "school_id": [ids["school"]],
        "service_id": [ids["service"]],
        "supervisor_id": [ids["supervisor"]],
        "mentor_id": [ids["mentor"]],
        "term_id": [ids["term"]],
        "placement_id": [ids["any_placement"]],
        "student_id": [ids["student"]],
    }
    if role == "service":  # an open request and one this service accepted
        choices["student_id"] = [ids["open_request"], ids["placed_student"]]
    if role == "admin" and rule.endpoint.startswith("admin.helpdesk_"):
        choices["school_id"] = [ids["any_placed_school"]]
        choices["service_id"] = [ids["any_placed_service"]]
        choices["student_id"] = [ids["any_placed_student"]]
    variants = [rule.rule]
    for name in rule.arguments:
        values = choices.get(name)
        if values is None:
            return []
        pattern = rf"<(?:int:)?{name}>"
        variants = [re.sub(pattern, str(v), p) for p in variants for v in values]
    return variants


def role_pages(app, role: str, ids: dict) -> list[str]:
    """Every GET page the role may open, as paths with real ids."""
    from tests.test_access import EXPECTED, PUBLIC

    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        audience = EXPECTED[rule.endpoint]
        if audience != PUBLIC and role not in audience:
            continue
        pages.extend(paths_for(rule, role, ids))
    return pages


def demo_ids() -> dict:
    """Real ids of the demo logins' own objects, for filling in URL rules."""
    from app.extensions import db
    from app.models import (
        Mentor,
        Placement,
        Student,
        Supervisor,
        Term,
        User,
        utcnow,
    )
    from app.placements.queries import visible_requests
    from app.schedule import rules

    now = utcnow()
    school_id = db.session.scalar(
        select(User.school_id).where(User.email == LOGINS["school"])
    )
    service_user = db.session.scalar(
        select(User).where(User.email == LOGINS["service"])
    )
    service = service_user.care_service
    open_term = next(
        t for t in db.session.scalars(select(Term)) if rules.intake_open(t, now)
    )
    placed = select(Placement.student_id)
    editable = db.session.scalar(
        select(Student.id)
        .where(
            Student.school_id == school_id,
            Student.term_id == open_term.id,
            Student.stopped_on.is_(None),
            Student.id.not_in(placed),
        )
        .order_by(Student.id)
        .limit(1)
    )
    placement = db.session.scalar(
        select(Placement)
        .where(Placement.care_service_id == service.id)
        .order_by(Placement.id)
        .limit(1)
    )
    open_request = db.session.scalar(
        visible_requests(service, now)
        .with_only_columns(Student.id)
        .where(Student.id.not_in(placed))
        .order_by(Student.id)
        .limit(1)
    )
    any_placement = db.session.scalar(select(Placement).order_by(Placement.id).limit(1))
    return {
        "school": school_id,
        "service": service.id,
        "student": editable,
        "supervisor": db.session.scalar(
            select(Supervisor.id).where(Supervisor.school_id == school_id).limit(1)
        ),
        "mentor": db.session.scalar(
            select(Mentor.id).where(Mentor.care_service_id == service.id).limit(1)
        ),
        "term": open_term.id,
        "placed_student": placement.student_id,
        "open_request": open_request,
        "placement": placement.id,
        "any_placement": any_placement.id,
        "any_placed_student": any_placement.student_id,
        "any_placed_school": any_placement.student.school_id,
        "any_placed_service": any_placement.care_service_id,
    }


@pytest.fixture(name="demo")
def demo_fixture(seed):
    """The live app with the demo data; returns the ids of the demo logins' objects."""
    from app.demo import load_demo_data

    seed(load_demo_data)
    return seed(demo_ids)


def log_in(page: Page, role: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(LOGINS[role])
    page.get_by_label("Paswoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()
