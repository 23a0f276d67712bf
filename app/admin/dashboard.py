"""VIVO's desk: dashboard (issue 9). Routes on the admin blueprint."""

from app.admin.routes import bp  # noqa: F401
