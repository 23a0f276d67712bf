"""Keep ../shared/SECURITY.md's numbering (issue 11): every item N has at least one test
function named `test_sec_<N>_...` or `test_sec_<NN>_...`, so that a reader finds the proof
of item N in one search. A name may carry several items: `test_sec_06_07_...` counts for 6
and 7.

The scan reads tests/**/*.py with `ast` (nothing is imported or run). Items 1 to 28 are
always required; when SECURITY.md is beside the project, a higher item it adds is required
too.
"""

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CHECKLIST = TESTS.parent.parent / "shared" / "SECURITY.md"
KNOWN_ITEMS = 28
NAME = re.compile(r"test_sec_((?:\d{1,2}_)+)")
ITEM_LINE = re.compile(r"^(\d+)\. ", re.MULTILINE)


def items() -> range:
    """1 .. the highest item number: 28, or more once SECURITY.md lists more."""
    highest = KNOWN_ITEMS
    if CHECKLIST.exists():
        numbers = [int(n) for n in ITEM_LINE.findall(CHECKLIST.read_text())]
        highest = max([highest, *numbers])
    return range(1, highest + 1)


def item_numbers(name: str) -> list[int]:
    """The items a test function's name claims: `test_sec_06_07_x` -> [6, 7]."""
    match = NAME.match(name)
    if match is None:
        return []
    return [int(part) for part in match.group(1).split("_") if part]


def security_tests() -> dict[int, list[str]]:
    """Item number -> "path::function" of every test named after it."""
    found: dict[int, list[str]] = {}
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for number in item_numbers(node.name):
                    where = f"{path.relative_to(TESTS.parent).as_posix()}::{node.name}"
                    found.setdefault(number, []).append(where)
    return found


def test_the_names_are_read_as_intended():
    assert item_numbers("test_sec_06_07_every_post") == [6, 7]
    assert item_numbers("test_sec_9_a_session") == [9]
    assert item_numbers("test_sec_14_login") == [14]
    assert item_numbers("test_sec_18_19_headers") == [18, 19]
    assert item_numbers("test_sec_no_500_on_any_input") == []
    assert item_numbers("test_sec_12") == []  # no name after the number
    assert item_numbers("test_security_headers") == []


def test_every_security_item_has_a_test_named_after_it():
    found = security_tests()
    missing = [number for number in items() if number not in found]
    assert missing == [], (
        "SECURITY.md items without a test named test_sec_<N>_... or test_sec_<NN>_...: "
        + ", ".join(map(str, missing))
    )


def test_no_test_is_named_after_an_item_that_does_not_exist():
    unknown = {
        number: names
        for number, names in security_tests().items()
        if number not in items()
    }
    assert unknown == {}, f"SECURITY.md has no such item: {unknown}"
