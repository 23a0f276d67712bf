"""Browser tests: Playwright drives Debian's Chromium against a live app and an SMTP server."""
