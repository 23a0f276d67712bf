"""VIVO's desk: the audit log (ADM-4, SECURITY.md 23). Routes on the admin blueprint.

Read-only on purpose: no route here (or anywhere) edits or deletes an AuditEvent; the only
write is the new event that records an export of the log.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Response, render_template, request, stream_with_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from app import audit
from app.admin.routes import bp
from app.export import writers
from app.extensions import db
from app.querytools import contains
from app.models import AuditEvent, CareService, School, Student, Term, User, utcnow
from app.schedule.clock import BRUSSELS, brussels, local_date
from app.schedule.timing import page_number
from app.security import roles_required
from app.tenancy import valid_id

PER_PAGE = 50

# Dutch labels for the actions the app writes; an unknown action shows its code.
ACTION_LABELS = {
    "audit_log.exported": _l("Logboek geëxporteerd"),
    "export.downloaded": _l("Export gedownload"),
    "helpdesk.viewed": _l("Bekeken als ondersteuning"),
    "intake_override.granted": _l("Late ingave toegestaan"),
    "intake_override.revoked": _l("Late ingave ingetrokken"),
    "placement.accepted": _l("Student aanvaard"),
    "placement.withdrawn": _l("Aanvaarding ingetrokken"),
    "placement.withdrawn_by_admin": _l("Aanvaarding ingetrokken door VIVO"),
    "request.declined": _l("Aanvraag geweigerd"),
    "school.created": _l("School aangemaakt"),
    "school.updated": _l("School gewijzigd"),
    "school.deactivated": _l("School gedeactiveerd"),
    "school.reactivated": _l("School opnieuw actief"),
    "service.created": _l("Dienst aangemaakt"),
    "service.updated": _l("Dienst gewijzigd"),
    "service.deactivated": _l("Dienst gedeactiveerd"),
    "service.reactivated": _l("Dienst opnieuw actief"),
    "unanswered.reminded": _l("Diensten herinnerd aan onbeantwoorde aanvragen"),
    "student.deleted": _l("Stageaanvraag verwijderd"),
    "student.personal_data_viewed": _l("Persoonsgegevens bekeken"),
    "student.stopped": _l("Student gestopt"),
    "student.stop_undone": _l("Stopzetting ongedaan gemaakt"),
    "students.imported": _l("Studenten geïmporteerd"),
    "students.purged": _l("Oude stageaanvragen gewist (bewaartermijn)"),
    "term.created": _l("Stageperiode aangemaakt"),
    "term.updated": _l("Stageperiode gewijzigd"),
    "term.school_year_copied": _l("Schooljaar gekopieerd"),
    "term.second_round_opened": _l("Tweede ronde geopend"),
    "term.second_round_closed": _l("Tweede ronde gesloten"),
    "user.activated": _l("Login geactiveerd"),
    "user.disabled": _l("Login gedeactiveerd"),
    "user.enabled": _l("Login opnieuw actief"),
    "user.invited": _l("Login uitgenodigd"),
    "user.password_changed": _l("Paswoord gewijzigd"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


@dataclass
class LogFilters:
    """The log's filters, all from the query string; each one only narrows."""

    user: str = ""  # part of the e-mail address of who did it
    organisation: str = ""  # part of the name of that user's school or service
    action: str = ""
    student: str = ""  # a student id, or part of a student's name
    date_from: date | None = None  # Brussels days, both ends included
    date_until: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "LogFilters":
        return cls(
            user=args.get("gebruiker", "").strip()[:254],
            organisation=args.get("organisatie", "").strip()[:200],
            action=args.get("actie", "").strip()[:64],
            student=args.get("student", "").strip()[:100],
            date_from=_date(args.get("van", "")),
            date_until=_date(args.get("tot", "")),
            page=page_number(args.get("page")),
        )

    def query_args(self) -> dict:
        """The filters as query-string values (for paging and the export link)."""
        return {
            key: value
            for key, value in {
                "gebruiker": self.user,
                "organisatie": self.organisation,
                "actie": self.action,
                "student": self.student,
                "van": self.date_from.isoformat() if self.date_from else "",
                "tot": self.date_until.isoformat() if self.date_until else "",
            }.items()
            if value
        }

    def describe(self) -> str:
        """For the export's own audit event: which filters, never a name (personal data)."""
        parts = [
            f"{key}={value}"
            for key, value in self.query_args().items()
            if key != "student"
        ]
        if self.student:
            parts.append(
                "student=" + (self.student if self.student.isdigit() else "<naam>")
            )
        return " ".join(parts) or "alles"


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _student_condition(text: str):
    """The events a student filter means: about the student with that id, or about any
    student whose name matches (a subquery, so every match counts: no capped id list)."""
    about_a_student = AuditEvent.object_type == "Student"
    if text.isascii() and text.isdigit():
        return and_(about_a_student, AuditEvent.object_id == (valid_id(int(text)) or 0))
    names = select(Student.id)
    for word in text.split()[:5]:
        names = names.where(
            or_(contains(Student.first_name, word), contains(Student.last_name, word))
        )
    return and_(about_a_student, AuditEvent.object_id.in_(names))


Actor = aliased(User)


def log_query(filters: LogFilters, *columns):
    """A select of the events (with `columns` of their user and organisation), newest first."""
    query = (
        select(AuditEvent, *columns)
        .outerjoin(Actor, AuditEvent.user_id == Actor.id)
        .outerjoin(School, Actor.school_id == School.id)
        .outerjoin(CareService, Actor.care_service_id == CareService.id)
    )
    if filters.user:
        query = query.where(contains(Actor.email, filters.user))
    if filters.organisation:
        query = query.where(
            or_(
                contains(School.name, filters.organisation),
                contains(CareService.name, filters.organisation),
            )
        )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.student:
        query = query.where(_student_condition(filters.student))
    if filters.date_from:
        query = query.where(AuditEvent.at >= brussels(filters.date_from))
    if filters.date_until:
        query = query.where(
            AuditEvent.at < brussels(filters.date_until + timedelta(days=1))
        )
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def known_actions() -> list[tuple[str, str]]:
    """(action, label) of every action in the log and every known one, by label."""
    stored = set(db.session.scalars(select(AuditEvent.action).distinct()))
    return sorted(
        ((a, action_label(a)) for a in stored | set(ACTION_LABELS)),
        key=lambda pair: pair[1].lower(),
    )


@bp.get("/logboek")
@roles_required("admin")
def audit_log():
    """Every audit event, newest first: filter, page, export (ADM-4)."""
    filters = LogFilters.from_args(request.args)
    query = log_query(filters)
    page = db.paginate(
        query, page=filters.page, per_page=PER_PAGE, error_out=False, count=True
    )
    if page.pages and filters.page > page.pages:  # past the end: the last page
        page = db.paginate(
            query, page=page.pages, per_page=PER_PAGE, error_out=False, count=True
        )
    return render_template(
        "admin/audit_log.html",
        filters=filters,
        page=page,
        actors=_actors({e.user_id for e in page.items} - {None}),
        objects=object_refs(page.items),
        object_label=object_label,
        actions=known_actions(),
        action_label=action_label,
    )


# Dutch names of the object types the app records; an unknown type shows its class name.
OBJECT_LABELS = {
    "CareService": _l("Dienst"),
    "Decline": _l("Weigering"),
    "IntakeOverride": _l("Late ingave"),
    "Placement": _l("Stageplaats"),
    "School": _l("School"),
    "Student": _l("Student"),
    "Term": _l("Stageperiode"),
    "User": _l("Login"),
}


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


@dataclass(frozen=True)
class ObjectRef:
    """How the log shows an event's object: its Dutch type, a name where it has one that is
    not personal data (organisation, term, login), and a link where the admin can look."""

    label: str
    object_id: int | None
    name: str = ""
    url: str = ""


# The name of an object per type, read once per page for all the page's ids of that type.
_NAME_COLUMNS = {
    "School": School.name,
    "CareService": CareService.name,
    "Term": Term.name,
    "User": User.email,
}


def object_refs(events) -> dict[tuple[str, int], ObjectRef]:
    """(type, id) → ObjectRef for the objects of a page of events: at most one query per
    object type on the page, never one per row. A student is shown by id only (its name is
    personal data), linked to the helpdesk view of its school's request."""
    ids: dict[str, set[int]] = {}
    for event in events:
        if event.object_type and event.object_id:
            ids.setdefault(event.object_type, set()).add(event.object_id)
    refs = {}
    for object_type, wanted in ids.items():
        names, urls = {}, {}
        column = _NAME_COLUMNS.get(object_type)
        if column is not None:
            model_id = column.class_.id
            names = dict(
                db.session.execute(
                    select(model_id, column).where(model_id.in_(wanted))
                ).all()
            )
        elif object_type == "Student":
            rows = db.session.execute(
                select(Student.id, Student.school_id).where(Student.id.in_(wanted))
            )
            urls = {
                sid: url_for(
                    "admin.helpdesk_student", school_id=school_id, student_id=sid
                )
                for sid, school_id in rows
            }
        if object_type == "School":
            urls = {
                oid: url_for("admin.helpdesk_school", school_id=oid) for oid in names
            }
        elif object_type == "CareService":
            urls = {
                oid: url_for("admin.helpdesk_service", service_id=oid) for oid in names
            }
        for object_id in wanted:
            refs[(object_type, object_id)] = ObjectRef(
                object_label(object_type),
                object_id,
                names.get(object_id) or "",
                urls.get(object_id, ""),
            )
    return refs


def _actors(user_ids: set[int]) -> dict[int, tuple[str, str]]:
    """(e-mail, organisation name) per user id, in one query for the whole page."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(User.id, User.email, School.name, CareService.name)
        .outerjoin(School, User.school_id == School.id)
        .outerjoin(CareService, User.care_service_id == CareService.id)
        .where(User.id.in_(user_ids))
    )
    return {
        uid: (email, school or service or "") for uid, email, school, service in rows
    }


HEADERS = [
    "Tijdstip",
    "Gebruiker",
    "Organisatie",
    "Actie",
    "Omschrijving",
    "Objecttype",
    "Object-id",
    "Detail",
]


def _csv_rows(filters: LogFilters):
    query = log_query(
        filters, Actor.email, School.name, CareService.name
    ).execution_options(yield_per=500)
    for event, email, school, service in db.session.execute(query):
        yield [
            event.at.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M:%S"),
            email or "",
            school or service or "",
            event.action,
            action_label(event.action),
            event.object_type,
            event.object_id,
            event.detail,
        ]


@bp.get("/logboek/export")
@roles_required("admin")
def audit_log_export():
    """The filtered log as CSV for a Dutch-locale Excel, streamed while it is written."""
    filters = LogFilters.from_args(request.args)
    count = db.session.scalar(
        select(func.count()).select_from(log_query(filters).subquery())
    )
    # The export of the log is itself an audit event (SECURITY.md 23), committed before
    # the file is streamed in a read transaction of its own.
    audit.commit_view("audit_log.exported", detail=f"{filters.describe()} rows={count}")
    flavour = writers.EXCEL_CSV
    body = stream_with_context(writers.csv_chunks(HEADERS, _csv_rows(filters), flavour))
    response = Response(body, mimetype=flavour.mimetype)
    name = f"logboek-{local_date(utcnow()).isoformat()}.csv"
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response
