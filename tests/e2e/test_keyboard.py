"""The main flows with the keyboard alone (WCAG 2.1.1, 2.1.2, 2.4.7), in the browser.

A coordinator enters an internship request and a care service accepts it with a mentor,
using only Tab, Shift+Tab, Enter, Space and typing. Every element the flow needs is reached
with Tab; each focused element shows a focus style of its own (its outline or shadow differs
from the same element unfocused); Tab runs through a whole page and out of it again, so no
element traps the keyboard.
"""

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.factories import (
    PASSWORD,
    make_mentor,
    make_school,
    make_service,
    make_student,
    make_supervisor,
    make_term,
    make_user,
    valid_national_number,
)

COORDINATOR = "coordinator@cvo.example"
SERVICE = "onthaal@delinde.example"
MAX_TABS = 120

# A short description of the focused element: its accessible label as a user reads it.
DESCRIBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return (el.getAttribute("aria-label") || label || el.innerText || el.value || "")
    .replace(/\\s+/g, " ").replace(" *", "").trim();
}"""

# The focused element's focus indicator, compared with an unfocused copy of it in its place.
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const look = (node) => {
    const s = getComputedStyle(node);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor].join(" | ");
  };
  const copy = el.cloneNode(true);
  copy.removeAttribute("id");
  el.after(copy);
  const unfocused = look(copy);
  copy.remove();
  const s = getComputedStyle(el);
  const drawn = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
  return {focused: look(el), unfocused, drawn};
}"""


def focused(page: Page) -> str:
    return page.evaluate(DESCRIBE)


def expect_visible_focus(page: Page) -> None:
    style = page.evaluate(FOCUS_STYLE)
    where = focused(page)
    assert style["drawn"], f"no outline or shadow on the focused {where!r}: {style}"
    assert style["focused"] != style["unfocused"], f"focus not visible on {where!r}"


def tab_to(page: Page, name: str, back: bool = False) -> None:
    """Press Tab (Shift+Tab) until the element named `name` has the focus; every element on
    the way shows its focus."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        current = focused(page)
        seen.append(current)
        if current:
            expect_visible_focus(page)
        if current.startswith(name):
            return
    raise AssertionError(f"{name!r} not reached with Tab; reached: {seen}")


def type_into(page: Page, name: str, text: str) -> None:
    tab_to(page, name)
    page.keyboard.type(text)


# Elements by their place in the document, so that a visit can be compared with the list.
TABBABLE = """() => {
  const all = [...document.querySelectorAll("*")];
  return all.filter(el => el.matches("a[href], button, input, select, textarea, summary, [tabindex]")
      && el.tabIndex >= 0 && !el.disabled && el.type !== "hidden"
      && el.checkVisibility({visibilityProperty: true}))
    .map(el => all.indexOf(el));
}"""
PLACE = "() => [...document.querySelectorAll('*')].indexOf(document.activeElement)"


def type_date(page: Page, name: str, day: date) -> None:
    """Type a date into a date field part by part; the order of the parts follows the
    browser's own locale (day first in Belgium, month first in a US build)."""
    tab_to(page, name)
    page.keyboard.type(day.strftime("%d%m%Y"))
    if page.evaluate("document.activeElement.value") != day.isoformat():
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.type(day.strftime("%m%d%Y"))
    assert page.evaluate("document.activeElement.value") == day.isoformat()


def expect_no_trap(page: Page) -> None:
    """Tab reaches every tabbable element of the page and comes round to the first again
    (a date field takes several presses: one per part)."""
    tabbable = page.evaluate(TABBABLE)
    page.keyboard.press("Escape")
    visited: list[int] = []
    for _ in range(4 * len(tabbable) + 5):
        page.keyboard.press("Tab")
        place = page.evaluate(PLACE)
        if visited and place == visited[0]:
            missed = set(tabbable) - set(visited)
            assert not missed, f"{len(missed)} elements not reached with Tab"
            return
        visited.append(place)
    raise AssertionError("Tab did not come round to the first element: a keyboard trap")


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.emulate_media(
        reduced_motion="reduce"
    )  # focus shadows drawn without transition
    page.keyboard.type(email)  # the e-mail field has the focus on arrival
    tab_to(page, "Paswoord")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()


def test_a_coordinator_enters_a_request_with_the_keyboard_alone(page, seed):
    def build():
        school = make_school("CVO Antwerpen")
        make_user("school", organisation=school, email=COORDINATOR)
        make_supervisor(school, name="An Peeters")
        return make_term()

    term = seed(build)
    log_in(page, COORDINATOR)
    tab_to(page, "Stageaanvraag ingeven")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Stageaanvraag ingeven")).to_be_visible()
    expect_no_trap(page)

    type_into(page, "Voornaam", "Sara")
    type_into(page, "Achternaam", "Janssens")
    type_into(page, "Rijksregisternummer", valid_national_number(date(1995, 5, 17), 9))
    type_into(page, "Straat", "Kerkstraat 1")
    type_into(page, "Postcode", "2000")
    type_into(page, "Plaats", "Antwerpen")
    type_into(page, "Provincie", "Antw")  # a closed select picks the option typed
    type_into(page, "Telefoon", "0470 12 34 56")
    type_into(page, "E-mail", "sara@mail.example")
    tab_to(page, "Fiets")
    page.keyboard.press("Space")
    type_into(page, "Stage-/werkplekbegeleider", "An")
    type_into(page, "Stagevorm", "alt")
    type_into(page, "Totaal aantal uren", "120")
    start = term.internship_start
    type_date(page, "Startdatum periode 1", start)
    type_date(page, "Einddatum periode 1", start + timedelta(days=20))
    tab_to(page, "Opslaan en sluiten")
    tab_to(page, "Opslaan en volgende", back=True)  # Shift+Tab goes back
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text="opgeslagen")).to_be_visible()
    expect(page.get_by_label("Voornaam")).to_have_value("")  # the next student's form


def test_a_service_accepts_a_request_with_a_mentor_with_the_keyboard_alone(page, seed):
    def build():
        school = make_school("CVO Antwerpen")
        term = make_term()
        supervisor = make_supervisor(school, name="An Peeters")
        linde = make_service("ANT", name="WZC De Linde", city="Antwerpen")
        make_user("service", organisation=linde, email=SERVICE)
        make_mentor(linde, name="Mieke Mentor")
        make_student(
            school=school,
            term=term,
            supervisor=supervisor,
            first_name="Sara",
            last_name="Peeters",
        )

    seed(build)
    log_in(page, SERVICE)
    tab_to(page, "Stageaanvragen")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("aanvragen")
    tab_to(page, "Sara Peeters")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sara Peeters")).to_be_visible()
    expect_no_trap(page)

    tab_to(page, "Periode 1")
    page.keyboard.press("Space")
    type_into(page, "Stagementor", "Mieke")
    type_into(page, "Notities", "Start om 8u.")
    tab_to(page, "Aanvaarden")
    page.keyboard.press("Enter")

    expect(
        page.get_by_role("status").filter(has_text="Aanvaard: periode 1.")
    ).to_be_visible()
