"""Drive a running gunicorn with Debian's `wrk`: logins, page runs, the mixed run.

Every request carries the headers nginx sends (X-Forwarded-Proto https, X-Forwarded-For), so
the app runs exactly as deployed: ProxyFix, Secure cookies, CSRF with the HTTPS referer check.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
COOKIE = "stagematching_session"

REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,' ..
    '"p50":%.3f,"p95":%.3f,"p99":%.3f,"max":%.3f}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""

# Cycles through prepared requests (one per line: METHOD<TAB>PATH<TAB>BODY), each thread
# starting at its own offset, so that concurrent writers touch different rows.
CYCLE_LUA = """
local requests = {}
local counter = 0
local offset = 0
local threads_started = 0

setup = function(thread)
  threads_started = threads_started + 1
  thread:set("offset", threads_started * 7919)
end

init = function(args)
  local file = io.open(args[1], "r")
  for line in file:lines() do
    local method, path, body = line:match("^(%u+)\\t([^\\t]*)\\t(.*)$")
    -- wrk.format uses only the headers it is given: add those of -H (cookie, proxy).
    local headers = {}
    for name, value in pairs(wrk.headers) do
      headers[name] = value
    end
    if method == "POST" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
    end
    table.insert(requests, wrk.format(method, path, headers, body))
  end
  file:close()
  counter = offset or 0
end

request = function()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Session:
    """A logged-in browser: its cookie and a CSRF token of its session."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    def _headers(self, extra: dict | None = None) -> dict:
        headers = dict(PROXY_HEADERS)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, body: dict | list | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        extra = {}
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            extra = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"https://{self.host}:{self.port}{path}",
            }
        connection.request(method, path, body=data, headers=self._headers(extra))
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        connection.close()
        return response.status, dict(response.getheaders()), text

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, body):
        return self.request("POST", path, body)

    def token_from(self, html: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        if not match:  # every page sends it to htmx in a header
            match = re.search(r'"X-CSRFToken": "([^"]+)"', html)
        return match.group(1) if match else ""

    def login(self, email: str, password: str) -> None:
        status, _, html = self.get("/login")
        assert status == 200, status
        self.csrf = self.token_from(html)
        status, headers, _ = self.post(
            "/login",
            {"csrf_token": self.csrf, "email": email, "password": password},
        )
        assert status == 302, f"login of {email} answered {status}"
        _, _, html = self.get("/start")
        self.csrf = self.token_from(html) or self.csrf

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


class Server:
    """gunicorn with the repository's gunicorn.conf.py and production settings."""

    def __init__(self, env: dict[str, str], workers: int, threads: int) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="bench-gunicorn-"))
        self.env = {
            **os.environ,
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_ACCESSLOG": str(self.folder / "access.log"),
        }
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log = open(self.folder / "server.log", "w")
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=2
                )
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start; see {self.folder / 'server.log'}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()

    def errors_logged(self) -> int:
        text = (self.folder / "server.log").read_text(errors="replace")
        return text.count("Traceback")


def wrk_available() -> str:
    path = shutil.which("wrk")
    if not path:
        raise SystemExit(
            "make bench needs Debian's wrk: apt-get install wrk (the Makefile does it as root)"
        )
    return path


def run_wrk(
    port: int,
    path: str,
    seconds: int,
    connections: int,
    headers: dict[str, str] | None = None,
    cycle_file: Path | None = None,
    threads: int = 2,
) -> dict:
    """One wrk run; returns req/s, latency percentiles in ms and error counts."""
    folder = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    script = folder / "script.lua"
    script.write_text((CYCLE_LUA if cycle_file else "") + REPORT_LUA)
    command = [
        wrk_available(),
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    for name, value in {**PROXY_HEADERS, **(headers or {})}.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    if cycle_file:
        command += ["--", str(cycle_file)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("BENCH "))
    result = json.loads(line.removeprefix("BENCH "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    shutil.rmtree(folder)
    return result


def write_cycle(requests: list[tuple[str, str, str]]) -> Path:
    """A file of prepared requests for CYCLE_LUA."""
    path = Path(tempfile.mkdtemp(prefix="bench-cycle-")) / "requests.tsv"
    path.write_text(
        "".join(f"{method}\t{target}\t{body}\n" for method, target, body in requests)
    )
    return path
