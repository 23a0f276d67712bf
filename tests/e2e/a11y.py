"""Accessibility checks in the browser: the axe-core engine run inside the test's Chromium.

`axe_violations(page)` runs every axe rule of WCAG 2.0/2.1 A and AA and axe's best
practices against the page as it is now (after any htmx swap), and returns the violations.
`report(found)` lists them by page, rule id and target element, for an assertion message.
"""

from axe_playwright_python.sync_playwright import Axe

# Every rule that is on by default in axe-core: WCAG 2.0/2.1 A and AA and best practices.
OPTIONS = {"resultTypes": ["violations"]}

_AXE = Axe()


def axe_violations(page) -> list[dict]:
    """The axe violations of the page in its current state (of any impact)."""
    return _AXE.run(page, options=OPTIONS).response["violations"]


def report(found: dict[str, list[dict]]) -> str:
    """Violations per page: 'page: rule-id (impact) help -> target, target'."""
    lines = []
    for where, violations in found.items():
        for violation in violations:
            targets = "; ".join(
                " ".join(node["target"]) for node in violation["nodes"][:5]
            )
            more = len(violation["nodes"]) - 5
            lines.append(
                f"{where}: {violation['id']} ({violation['impact']}) "
                f"{violation['help']} -> {targets}"
                + (f" (+{more} more)" if more > 0 else "")
            )
    return "\n".join(lines)


def check(page, where: str, found: dict[str, list[dict]]) -> None:
    """Run axe on the page and keep its violations under `where`."""
    violations = axe_violations(page)
    if violations:
        found[where] = violations
