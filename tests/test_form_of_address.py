"""One voice: the manual addresses the user with "je", so every Dutch UI string does too
(templates, flashes, form messages and mails); a formal "u" or "uw" fails here."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

ROOT = Path(__file__).resolve().parent.parent
# "u" or "uw" as a word; "u" after a number is the hour ("9u30", "%(n)d u/week").
FORMAL = re.compile(r"(?<![\w\d])(?<!\d )(?<!\)d )(?<!\)s )[Uu]w?(?![\w/])")


def formal(text: str) -> list[str]:
    """The formal words of address in a Dutch text."""
    return FORMAL.findall(text)


def ui_strings() -> list[tuple[str, int, str]]:
    """(file, line, text) of every string the app translates, as `make messages` finds them."""
    method_map = [
        ("app/**.py", "python"),
        ("app/templates/**.html", "jinja2"),
        ("app/templates/**.txt", "jinja2"),
        ("app/schedule/templates/**.html", "jinja2"),
    ]
    found = []
    for filename, line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        keywords={
            "_": None,
            "_l": None,
            "gettext": None,
            "ngettext": (1, 2),
            "lazy_gettext": None,
        },
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.append((filename, line, text))
    return found


def test_no_ui_string_addresses_the_user_formally():
    offenders = [
        f"{filename}:{line}: {text}"
        for filename, line, text in ui_strings()
        if formal(text)
    ]
    assert offenders == []


def test_no_template_text_outside_gettext_addresses_the_user_formally():
    tag = re.compile(r"{[{%#].*?[}%#]}", re.S)
    offenders = [
        f"{path.relative_to(ROOT)}: {word}"
        for folder in ("app/templates", "app/schedule/templates")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in (".html", ".txt")
        for word in formal(re.sub(r"<[^>]*>", " ", tag.sub(" ", path.read_text())))
    ]
    assert offenders == []


def test_the_check_tells_the_hour_from_the_formal_you():
    assert formal("kiest voor u") == ["u"]
    assert formal("Uw wachtwoord werd gewijzigd.") == ["Uw"]
    assert formal("Kunt u dit nakijken?") == ["u"]
    assert formal("%(n)d u/week") == []
    assert formal("%(n)d u totaal") == []
    assert formal("tussen 9u30 en 12u") == []
    assert formal("Je uurrooster en jouw dienst") == []
