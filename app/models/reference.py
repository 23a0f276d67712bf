"""Fixed lists of the manual: provinces, internship forms, means of transport."""

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
