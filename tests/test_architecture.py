"""One rule, one place: only app/schedule/ decides what is allowed when (CONVENTIONS.md).

The checks read the source, so they fail the moment a copy of a time rule creeps in.
"""

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
TIMETABLE_COLUMNS = {
    "intake_opens_at",
    "intake_closes_at",
    "results_at",
    "requests_visible_at",
    "second_round_until",
    "visible_from",
}
# The owner, the table definitions and the demo-data generator may touch the columns.
ALLOWED_MODULES = ("schedule/", "models/", "demo.py", "demo_data.py")
TAG = re.compile(r"{[{%](.*?)[%}]}", re.S)
TEMPORAL = re.compile(
    r"\bnow\b|\btoday\b|_at\b|_date\b|\buntil\b|\bdeadline\b|\bmoment\b"
)
COMPARISON = re.compile(r"(?<![-=!<>])(<=?|>=?)(?![-=<>])")


def timetable_reads(source: str) -> list[tuple[int, str]]:
    """(line, attribute) of every read of a timetable column in Python source."""
    return [
        (node.lineno, node.attr)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in TIMETABLE_COLUMNS
    ] + [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and node.value in TIMETABLE_COLUMNS
    ]


def date_comparisons(template: str) -> list[str]:
    """Template tags that compare a moment or a date."""
    return [
        tag.strip()
        for tag in TAG.findall(template)
        if TEMPORAL.search(tag) and COMPARISON.search(tag)
    ]


def _relative(path: Path) -> str:
    return path.relative_to(APP).as_posix()


def test_no_module_outside_schedule_reads_the_timetable():
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        if _relative(path).startswith(ALLOWED_MODULES):
            continue
        offenders += [
            f"{_relative(path)}:{line} reads {attr}"
            for line, attr in timetable_reads(path.read_text())
        ]
    assert offenders == []


def templates() -> list[Path]:
    """Every template of the app, in app/templates and in a package's own templates folder."""
    return sorted(
        path
        for folder in APP.rglob("templates")
        for path in folder.rglob("*")
        if path.suffix in (".html", ".txt")
    )


def test_no_template_compares_dates():
    offenders = [
        f"{_relative(path)}: {tag}"
        for path in templates()
        for tag in date_comparisons(path.read_text())
    ]
    assert offenders == []


def test_pages_read_moments_from_the_schedule_not_from_the_term():
    pattern = re.compile(r"\.(" + "|".join(sorted(TIMETABLE_COLUMNS)) + r")\b")
    offenders = [
        f"{_relative(path)}: {m.group(0)}"
        for path in templates()
        if not _relative(path).startswith(ALLOWED_MODULES)
        for m in pattern.finditer(path.read_text())
    ]
    assert offenders == []


# The checks themselves must be able to fail: they recognise the copies that used to exist.
def test_the_checks_recognise_a_copy_of_a_rule():
    assert timetable_reads("if now >= student.term.results_at:\n    pass") == [
        (1, "results_at")
    ]
    assert timetable_reads("q = select(Term).where(Term.intake_opens_at <= now)") == [
        (1, "intake_opens_at")
    ]
    assert timetable_reads("x = getattr(term, 'second_round_until')") == [
        (1, "second_round_until")
    ]
    assert date_comparisons("{% set final = now >= term.results_at %}")
    assert date_comparisons("{% if now < student.term.results_at %}x{% endif %}")
    assert date_comparisons("{% if p.start_date > today %}")
    assert not date_comparisons(
        "{% if state.final %}{{ state.results|moment }}{% endif %}"
    )
    assert not date_comparisons("{% for x in xs %}<p>{{ x }}</p>{% endfor %}")


# The school side and the care side meet only in models, rules (app/schedule/) and shared
# helpers: neither side's package imports the other's.
SCHOOL_SIDE = ("students", "supervisors")
CARE_SIDE = ("placements", "mentors")
FORBIDDEN_IMPORTS = {
    **{package: CARE_SIDE for package in SCHOOL_SIDE},
    **{package: SCHOOL_SIDE for package in CARE_SIDE},
    # The mentors' own lists are below the requests: placements uses them, not the reverse.
    "mentors": (*SCHOOL_SIDE, "placements"),
}


def imported_packages(source: str) -> set[str]:
    """The app packages a module imports (`app.x...` gives x), at any depth of the module."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            if node.module == "app":
                modules = [f"app.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        names |= {m.split(".")[1] for m in modules if m.startswith("app.")}
    return names


def test_the_school_side_and_the_care_side_do_not_import_each_other():
    offenders = [
        f"{_relative(path)} imports app.{name}"
        for package, forbidden in FORBIDDEN_IMPORTS.items()
        for path in sorted((APP / package).rglob("*.py"))
        for name in sorted(imported_packages(path.read_text()) & set(forbidden))
    ]
    assert offenders == []


def test_the_import_check_recognises_a_crossing():
    assert imported_packages("from app.students.logic import national_number_of") == {
        "students"
    }
    assert imported_packages("def f():\n    from app import supervisors\n") == {
        "supervisors"
    }
    assert imported_packages("import app.placements.queries as q") == {"placements"}
    assert imported_packages("from app.models import Student") == {"models"}
