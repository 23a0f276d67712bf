"""Read-only queries of the administration: logins and organisations, searched and paged."""

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import CareService, School, User
from app.tenancy import owned_or_404

PER_PAGE = 25


def _contains(column, text: str):
    """Case-insensitive 'contains', with LIKE's wildcards taken literally."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def users_query(search: str = "", role: str = "", organisation: str = "") -> Select:
    """Logins matching an e-mail fragment, a role and an organisation-name fragment."""
    query = select(User).options(selectinload(User.school), selectinload(User.care_service))
    if search.strip():
        query = query.where(_contains(User.email, search))
    if role:
        query = query.where(User.role == role)
    if organisation.strip():
        query = query.where(
            or_(
                User.school.has(_contains(School.name, organisation)),
                User.care_service.has(_contains(CareService.name, organisation)),
            )
        )
    return query.order_by(User.role, User.email)


def list_users(**filters):
    """One page of logins (see users_query for the filters)."""
    page = filters.pop("page", 1)
    return db.paginate(users_query(**filters), page=page, per_page=PER_PAGE, error_out=False)


def _active(model, status: str):
    return {"actief": model.active.is_(True), "gedeactiveerd": model.active.is_(False)}.get(status)


def schools_query(search: str = "", status: str = "") -> Select:
    """Schools matching a name, city or postcode fragment and a status, by name."""
    query = select(School)
    if search.strip():
        query = query.where(or_(*(_contains(c, search) for c in (School.name, School.city, School.postcode))))
    if (condition := _active(School, status)) is not None:
        query = query.where(condition)
    return query.order_by(School.name, School.id)


def services_query(search: str = "", status: str = "", province: str = "") -> Select:
    """Care services matching a name, city, postcode or enterprise-number fragment, by name."""
    query = select(CareService)
    if search.strip():
        digits = "".join(ch for ch in search if ch.isdigit())
        columns = [CareService.name, CareService.city, CareService.postcode]
        conditions = [_contains(c, search) for c in columns]
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


def organisation_label(organisation) -> str:
    """How an organisation appears in the invite list: name, and the city for a service."""
    if isinstance(organisation, CareService) and organisation.city:
        return f"{organisation.name} ({organisation.city})"
    return organisation.name


def organisation_options(role: str, search: str = "", limit: int = 500) -> list[str]:
    """Labels of the active schools or services (the invite form's searchable list)."""
    model = School if role == "school" else CareService
    query = select(model).where(model.active)
    if search.strip():
        query = query.where(_contains(model.name, search))
    return [organisation_label(o) for o in db.session.scalars(query.order_by(model.name).limit(limit))]


def find_organisation(role: str, label: str):
    """The active school or service a label of the invite list names, or None (also if ambiguous)."""
    if role not in ("school", "service") or not label.strip():
        return None
    model = School if role == "school" else CareService
    wanted = " ".join(label.split()).lower()
    names = {wanted}
    if wanted.endswith(")") and " (" in wanted:
        names.add(wanted.rsplit(" (", 1)[0])
    candidates = db.session.scalars(
        select(model).where(model.active, func.lower(model.name).in_(names))
    ).all()
    exact = [o for o in candidates if organisation_label(o).lower() == wanted]
    matches = exact or [o for o in candidates if o.name.lower() == wanted]
    return matches[0] if len(matches) == 1 else None


def school_or_404(school_id: int, lock: bool = False) -> School:
    """A school by id, or 404 (also for ids no INTEGER column can hold)."""
    return owned_or_404(School, school_id, lock=lock)


def service_or_404(service_id: int, lock: bool = False) -> CareService:
    """A care service by id, or 404."""
    return owned_or_404(CareService, service_id, lock=lock)
