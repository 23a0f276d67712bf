"""gunicorn settings, as deployed (README "Deploying on a VPS") and as `make bench` runs them.

Workers and threads were chosen with `make bench` on the 2-core VPS size (bench/results.json):
see README "Performance". Override with GUNICORN_WORKERS / GUNICORN_THREADS / GUNICORN_BIND.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# Exports stream for up to a minute at a full year's size.
timeout = 120
# nginx in front sends X-Forwarded-*; the app trusts one proxy (ProxyFix).
forwarded_allow_ips = "127.0.0.1"
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
# nginx bounds request lines and header lines to 8000 bytes (large_client_header_buffers,
# README) and answers longer ones itself. gunicorn's own limits sit above that (its longest
# request line, 8190; header lines with room for what nginx appends to X-Forwarded-For; its
# most header fields), so that gunicorn never answers what nginx let through with its own
# 414/431 page, which carries none of the app's security headers. They stay finite: gunicorn
# parses unlimited lines in quadratic time.
limit_request_line = 8190
limit_request_field_size = 16384
limit_request_fields = 32768
logger_class = "app.gunicorn_logging.AccessLogger"

# The master checks the configuration before any worker boots: with development secrets or a
# missing STAGEMATCHING_ENV it prints why and stops, instead of each worker failing.
from config import startup_config  # noqa: E402

startup_config(None)
