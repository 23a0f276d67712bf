"""Each "Waarom?" reason in the words of the page (ALLOC-2)."""

from flask_babel import format_decimal, gettext as _, ngettext

from app.allocation import ReasonKind
from app.models.reference import PROVINCES, TRANSPORT_MODES


def km(value: float | None) -> str:
    """A distance as the page writes it: one decimal, in the user's number format."""
    return "—" if value is None else format_decimal(round(value, 1), format="#,##0.#")


def reason_text(reason: dict) -> str:
    """One stored reason (app.proposals.codec.read_why) as a Dutch phrase."""
    kind = reason["kind"]
    if kind == ReasonKind.OTHER_PROVINCE:
        province = reason.get("province") or ""
        return _(
            "andere provincie (%(province)s)",
            province=PROVINCES.get(province, province),
        )
    if kind == ReasonKind.TOO_FAR:
        return _(
            "te ver voor %(transport)s: %(distance)s km, max %(limit)s km",
            transport=_transport(reason.get("transport", [])),
            distance=km(reason.get("distance_km")),
            limit=km(reason.get("limit_km")),
        )
    if kind == ReasonKind.UNKNOWN_POSTCODE:
        return _(
            "postcode %(postcode)s onbekend: de afstand is niet te bepalen",
            postcode=reason.get("postcode", ""),
        )
    if kind == ReasonKind.DECLINED:
        return _("weigerde deze student eerder")
    if kind == ReasonKind.OVERLAP:
        return _(
            "overlapt met een andere stage in periode %(period)s",
            period=reason.get("period", "?"),
        )
    return _full(reason)


def _full(reason: dict) -> str:
    period, students, existing = (
        reason.get("period", "?"),
        reason.get("students", 0),
        reason.get("existing", 0),
    )
    if students and existing:
        return _(
            "volzet in periode %(period)s door %(students)d eerdere studenten en "
            "%(existing)d stagiairs die er al geplaatst waren",
            period=period,
            students=students,
            existing=existing,
        )
    if existing:
        return ngettext(
            "volzet in periode %(period)s: %(num)d stagiair was er al geplaatst",
            "volzet in periode %(period)s: %(num)d stagiairs waren er al geplaatst",
            existing,
            period=period,
        )
    return ngettext(
        "volzet in periode %(period)s door %(num)d eerdere student",
        "volzet in periode %(period)s door %(num)d eerdere studenten",
        students,
        period=period,
    )


def _transport(codes: list[str]) -> str:
    if not codes:
        return _("wie geen vervoer opgaf")
    return " / ".join(TRANSPORT_MODES.get(code, code).lower() for code in codes)
