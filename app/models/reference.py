"""Fixed lists of the manual: provinces, internship forms, means of transport."""

from flask_babel import lazy_gettext as _l

PROVINCES: dict[str, str] = {
    "BRU": "Brussels Hoofdstedelijk Gewest",
    "VBR": "Vlaams-Brabant",
    "ANT": "Antwerpen",
    "WVL": "West-Vlaanderen",
    "OVL": "Oost-Vlaanderen",
    "LIM": "Limburg",
}

# Postcode ranges of the manual (section 4), inclusive.
POSTCODE_RANGES: list[tuple[int, int, str]] = [
    (1000, 1299, "BRU"),
    (1500, 1999, "VBR"),
    (3000, 3499, "VBR"),
    (2000, 2999, "ANT"),
    (3500, 3999, "LIM"),
    (8000, 8999, "WVL"),
    (9000, 9999, "OVL"),
]

INTERNSHIP_FORMS: dict[str, str] = {
    "blok": "blok",
    "alternerend": "alternerend",
    "blok_alternerend": "blok en alternerend",
}

TRANSPORT_MODES: dict[str, str] = {
    "auto": "Auto",
    "ebike": "Elektrische fiets/bromfiets",
    "fiets": "Fiets",
    "ov": "Openbaar vervoer",
}

SERVICE_KINDS: dict[str, str] = {
    "wzc": "Woonzorgcentrum",
    "thuiszorg": "Thuiszorg",
    "ziekenhuis": "Ziekenhuis",
    "gehandicaptenzorg": "Gehandicaptenzorg",
    "dagverzorging": "Dagverzorgingscentrum",
}


# The same lists as the pages show them, in the user's language. The dicts above are the
# manual's words, which import and export files use whatever the language of the page.
INTERNSHIP_FORM_LABELS = {
    "blok": _l("blok"),
    "alternerend": _l("alternerend"),
    "blok_alternerend": _l("blok en alternerend"),
}
TRANSPORT_LABELS = {
    "auto": _l("Auto"),
    "ebike": _l("Elektrische fiets/bromfiets"),
    "fiets": _l("Fiets"),
    "ov": _l("Openbaar vervoer"),
}
SERVICE_KIND_LABELS = {
    "wzc": _l("Woonzorgcentrum"),
    "thuiszorg": _l("Thuiszorg"),
    "ziekenhuis": _l("Ziekenhuis"),
    "gehandicaptenzorg": _l("Gehandicaptenzorg"),
    "dagverzorging": _l("Dagverzorgingscentrum"),
}


def province_for_postcode(postcode: str | int | None) -> str | None:
    """The province code the manual links to a Belgian postcode, or None."""
    try:
        number = int(str(postcode).strip())
    except (TypeError, ValueError):
        return None
    for low, high, code in POSTCODE_RANGES:
        if low <= number <= high:
            return code
    return None
