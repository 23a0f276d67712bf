"""Browser-test harness: a live app, a real SMTP server and Debian's Chromium driven by Playwright.

Fixtures for tests in tests/e2e:

- ``mailbox``      the mails received by an aiosmtpd server on 127.0.0.1 (emptied per test);
                   ``mailbox.wait_for(address)`` polls for a mail, ``mailbox.link_for(address)``
                   gives the first http(s) link in it.
- ``live_server``  the app served by werkzeug on 127.0.0.1 with its own SQLite file, CSRF on,
                   mail really sent to ``mailbox``; ``.url``, ``.app``, ``.url_for(path)``.
- ``seed``         ``seed(callback)`` runs ``callback()`` in the live app's context, commits,
                   sends the mail it queued, and returns its result (model objects come back
                   loaded and detached, so their columns can be read).
- ``browser``      one headless Chromium for the session; ``page`` a fresh context and page per
                   test (a screenshot is saved when the test fails).

Without /usr/bin/chromium the tests are skipped, or fail when REQUIRE_E2E=1.
"""

import email
import email.policy
import logging
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).resolve().parent
DEFAULT_TIMEOUT_MS = 5_000
LINK_RE = re.compile(r"https?://[^\s<>\"']+")
_FORMATTER = logging.Formatter()


# --- marking and skipping ---------------------------------------------------------------


def pytest_collection_modifyitems(config, items) -> None:
    """Every test in this folder is a browser test (marker `e2e`)."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _missing_requirement() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import aiosmtpd  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"browser-test dependency missing: {exc.name}"
    return None


def _require_browser() -> None:
    """Skip without a browser, unless REQUIRE_E2E=1 (CI): then fail loudly."""
    problem = _missing_requirement()
    if problem:
        if os.environ.get("REQUIRE_E2E") == "1":
            pytest.fail(
                f"REQUIRE_E2E=1 but browser tests cannot run: {problem}", pytrace=False
            )
        pytest.skip(problem)


@pytest.fixture(autouse=True)
def _browser_available():
    """Every browser test checks its requirements, even one using no browser fixture."""
    _require_browser()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, "rep_" + report.when, report)
    return report


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- SMTP -------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    """One mail as the SMTP server received it."""

    sender: str
    recipients: list[str]
    subject: str
    body: str
    message: email.message.EmailMessage

    @property
    def link(self) -> str:
        """The first http(s) link in the body."""
        match = LINK_RE.search(self.body)
        assert match, f"no link in the mail to {self.recipients}:\n{self.body}"
        return match.group(0).rstrip(".,;)")


class _StoringHandler:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.mails: list[ReceivedMail] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        part = message.get_body(preferencelist=("plain", "html"))
        mail = ReceivedMail(
            sender=envelope.mail_from,
            recipients=[address.lower() for address in envelope.rcpt_tos],
            subject=str(message["Subject"] or ""),
            body=part.get_content() if part is not None else "",
            message=message,
        )
        with self.lock:
            self.mails.append(mail)
        return "250 Message accepted for delivery"


class Mailbox:
    """Test access to the mails the SMTP server received during this test."""

    def __init__(self, handler: _StoringHandler, port: int) -> None:
        self._handler = handler
        self.port = port

    @property
    def mails(self) -> list[ReceivedMail]:
        with self._handler.lock:
            return list(self._handler.mails)

    def clear(self) -> None:
        with self._handler.lock:
            self._handler.mails.clear()

    def to(self, address: str, subject: str | None = None) -> list[ReceivedMail]:
        """The mails received for `address` (with `subject` in their subject), oldest first."""
        address = address.lower()
        return [
            mail
            for mail in self.mails
            if address in mail.recipients
            and (subject is None or subject in mail.subject)
        ]

    def wait_for(
        self,
        address: str,
        subject: str | None = None,
        nth: int = 1,
        timeout: float = 5.0,
    ) -> ReceivedMail:
        """Wait until the `nth` mail for `address` (matching `subject`) arrived; return it."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.to(address, subject)
            if len(found) >= nth:
                return found[nth - 1]
            if time.monotonic() > deadline:
                seen = [(mail.recipients, mail.subject) for mail in self.mails]
                pytest.fail(
                    f"no mail #{nth} to {address} (subject {subject!r}) within {timeout}s; "
                    f"received: {seen}",
                    pytrace=False,
                )
            time.sleep(0.05)

    def link_for(self, address: str, subject: str | None = None, nth: int = 1) -> str:
        """The first link in the `nth` mail for `address`."""
        return self.wait_for(address, subject, nth).link


@pytest.fixture(scope="session")
def smtp_server():
    """An aiosmtpd server on 127.0.0.1 for the whole session; yields its Mailbox."""
    _require_browser()
    from aiosmtpd.controller import Controller

    handler = _StoringHandler()
    last_error = None
    for _attempt in range(5):  # the free port may be taken in between; try another
        controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
        try:
            controller.start()
            break
        except Exception as exc:  # noqa: BLE001
            last_error = exc
    else:
        raise RuntimeError(f"could not start the SMTP server: {last_error}")
    yield Mailbox(handler, controller.port)
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    """The mails received by the SMTP server during this test."""
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


# --- live server ------------------------------------------------------------------------


class _ErrorCollector(logging.Handler):
    """Collects ERROR records (unhandled exceptions, failed mail delivery) of the live app."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class LiveServer:
    app: object
    url: str
    errors: list = field(default_factory=list)

    def url_for(self, path: str) -> str:
        """An absolute URL for a path on the live server: url_for("/login")."""
        return self.url + path


@pytest.fixture
def live_server(mailbox, tmp_path):
    """The app, served on 127.0.0.1 in a thread, with a fresh SQLite database per test.

    CSRF is on and mail goes over SMTP to `mailbox`. An error logged by the app (an
    unhandled exception, a mail that could not be sent) fails the test at teardown.
    """
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from config import TestConfig

    app = create_app(
        TestConfig,
        TESTING=False,  # run like a deployment: errors go to the error pages and the log
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'e2e.db'}",
        WTF_CSRF_ENABLED=True,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mailbox.port,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
        MAIL_SUPPRESS_SEND=False,
    )
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url  # links in mails point at this server
    collector = _ErrorCollector()
    logging.getLogger().addHandler(collector)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="e2e-server",
        daemon=True,
    )
    thread.start()
    live = LiveServer(app=app, url=url, errors=collector.records)
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        logging.getLogger().removeHandler(collector)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if collector.records:
        problems = "\n".join(
            f"{record.name}: {record.getMessage()}"
            + (
                f"\n{_FORMATTER.formatException(record.exc_info)}"
                if record.exc_info
                else ""
            )
            for record in collector.records
        )
        pytest.fail(f"the live app logged errors:\n{problems}", pytrace=False)


def _detach_loaded(db, value):
    """Model objects in `value` come back with their columns loaded, detached from the session."""
    items = (
        value
        if isinstance(value, (list, tuple, set))
        else (value.values() if isinstance(value, dict) else (value,))
    )
    for item in items:
        if hasattr(item, "_sa_instance_state") and item in db.session:
            db.session.refresh(item)
            db.session.expunge(item)
    return value


@pytest.fixture
def seed(live_server):
    """seed(callback): run `callback()` in the live app, commit, send queued mail; its result.

    school = seed(lambda: make_school("CVO Antwerpen"))
    school.name  # loaded; relationships are not
    """
    from app.extensions import db
    from app.outbox import commit_and_send

    def run(callback):
        with live_server.app.app_context():
            result = callback()
            commit_and_send()
            return _detach_loaded(db, result)

    return run


# --- browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for all browser tests."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def screenshot_dir(tmp_path_factory) -> Path:
    """Where failing tests leave a screenshot (E2E_ARTIFACTS overrides the pytest tmp dir)."""
    folder = Path(
        os.environ.get("E2E_ARTIFACTS")
        or tmp_path_factory.getbasetemp() / "e2e-screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, live_server, request, screenshot_dir):
    """A fresh browser context (no cookies) and page, in Dutch, with short timeouts."""
    from playwright.sync_api import expect

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    context = browser.new_context(locale="nl-BE", base_url=live_server.url)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        path = screenshot_dir / f"{request.node.name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"\nscreenshot of the failing page: {path}")
        except Exception as exc:  # noqa: BLE001 - a screenshot must not hide the real failure
            print(f"\nno screenshot: {exc}")
    context.close()
