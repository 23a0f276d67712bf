"""Factories: build the objects of the manual with sensible defaults."""

from datetime import date, datetime, timedelta, timezone
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
    school = School(name=name or f"CVO Test {_n()}", postcode="2000", city="Antwerpen", **kw)
    db.session.add(school)
    db.session.flush()
    return school


def make_service(province: str = "ANT", name: str | None = None, **kw) -> CareService:
    service = CareService(name=name or f"WZC Test {_n()}", province=province, **kw)
    db.session.add(service)
    db.session.flush()
    return service


def make_user(role: str = "school", organisation=None, email: str | None = None,
              password: str | None = PASSWORD, activated: bool = True, **kw) -> User:
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
        school_id=school.id, name=name or f"Begeleider {_n()}", phone="+3232000000",
        email=f"begeleider{_n()}@cvo.example",
    )
    db.session.add(supervisor)
    db.session.flush()
    return supervisor


def make_mentor(service: CareService, name: str | None = None) -> Mentor:
    mentor = Mentor(
        care_service_id=service.id, name=name or f"Mentor {_n()}", phone="+3232000001",
        email=f"mentor{_n()}@dienst.example",
    )
    db.session.add(mentor)
    db.session.flush()
    return mentor


def login(client, email: str, password: str = PASSWORD):
    """Log in through the form; returns the response."""
    return client.post("/login", data={"email": email, "password": password})


UTC = timezone.utc
__all__ = ["PASSWORD", "UTC", "date", "login"]
