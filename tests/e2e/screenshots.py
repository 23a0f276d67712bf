"""`make screenshots`: every role's pages at 1366 px and at 390 px (a phone), as PNG files.

Not a test (the name does not start with test_): the Makefile hands this file to pytest, so
that it reuses the browser tests' live server, demo data (`flask demo-data`) and Chromium.
The files land in screenshots/ (SCREENSHOTS_DIR overrides), named role-page-width.png.
"""

import os
import re
from pathlib import Path

import pytest

from tests.e2e.demo_site import demo_fixture, log_in, role_pages  # noqa: F401

WIDTHS = {"desktop": 1366, "phone": 390}
ANONYMOUS_PAGES = ["/login", "/paswoord-vergeten", "/hulp"]


def folder() -> Path:
    root = Path(__file__).resolve().parents[2]
    path = Path(os.environ.get("SCREENSHOTS_DIR") or root / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_name(role: str, path: str, width: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    return f"{role}-{slug}-{width}.png"


def shoot(page, role: str, paths: list[str]) -> list[Path]:
    written = []
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(path)
            target = folder() / file_name(role, path, width)
            page.screenshot(path=str(target), full_page=True)
            written.append(target)
    return written


@pytest.mark.parametrize("role", ["anonymous", "school", "service", "admin"])
def test_screenshots(page, live_server, demo, role):
    if role == "anonymous":
        paths = ANONYMOUS_PAGES
    else:
        log_in(page, role)
        paths = role_pages(live_server.app, role, demo)
        paths = [p for p in paths if p not in ANONYMOUS_PAGES or p == "/hulp"]
    written = shoot(page, role, paths)
    assert all(path.stat().st_size > 0 for path in written)
    print(f"\n{len(written)} screenshots of {role} in {folder()}")
