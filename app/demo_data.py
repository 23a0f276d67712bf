"""Static lists for the demo data: schools, towns, streets and care-service names (Dutch)."""

MONTHS: list[str] = [
    "jan",
    "feb",
    "mrt",
    "apr",
    "mei",
    "jun",
    "jul",
    "aug",
    "sep",
    "okt",
    "nov",
    "dec",
]

# (name, street, postcode, city, telephone zone) of the six demo CVO's.
SCHOOLS: list[tuple[str, str, str, str, str]] = [
    ("CVO Antwerpen", "Distelvinkstraat 22", "2000", "Antwerpen", "3"),
    ("CVO VIVO Brugge", "Sint-Pieterskaai 61", "8000", "Brugge", "50"),
    ("CVO Gent", "Sint-Salvatorstraat 14", "9000", "Gent", "9"),
    ("CVO Leuven-Tienen", "Kapucijnenvoer 33", "3000", "Leuven", "16"),
    ("CVO Limburg", "Kunstlaan 18", "3500", "Hasselt", "11"),
    ("CVO Brussel", "Zennestraat 23", "1000", "Brussel", "2"),
]

# Per province: (postcode, city, telephone zone) of towns used for addresses.
TOWNS: dict[str, list[tuple[str, str, str]]] = {
    "BRU": [
        ("1000", "Brussel", "2"),
        ("1030", "Schaarbeek", "2"),
        ("1070", "Anderlecht", "2"),
        ("1080", "Sint-Jans-Molenbeek", "2"),
        ("1090", "Jette", "2"),
        ("1200", "Sint-Lambrechts-Woluwe", "2"),
    ],
    "VBR": [
        ("3000", "Leuven", "16"),
        ("1800", "Vilvoorde", "2"),
        ("3300", "Tienen", "16"),
        ("1500", "Halle", "2"),
        ("3200", "Aarschot", "16"),
        ("1700", "Dilbeek", "2"),
        ("3290", "Diest", "13"),
        ("1930", "Zaventem", "2"),
    ],
    "ANT": [
        ("2000", "Antwerpen", "3"),
        ("2800", "Mechelen", "15"),
        ("2300", "Turnhout", "14"),
        ("2200", "Herentals", "14"),
        ("2500", "Lier", "3"),
        ("2400", "Mol", "14"),
        ("2900", "Schoten", "3"),
        ("2100", "Deurne", "3"),
        ("2440", "Geel", "14"),
    ],
    "WVL": [
        ("8000", "Brugge", "50"),
        ("8500", "Kortrijk", "56"),
        ("8800", "Roeselare", "51"),
        ("8400", "Oostende", "59"),
        ("8900", "Ieper", "57"),
        ("8700", "Tielt", "51"),
        ("8600", "Diksmuide", "51"),
        ("8300", "Knokke-Heist", "50"),
    ],
    "OVL": [
        ("9000", "Gent", "9"),
        ("9300", "Aalst", "53"),
        ("9100", "Sint-Niklaas", "3"),
        ("9200", "Dendermonde", "52"),
        ("9700", "Oudenaarde", "55"),
        ("9160", "Lokeren", "9"),
        ("9800", "Deinze", "9"),
        ("9900", "Eeklo", "9"),
    ],
    "LIM": [
        ("3500", "Hasselt", "11"),
        ("3600", "Genk", "89"),
        ("3700", "Tongeren", "12"),
        ("3800", "Sint-Truiden", "11"),
        ("3900", "Pelt", "11"),
        ("3550", "Heusden-Zolder", "11"),
        ("3630", "Maasmechelen", "89"),
    ],
}

STREETS: list[str] = [
    "Kerkstraat",
    "Stationsstraat",
    "Molenstraat",
    "Dorpsstraat",
    "Schoolstraat",
    "Nieuwstraat",
    "Kapelstraat",
    "Beekstraat",
    "Veldstraat",
    "Lindenlaan",
    "Kasteelstraat",
    "Meersstraat",
    "Hoogstraat",
    "Processiestraat",
    "Bosstraat",
    "Sint-Jansstraat",
    "Leopoldlaan",
    "Koning Albertstraat",
    "Gasthuisstraat",
    "Boomgaardstraat",
    "Zandstraat",
    "Heirbaan",
    "Groenstraat",
    "Kloosterstraat",
    "Pastorijstraat",
    "Markt",
    "Vijverstraat",
    "Weverstraat",
]

# Care services per province: 40 in all.
SERVICES_PER_PROVINCE: dict[str, int] = {
    "ANT": 9,
    "OVL": 8,
    "WVL": 7,
    "VBR": 6,
    "LIM": 6,
    "BRU": 4,
}

# Kinds cycle so that every kind occurs, with woonzorgcentra the most common.
KIND_CYCLE: list[str] = [
    "wzc",
    "thuiszorg",
    "wzc",
    "ziekenhuis",
    "wzc",
    "dagverzorging",
    "gehandicaptenzorg",
    "thuiszorg",
    "wzc",
]

KIND_PREFIX: dict[str, str] = {
    "wzc": "WZC",
    "thuiszorg": "Thuiszorg",
    "ziekenhuis": "AZ",
    "gehandicaptenzorg": "Zorgcentrum",
    "dagverzorging": "Dagverzorgingscentrum",
}

SERVICE_NAMES: list[str] = [
    "Sint-Jozef",
    "Ter Linde",
    "De Wingerd",
    "Hof ter Beke",
    "Zonnebloem",
    "Heilig Hart",
    "De Boomgaard",
    "Ter Meeren",
    "Sint-Anna",
    "De Regenboog",
    "Sint-Vincentius",
    "Avondrust",
    "Ter Weyde",
    "Mariahuis",
    "De Notelaar",
    "Sint-Elisabeth",
    "Ter Vesten",
    "De Kapelle",
    "Hof van Arenberg",
    "De Pastorij",
    "Ter Eeckhout",
    "Sint-Franciscus",
    "Het Anker",
    "De Vijverhoeve",
    "Ter Biest",
    "Den Olm",
    "De Zilverberk",
    "Sint-Carolus",
    "Het Lindehof",
    "De Residentie",
    "Ter Burg",
    "Sint-Augustinus",
    "De Meerminne",
    "Ter Lembeek",
    "De Bron",
    "Sint-Camillus",
    "Het Zonnehuis",
    "De Populier",
    "Ter Heide",
    "De Wilg",
    "Sint-Rafaël",
    "Ter Kimme",
]

PERSONAL_REMARKS: list[str] = [
    "Kleurenblind.",
    "Slechthorend, draagt een hoorapparaat.",
    "Heeft geen rijbewijs.",
    "Werkt deeltijds; enkel voormiddagen beschikbaar.",
    "Alleenstaande ouder: liefst geen late diensten.",
    "Spreekt ook Frans en Engels.",
]

INTERNSHIP_REMARKS: list[str] = [
    "Eerst twee weken blok, daarna elke dinsdag en donderdag.",
    "Wil graag ervaring opdoen in de nachtdienst.",
    "Eerdere stage in de thuiszorg; nu liefst een woonzorgcentrum.",
    "Beschikbaar vanaf 7 uur, niet in het weekend.",
]

STOP_REASONS: list[str] = [
    "Cursist heeft de opleiding stopgezet.",
    "Cursist heeft werk gevonden en stopt.",
    "Gezondheidsredenen.",
]

PLACEMENT_NOTES: list[str] = [
    "Graag eerst een kennismakingsgesprek.",
    "Start om 7u30 aan het onthaal.",
    "Uniform wordt voorzien; stevige schoenen meebrengen.",
    "",
]

DECLINE_REASONS: list[str] = [
    "Geen plaats meer in de gevraagde periode.",
    "Onze dienst is met het openbaar vervoer moeilijk bereikbaar voor de cursist.",
    "Wij nemen in deze periode enkel blokstages aan.",
]
