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


# --- gettext only with literals (issue 12) ------------------------------------------------

GETTEXT_NAMES = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"}


def _python_calls_with_a_variable(path: Path, root: Path = ROOT) -> list[str]:
    """gettext calls in a Python file whose message is not a string literal."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = getattr(func, "id", None) or getattr(func, "attr", None)
        if name not in GETTEXT_NAMES:
            continue
        first = node.args[0] if node.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def _template_calls_with_a_variable(path: Path, root: Path = ROOT) -> list[str]:
    """The same for a Jinja template."""
    from jinja2 import Environment, nodes

    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"])
    tree = env.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(root)}:{call.lineno}"
        for call in tree.find_all(nodes.Call)
        if isinstance(call.node, nodes.Name)
        and call.node.name in GETTEXT_NAMES
        and not (
            call.args
            and isinstance(call.args[0], nodes.Const)
            and isinstance(call.args[0].value, str)
        )
    ]


def test_gettext_is_called_with_literals_only():
    """A message passed to gettext as a variable never reaches the catalogue (CONVENTIONS:
    every UI string is a literal in _() or _l())."""
    app_dir = ROOT / "app"
    found = [
        hit
        for path in app_dir.rglob("*.py")
        for hit in _python_calls_with_a_variable(path)
    ]
    for pattern in ("*.html", "*.txt"):
        for path in app_dir.rglob(pattern):
            found += _template_calls_with_a_variable(path)
    assert found == [], "gettext with a non-literal message: " + ", ".join(found)


def test_the_checks_see_a_variable_passed_to_gettext(tmp_path):
    """The walkers flag `_(MESSAGES[code])` and `{{ _(message) }}`, not `_("...")`."""
    code = tmp_path / "errors.py"
    code.write_text('x = _(MESSAGES[404])\ny = _l("Letterlijk")\nz = gettext(x)\n')
    page = tmp_path / "page.html"
    page.write_text('{{ _(message) }} {{ _("Letterlijk") }} {{ ngettext(a, b, n) }}')
    assert _python_calls_with_a_variable(code, tmp_path) == [
        "errors.py:1",
        "errors.py:3",
    ]
    assert _template_calls_with_a_variable(page, tmp_path) == [
        "page.html:1",
        "page.html:1",
    ]


def test_an_error_page_speaks_english_when_english_was_chosen(client):
    client.post("/taal", data={"lang": "en", "next": "/"})
    page = client.get("/bestaat-niet")
    assert page.status_code == 404
    assert "This page does not exist (anymore)." in page.text
    assert "Deze pagina bestaat niet" not in page.text


# --- mail bodies: no text outside gettext (issue 12) ------------------------------------

MAIL_TEMPLATES = ROOT / "app/templates/mail"
# Names, not words: the signature is the same in every language.
NOT_TRANSLATED = ("VIVO", "Stagematching")


def _text_outside_gettext(path: Path, root: Path = ROOT) -> list[str]:
    """The literal text of a template (what is neither a tag, an expression nor a gettext
    call) that has letters in it, apart from the names in NOT_TRANSLATED."""
    from jinja2 import Environment, nodes

    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"])
    tree = env.parse(path.read_text(encoding="utf-8"))
    found = []
    for data in tree.find_all(nodes.TemplateData):
        text = data.data
        for name in NOT_TRANSLATED:
            text = text.replace(name, "")
        if any(character.isalpha() for character in text):
            found.append(f"{path.relative_to(root)}: {data.data.strip()[:40]!r}")
    return found


def test_every_mail_body_goes_through_gettext():
    """A mail template written as plain Dutch text reaches a user who chose English in
    Dutch, whatever the catalogue holds (NF-1)."""
    templates = sorted(MAIL_TEMPLATES.glob("*.txt"))
    assert len(templates) >= 14
    found = [hit for path in templates for hit in _text_outside_gettext(path)]
    assert found == [], "mail text outside _(): " + "; ".join(found)


def test_the_mail_check_sees_plain_text(tmp_path):
    """Plain text and a bare word are flagged; gettext, expressions and the signature not."""
    mail = tmp_path / "mail.txt"
    mail.write_text(
        '{{ _("Beste,") }}\n\n{{ service.name }} aanvaardde {{ name }}.\n'
        "{% if reason %}Reden: {{ reason }}{% endif %}\n"
        "- {{ province }}: {{ count }}\n"
        "VIVO – Stagematching\n"
    )
    assert _text_outside_gettext(mail, tmp_path) == [
        "mail.txt: 'aanvaardde'",
        "mail.txt: 'Reden:'",
    ]
    with_trans = tmp_path / "trans.txt"
    with_trans.write_text("{% trans name=name %}Dag {{ name }}{% endtrans %}\n")
    assert _text_outside_gettext(with_trans, tmp_path) == []
