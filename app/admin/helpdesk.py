"""VIVO's desk: the helpdesk view (ADM-6). Routes on the admin blueprint.

An admin answering a call sees what the school or the care service sees, read-only: the same
queries and templates with `readonly=True`, which hides every form, button and edit link. No
impersonation and no password: the admin stays logged in as the admin, every POST of the
school's and service's screens still answers 403, and every view is an audit event.
"""

from flask import abort, render_template, request
from sqlalchemy import or_, select

from app import audit
from app.admin.routes import bp
from app.extensions import db
from app.querytools import contains
from app.htmx import render_page_or_fragment
from app.models import CareService, School, utcnow
from app.placements import logic as placement_logic
from app.placements import queries as placement_queries
from app.schedule.timetable import (
    all_terms,
    default_term,
    intake_window,
    term_state,
)
from app.schedule.timing import page_number
from app.security import roles_required
from app.students import logic as student_logic
from app.students.queries import overview as school_overview
from app.students.queries import school_student_or_404
from app.tenancy import valid_id
from app.validation import format_national_number

VIEWED = "helpdesk.viewed"
INDEX_LIMIT = 200


def _organisation_or_404(model, object_id: int):
    row = db.session.get(model, object_id) if valid_id(object_id) else None
    if row is None:
        abort(404)
    return row


def _audited(page: str, obj, detail: str) -> str:
    """The rendered page, once its view is committed as an audit event (ADM-6)."""
    audit.commit_view(VIEWED, obj, detail)
    return page


@bp.get("/hulp")
@roles_required("admin")
def helpdesk():
    """Pick a school or a care service to look at as support."""
    search = request.args.get("q", "").strip()[:100]
    schools = select(School).order_by(School.name)
    services = select(CareService).order_by(CareService.name, CareService.id)
    if search:
        schools = schools.where(
            or_(contains(School.name, search), contains(School.city, search))
        )
        services = services.where(
            or_(contains(CareService.name, search), contains(CareService.city, search))
        )
    return render_template(
        "admin/helpdesk.html",
        search=search,
        schools=db.session.scalars(schools.limit(INDEX_LIMIT)).all(),
        services=db.session.scalars(services.limit(INDEX_LIMIT)).all(),
        limit=INDEX_LIMIT,
    )


@bp.get("/hulp/scholen/<int:school_id>")
@roles_required("admin")
def helpdesk_school(school_id: int):
    """A school's overview of its requests for one term, as its coordinator sees it."""
    school = _organisation_or_404(School, school_id)
    terms = all_terms()
    wanted = request.args.get("term", type=int)
    term = next((t for t in terms if t.id == wanted), None) or default_term(
        terms, utcnow(), school.id
    )
    args = dict(
        search=request.args.get("q", ""),
        sort=request.args.get("sort", "naam"),
        status=request.args.get("status", ""),
        page=page_number(request.args.get("page")),
    )
    result = school_overview(school.id, term.id, **args) if term else None
    page = render_page_or_fragment(
        "students/overview.html",
        "students/_table.html",
        terms=terms,
        term=term,
        result=result,
        state=term_state(term) if term else None,
        window=intake_window(term, school.id) if term else None,
        readonly=True,
        school=school,
        **args,
    )
    return _audited(page, school, f"school={school.id} term={term.id if term else '-'}")


@bp.get("/hulp/scholen/<int:school_id>/studenten/<int:student_id>")
@roles_required("admin")
def helpdesk_student(school_id: int, student_id: int):
    """One request of a school, as its coordinator sees it (personal data included)."""
    school = _organisation_or_404(School, school_id)
    student = school_student_or_404(school.id, student_id)
    page = render_template(
        "students/show.html",
        student=student,
        state=term_state(student.term),
        national_number=format_national_number(
            student_logic.national_number_of(student)
        ),
        refusal=None,
        readonly=True,
        school=school,
    )
    return _audited(page, student, f"school={school.id}")


@bp.get("/hulp/diensten/<int:service_id>")
@roles_required("admin")
def helpdesk_service(service_id: int):
    """A care service's list of open requests, as the service sees it."""
    service = _organisation_or_404(CareService, service_id)
    context = placement_logic.browse_page(service, request.args, utcnow())
    page = render_page_or_fragment(
        "placements/browse.html",
        "placements/_requests.html",
        readonly=True,
        **context,
    )
    term_id = context["filters"].term_id
    return _audited(page, service, f"service={service.id} term={term_id or 'all'}")


@bp.get("/hulp/diensten/<int:service_id>/stagiairs")
@roles_required("admin")
def helpdesk_service_trainees(service_id: int):
    """A care service's "Mijn stagiairs", as the service sees it, without its buttons."""
    service = _organisation_or_404(CareService, service_id)
    context = placement_logic.trainees_page(service, request.args, utcnow())
    page = render_page_or_fragment(
        "placements/trainees.html",
        "placements/_trainees.html",
        readonly=True,
        **context,
    )
    # The page shows the trainees' contact data: audited as for the service itself.
    audit.commit_views(
        "student.personal_data_viewed", "Student", sorted(context["numbers"])
    )
    term = context["term_arg"]
    return _audited(page, service, f"service={service.id} trainees term={term}")


@bp.get("/hulp/diensten/<int:service_id>/aanvragen/<int:student_id>")
@roles_required("admin")
def helpdesk_service_request(service_id: int, student_id: int):
    """One request as the care service sees it: without its accept and decline forms."""
    service = _organisation_or_404(CareService, service_id)
    student = placement_queries.visible_student_or_404(service, student_id, utcnow())
    mine = [p for p in student.placements if p.care_service_id == service.id]
    national_number = None
    if mine:  # the service sees the contact data of its own trainees
        national_number = format_national_number(
            student_logic.national_number_of(student)
        )
    page = render_template(
        "admin/helpdesk_request.html",
        student=student,
        service=service,
        mine=mine,
        national_number=national_number,
        state=term_state(student.term),
        capacity=placement_logic.capacity(service.id, student.term_id),
        clashes=placement_logic.clashes(student, student.periods),
        readonly=True,
    )
    return _audited(page, student, f"service={service.id}")
