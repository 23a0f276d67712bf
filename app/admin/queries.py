"""Read-only queries of the administration: logins and organisations, searched and paged."""

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.querytools import contains
from app.models import CareService, School, User
from app.tenancy import owned_or_404

PER_PAGE = 25


def users_query(
    search: str = "",
    role: str = "",
    organisation: str = "",
    school_id: int | None = None,
    care_service_id: int | None = None,
) -> Select:
    """Logins matching an e-mail fragment, a role and an organisation-name fragment, and
    (from an organisation's row) of exactly one school or service."""
    query = select(User).options(
        selectinload(User.school), selectinload(User.care_service)
    )
    if school_id is not None:
        query = query.where(User.school_id == school_id)
    if care_service_id is not None:
        query = query.where(User.care_service_id == care_service_id)
    if search.strip():
        query = query.where(contains(User.email, search))
    if role:
        query = query.where(User.role == role)
    if organisation.strip():
        query = query.where(
            or_(
                User.school.has(contains(School.name, organisation)),
                User.care_service.has(contains(CareService.name, organisation)),
            )
        )
    return query.order_by(User.role, User.email)


def list_users(**filters):
    """One page of logins (see users_query for the filters)."""
    page = filters.pop("page", 1)
    return db.paginate(
        users_query(**filters), page=page, per_page=PER_PAGE, error_out=False
    )


def _active(model, status: str):
    return {
        "actief": model.active.is_(True),
        "gedeactiveerd": model.active.is_(False),
    }.get(status)


def schools_query(search: str = "", status: str = "") -> Select:
    """Schools matching a name, city or postcode fragment and a status, by name."""
    query = select(School)
    if search.strip():
        query = query.where(
            or_(
                *(
                    contains(c, search)
                    for c in (School.name, School.city, School.postcode)
                )
            )
        )
    if (condition := _active(School, status)) is not None:
        query = query.where(condition)
    return query.order_by(School.name, School.id)


def services_query(search: str = "", status: str = "", province: str = "") -> Select:
    """Care services matching a name, city, postcode or enterprise-number fragment, by name."""
    query = select(CareService)
    if search.strip():
        digits = "".join(ch for ch in search if ch.isdigit())
        columns = [CareService.name, CareService.city, CareService.postcode]
        conditions = [contains(c, search) for c in columns]
        if len(digits) >= 4:
            conditions.append(CareService.enterprise_number.contains(digits))
        query = query.where(or_(*conditions))
    if (condition := _active(CareService, status)) is not None:
        query = query.where(condition)
    if province:
        query = query.where(CareService.province == province)
    return query.order_by(CareService.name, CareService.id)


def paged(query: Select, page: int):
    """One page of a query, never an error for a page beyond the last."""
    return db.paginate(query, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def logins_per_organisation(model, ids: list[int]) -> dict[int, int]:
    """How many logins each school or service of `ids` has (one query)."""
    column = User.school_id if model is School else User.care_service_id
    rows = db.session.execute(
        select(column, func.count()).where(column.in_(ids)).group_by(column)
    ).all()
    return dict(rows)


def _short_label(organisation) -> str:
    if isinstance(organisation, CareService) and organisation.city:
        return f"{organisation.name} ({organisation.city})"
    return organisation.name


def organisation_label(organisation) -> str:
    """How an organisation appears in the invite list: a school by its (unique) name; a
    service by name, city and enterprise number, so that two of the same name differ."""
    from app.admin.forms import format_enterprise_number

    label = _short_label(organisation)
    if isinstance(organisation, CareService) and organisation.enterprise_number:
        label = f"{label} — {format_enterprise_number(organisation.enterprise_number)}"
    return label


def _typed_name(text: str) -> str:
    """The name part of what was typed in the invite field (no city, no enterprise number)."""
    text = " ".join(text.split()).split(" — ", 1)[0]
    if text.endswith(")") and " (" in text:
        text = text.rsplit(" (", 1)[0]
    return text


def organisation_options(role: str, search: str = "", limit: int = 50) -> list[str]:
    """Labels of active schools or services matching what was typed (the invite form's list,
    filled as the user types): name, for services also city or enterprise-number digits."""
    if role not in ("school", "service"):
        return []
    model = School if role == "school" else CareService
    query = select(model).where(model.active)
    search = search[:300]  # no name is longer; SQLite refuses a LIKE pattern of 50,000
    text = _typed_name(search)
    if text:
        conditions = [contains(model.name, text)]
        if model is CareService:
            conditions.append(contains(CareService.city, text))
            digits = "".join(ch for ch in search if ch.isdigit())
            if len(digits) >= 4:
                conditions.append(CareService.enterprise_number.contains(digits))
        query = query.where(or_(*conditions))
    query = query.order_by(model.name, model.id).limit(limit)
    return [organisation_label(o) for o in db.session.scalars(query)]


def organisation_matches(role: str, label: str) -> list:
    """The active schools or services a typed label names: one, none, or several when the
    name (and city) alone is ambiguous. A label with an enterprise number names one service."""
    if role not in ("school", "service") or not label.strip():
        return []
    model = School if role == "school" else CareService
    wanted = " ".join(label.split())
    if model is CareService and " — " in wanted:
        digits = "".join(ch for ch in wanted.rsplit(" — ", 1)[1] if ch.isdigit())
        service = (
            db.session.scalar(
                select(CareService).where(
                    CareService.active, CareService.enterprise_number == digits
                )
            )
            if len(digits) == 10
            else None
        )
        if service is not None and service.name.lower() == _typed_name(wanted).lower():
            return [service]
        return []
    lowered = wanted.lower()
    names = {lowered, _typed_name(wanted).lower()}
    candidates = db.session.scalars(
        select(model)
        .where(model.active, func.lower(model.name).in_(names))
        .order_by(model.id)
    ).all()
    exact = [o for o in candidates if _short_label(o).lower() == lowered]
    return exact or [o for o in candidates if o.name.lower() == lowered]


def find_organisation(role: str, label: str):
    """The active school or service a label of the invite list names, or None (also if ambiguous)."""
    matches = organisation_matches(role, label)
    return matches[0] if len(matches) == 1 else None


def school_or_404(school_id: int, lock: bool = False) -> School:
    """A school by id, or 404 (also for ids no INTEGER column can hold)."""
    return owned_or_404(School, school_id, lock=lock)


def service_or_404(service_id: int, lock: bool = False) -> CareService:
    """A care service by id, or 404."""
    return owned_or_404(CareService, service_id, lock=lock)
