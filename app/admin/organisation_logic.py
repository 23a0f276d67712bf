"""State changes of schools and care services; every one is an audit event."""

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import CareService, School, User

SCHOOL_FIELDS = ("name", "street", "postcode", "city", "email", "phone")
SERVICE_FIELDS = (
    *SCHOOL_FIELDS,
    "kind",
    "province",
    "enterprise_number",
    "capacity_default",
)
NULLABLE = ("enterprise_number", "capacity_default")


def _text(value):
    return value.strip() if isinstance(value, str) else value


def save_school(school: School | None, data: dict) -> School:
    """Create (school=None) or update a school from cleaned form data."""
    created = school is None
    school = school or School()
    for name in SCHOOL_FIELDS:
        setattr(school, name, _text(data.get(name)) or "")
    db.session.add(school)
    db.session.flush()
    audit.record("school.created" if created else "school.updated", school)
    return school


def save_service(service: CareService | None, data: dict, how: str = "") -> CareService:
    """Create (service=None) or update a care service from cleaned form data."""
    created = service is None
    service = service or CareService()
    for name in SERVICE_FIELDS:
        value = _text(data.get(name)) if data.get(name) != "" else None
        # Empty optional values stay NULL: an empty enterprise number must not be "unique".
        setattr(service, name, value if name in NULLABLE else (value or ""))
    db.session.add(service)
    db.session.flush()
    audit.record(
        "service.created" if created else "service.updated", service, detail=how
    )
    return service


def update_service(service: CareService, changes: dict, how: str = "") -> CareService:
    """Change only the given columns of a care service (an import line); one audit event."""
    for name, value in changes.items():
        setattr(service, name, value)
    db.session.flush()
    audit.record("service.updated", service, detail=how)
    return service


def set_active(organisation: School | CareService, active: bool) -> None:
    """Deactivate or reactivate a school or service.

    Its logins stop being active with it (User.is_active), so they cannot log in; their open
    sessions end for good (new session tokens), so a reactivation revives no old cookie. Its
    placements stay as they are.
    """
    if organisation.active == active:
        return
    organisation.active = active
    if not active:
        column = (
            User.school_id if isinstance(organisation, School) else User.care_service_id
        )
        for user in db.session.scalars(select(User).where(column == organisation.id)):
            user.rotate_session()
    kind = "school" if isinstance(organisation, School) else "service"
    audit.record(f"{kind}.{'reactivated' if active else 'deactivated'}", organisation)
