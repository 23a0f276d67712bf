"""A run's settings and a line's "Waarom?" as the JSON stored on AllocationRun/AllocationLine."""

import json
from functools import lru_cache

from app.allocation import Order, Reason, ReasonKind, Settings, Why


def settings_json(settings: Settings, include_second_round: bool) -> str:
    """The admin's choices of a run, to show them and to rerun with them."""
    return json.dumps(
        {
            "order": str(settings.order),
            "seed": settings.seed,
            "widen_provinces": settings.widen_provinces,
            "limits_km": settings.limits_km,
            "no_transport_km": settings.no_transport_km,
            "include_second_round": include_second_round,
        },
        sort_keys=True,
    )


def read_settings(text: str) -> tuple[Settings, bool]:
    """(Settings, include a running second round) from a run's JSON; defaults where absent."""
    data = json.loads(text or "{}")
    defaults = Settings()
    settings = Settings(
        limits_km={k: float(v) for k, v in data.get("limits_km", {}).items()}
        or defaults.limits_km,
        no_transport_km=float(data.get("no_transport_km", defaults.no_transport_km)),
        widen_provinces=bool(data.get("widen_provinces", False)),
        order=Order(data.get("order", Order.REQUEST_TIME)),
        seed=data.get("seed"),
    )
    return settings, bool(data.get("include_second_round", False))


def why_json(why: tuple[Why, ...]) -> str:
    """A line's better services and their reasons, compactly (only the fields that are set):
    [{service, km, reasons: [{kind, ...}]}]. Written by hand rather than json.dumps: this
    runs for 20,000 lines, and the reasons repeat (each one's text is made once)."""
    if not why:
        return "[]"
    return (
        "["
        + ",".join(
            f'{{"service":{w.service_id},"km":{_km_json(w.distance_km)},'
            f'"reasons":[{",".join(map(_reason_json, w.reasons))}]}}'
            for w in why
        )
        + "]"
    )


def _km_json(value: float | None) -> str:
    return "null" if value is None else repr(round(value, 1))


@lru_cache(maxsize=8192)
def _reason_json(reason: Reason) -> str:
    return json.dumps(_reason(reason), separators=(",", ":"))


def _reason(reason: Reason) -> dict:
    data = {"kind": reason.kind.value}
    if reason.province is not None:
        data["province"] = reason.province
    if reason.postcode is not None:
        data["postcode"] = reason.postcode
    if reason.period is not None:
        data["period"] = reason.period
    if reason.places is not None:
        data["places"] = reason.places
    if reason.distance_km is not None:
        data["distance_km"] = round(reason.distance_km, 1)
    if reason.limit_km is not None:
        data["limit_km"] = round(reason.limit_km, 1)
    if reason.transport:
        data["transport"] = list(reason.transport)
    if reason.students:
        data["students"] = len(reason.students)
    if reason.existing:
        data["existing"] = reason.existing
    return data


def read_why(text: str) -> list[dict]:
    """The stored "Waarom?" of a line: [{service, km, reasons: [{kind, ...}]}]."""
    entries = json.loads(text or "[]")
    for entry in entries:
        for reason in entry["reasons"]:
            reason["kind"] = ReasonKind(reason["kind"])
    return entries
