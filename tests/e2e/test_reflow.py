"""No page scrolls sideways (WCAG 1.4.10 reflow) at the usual laptop widths and on a phone.

At 1280 and 1366 px the request form and a service's request page used to scroll sideways:
the visually hidden default submit button at the top of the form took the width of a full
Pico button. Every main page of every role is checked at 1280, 1366 and 390 px.
"""

import pytest
from playwright.sync_api import Page

from tests.e2e.demo_site import demo_fixture, log_in, role_pages  # noqa: F401

WIDTHS = (1280, 1366, 390)
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def overflowing(page: Page, paths: list[str]) -> dict[str, int]:
    """{"path @ width": pixels too wide} for every page at every width."""
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(path)
            extra = page.evaluate(OVERFLOW)
            if extra > 0:
                found[f"{path} @ {width}px"] = extra
    return found


def test_the_request_form_and_request_page_do_not_scroll_sideways(page, demo):
    log_in(page, "school")
    found = overflowing(
        page, ["/studenten/nieuw", f"/studenten/{demo['student']}/bewerken"]
    )
    page.context.clear_cookies()
    log_in(page, "service")
    found |= overflowing(page, [f"/dienst/aanvragen/{demo['open_request']}"])
    assert found == {}, f"pages wider than the window (px too wide): {found}"


@pytest.mark.parametrize("role", ["school", "service", "admin"])
def test_no_page_of_a_role_scrolls_sideways(page, live_server, demo, role):
    log_in(page, role)
    found = overflowing(page, role_pages(live_server.app, role, demo))
    assert found == {}, f"pages wider than the window (px too wide): {found}"
