"""NF-1: every UI string in the code and templates has an English translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
}


def searched(dirpath: str) -> bool:
    """Every folder but hidden ones and caches: babel's default also skips templates/_macros."""
    name = Path(dirpath).name
    return not name.startswith(".") and name != "__pycache__"


def extracted_ids() -> set:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    ids = set()
    for _, _, message, _, _ in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=searched
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_ui_string_is_translated_to_english():
    with (ROOT / "app/translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id
        and not m.fuzzy
        and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(extracted_ids() - translated)
    assert len(extracted_ids()) > 300
    assert missing == [], "run `make messages` and translate: " + "; ".join(
        missing[:10]
    )
