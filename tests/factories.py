"""Factories: build the objects of the manual with sensible defaults."""

from datetime import date, datetime, timedelta
from itertools import count

from app.extensions import db
from app.models import CareService, Mentor, School, Supervisor, Term, User, utcnow
from app.security import hash_password

PASSWORD = "een lang genoeg paswoord"
_seq = count(1)
# Hashing with argon2 is slow on purpose; tests reuse one hash.
_HASH_CACHE: dict[str, str] = {}


def _n() -> int:
    return next(_seq)


def make_school(name: str | None = None, **kw) -> School:
    school = School(
        name=name or f"CVO Test {_n()}", postcode="2000", city="Antwerpen", **kw
    )
    db.session.add(school)
    db.session.flush()
    return school


def make_service(province: str = "ANT", name: str | None = None, **kw) -> CareService:
    service = CareService(name=name or f"WZC Test {_n()}", province=province, **kw)
    db.session.add(service)
    db.session.flush()
    return service


def make_user(
    role: str = "school",
    organisation=None,
    email: str | None = None,
    password: str | None = PASSWORD,
    activated: bool = True,
    **kw,
) -> User:
    """A login; school and service users get a new organisation unless one is given."""
    if role == "school" and organisation is None:
        organisation = make_school()
    if role == "service" and organisation is None:
        organisation = make_service()
    if password is not None and password not in _HASH_CACHE:
        _HASH_CACHE[password] = hash_password(password)
    user = User(
        email=email or f"user{_n()}@example.org",
        role=role,
        school_id=organisation.id if role == "school" else None,
        care_service_id=organisation.id if role == "service" else None,
        password_hash=_HASH_CACHE[password] if password else None,
        activated_at=utcnow() if activated else None,
        **kw,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_term(now: datetime | None = None, intake_open: bool = True, **kw) -> Term:
    """A term whose intake window is open now (or closed, with intake_open=False)."""
    now = now or utcnow()
    if intake_open:
        opens, closes = now - timedelta(days=10), now + timedelta(days=10)
    else:
        opens, closes = now - timedelta(days=30), now - timedelta(days=5)
    start = (now + timedelta(days=40)).date()
    values = dict(
        name=f"Stageperiode {_n()}",
        school_year=now.year if now.month >= 9 else now.year - 1,
        internship_start=start,
        internship_end=start + timedelta(days=90),
        intake_opens_at=opens,
        intake_closes_at=closes,
        results_at=closes + timedelta(days=15),
    )
    values.update(kw)
    term = Term(**values)
    db.session.add(term)
    db.session.flush()
    return term


def make_supervisor(school: School, name: str | None = None) -> Supervisor:
    supervisor = Supervisor(
        school_id=school.id,
        name=name or f"Begeleider {_n()}",
        phone="+3232000000",
        email=f"begeleider{_n()}@cvo.example",
    )
    db.session.add(supervisor)
    db.session.flush()
    return supervisor


def make_mentor(service: CareService, name: str | None = None) -> Mentor:
    mentor = Mentor(
        care_service_id=service.id,
        name=name or f"Mentor {_n()}",
        phone="+3232000001",
        email=f"mentor{_n()}@dienst.example",
    )
    db.session.add(mentor)
    db.session.flush()
    return mentor


def login(client, email: str, password: str = PASSWORD):
    """Log in through the form; returns the response."""
    return client.post("/login", data={"email": email, "password": password})


def valid_national_number(birth: date, serial: int) -> str:
    """A valid rijksregisternummer for this birth date and serial (births from 2000: '2' prefix)."""
    base = f"{birth:%y%m%d}{serial:03d}"
    prefix = "2" if birth.year >= 2000 else ""
    return base + f"{97 - int(prefix + base) % 97:02d}"


def make_student(
    school=None,
    term=None,
    supervisor=None,
    periods: int = 1,
    national_number: str | None = None,
    **kw,
):
    """A complete internship request with `periods` consecutive periods inside the term."""
    from app.crypto import encrypt_national_number, national_number_index
    from app.models import Period, Student

    school = school or make_school()
    term = term or make_term()
    supervisor = supervisor or make_supervisor(school)
    number = national_number or valid_national_number(date(1990, 1, 1), _n() % 998 + 1)
    values = dict(
        school_id=school.id,
        term_id=term.id,
        supervisor_id=supervisor.id,
        first_name="Sara",
        last_name=f"Student{_n()}",
        street="Kerkstraat 1",
        postcode="2000",
        city="Antwerpen",
        province="ANT",
        phone="+32470123456",
        email=f"sara{_n()}@mail.example",
        transport="fiets,ov",
        internship_form="alternerend",
        period_count=periods,
        total_hours=120,
        national_number_encrypted=encrypt_national_number(number),
        national_number_index=national_number_index(number),
    )
    values.update(kw)
    student = Student(**values)
    length = (term.internship_end - term.internship_start).days // periods
    for n in range(periods):
        start = term.internship_start + timedelta(days=n * length)
        student.periods.append(
            Period(
                number=n + 1,
                start_date=start,
                end_date=start + timedelta(days=length - 1),
            )
        )
    db.session.add(student)
    db.session.flush()
    return student


def make_placement(
    student, service=None, period_number: int = 1, mentor=None, notes: str = ""
):
    """A service's acceptance of one period of the student."""
    from app.models import Placement

    service = service or make_service(province=student.province)
    mentor = mentor or make_mentor(service)
    period = next(p for p in student.periods if p.number == period_number)
    placement = Placement(
        student_id=student.id,
        period_id=period.id,
        care_service_id=service.id,
        mentor_id=mentor.id,
        notes=notes,
    )
    db.session.add(placement)
    db.session.flush()
    db.session.expire(student, ["placements"])
    return placement
