"""What a care service may see: open requests of its province (TERM-6, TERM-7, SVC-1)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import abort
from sqlalchemy import and_, case, exists, false, func, literal, or_, select, true
from sqlalchemy.orm import aliased, selectinload

from app.extensions import db
from app.models import (
    CareService,
    Decline,
    Mentor,
    Period,
    Placement,
    School,
    Student,
    Supervisor,
    Term,
)
from app.models.reference import INTERNSHIP_FORMS, TRANSPORT_MODES
from app.schedule import rules
from app.schedule.clock import local_date
from app.schedule.timetable import all_terms, term_state
from app.tenancy import valid_id

PER_PAGE = 50


@dataclass
class RequestFilters:
    """The browse filters; every value comes from the query string and is only a narrowing."""

    term_id: int | None = None
    form: str = ""
    transport: str = ""
    period_from: date | None = None
    period_until: date | None = None
    preferred_only: bool = False
    sort: str = "voorkeur"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "RequestFilters":
        """The filters of a query string; anything unknown or malformed narrows nothing."""
        from app.schedule.timing import page_number

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        form, transport = args.get("vorm", ""), args.get("vervoer", "")
        return cls(
            term_id=valid_id(args.get("term", type=int)),
            form=form if form in INTERNSHIP_FORMS else "",
            transport=transport if transport in TRANSPORT_MODES else "",
            period_from=day("van"),
            period_until=day("tot"),
            preferred_only=args.get("voorkeur") == "1",
            sort=args.get("sort", "voorkeur"),
            page=page_number(args.get("page")),
        )

    def query_args(self, page: int) -> dict:
        """The query string of this list at `page`, without the values that are defaults."""
        args = dict(
            term=self.term_id,
            vorm=self.form,
            vervoer=self.transport,
            van=self.period_from.isoformat() if self.period_from else None,
            tot=self.period_until.isoformat() if self.period_until else None,
            sort=self.sort if self.sort != "voorkeur" else None,
            voorkeur="1" if self.preferred_only else None,
            page=page if page > 1 else None,
        )
        return {name: value for name, value in args.items() if value}


def _open_period_exists(ending_from: date | None = None):
    """A period nobody accepted yet (and, from `ending_from` on, not over yet)."""
    placed = exists().where(Placement.period_id == Period.id)
    conditions = [Period.student_id == Student.id, ~placed]
    if ending_from is not None:
        conditions.append(Period.end_date >= ending_from)
    return exists().where(*conditions)


def _offered_in_second_round():
    """The request had something to offer in its term's second round: an open period, or a
    period accepted in that round."""
    return or_(_open_period_exists(), rules.placed_in_second_round_sql())


def visible_requests(service: CareService, now: datetime, include_placed: bool = False):
    """A select of the students this service may browse: the only place the rule lives.

    include_placed keeps requests whose periods are all placed, so that a service that lost
    a race is told "already placed" instead of "not found".
    """
    # The terms are picked first, in Python by the same rules (a handful of terms, loaded
    # once per request): the students are then read through the index on (term, province)
    # instead of every student being tested against every term.
    terms = all_terms()
    first_round = [t.id for t in terms if rules.first_round_open(t, now)]
    second_round_terms = [t.id for t in terms if rules.second_round_open(t, now)]
    branches = []
    if first_round:
        branches.append(
            and_(Student.term_id.in_(first_round), Student.province == service.province)
        )
    if second_round_terms:
        # A second round offers only periods that are not over yet. A request placed in
        # full before the round was never offered to the other provinces: include_placed
        # keeps only those placed in the round (a race lost there says "already placed").
        branches.append(
            and_(
                Student.term_id.in_(second_round_terms),
                _offered_in_second_round()
                if include_placed
                else _open_period_exists(local_date(now)),
            )
        )
    declined_by_me = exists().where(
        Decline.student_id == Student.id, Decline.care_service_id == service.id
    )
    return (
        select(Student)
        .where(or_(*branches) if branches else false())
        .where(Student.stopped_on.is_(None), ~declined_by_me)
        .where(true() if include_placed else _open_period_exists())
    )


@dataclass
class RequestRow:
    """One line of the browse list, read as plain values (the page only shows them)."""

    id: int
    first_name: str
    last_name: str
    postcode: str
    city: str
    province: str
    transport: str
    remarks: str
    internship_form: str
    hours_per_week: int | None
    total_hours: int
    internship_remarks: str
    preferred_service_id: int | None
    term_id: int
    school_name: str
    supervisor: tuple  # (name, phone, email)
    term: Term | None = None
    second_round: bool = False  # offered in its term's second round
    open_periods: list = field(default_factory=list)  # (start, end) nobody accepted yet

    @property
    def transport_codes(self) -> list[str]:
        return [code for code in self.transport.split(",") if code]


def browse(service: CareService, now: datetime, filters: RequestFilters):
    """One page of browsable requests, the preferred-me ones first by default: a count, the
    page's ids in order, then their rows and open periods (four statements)."""
    query = visible_requests(service, now)
    if filters.term_id:
        query = query.where(Student.term_id == filters.term_id)
    if filters.form:
        query = query.where(Student.internship_form == filters.form)
    if filters.transport:
        padded = literal(",") + Student.transport + literal(",")
        query = query.where(padded.like(f"%,{filters.transport},%"))
    if filters.period_from or filters.period_until:
        query = query.where(_period_between(filters.period_from, filters.period_until))
    if filters.preferred_only:
        query = query.where(Student.preferred_service_id == service.id)
    # One pass over the visible requests gives both the count and the page: their ids in
    # browse order (a few thousand integers at most), cut here. A COUNT and an ordered page
    # would each evaluate the visibility rule over every request.
    first_period = aliased(Period)
    # Plain Core reads go through the session's connection: the ORM's execution path costs
    # twice as much per row for rows that hold no entities.
    ordered = (
        db.session.connection()
        .scalars(
            query.with_only_columns(Student.id)
            .outerjoin(
                first_period,
                and_(first_period.student_id == Student.id, first_period.number == 1),
            )
            .order_by(*_order(filters.sort, service.id, first_period.start_date))
        )
        .all()
    )
    total = len(ordered)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(filters.page, 1), pages)
    page_ids = ordered[(page - 1) * PER_PAGE : page * PER_PAGE]
    return _request_rows(page_ids), total, page, pages


def _request_rows(ids: list[int]) -> list[RequestRow]:
    if not ids:
        return []
    rows = {
        row.id: row
        for row in (
            RequestRow(*values[:15], (values[15], values[16], values[17]))
            for values in db.session.connection().execute(
                select(
                    Student.id,
                    Student.first_name,
                    Student.last_name,
                    Student.postcode,
                    Student.city,
                    Student.province,
                    Student.transport,
                    Student.remarks,
                    Student.internship_form,
                    Student.hours_per_week,
                    Student.total_hours,
                    Student.internship_remarks,
                    Student.preferred_service_id,
                    Student.term_id,
                    School.name,
                    Supervisor.name,
                    Supervisor.phone,
                    Supervisor.email,
                )
                .join(School, Student.school_id == School.id)
                .join(Supervisor, Student.supervisor_id == Supervisor.id)
                .where(Student.id.in_(ids))
            )
        )
    }
    taken = exists().where(Placement.period_id == Period.id)
    for student_id, start, end in db.session.connection().execute(
        select(Period.student_id, Period.start_date, Period.end_date)
        .where(Period.student_id.in_(ids), ~taken)
        .order_by(Period.student_id, Period.number)
    ):
        rows[student_id].open_periods.append((start, end))
    terms = {term.id: term for term in all_terms()}  # loaded once per request
    second_round = {term.id: term_state(term).second_round for term in terms.values()}
    for row in rows.values():
        row.term = terms[row.term_id]
        row.second_round = second_round[row.term_id]
    return [rows[i] for i in ids]


def _period_between(start: date | None, end: date | None):
    """An open period of the student overlapping [start, end]."""
    conditions = [
        Period.student_id == Student.id,
        ~exists().where(Placement.period_id == Period.id),
    ]
    if start:
        conditions.append(Period.end_date >= start)
    if end:
        conditions.append(Period.start_date <= end)
    return exists().where(*conditions)


def _order(sort: str, service_id: int, first_start):
    """The browse order; first_start is the start of the request's first period (periods
    are numbered in date order: the form and the import refuse any other order)."""
    # CASE, not a boolean: NULL preferences must sort last on every database.
    preferred = case((Student.preferred_service_id == service_id, 0), else_=1)
    if sort == "naam":
        return (Student.last_name, Student.first_name, Student.id)
    if sort == "start":
        return (first_start, Student.id)
    return (preferred, first_start, Student.id)


def visible_student_or_404(
    service: CareService, student_id: int, now: datetime, include_placed: bool = False
) -> Student:
    """A student this service may see: browsable now, or placed with this service."""
    student_id = valid_id(student_id)
    student = db.session.scalar(
        visible_requests(service, now, include_placed)
        .where(Student.id == student_id)
        .options(*REQUEST_PAGE)
    ) or accepted_student(service, student_id)
    if student is None:
        abort(404)
    return student


class AcceptanceClosed(Exception):
    """The request was this service's to answer, but the timetable closed it meanwhile."""


def open_request_or_404(
    service: CareService, student_id: int, now: datetime, include_placed: bool = False
) -> Student:
    """A request this service may act on now (accept, decline), locked against a parallel edit.

    A request of the service's province (or of a term that had a second round) whose term is
    no longer open raises AcceptanceClosed with the reason; any other id answers 404.
    """
    student = db.session.scalar(
        visible_requests(service, now, include_placed)
        .where(Student.id == valid_id(student_id))
        .with_for_update(of=Student)
    )
    if student is None:
        _raise_if_closed_meanwhile(service, student_id, now)
        abort(404)
    return student


def _raise_if_closed_meanwhile(
    service: CareService, student_id: int, now: datetime
) -> None:
    from app.schedule.timetable import acceptance_closed_message

    student = (
        db.session.get(Student, valid_id(student_id)) if valid_id(student_id) else None
    )
    if student is None or student.stopped_on is not None:
        return
    own_province = student.province == service.province
    if not own_province and not db.session.scalar(
        select(Student.id).where(Student.id == student.id, _offered_in_second_round())
    ):
        return  # never offered to this service: 404, as for any other id
    message = acceptance_closed_message(student.term, own_province, now)
    if message:
        raise AcceptanceClosed(message)


# What a request's page shows, loaded with the student whatever its number of periods.
REQUEST_PAGE = (
    selectinload(Student.periods),
    selectinload(Student.placements).selectinload(Placement.mentor),
    selectinload(Student.placements).selectinload(Placement.care_service),
)


def accepted_student(service: CareService, student_id: int) -> Student | None:
    """The student if this service accepted at least one of its periods."""
    return db.session.scalar(
        select(Student)
        .options(*REQUEST_PAGE)
        .where(
            Student.id == student_id,
            exists().where(
                Placement.student_id == Student.id,
                Placement.care_service_id == service.id,
            ),
        )
    )


def trainee_terms(service: CareService) -> list[Term]:
    """The terms in which this service accepted someone, the most recent internship first."""
    accepted_in = set(
        db.session.connection().scalars(
            select(Student.term_id)
            .join(Placement, Placement.student_id == Student.id)
            .where(Placement.care_service_id == service.id)
            .distinct()
        )
    )
    return sorted(
        (term for term in all_terms() if term.id in accepted_in),
        key=lambda term: (term.internship_start, term.id),
        reverse=True,
    )


@dataclass
class TraineeRow:
    """One acceptance on "Mijn stagiairs", read as plain values (the page only shows them)."""

    placement_id: int
    accepted_at: datetime
    student_id: int
    first_name: str
    last_name: str
    stopped_on: date | None
    street: str
    postcode: str
    city: str
    phone: str
    email: str
    national_number_encrypted: bytes | None
    period: tuple  # (number, start, end)
    mentor_name: str
    school_name: str
    supervisor: tuple  # (name, phone)
    term: Term | None = None

    @property
    def stopped(self) -> bool:
        return self.stopped_on is not None


@dataclass(frozen=True)
class TraineePage:
    items: list[TraineeRow]
    total: int
    page: int
    pages: int


def my_trainees(service: CareService, term_id: int | None, page: int) -> TraineePage:
    """One page of this service's placements (of one term, or of all with None), in period
    order: a count and one joined read, whatever the page holds."""
    query = (
        select(
            Placement.id,
            Placement.created_at,
            Student.id,
            Student.first_name,
            Student.last_name,
            Student.stopped_on,
            Student.street,
            Student.postcode,
            Student.city,
            Student.phone,
            Student.email,
            Student.national_number_encrypted,
            Period.number,
            Period.start_date,
            Period.end_date,
            Mentor.name,
            School.name,
            Supervisor.name,
            Supervisor.phone,
            Student.term_id,
        )
        .join(Student, Placement.student_id == Student.id)
        .join(Period, Placement.period_id == Period.id)
        .join(Mentor, Placement.mentor_id == Mentor.id)
        .join(School, Student.school_id == School.id)
        .join(Supervisor, Student.supervisor_id == Supervisor.id)
        .where(Placement.care_service_id == service.id)
    )
    if term_id is not None:
        query = query.where(Student.term_id == term_id)
    connection = db.session.connection()
    total = connection.scalar(
        select(func.count()).select_from(
            query.with_only_columns(Placement.id).subquery()
        )
    )
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)  # past the end: the last page
    terms = {term.id: term for term in all_terms()}
    rows = [
        TraineeRow(
            *values[:12],
            period=tuple(values[12:15]),
            mentor_name=values[15],
            school_name=values[16],
            supervisor=tuple(values[17:19]),
            term=terms.get(values[19]),
        )
        for values in connection.execute(
            query.order_by(
                Period.start_date, Student.last_name, Student.first_name, Placement.id
            )
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    ]
    return TraineePage(rows, total, page, pages)
